"""The network log archive: one S3 bucket, beside the organization trail's in the management account,
that every account's VPC flow logs (Parquet, Hive-compatible prefixes) and Route 53 Resolver query
logs are delivered to, encrypted with a key of its own, kept the configured days, and readable by the
investigator role of the security account.

Delivery is by the log delivery service, which needs the bucket and key policies below:
https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html (bucket policy, and a
customer managed key's policy for SSE-KMS) and
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-choosing-target-resource.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.hardened_bucket import (
    ABORT_INCOMPLETE_UPLOADS,
    HardenedBucketArgs,
    deny_plain_http,
    hardened_bucket,
    keep_then_expire,
)
from irready.policies import names
from irready.policies.investigation import INVESTIGATOR_ROLE

DELIVERY = "delivery.logs.amazonaws.com"


@dataclass(frozen=True)
class NetworkLogArchiveArgs:
    provider: aws.Provider  # the management account's (the organization's log archive here)
    management_account_id: str
    region: str
    account_ids: tuple[str, ...]  # the accounts whose flow logs and query logs are delivered here
    security_account_id: pulumi.Input[str]  # its investigator role may read
    retention_days: int


def bucket_name(management_account_id: str, region: str) -> str:
    return f"irready-network-logs-{management_account_id}-{region}"


class NetworkLogArchive(pulumi.ComponentResource):
    def __init__(self, name: str, args: NetworkLogArchiveArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:NetworkLogArchive", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        region = args.region
        security = pulumi.Output.from_input(args.security_account_id)
        self.key = aws.kms.Key(f"{name}-key", description="irready network logs (flow logs, DNS query logs)",
                               enable_key_rotation=True, deletion_window_in_days=30, region=region, opts=child,
                               policy=security.apply(lambda sec: json.dumps(self.key_policy(args, sec))))
        self.bucket_name = bucket_name(args.management_account_id, region)
        stored = hardened_bucket(name, HardenedBucketArgs(
            bucket_name=self.bucket_name, region=region, key_arn=self.key.arn,
            lifecycle_rules=(keep_then_expire("keep-then-expire", names.CLOUDTRAIL_PREFIX, args.retention_days),
                             ABORT_INCOMPLETE_UPLOADS),
            policy=lambda arn: security.apply(lambda sec: self.bucket_policy(arn, args, sec))), opts=child)
        self.bucket, self.policy = stored.bucket, stored.policy
        self.register_outputs({"bucket": self.bucket.id, "key_arn": self.key.arn})

    @staticmethod
    def key_policy(args: NetworkLogArchiveArgs, security_account_id: str) -> dict:
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountAdministersTheKey", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Principal": {"AWS": f"arn:aws:iam::{args.management_account_id}:root"}},
            {"Sid": "LogDeliveryEncrypts", "Effect": "Allow", "Principal": {"Service": DELIVERY},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
             "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": list(args.account_ids)}}},
            {"Sid": "SecurityAccountReadsThroughS3", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
             "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}}},
        ]}

    @staticmethod
    def bucket_policy(bucket_arn: str, args: NetworkLogArchiveArgs, security_account_id: str) -> dict:
        accounts = list(args.account_ids)
        return {"Version": "2012-10-17", "Statement": [
            deny_plain_http(bucket_arn),
            {"Sid": "LogDeliveryChecksAcl", "Effect": "Allow", "Principal": {"Service": DELIVERY},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": bucket_arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": accounts}}},
            {"Sid": "LogDeliveryWritesOrganizationLogs", "Effect": "Allow", "Principal": {"Service": DELIVERY},
             "Action": "s3:PutObject", "Resource": f"{bucket_arn}/AWSLogs/*",
             "Condition": {"StringEquals": {"aws:SourceAccount": accounts,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
            *reader_statements(bucket_arn, security_account_id),
        ]}


def reader_statements(bucket_arn: str, security_account_id: str) -> list[dict]:
    """Bucket-policy statements letting the security account's investigator role read the logs.

    The role is named in a condition, not as the principal: S3 refuses a policy naming a role that does
    not exist yet, and the workspace creating it is deployed after the buckets."""
    only_investigator = {"ArnEquals": {"aws:PrincipalArn":
                                       f"arn:aws:iam::{security_account_id}:role/{INVESTIGATOR_ROLE}"}}
    principal = {"AWS": f"arn:aws:iam::{security_account_id}:root"}
    return [{"Sid": "InvestigatorListsLogs", "Effect": "Allow", "Principal": principal,
             "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": bucket_arn,
             "Condition": only_investigator},
            {"Sid": "InvestigatorReadsLogs", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
             "Resource": f"{bucket_arn}/AWSLogs/*", "Condition": only_investigator}]
