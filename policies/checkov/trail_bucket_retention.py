"""IRREADY_AWS_3: the trail bucket's lifecycle keeps logs, and their overwritten or deleted versions,
for at least 365 days.

Intrusions are found months late (AWS's own guidance keeps a year); a lifecycle rule that expires
logs sooner deletes the evidence. A lifecycle configuration counts as a trail bucket's when its
bucket's name or reference says "trail" or a rule targets CloudTrail's AWSLogs/ prefix.
"""

from __future__ import annotations

from _irready import (
    cfn_lifecycle_rules,
    log_prefixes,
    names_a_trail_bucket,
    one,
    plain,
    readiness,
    tf_lifecycle_rules,
    verdict,
)
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = "IRREADY_AWS_3"
NAME = f"Trail bucket keeps logs and their old versions at least {readiness.MIN_LOG_RETENTION_DAYS} days"


def judge(check, bucket, rules: list[dict]) -> CheckResult:
    if not names_a_trail_bucket(bucket, rules):
        return CheckResult.UNKNOWN  # not a trail bucket: nothing to say
    return verdict(check, readiness.retention_problems(rules, log_prefixes(rules), readiness.MIN_LOG_RETENTION_DAYS))


class TrailBucketRetention(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["aws_s3_bucket_lifecycle_configuration"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        self.evaluated_keys = ["rule"]
        return judge(self, one(conf, "bucket"), tf_lifecycle_rules(conf))


class TrailBucketRetentionCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["AWS::S3::Bucket"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        rules = cfn_lifecycle_rules(properties)
        return judge(self, properties.get("BucketName", ""), rules) if rules else CheckResult.UNKNOWN


check = TrailBucketRetention()
cloudformation_check = TrailBucketRetentionCloudFormation()
