"""IRREADY_AWS_3: the trail bucket is versioned, and its lifecycle keeps logs, and their overwritten or
deleted versions, for at least 365 days.

Intrusions are found months late (AWS's own guidance keeps a year); a lifecycle rule that expires logs
sooner, or an unversioned bucket where one delete is final, loses the evidence. The rule is
readiness.trail_bucket_problems, the one the audit's cloudtrail.bucket_retention applies.

A bucket counts as a trail bucket when its name or address says "trail", a trail in the same
configuration writes to it, or one of its lifecycle rules targets CloudTrail's AWSLogs/ prefix. In
Terraform the bucket, its aws_s3_bucket_versioning and its aws_s3_bucket_lifecycle_configuration are
separate resources: the check runs on the bucket and finds the other two in checkov's graph. A
lifecycle configuration whose bucket is not in the scanned configuration is judged on its own (its
versioning cannot be seen there).
"""

from __future__ import annotations

from _irready import (
    blocks,
    cfn_lifecycle_rules,
    graph_resources,
    log_prefixes,
    names,
    names_a_trail_bucket,
    names_bucket,
    one,
    plain,
    readiness,
    tf_lifecycle_rules,
    verdict,
)
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = names.TRAIL_BUCKET_RETENTION_CHECK
NAME = f"Trail bucket is versioned and keeps logs and their old versions at least {names.MIN_LOG_RETENTION_DAYS} days"


def _legacy_lifecycle_rules(conf: dict) -> list[dict]:
    """aws_s3_bucket's deprecated inline lifecycle_rule blocks, as GetBucketLifecycleConfiguration returns them."""
    rules = []
    for rule in blocks(conf, "lifecycle_rule"):
        api: dict = {"ID": one(rule, "id", "unnamed rule"), "Status": "Enabled" if one(rule, "enabled") else "Disabled",
                     "Prefix": one(rule, "prefix", "")}
        for expiration in blocks(rule, "expiration"):
            if one(expiration, "days") is not None:
                api["Expiration"] = {"Days": int(one(expiration, "days"))}
            elif one(expiration, "date"):
                api["Expiration"] = {"Date": one(expiration, "date")}
        for noncurrent in blocks(rule, "noncurrent_version_expiration"):
            if one(noncurrent, "days") is not None:
                api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(one(noncurrent, "days"))}
        rules.append(api)
    return rules


def _tf_versioning(check, conf: dict, address: str, bucket) -> str | None:
    """GetBucketVersioning's Status for a Terraform bucket: Object Lock (which always versions), the
    deprecated inline versioning block, or its aws_s3_bucket_versioning resource."""
    if one(conf, "object_lock_enabled") is True:
        return "Enabled"
    for inline in blocks(conf, "versioning"):
        if one(inline, "enabled") is True:
            return "Enabled"
    for versioning in _of_bucket(check, "aws_s3_bucket_versioning", "bucket", address, bucket):
        status = [one(c, "status") for c in blocks(versioning, "versioning_configuration")]
        return status[0] if status and isinstance(status[0], str) else None
    return None


def _of_bucket(check, resource_type: str, argument: str, address: str, bucket) -> list[dict]:
    """The ``resource_type`` resources whose ``argument`` means the bucket at ``address`` named ``bucket``."""
    return [conf for referrer, conf in graph_resources(check, resource_type)
            if names_bucket(referrer, conf.get(argument), address, bucket)]


def _written_by_a_trail(check, address: str, bucket) -> bool:
    return bool(_of_bucket(check, "aws_cloudtrail", "s3_bucket_name", address, bucket))


class TrailBucket(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["aws_s3_bucket"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        address, bucket = str(conf.get("__address__", "")), one(conf, "bucket") or one(conf, "bucket_prefix")
        rules = _legacy_lifecycle_rules(conf) + [
            rule for lifecycle in _of_bucket(self, "aws_s3_bucket_lifecycle_configuration", "bucket", address, bucket)
            for rule in tf_lifecycle_rules(lifecycle)]
        if not (names_a_trail_bucket([address, bucket], rules) or _written_by_a_trail(self, address, bucket)):
            return CheckResult.UNKNOWN  # not a trail bucket: nothing to say
        self.evaluated_keys = ["bucket"]
        return verdict(self, readiness.trail_bucket_problems(_tf_versioning(self, conf, address, bucket), rules,
                                                             log_prefixes(rules), names.MIN_LOG_RETENTION_DAYS))


class TrailBucketRetention(TerraformCheck):
    """A lifecycle configuration of a trail bucket declared elsewhere (another state or module)."""

    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["aws_s3_bucket_lifecycle_configuration"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        bucket, rules = conf.get("bucket"), tf_lifecycle_rules(conf)
        referrer = str(conf.get("__address__", ""))
        declared_here = any(names_bucket(referrer, bucket, address, one(other, "bucket"))
                            for address, other in graph_resources(self, "aws_s3_bucket"))
        if declared_here or not names_a_trail_bucket(bucket, rules):
            return CheckResult.UNKNOWN  # judged with its bucket, or not a trail bucket's
        self.evaluated_keys = ["rule"]
        return verdict(self, readiness.retention_problems(rules, log_prefixes(rules), names.MIN_LOG_RETENTION_DAYS))


class TrailBucketCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["AWS::S3::Bucket"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        rules = cfn_lifecycle_rules(properties)
        if not names_a_trail_bucket(properties.get("BucketName", ""), rules):
            return CheckResult.UNKNOWN
        versioning = properties.get("VersioningConfiguration", {}).get("Status")
        if properties.get("ObjectLockEnabled") is True:
            versioning = "Enabled"  # Object Lock turns versioning on
        return verdict(self, readiness.trail_bucket_problems(versioning, rules, log_prefixes(rules),
                                                             names.MIN_LOG_RETENTION_DAYS))


bucket_check = TrailBucket()
check = TrailBucketRetention()
cloudformation_check = TrailBucketCloudFormation()
