"""irready's vocabulary, written once: the names both halves create and look for, the patterns AWS
gives identifiers, the retention floor, and the ids of the checkov checks.

``infra/`` creates what these names name; ``audit/`` looks for the same names by default; the
configs of both take their defaults from here (docs/provisioning.md maps the TOML keys to the
stack config's). Standard library only: the checkov checks load this file inside checkov's own
virtualenv (see policies/checkov/_irready.py).
"""

from __future__ import annotations

import re
from functools import cache

# --- what the Pulumi program creates in every account, and the audit looks for ---------------------------

NAME_PREFIX = "irready-"  # every IAM policy, group, rule and topic irready creates starts with it
RESPONDER_ROLE_NAME = "IncidentResponder"  # may contain an incident (policies/iam/responder.json)
AUDIT_ROLE_NAME = NAME_PREFIX + "audit"  # read-only; what `irready audit --accounts/--org` assumes
QUARANTINE_GROUP_NAME = NAME_PREFIX + "quarantine"  # no rules at all: step 2 of isolation (docs/containment.md)
ISOLATION_GROUP_NAME = NAME_PREFIX + "isolation"  # all traffic: step 1, makes tracked flows untracked
# irready's log groups: flow logs and the trail's (/irready/...), the functions' (Lambda's own
# /aws/lambda/<function>) and the DNS query logs (/aws/route53resolver/...). The guardrail SCP and the tamper
# alerts find irready's log groups by these prefixes (policies.GUARDED_RESOURCES).
LOG_GROUP_PREFIXES = ("/irready/", "/aws/lambda/" + NAME_PREFIX, "/aws/route53resolver/" + NAME_PREFIX)
# On every taggable resource the program creates (the providers' default tags): KMS key ARNs carry no name,
# so the guardrail SCP finds irready's keys by this tag (aws:ResourceTag, a key-resource condition key).
GUARDED_TAG = "irready:guarded"
GUARDED_TAG_VALUE = "true"
# IAM is a global service: CloudTrail delivers its events to EventBridge in us-east-1 only (AWS Organizations'
# and Account Management's likewise), so a rule on IAM calls works there and nowhere else, whatever regions a
# stack prepares: https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region,
# https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
IAM_EVENTS_REGION = "us-east-1"

# --- retention and where CloudTrail writes -------------------------------------------------------------------

# Intrusions are found months late; logs must outlive that (CIS AWS Foundations, AWS's incident response
# guide: keep at least a year).
MIN_LOG_RETENTION_DAYS = 365
# CloudTrail writes under <bucket>/<optional key prefix>/AWSLogs/<account or organization id>/...
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
CLOUDTRAIL_PREFIX = "AWSLogs/"

# --- workload evidence and business context (issue #19): shared by the audit and the program ---------------
# GuardDuty's protection plans, as GetDetector's Features and the organization configuration name them:
# https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfigurationResult.html
GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS",
                      "EKS_RUNTIME_MONITORING", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING")
# The plans a responder relies on (S3 data access, Kubernetes audit logs, runtime monitoring, malware scans).
GUARDDUTY_REQUIRED_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "EBS_MALWARE_PROTECTION")
# The business context AWS cannot give: is it production, who owns it, does it hold personal data.
CONTEXT_TAGS = ("environment", "owner", "data-classification")


# --- the audit's report formats: `irready audit --format`, the scheduled audit's irready:scheduledAudit.reportFormats
# (audit/report/ renders each; the program validates the stack config against the same names, without the audit).
REPORT_FORMATS = ("table", "json", "markdown", "html", "sarif", "junit", "csv", "ocsf", "asff")


def cloudtrail_log_prefix(key_prefix: str | None) -> str:
    """Where a trail with S3KeyPrefix ``key_prefix`` (None or "" for none) writes its log files."""
    return f"{key_prefix}/{CLOUDTRAIL_PREFIX}" if key_prefix else CLOUDTRAIL_PREFIX


# --- identifiers AWS defines ---------------------------------------------------------------------------------

# https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html: 12 digits (ASCII only:
# Python's \d would also accept other scripts' digits).
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html: RoleName, [\w+=,.@-]+, 1 to 64.
ROLE_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{1,64}")
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html: GroupName in a VPC,
# up to 255 of a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*, not starting with sg-.
SECURITY_GROUP_NAME = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")


def is_account_id(value: object) -> bool:
    """True for a 12-digit AWS account id given as text (``"012345678901"``); numbers are refused,
    since YAML and TOML turn an unquoted id into one and drop its leading zeros."""
    return isinstance(value, str) and ACCOUNT_ID.fullmatch(value) is not None


def is_role_name(value: object) -> bool:
    """True for a name IAM accepts for a role (CreateRole's RoleName)."""
    return isinstance(value, str) and ROLE_NAME.fullmatch(value) is not None


def is_security_group_name(value: object) -> bool:
    """True for a name EC2 accepts for a security group in a VPC (CreateSecurityGroup's GroupName)."""
    return isinstance(value, str) and SECURITY_GROUP_NAME.fullmatch(value) is not None \
        and not value.lower().startswith("sg-")


@cache
def known_regions() -> frozenset[str]:
    """Every region name of every partition botocore knows (``us-east-1``, ``cn-north-1``, ...).

    Both configs validate region names against it. botocore is imported here, when called, so the
    checkov checks can load this file without it.
    """
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return frozenset(regions)


# --- the checkov checks (policies/checkov) and the audit checks they answer before deploy -----------------

TRAIL_DATA_EVENTS_CHECK = "IRREADY_AWS_1"
QUARANTINE_GROUP_CHECK = "IRREADY_AWS_2"
TRAIL_BUCKET_RETENTION_CHECK = "IRREADY_AWS_3"
RESPONDER_TRUST_CHECK = "IRREADY_AWS_4"
CHECKOV_CHECKS = {
    TRAIL_DATA_EVENTS_CHECK: "cloudtrail.s3_data_events",
    QUARANTINE_GROUP_CHECK: "ir.quarantine_security_group",
    TRAIL_BUCKET_RETENTION_CHECK: "cloudtrail.bucket_retention",
    RESPONDER_TRUST_CHECK: "ir.responder_role",
}
"""checkov check id -> the id of the audit check that asks the same question of a deployed account."""
