"""vpc.*: flow logs for every VPC."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import require


def owned_vpcs(vpcs: list[dict], account_id: str) -> list[dict]:
    """The VPCs the account owns. A VPC shared with it through RAM is logged by its owner (participants
    cannot create flow logs or query-log associations for it:
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html), so it is judged in the owner's
    account. A snapshot without owners (older) counts every VPC as owned."""
    return [vpc for vpc in vpcs if vpc.get("owner_id") in (None, account_id)]


def _flow_logs(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        vpcs = owned_vpcs(require(data["vpcs"], f"VPCs in {region}"), ctx.account_id)
        flow_logs = require(data["flow_logs"], f"flow logs in {region}")
        for vpc in vpcs:
            own = [f for f in flow_logs if f["resource_id"] == vpc["vpc_id"]]
            working = [f for f in own if f["traffic_type"] == "ALL" and f.get("status", "ACTIVE") == "ACTIVE"
                       and f.get("deliver_logs_status") != "FAILED"]
            if working:
                yield Result.passed(region, vpc["vpc_id"], f"flow log {working[0]['flow_log_id']} captures ALL "
                                    f"traffic to {working[0]['destination_type']}")
            elif own:
                yield Result.failed(region, vpc["vpc_id"], "flow logs exist but none captures ALL traffic and "
                                    "delivers successfully")
            else:
                kind = "default VPC" if vpc.get("is_default") else "VPC"
                yield Result.failed(region, vpc["vpc_id"], f"{kind} has no flow log")
    return ctx.per_region("ec2", judge)


CHECKS = (
    Check(
        id="vpc.flow_logs",
        categories=("logging", "forensics-ready"),
        title="Every VPC has flow logs capturing ALL traffic",
        severity=Severity.HIGH,
        rationale="Flow logs show who talked to a compromised instance and where data went. Rejected traffic shows "
                  "scanning; accepted traffic shows exfiltration. Default VPCs are where forgotten instances run.",
        remediation="Deploy infra component VpcFlowLogs (infra/components/flow_logs.py) for every VPC, "
                    "traffic type ALL.",
        references=("https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",),
        evaluate=_flow_logs,
    ),
)
