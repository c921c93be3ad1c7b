"""eks.*: the Kubernetes audit log, the only record of API calls inside a cluster."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, require


def _eks_audit_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        for cluster in data["clusters"]:
            try:
                types = require(cluster["enabled_log_types"], f"logging of EKS cluster {cluster['name']}")
            except Unavailable as exc:
                yield Result.unknown(region, cluster["name"], exc.reason)
                continue
            if "audit" in types:
                yield Result.passed(region, cluster["name"], "audit logs shipped")
            else:
                yield Result.failed(region, cluster["name"], "Kubernetes audit logs are not shipped: no record of "
                                    "who did what in the cluster")
    return ctx.per_region("eks", judge)


CHECKS = (
    Check(
        id="eks.audit_logging",
        categories=("logging", "forensics-ready"),
        title="EKS clusters ship audit logs",
        severity=Severity.MEDIUM,
        rationale="The Kubernetes audit log is the only record of API calls inside a cluster: exec into pods, "
                  "secret reads, RBAC changes.",
        remediation="aws eks update-cluster-config --logging '{\"clusterLogging\":[{\"types\":[\"audit\"],"
                    "\"enabled\":true}]}'; not provisioned by infra/.",
        references=("https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",),
        evaluate=_eks_audit_logging,
    ),
)
