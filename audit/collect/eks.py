"""EKS: which control-plane log types each cluster ships."""

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("eks", region)
    return {"clusters": [
        {"name": name, "enabled_log_types": guarded("DescribeCluster", lambda n=name: _log_types(client, n))}
        for name in paginate(client, "list_clusters", "clusters", page_size=100)]}


def _log_types(client, name: str) -> list[str]:
    logging = client.describe_cluster(name=name)["cluster"].get("logging", {})
    return sorted({log_type for entry in logging.get("clusterLogging", []) if entry.get("enabled")
                   for log_type in entry.get("types", [])})
