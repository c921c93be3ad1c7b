"""The IAM action an AWS API operation is authorized as."""

from __future__ import annotations

# Where the IAM action is not "<signing name>:<operation>".
_RENAMED = {
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    # Same REST route as GetBucketLifecycleConfiguration, so the fault injector cannot tell them apart.
    ("s3", "GetBucketLifecycle"): "s3:GetLifecycleConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("resourcegroupstaggingapi", "GetResources"): "tag:GetResources",
}


def iam_action(service: str, operation: str) -> str:
    return _RENAMED.get((service, operation), f"{service}:{operation}")
