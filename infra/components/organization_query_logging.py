"""Organization-wide DNS query logging (organization mode, issue #18): in the security account, one Route 53
Resolver query-logging configuration per region, logging to a log group of the security account, shared
with the whole organization through AWS RAM. Member VPCs are associated with it by the VPC-preparation
function (irready/vpc_preparation.py); the queries of every member VPC then land in the security account,
where an intruder who is admin in a member account cannot delete them.

- Another account may associate its VPCs with a configuration shared with it, as with its own; the
  configuration's owner keeps the destination
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html).
- A CloudWatch Logs destination needs a resource policy letting the log delivery service
  (``delivery.logs.amazonaws.com``) create streams and put events in the group, scoped to the owner's
  deliveries with ``aws:SourceAccount`` and ``aws:SourceArn``; declared here rather than left for AWS to
  add on first delivery
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html,
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-choosing-target-resource.html).
- Sharing with the organization (its ARN as the principal, no external principals) needs RAM's sharing
  with AWS Organizations enabled from the management account, which turns on trusted access for
  ``ram.amazonaws.com``; the organization's accounts, those that join later included, then see the
  configuration without an invitation. RAM is regional: one share per region
  (https://docs.aws.amazon.com/ram/latest/userguide/getting-started-sharing.html).

Six resources per region, none per account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import vpc_preparation as prep

DELIVERY = "delivery.logs.amazonaws.com"
DELIVERY_POLICY = prep.ORGANIZATION_QUERY_LOG_CONFIG + "-delivery"  # the CloudWatch Logs resource policy's name


def delivery_policy(region: str, security_account_id: str) -> dict:
    """The CloudWatch Logs resource policy of ``region`` in the security account: the log delivery service
    may write query logs into the organization group only, for deliveries of this account only."""
    group = f"arn:aws:logs:{region}:{security_account_id}:log-group:{prep.ORGANIZATION_QUERY_LOG_GROUP}"
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ResolverQueryLogDelivery", "Effect": "Allow", "Principal": {"Service": DELIVERY},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group}:log-stream:*",
        "Condition": {"StringEquals": {"aws:SourceAccount": security_account_id},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{security_account_id}:*"}}}]}


@dataclass(frozen=True)
class OrganizationQueryLoggingArgs:
    provider: aws.Provider  # the security account's
    security_account_id: pulumi.Input[str]
    organization_arn: str  # the RAM principal: every account of the organization, present and future
    regions: tuple[str, ...]  # the regional StackSet's regions
    retention_days: int


class OrganizationQueryLogging(pulumi.ComponentResource):
    """Per region: the log group (protected, kept on delete: evidence), its delivery policy, the
    configuration, and the RAM share of it with the organization.
    Outputs: ``config_ids`` (region -> configuration id)."""

    def __init__(self, name: str, args: OrganizationQueryLoggingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:OrganizationQueryLogging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        account = pulumi.Output.from_input(args.security_account_id)
        self.configs: dict[str, aws.route53.ResolverQueryLogConfig] = {}
        for region in args.regions:
            group = aws.cloudwatch.LogGroup(
                f"{name}-{region}-queries", name=prep.ORGANIZATION_QUERY_LOG_GROUP, region=region,
                retention_in_days=args.retention_days,
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=True, retain_on_delete=True))
            policy = aws.cloudwatch.LogResourcePolicy(
                f"{name}-{region}-delivery", policy_name=DELIVERY_POLICY, region=region, opts=child,
                policy_document=account.apply(lambda a, r=region: json.dumps(delivery_policy(r, a))))
            config = aws.route53.ResolverQueryLogConfig(
                f"{name}-{region}-config", name=prep.ORGANIZATION_QUERY_LOG_CONFIG, destination_arn=group.arn,
                region=region, opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])))
            share = aws.ram.ResourceShare(f"{name}-{region}-share", name=prep.QUERY_LOG_SHARE, region=region,
                                          allow_external_principals=False, opts=child)
            aws.ram.PrincipalAssociation(f"{name}-{region}-organization", principal=args.organization_arn,
                                         resource_share_arn=share.arn, region=region, opts=child)
            aws.ram.ResourceAssociation(f"{name}-{region}-config-shared", resource_arn=config.arn,
                                        resource_share_arn=share.arn, region=region, opts=child)
            self.configs[region] = config
        self.config_ids = pulumi.Output.all(**{r: c.id for r, c in self.configs.items()})
        self.register_outputs({"config_ids": self.config_ids})
