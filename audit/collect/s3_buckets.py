"""S3: every bucket of the account, its region and its server access logging (one ListBuckets an
account, one GetBucketLogging a bucket, sent to the bucket's own region). Which buckets hold personal
data comes from the Resource Groups Tagging API (resourcegroupstaggingapi.py), not per-bucket reads.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate


def collect(clients: Clients, region: str) -> dict:
    """``{"buckets": [{"name", "region", "server_access_logging": {"target_bucket", "target_prefix"} | None |
    marker}]}``; None: server access logging is off."""
    listed = paginate(clients.client("s3", region), "list_buckets", "Buckets", page_size=10000)
    buckets = []
    for bucket in listed:
        home = bucket.get("BucketRegion") or "us-east-1"
        client = clients.client("s3", home)
        buckets.append({"name": bucket["Name"], "region": home, "server_access_logging": guarded(
            "GetBucketLogging", lambda c=client, n=bucket["Name"]: _logging(c, n))})
    return {"buckets": buckets}


def _logging(client, name: str) -> dict | None:
    enabled = client.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    if not enabled:
        return None
    return {"target_bucket": enabled.get("TargetBucket"), "target_prefix": enabled.get("TargetPrefix", "")}
