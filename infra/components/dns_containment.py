"""DNS containment: a Resolver DNS Firewall rule group that blocks every domain, ready to associate
with a compromised VPC (security groups and NACLs do not see DNS), and Resolver query logging for
every VPC."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies.vpc_preparation import QUERY_LOG_CONFIG

QUERY_LOG_GROUP = "/aws/route53resolver/irready-queries"


@dataclass(frozen=True)
class DnsContainmentArgs:
    provider: aws.Provider
    vpcs: dict[str, tuple[str, ...]]  # region -> VPC ids
    retention_days: int
    cloudwatch: bool = True
    s3_bucket_arn: pulumi.Input[str] | None = None  # also log queries to this bucket (the network log archive)


class DnsContainment(pulumi.ComponentResource):
    def __init__(self, name: str, args: DnsContainmentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:DnsContainment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.block_all_rule_groups, self.query_log_associations = {}, {}
        for region, vpc_ids in sorted(args.vpcs.items()):
            everything = aws.route53.ResolverFirewallDomainList(
                f"{name}-{region}-all-domains", name="irready-all-domains", domains=["*."], region=region, opts=child)
            rule_group = aws.route53.ResolverFirewallRuleGroup(
                f"{name}-{region}-block-all", name="irready-block-all-dns", region=region, opts=child)
            aws.route53.ResolverFirewallRule(
                f"{name}-{region}-block-all-rule", name="block-every-domain", action="BLOCK",
                block_response="NXDOMAIN", firewall_domain_list_id=everything.id,
                firewall_rule_group_id=rule_group.id, priority=100, region=region, opts=child)
            # Not associated: a responder associates it with the compromised VPC at incident time.
            self.block_all_rule_groups[region] = rule_group

            destinations = []
            if args.cloudwatch:
                group = aws.cloudwatch.LogGroup(f"{name}-{region}-queries", name=QUERY_LOG_GROUP, region=region,
                                                retention_in_days=args.retention_days,
                                                opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                                                            protect=True, retain_on_delete=True))
                destinations.append(("query-log", QUERY_LOG_CONFIG, group.arn))
            if args.s3_bucket_arn is not None:
                destinations.append(("query-log-s3", "irready-queries-s3", args.s3_bucket_arn))
            for suffix, config_name, destination in destinations:
                config = aws.route53.ResolverQueryLogConfig(f"{name}-{region}-{suffix}", name=config_name,
                                                            destination_arn=destination, region=region, opts=child)
                for vpc_id in vpc_ids:
                    key = vpc_id if suffix == "query-log" else f"{vpc_id}-s3"
                    self.query_log_associations[key] = aws.route53.ResolverQueryLogConfigAssociation(
                        f"{name}-{vpc_id}-{suffix}", resolver_query_log_config_id=config.id, resource_id=vpc_id,
                        region=region, opts=child)
        self.register_outputs({"block_all_rule_groups": {r: g.id for r, g in self.block_all_rule_groups.items()}})
