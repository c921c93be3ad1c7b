"""Log retention: the CloudWatch log groups responders read must outlive the incident."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, is_unavailable

_IR_PREFIXES = ("/aws/lambda/", "/aws/eks/", "/aws/vpc/", "/aws/route53resolver", "aws-cloudtrail-logs")
_IR_WORDS = ("cloudtrail", "flowlog", "flow-log", "flow_log", "vpc-flow")


def _destination_groups(ctx: AccountContext, region: str) -> set[str]:
    """Log groups that flow logs and trails in this region write to, whatever they are called."""
    names = set()
    try:
        flow_logs = ctx.regional("ec2", region)["flow_logs"]
        if not is_unavailable(flow_logs):
            names |= {f["log_group_name"] for f in flow_logs if f.get("log_group_name")}
    except Unavailable:
        pass  # the name patterns still find most; flow log checks report the gap
    try:
        trails = ctx.service("cloudtrail_trails").values()
    except Unavailable:
        trails = []
    for trail in trails:
        arn = trail.get("CloudWatchLogsLogGroupArn") or ""
        parts = arn.split(":")
        if len(parts) >= 7 and parts[3] == region:
            names.add(parts[6])
    return names


def is_ir_relevant(name: str, destinations: set[str]) -> bool:
    lowered = name.lower()
    return name in destinations or lowered.startswith(_IR_PREFIXES) or any(w in lowered for w in _IR_WORDS)


def _retention(ctx: AccountContext) -> Iterator[Result]:
    minimum = ctx.config.min_log_retention_days

    def judge(region: str, data: dict) -> Iterator[Result]:
        destinations = _destination_groups(ctx, region)
        for group in data["log_groups"]:
            if not is_ir_relevant(group["name"], destinations):
                continue
            days = group.get("retention_days")
            if days is None:
                yield Result.passed(region, group["name"], "never expires")
            elif days < minimum:
                yield Result.failed(region, group["name"], f"keeps events {days} days (< {minimum})")
            else:
                yield Result.passed(region, group["name"], f"keeps events {days} days")
    return ctx.per_region("logs", judge)


CHECKS = (
    Check(
        id="logs.retention",
        categories=("logging", "forensics-ready"),
        title="IR-relevant log groups keep events long enough",
        severity=Severity.MEDIUM,
        rationale="Breaches are discovered a median of months after they begin. Flow logs, CloudTrail, Lambda and "
                  "EKS logs that expire after 30 days leave nothing to investigate.",
        remediation="Set retention to at least min_log_retention_days: infra components OrganizationTrail "
                    "(infra/components/org_trail.py), VpcFlowLogs (infra/components/flow_logs.py) and DnsContainment "
                    "(infra/components/dns_containment.py) do so for their groups; for others, aws logs "
                    "put-retention-policy.",
        references=("https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",),
        evaluate=_retention,
    ),
)
