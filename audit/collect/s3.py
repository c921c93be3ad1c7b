"""S3: the settings of the buckets trails write to (retention, versioning, public access)."""

from __future__ import annotations

from botocore.exceptions import ClientError
from irready.audit.aws import Clients, error_code, guarded

# Error codes that mean "this setting is not configured", which is data, not a failure.
_NOT_CONFIGURED = {
    "NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration",
    "ObjectLockConfigurationNotFoundError",
}


def collect_bucket(clients: Clients, bucket: str, region: str) -> dict:
    client = clients.client("s3", region)
    return {
        "versioning": guarded("GetBucketVersioning",
                              lambda: client.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled")),
        "lifecycle_rules": guarded("GetBucketLifecycleConfiguration", lambda: _or_none(
            lambda: client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], default=[])),
        "public_access_block": guarded("GetPublicAccessBlock", lambda: _or_none(
            lambda: client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"])),
        "object_lock": guarded("GetObjectLockConfiguration", lambda: _or_none(
            lambda: client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"])),
    }


def collect_account_public_access_block(clients: Clients, account_id: str, region: str) -> dict | None:
    client = clients.client("s3control", region)
    return _or_none(lambda: client.get_public_access_block(AccountId=account_id)["PublicAccessBlockConfiguration"])


def _or_none(fetch, default=None):
    try:
        return fetch()
    except ClientError as exc:
        if error_code(exc) in _NOT_CONFIGURED:
            return default
        raise
