"""dns.*: DNS query logs for every VPC, and a DNS Firewall rule group ready to cut a VPC's DNS."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.checks.vpc import owned_vpcs
from irready.audit.context import AccountContext
from irready.audit.model import NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import require


def _query_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        vpcs = owned_vpcs(require(data["vpcs"], f"VPCs in {region}"), ctx.account_id)
        associations = require(ctx.regional("route53resolver", region)["query_log_associations"],
                               f"DNS query log associations in {region}")
        logged = {a["vpc_id"]: a for a in associations if a.get("status") in ("ACTIVE", "CREATING")}
        configs = ctx.regional("route53resolver", region).get("query_log_configs")
        for vpc in vpcs:
            if vpc["vpc_id"] in logged:
                yield Result.passed(region, vpc["vpc_id"], _config_cited(logged[vpc["vpc_id"]]["config_id"], configs,
                                                                         ctx.account_id))
            else:
                yield Result.failed(region, vpc["vpc_id"], "DNS queries from this VPC are not logged")
    return ctx.per_region("ec2", judge)


def _config_cited(config_id: str, configs, account_id: str) -> str:
    """The query log config by ARN, with the account that shared it through RAM when not this one."""
    config = configs.get(config_id) if isinstance(configs, dict) else None
    if not isinstance(config, dict) or not config.get("arn"):
        return f"query log config {config_id}"
    owner = config.get("owner_id")
    shared = f", shared by account {owner} through RAM" if owner and owner != account_id else ""
    destination = f", logging to {config['destination_arn']}" if config.get("destination_arn") else ""
    return f"query log config {config['arn']}{shared}{destination}"


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
        id="dns.resolver_query_logging",
        categories=("logging", "forensics-ready"),
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
        categories=("containment",),
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
