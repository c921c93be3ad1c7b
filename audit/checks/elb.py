"""elb.*: access logs of load balancers, the request-level record in front of a workload."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, require


def _access_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        for lb in data["load_balancers"]:
            try:
                logs = require(lb["access_logs"], f"attributes of load balancer {lb['name']}")
            except Unavailable as exc:
                yield Result.unknown(region, lb["name"], exc.reason)
                continue
            if logs["enabled"]:
                yield Result.passed(region, lb["name"], f"access logs to {logs['bucket']}")
            else:
                extra = " (a network load balancer writes them for TLS listeners)" if lb["type"] == "network" else ""
                yield Result.failed(region, lb["name"], f"{lb['type']} load balancer writes no access logs{extra}")
    return ctx.per_region("elbv2", judge)


CHECKS = (
    Check(
        id="elb.access_logging",
        categories=("logging", "forensics-ready"),
        title="Load balancers write access logs",
        severity=Severity.MEDIUM,
        rationale="The load balancer's access log is the only record of each request (client address, path, "
                  "status, user agent) before it reaches the application: where an exploit or a brute force shows "
                  "up first, and what a web server's own logs lose when the host is compromised.",
        remediation="Set the load balancer attribute access_logs.s3.enabled=true with access_logs.s3.bucket (a "
                    "bucket whose policy lets ELB log delivery write); not provisioned by infra/, which does not "
                    "own workloads.",
        references=("https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
                    "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html"),
        evaluate=_access_logging,
    ),
)
