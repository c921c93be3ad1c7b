"""The organization trail: every account, every region, management events read and write, S3 and
Lambda data events as scoped by config, with log-file validation, a KMS key of its own, a bucket
that keeps logs at least the configured days and refuses public access and plain HTTP, and delivery
to CloudWatch Logs."""

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
from irready.infra.components.log_archive import reader_statements
from irready.policies import names
from irready.policies.investigation import INVESTIGATOR_ROLE


def _log_readers(security_account_id: str) -> dict:
    """The security account's roles that read the trail logs (aws:PrincipalArn, a global condition key:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn)."""
    return {"ArnEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{security_account_id}:role/{names.RESPONDER_ROLE_NAME}",
                                               f"arn:aws:iam::{security_account_id}:role/{INVESTIGATOR_ROLE}"]}}

TRAIL_NAME = "irready-organization-trail"
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
CLOUDWATCH_DELIVERY_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "cloudtrail.amazonaws.com"}}]}
ALL, NONE = "all", "none"


@dataclass(frozen=True)
class OrganizationTrailArgs:
    provider: aws.Provider  # the management account's
    management_account_id: str
    organization_id: str
    home_region: str
    security_account_id: pulumi.Input[str]  # may decrypt the logs
    retention_days: int  # S3 objects and the CloudWatch log group
    cloudwatch_retention_days: int  # a value CloudWatch Logs accepts
    s3_data_events: str | tuple[str, ...] = ALL  # "all", "none" or bucket ARNs
    lambda_data_events: str | tuple[str, ...] = ALL  # "all", "none" or function ARNs
    object_lock: bool = False
    investigator_account_id: pulumi.Input[str] | None = None  # its irready-investigator role may read the logs
    # False: a data-events-only trail, for an organization whose landing zone (Control Tower...)
    # already records management events in its own organization trail: a second copy is billed.
    management_events: bool = True
    # Who alone may delete the bucket or key or change their policies (issue #12; SCPs do not reach here).
    admin_principals: pulumi.Input[list[str]] | None = None
    # An existing bucket to write to (a landing zone's log archive, e.g. Control Tower's in its Log Archive
    # account): no bucket or key is created; its owner's bucket policy must admit this trail
    # (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html).
    existing_bucket: str | None = None


# Evidence stores outlive the stack: a rename or `pulumi destroy` must not delete the logs, the key
# that decrypts them or the trail (docs/provisioning.md says how to really remove them).
EVIDENCE = {"protect": True, "retain_on_delete": True}


def event_selectors(s3: str | tuple[str, ...], lambda_: str | tuple[str, ...],
                    management_events: bool = True) -> list[dict]:
    """Advanced selectors: management events (read and write) unless turned off, data events as
    configured. No readOnly field anywhere, so both reads and writes are recorded."""
    selectors = [{"name": "Management events", "field_selectors": [{"field": "eventCategory",
                                                                     "equals": ["Management"]}]}] \
        if management_events else []
    for label, resource_type, scope, arn_suffix in (("S3 object-level events", "AWS::S3::Object", s3, "/"),
                                                    ("Lambda invocations", "AWS::Lambda::Function", lambda_, "")):
        if scope == NONE:
            continue
        fields = [{"field": "eventCategory", "equals": ["Data"]},
                  {"field": "resources.type", "equals": [resource_type]}]
        if scope != ALL:
            fields.append({"field": "resources.ARN", "starts_withs": [arn + arn_suffix for arn in scope]})
        selectors.append({"name": label, "field_selectors": fields})
    return selectors


def organization_trail_arn(home_region: str, management_account_id: str) -> str:
    """The irready organization trail's ARN (it lives in the management account's home region)."""
    return f"arn:aws:cloudtrail:{home_region}:{management_account_id}:trail/{TRAIL_NAME}"


def cloudtrail_delivery_statements(bucket_arn: str, management_account_id: str, organization_id: str,
                                   trail_arn: str) -> list[dict]:
    """The bucket-policy statements an organization trail needs to deliver: s3:GetBucketAcl on the bucket and
    s3:PutObject under AWSLogs/<management account>/ and AWSLogs/<organization id>/, both only for this trail
    (aws:SourceArn), as https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    gives them for organization trails. ``irready preflight`` prints them for a landing zone's bucket."""
    writes = [f"{bucket_arn}/{names.CLOUDTRAIL_PREFIX}{management_account_id}/*",
              f"{bucket_arn}/{names.CLOUDTRAIL_PREFIX}{organization_id}/*"]
    return [
        {"Sid": "CloudTrailChecksAcl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn,
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
        {"Sid": "CloudTrailWritesThisTrailOnly", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": writes,
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]


class OrganizationTrail(pulumi.ComponentResource):
    def __init__(self, name: str, args: OrganizationTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:OrganizationTrail", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        evidence = pulumi.ResourceOptions(parent=self, provider=args.provider, **EVIDENCE)
        region = args.home_region
        trail_arn = organization_trail_arn(region, args.management_account_id)

        if args.existing_bucket:
            # A landing zone's log archive: its owner keeps the bucket, its policy and its encryption
            # (`irready preflight` checks the policy lets this trail write); no bucket or key of ours.
            self.key = self.bucket = None
            self.bucket_name, waits = args.existing_bucket, []
        else:
            self.key = aws.kms.Key(f"{name}-key", description="irready organization trail", enable_key_rotation=True,
                                   deletion_window_in_days=30, region=region, opts=evidence,
                                   policy=pulumi.Output.all(args.security_account_id, args.admin_principals).apply(
                                       lambda values: json.dumps(_with_tamper_denies(
                                           self._key_policy(args, trail_arn, values[0]),
                                           key_tamper_denies(values[1])))))

            self.bucket_name = bucket_name = f"irready-trail-{args.management_account_id}-{region}"
            # Logs, and the versions an attacker's overwrite or delete leaves behind, live at least this long.
            stored = hardened_bucket(name, HardenedBucketArgs(
                bucket_name=bucket_name, region=region, key_arn=self.key.arn,
                lifecycle_rules=(keep_then_expire("keep-then-expire", names.CLOUDTRAIL_PREFIX, args.retention_days),
                                 ABORT_INCOMPLETE_UPLOADS),
                object_lock_days=args.retention_days if args.object_lock else 0,
                policy=lambda arn: pulumi.Output.all(args.security_account_id, args.investigator_account_id,
                                                     args.admin_principals).apply(
                    lambda values: _with_tamper_denies(self._bucket_policy(arn, args, trail_arn, values[0], values[1]),
                                                       bucket_tamper_denies(arn, values[2])))),
                opts=child, bucket_opts=evidence)
            self.bucket, policy = stored.bucket, stored.policy
            waits = [policy]

        self.log_group = aws.cloudwatch.LogGroup(f"{name}-log-group", name=f"/irready/{TRAIL_NAME}", region=region,
                                                 retention_in_days=args.cloudwatch_retention_days, opts=evidence)
        # A plain service trust: CloudTrail does not support confused-deputy conditions in the trust of
        # the role it assumes to deliver to CloudWatch Logs, and cannot assume a role that has them.
        delivery = aws.iam.Role(f"{name}-to-cloudwatch", name_prefix="irready-trail-delivery-", opts=child,
                                assume_role_policy=json.dumps(CLOUDWATCH_DELIVERY_TRUST))
        delivery_policy = aws.iam.RolePolicy(f"{name}-to-cloudwatch-policy", role=delivery.id, opts=child,
                           policy=self.log_group.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17",
                                                                                    "Statement": [{
                               "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                               "Resource": f"{arn}:*"}]})))

        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail", name=TRAIL_NAME, region=region,
            s3_bucket_name=self.bucket.id if self.bucket else self.bucket_name,
            is_organization_trail=True, is_multi_region_trail=True, include_global_service_events=True,
            enable_log_file_validation=True, kms_key_id=self.key.arn if self.key else None,
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=delivery.arn,
            advanced_event_selectors=event_selectors(args.s3_data_events, args.lambda_data_events,
                                                     args.management_events),
            # CreateTrail checks that CloudTrail can write to the bucket and assume the delivery role.
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[*waits, delivery_policy],
                                        **EVIDENCE))
        self.register_outputs({"trail_arn": self.trail.arn, "bucket": self.bucket_name,
                               "key_arn": self.key.arn if self.key else None})

    @staticmethod
    def _key_policy(args: OrganizationTrailArgs, trail_arn: str, security_account_id: str) -> dict:
        management = args.management_account_id
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountAdministersTheKey", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Principal": {"AWS": f"arn:aws:iam::{management}:root"}},
            {"Sid": "CloudTrailEncryptsThisTrailOnly", "Effect": "Allow", "Action": "kms:GenerateDataKey*",
             "Resource": "*", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn},
                           "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                          f"arn:aws:cloudtrail:*:{management}:trail/*"}}},
            {"Sid": "CloudTrailDescribesTheKey", "Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
            {"Sid": "SecurityAccountReadsTrailLogs", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
             "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
             "Condition": {"Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}}},
        ]}

    @staticmethod
    def _bucket_policy(bucket_arn: str, args: OrganizationTrailArgs, trail_arn: str,
                       security_account_id: str, investigator_account_id: str | None = None) -> dict:
        return {"Version": "2012-10-17", "Statement": [
            deny_plain_http(bucket_arn),
            *cloudtrail_delivery_statements(bucket_arn, args.management_account_id, args.organization_id, trail_arn),
            # Responders in the security account read the logs (the key policy lets them decrypt): its
            # IncidentResponder and irready-investigator roles, not every principal of that account.
            {"Sid": "SecurityAccountListsTrailLogs", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"}, "Action": "s3:ListBucket",
             "Resource": bucket_arn, "Condition": _log_readers(security_account_id)},
            {"Sid": "SecurityAccountReadsTrailLogs", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
             "Action": ["s3:GetObject", "s3:GetObjectVersion"],
             "Resource": f"{bucket_arn}/{names.CLOUDTRAIL_PREFIX}*", "Condition": _log_readers(security_account_id)},
            *(reader_statements(bucket_arn, investigator_account_id) if investigator_account_id else []),
        ]}


# --- Tamper denies (issue #12): the management account is outside every SCP, so the trail's bucket and key
# protect themselves. Kept as separate statement lists, appended to the policies above.
# S3 always lets the account's root user delete a bucket policy, the way back if the admins are gone:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-s3-bucket-policy.html (lockout)

def _with_tamper_denies(policy: dict, denies: list[dict]) -> dict:
    return {**policy, "Statement": policy["Statement"] + denies}


def bucket_tamper_denies(bucket_arn: str, admin_principals: list[str] | None) -> list[dict]:
    """Deny deleting the bucket or its logs' protections, and changing its policy, to all but the admins."""
    if not admin_principals:
        return []
    return [{"Sid": "OnlyTheAdminsChangeOrDeleteTheTrailBucket", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                        "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
                        "s3:PutBucketObjectLockConfiguration", "s3:PutEncryptionConfiguration",
                        "s3:PutBucketPublicAccessBlock", "s3:PutBucketAcl", "s3:PutBucketOwnershipControls"],
             "Resource": bucket_arn,
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(admin_principals)}}}]


def key_tamper_denies(admin_principals: list[str] | None) -> list[dict]:
    """Deny scheduling the key's deletion, disabling it and changing its policy to all but
    the admins (who keep PutKeyPolicy, as KMS's lockout safety check requires)."""
    if not admin_principals:
        return []
    return [{"Sid": "OnlyTheAdminsDisableOrDeleteTheTrailKey", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation"],
             "Resource": "*",
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(admin_principals)},
                           "Bool": {"aws:PrincipalIsAWSService": "false"}}}]
