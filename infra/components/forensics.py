"""The forensic evidence path, in the security account: a forensic KMS key member accounts'
IncidentResponder roles may re-encrypt snapshots for (through EC2 only) and the security account reads,
and an evidence bucket with versioning, Object Lock (governance) and no public access.

EBS snapshots encrypted with the AWS managed key cannot be shared; a copy re-encrypted with a customer
managed key the recipient may use can (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html).
Object Lock must be enabled when the bucket is created
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). docs/containment.md has the steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.hardened_bucket import HardenedBucketArgs, deny_plain_http, hardened_bucket
from irready.policies import names

from irready import policies


@dataclass(frozen=True)
class ForensicEvidenceArgs:
    provider: aws.Provider  # the security account's
    security_account_id: str
    organization_id: pulumi.Input[str]
    region: str
    retention_days: int = 365
    member_account_ids: tuple[str, ...] = ()  # whose responders may add evidence objects
    # True (organization-wide mode): every account of the organization, present and future, without listing them
    organization_wide: bool = False


def key_policy(security_account_id: str, organization_id: str) -> dict:
    members = {"StringEquals": {"aws:PrincipalOrgID": organization_id},
               "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}"}}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "SecurityAccountAdministersAndReads", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"}},
        {"Sid": "MemberRespondersDescribeTheKey", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "kms:DescribeKey", "Resource": "*", "Condition": members},
        {"Sid": "MemberRespondersReEncryptSnapshotsThroughEc2", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"], "Resource": "*",
         "Condition": {**members, "StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}}},
        {"Sid": "MemberRespondersGrantEc2Only", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "kms:CreateGrant", "Resource": "*",
         "Condition": {**members, "StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"},
                       "Bool": {"kms:GrantIsForAWSResource": "true"}}},
        {"Sid": "MemberRespondersWriteEvidenceThroughS3", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["kms:GenerateDataKey", "kms:Encrypt"], "Resource": "*",
         "Condition": {**members, "StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}},
    ]}


def bucket_policy(bucket_arn: str, organization_id: str, member_account_ids: tuple[str, ...],
                  organization_wide: bool = False) -> dict:
    """The evidence bucket's policy: TLS only; s3:PutObject, and nothing else, for IncidentResponder roles of
    this organization (aws:PrincipalOrgID and aws:PrincipalArn). In explicit-accounts mode the principals are
    the listed accounts; organization-wide, ``Principal: *`` bounded by both conditions, because a list of
    every account passes S3's 20 KB bucket-policy limit near 550 accounts and a new account's responders
    could not add evidence before the next `pulumi up`
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html, policy size). With a
    fixed aws:PrincipalOrgID the policy is not public, so Block Public Access admits it
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
    tests/infra/test_forensics.py proves with policies/evaluator.py that nobody else gains anything."""
    principal = "*" if organization_wide else [f"arn:aws:iam::{account}:root" for account in member_account_ids]
    return {"Version": "2012-10-17", "Statement": [
        deny_plain_http(bucket_arn),
        {"Sid": "MemberRespondersAddEvidence", "Effect": "Allow", "Action": "s3:PutObject",
         "Principal": {"AWS": principal},
         "Resource": f"{bucket_arn}/*", "Condition": {
             "StringEquals": {"aws:PrincipalOrgID": organization_id},
             "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}"}}},
    ]}


class ForensicEvidence(pulumi.ComponentResource):
    def __init__(self, name: str, args: ForensicEvidenceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:ForensicEvidence", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        region = args.region
        organization = pulumi.Output.from_input(args.organization_id)
        self.key = aws.kms.Key(f"{name}-key", description="irready forensic evidence", enable_key_rotation=True,
                               deletion_window_in_days=30, region=region, opts=child,
                               policy=organization.apply(lambda org: json.dumps(
                                   key_policy(args.security_account_id, org))))
        aws.kms.Alias(f"{name}-key-alias", name=policies.FORENSIC_KEY_ALIAS, target_key_id=self.key.key_id,
                      region=region, opts=child)
        self.bucket = hardened_bucket(name, HardenedBucketArgs(
            bucket_name=policies.evidence_bucket_name(args.security_account_id, region), region=region,
            key_arn=self.key.arn, object_lock_days=args.retention_days,
            policy=lambda arn: organization.apply(lambda org: bucket_policy(
                arn, org, args.member_account_ids, args.organization_wide))),
            opts=child).bucket
        self.register_outputs({"key_arn": self.key.arn, "bucket": self.bucket.id})
