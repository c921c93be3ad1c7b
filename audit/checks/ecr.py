"""ecr.*: images scanned when pushed, the record of what was deployed and whether it was known bad."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import require

# Registry rules that scan an image when it is pushed (enhanced scanning's continuous scan does too).
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html
_ON_PUSH = {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}


def _registry_rule(registry: dict, repository: str) -> str | None:
    """How the registry's scanning configuration scans ``repository`` on push, or None. Filters are
    wildcards (``*`` any characters), as RepositoryScanningConfiguration documents."""
    for rule in registry.get("rules") or []:
        if rule.get("frequency") in _ON_PUSH and any(fnmatchcase(repository, f) for f in rule.get("filters") or []):
            return f"{registry.get('scan_type', 'BASIC').lower()} registry scanning ({rule['frequency']})"
    return None


def _image_scanning(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        if not data["repositories"]:
            return
        registry = require(data.get("registry_scanning"), f"registry scanning configuration in {region}")
        for repo in data["repositories"]:
            how = _registry_rule(registry, repo["name"])
            if how:
                yield Result.passed(region, repo["name"], f"images scanned by {how}")
            elif repo["scan_on_push"] and registry.get("scan_type", "BASIC") == "BASIC":
                yield Result.passed(region, repo["name"], "repository scans on push")
            else:
                # With enhanced scanning, a repository's own scanOnPush is ignored: only registry rules count.
                yield Result.failed(region, repo["name"], "images are not scanned on push: a backdoored image "
                                    "is deployed with no record of its findings")
    return ctx.per_region("ecr", judge)


CHECKS = (
    Check(
        id="ecr.image_scanning",
        categories=("detection", "forensics-ready"),
        title="ECR repositories scan images on push",
        severity=Severity.MEDIUM,
        rationale="Attackers backdoor images in registries they reach; a scan at push time records what each "
                  "deployed image contained and which known vulnerabilities it carried, evidence a responder "
                  "needs to say when a bad image arrived.",
        remediation="Set the registry's scanning configuration (ECR > Private registry > Scanning: a scan-on-push "
                    "rule with filter *): aws ecr put-registry-scanning-configuration --scan-type BASIC --rules "
                    "'[{\"scanFrequency\":\"SCAN_ON_PUSH\",\"repositoryFilters\":[{\"filter\":\"*\","
                    "\"filterType\":\"WILDCARD\"}]}]'; or deploy infra component "
                    "EcrRegistryScanning (infra/components/workload_evidence.py) with irready:ecrRegistryScanning "
                    "basic (the regional StackSet sets it in organization mode).",
        references=("https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",),
        evaluate=_image_scanning,
    ),
)
