"""ECR: whether images are scanned when pushed, per repository and by the registry's scanning rules.
https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    """``{"repositories": [{"name", "arn", "scan_on_push"}], "registry_scanning": {"scan_type", "rules":
    [{"frequency", "filters": [str]}]} | marker}``."""
    client = clients.client("ecr", region)
    repositories = [{"name": repo["repositoryName"], "arn": repo["repositoryArn"],
                     "scan_on_push": bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush"))}
                    for repo in paginate(client, "describe_repositories", "repositories", page_size=1000)]
    data = {"repositories": repositories}
    if repositories:  # the registry's rules matter only for the repositories it has
        data["registry_scanning"] = guarded("GetRegistryScanningConfiguration", lambda: _registry(client))
    return data


def _registry(client) -> dict:
    configuration = client.get_registry_scanning_configuration()["scanningConfiguration"]
    return {"scan_type": configuration.get("scanType", "BASIC"),
            "rules": [{"frequency": rule.get("scanFrequency"),
                       "filters": [f.get("filter", "") for f in rule.get("repositoryFilters", [])]}
                      for rule in configuration.get("rules", [])]}
