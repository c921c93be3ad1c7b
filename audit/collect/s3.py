"""S3: the settings of the buckets trails write to (retention, versioning, public access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from irready.audit.aws import Clients, error_code, guarded

# Error codes that mean "this setting is not configured", which is data, not a failure.
_NOT_CONFIGURED = {
    "NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration",
    "ObjectLockConfigurationNotFoundError",
}


def bucket_reads(bucket: str, region: str) -> dict[str, Callable[[Clients], Any]]:
    """The settings of ``bucket`` (in ``region``), each read by one call of its own: ``{"versioning": read,
    "lifecycle_rules": read, "public_access_block": read, "object_lock": read}``. ``read(clients)`` returns
    the setting (None or [] when it is not configured) or an unavailable marker, never raises an API error:
    the reads do not wait for each other, so run.py makes them at once."""
    def client(clients: Clients):
        return clients.client("s3", region)

    return {
        "versioning": lambda clients: guarded("GetBucketVersioning", lambda: client(clients).get_bucket_versioning(
            Bucket=bucket).get("Status", "Disabled")),
        "lifecycle_rules": lambda clients: guarded("GetBucketLifecycleConfiguration", lambda: _or_none(
            lambda: client(clients).get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], default=[])),
        "public_access_block": lambda clients: guarded("GetPublicAccessBlock", lambda: _or_none(
            lambda: client(clients).get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"])),
        "object_lock": lambda clients: guarded("GetObjectLockConfiguration", lambda: _or_none(
            lambda: client(clients).get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"])),
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
