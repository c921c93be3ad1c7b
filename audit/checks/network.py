"""Network evidence: flow logs and DNS query logs for every VPC."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import require


def _flow_logs(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        vpcs = require(data["vpcs"], f"VPCs in {region}")
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


def _query_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        vpcs = require(data["vpcs"], f"VPCs in {region}")
        associations = require(ctx.regional("route53resolver", region)["query_log_associations"],
                               f"DNS query log associations in {region}")
        logged = {a["vpc_id"]: a for a in associations if a.get("status") in ("ACTIVE", "CREATING")}
        for vpc in vpcs:
            if vpc["vpc_id"] in logged:
                yield Result.passed(region, vpc["vpc_id"], f"query log config {logged[vpc['vpc_id']]['config_id']}")
            else:
                yield Result.failed(region, vpc["vpc_id"], "DNS queries from this VPC are not logged")
    return ctx.per_region("ec2", judge)


# A domain list entry that matches every name: DNS Firewall's wildcard for the whole namespace.
EVERY_DOMAIN = "*."


def _blocks_every_domain(rule: dict) -> bool:
    return rule.get("action") == "BLOCK" and EVERY_DOMAIN in require(
        rule.get("domains", []), f"domains of DNS Firewall rule {rule.get('name')}")


def _firewall_ready(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        if "firewall_rule_groups" not in data:
            yield Result.unknown(region, NO_RESOURCE, "not in this snapshot (an older irready); audit again")
            return
        groups = require(data["firewall_rule_groups"], f"DNS Firewall rule groups in {region}")
        ready = next((g for g in groups if any(_blocks_every_domain(r) for r in require(
            g["rules"], f"rules of DNS Firewall rule group {g['name']}"))), None)
        if ready:
            yield Result.passed(region, ready["id"], f"rule group {ready['name']} blocks every domain; associate it "
                                "with a compromised VPC to cut its DNS")
        else:
            yield Result.failed(region, NO_RESOURCE, "no DNS Firewall rule group blocks every domain: cutting a "
                                "compromised VPC's DNS means building one during the incident")
    return ctx.per_region("route53resolver", judge)


CHECKS = (
    Check(
        id="vpc.flow_logs",
        title="Every VPC has flow logs capturing ALL traffic",
        severity=Severity.HIGH,
        rationale="Flow logs show who talked to a compromised instance and where data went. Rejected traffic shows "
                  "scanning; accepted traffic shows exfiltration. Default VPCs are where forgotten instances run.",
        remediation="Deploy infra component VpcFlowLogs (infra/components/flow_logs.py) for every VPC, "
                    "traffic type ALL.",
        references=("CIS AWS Foundations v3.0.0 3.7", "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html"),
        evaluate=_flow_logs,
    ),
    Check(
        id="dns.resolver_query_logging",
        title="Every VPC logs its DNS queries",
        severity=Severity.MEDIUM,
        rationale="Security groups and NACLs do not see Route 53 Resolver traffic; DNS is a favourite exfiltration "
                  "and command-and-control channel. Query logs show which domains a compromised host resolved.",
        remediation="Deploy infra component DnsContainment (infra/components/dns_containment.py): Resolver query "
                    "logging for each VPC.",
        references=("https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html",),
        evaluate=_query_logging,
    ),
    Check(
        id="dns.firewall_block_ready",
        title="A DNS Firewall rule group that blocks every domain is ready in every region",
        severity=Severity.MEDIUM,
        rationale="Security groups do not see queries to the VPC resolver, so an isolated instance can still "
                  "exfiltrate over DNS. A ready block-all rule group is associated with the VPC in one call; "
                  "building and trying one out during an incident costs the hour that matters.",
        remediation="Deploy infra component DnsContainment (infra/components/dns_containment.py): a block-all "
                    "(*.) rule group per region, left unassociated until needed.",
        references=("https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html",),
        evaluate=_firewall_ready,
    ),
)
