"""VPC flow logs capturing ALL traffic, for every VPC, to CloudWatch Logs with retention, and/or to the S3
network log archive in Parquet with Hive-compatible prefixes (the investigation workspace's table)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import vpc_preparation
from irready.policies.investigation import FLOW_LOG_DESTINATION_OPTIONS, FLOW_LOG_FORMAT

LOG_GROUP = vpc_preparation.FLOW_LOG_GROUP


def delivery_trust(account_id: str) -> dict:
    """The delivery role's trust: the flow-logs service, for this account's flow logs only (the
    confused-deputy conditions the VPC user guide recommends:
    https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:*:{account_id}:vpc-flow-log/*"}}}]}


@dataclass(frozen=True)
class VpcFlowLogsArgs:
    provider: aws.Provider
    account_id: str
    vpcs: dict[str, tuple[str, ...]]  # region -> VPC ids the account owns
    retention_days: int
    cloudwatch: bool = True
    s3_bucket_arn: pulumi.Input[str] | None = None  # also deliver to this bucket (the network log archive)


class VpcFlowLogs(pulumi.ComponentResource):
    def __init__(self, name: str, args: VpcFlowLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:VpcFlowLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.flow_logs, self.s3_flow_logs = {}, {}
        if args.s3_bucket_arn is not None:
            for region, vpc_ids in sorted(args.vpcs.items()):
                for vpc_id in vpc_ids:
                    # The log delivery service writes to the bucket: no role, the bucket policy allows it.
                    self.s3_flow_logs[vpc_id] = aws.ec2.FlowLog(
                        f"{name}-{vpc_id}-s3", vpc_id=vpc_id, region=region, traffic_type="ALL",
                        log_destination_type="s3", log_destination=args.s3_bucket_arn, log_format=FLOW_LOG_FORMAT,
                        destination_options=FLOW_LOG_DESTINATION_OPTIONS, max_aggregation_interval=60, opts=child)
        if args.cloudwatch:
            self._to_cloudwatch(name, args, child)
        self.register_outputs({"flow_log_ids": {v: f.id for v, f in {**self.flow_logs, **self.s3_flow_logs}.items()}})

    def _to_cloudwatch(self, name: str, args: VpcFlowLogsArgs, child: pulumi.ResourceOptions) -> None:
        role = aws.iam.Role(f"{name}-delivery", name_prefix="irready-flow-logs-",
                            assume_role_policy=json.dumps(delivery_trust(args.account_id)), opts=child)
        groups = []
        for region, vpc_ids in sorted(args.vpcs.items()):
            group = aws.cloudwatch.LogGroup(f"{name}-{region}", name=LOG_GROUP, region=region,
                                            retention_in_days=args.retention_days,
                                            opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                                                        protect=True, retain_on_delete=True))
            groups.append(group)
            for vpc_id in vpc_ids:
                self.flow_logs[vpc_id] = aws.ec2.FlowLog(
                    f"{name}-{vpc_id}", vpc_id=vpc_id, region=region, traffic_type="ALL",
                    log_destination_type="cloud-watch-logs", log_destination=group.arn, iam_role_arn=role.arn,
                    max_aggregation_interval=60, opts=child)
        # Delivery may write only to the groups above.
        aws.iam.RolePolicy(f"{name}-delivery-policy", role=role.id, opts=child, policy=pulumi.Output.all(
            *[g.arn for g in groups]).apply(lambda arns: json.dumps(
                vpc_preparation.flow_log_delivery_permissions(list(arns)))))
