"""One hardened S3 bucket set-up, shared by every bucket the program keeps evidence or reports in
(organization trail, network log archive, forensic evidence, scheduled audit): versioning, every public
access block setting, SSE-KMS with a customer managed key and S3 Bucket Keys, a policy that denies plain
HTTP, and, as each bucket needs, ACLs disabled (bucket owner enforced), lifecycle rules and Object Lock.

AWS sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
(block public access, TLS-only policy with aws:SecureTransport, versioning, SSE-KMS),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html (enabled only at creation).

The child resources are named ``<name>-versioning``, ``-public-access-block``, ``-encryption``,
``-ownership``, ``-retention``, ``-object-lock`` and ``-bucket-policy`` with the caller's parent, exactly
as each component named them before this helper: existing stacks keep their URNs and so their buckets
(tests/infra/test_bucket_urns.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# Parts of uploads that never finished, whole bucket: deleted after this many days.
ABORT_INCOMPLETE_UPLOADS = {"id": "abort-incomplete-uploads", "status": "Enabled", "filter": {"prefix": ""},
                            "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}


def keep_then_expire(rule_id: str, prefix: str, days: int) -> dict:
    """A lifecycle rule: objects under ``prefix``, and the noncurrent versions an overwrite or delete leaves
    behind, live ``days`` days, then expire."""
    return {"id": rule_id, "status": "Enabled", "filter": {"prefix": prefix}, "expiration": {"days": days},
            "noncurrent_version_expiration": {"noncurrent_days": days}}


def deny_plain_http(bucket_arn: str) -> dict:
    """The bucket-policy statement refusing every request not sent over TLS (aws:SecureTransport)."""
    return {"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


@dataclass(frozen=True)
class HardenedBucketArgs:
    bucket_name: pulumi.Input[str]
    region: str
    key_arn: pulumi.Input[str]  # the customer managed KMS key objects are encrypted with by default
    # The bucket policy, given the bucket's ARN: a dict, or an Output of one (it should start with deny_plain_http).
    policy: Callable[[str], dict | pulumi.Output]
    lifecycle_rules: tuple[dict, ...] = ()  # none: no lifecycle configuration
    # Object Lock, governance mode, default retention in days; 0: object_lock_enabled stated false (as the
    # trail bucket always did: an input left out would differ from the stacks' state); None: not stated.
    object_lock_days: int | None = None
    owner_enforced: bool = False  # ACLs disabled: the bucket owner owns every object


@dataclass(frozen=True)
class HardenedBucket:
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy  # a trail or delivery that checks the policy at creation depends on it


def hardened_bucket(name: str, args: HardenedBucketArgs, opts: pulumi.ResourceOptions,
                    bucket_opts: pulumi.ResourceOptions | None = None) -> HardenedBucket:
    """Declare the bucket ``<name>-bucket`` and its settings; ``opts`` (parent and provider) for each,
    ``bucket_opts`` for the bucket itself when it differs (protect, retain_on_delete for evidence)."""
    region = args.region
    lock = {} if args.object_lock_days is None else {"object_lock_enabled": args.object_lock_days > 0}
    bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket_name, region=region, opts=bucket_opts or opts,
                           **lock)
    if args.owner_enforced:
        aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=bucket.id, region=region, opts=opts,
                                       rule={"object_ownership": "BucketOwnerEnforced"})
    aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id, region=region, opts=opts,
                            versioning_configuration={"status": "Enabled"})
    aws.s3.BucketPublicAccessBlock(f"{name}-public-access-block", bucket=bucket.id, region=region,
                                   block_public_acls=True, ignore_public_acls=True, block_public_policy=True,
                                   restrict_public_buckets=True, opts=opts)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id, region=region, opts=opts, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": args.key_arn},
            "bucket_key_enabled": True}])
    if args.lifecycle_rules:
        aws.s3.BucketLifecycleConfiguration(f"{name}-retention", bucket=bucket.id, region=region, opts=opts,
                                            rules=list(args.lifecycle_rules))
    if args.object_lock_days:
        aws.s3.BucketObjectLockConfiguration(f"{name}-object-lock", bucket=bucket.id, region=region, opts=opts,
                                             rule={"default_retention": {"mode": "GOVERNANCE",
                                                                         "days": args.object_lock_days}})
    policy = aws.s3.BucketPolicy(f"{name}-bucket-policy", bucket=bucket.id, region=region, opts=opts,
                                 policy=bucket.arn.apply(lambda arn: pulumi.Output.from_input(args.policy(arn)))
                                 .apply(json.dumps))
    return HardenedBucket(bucket, policy)
