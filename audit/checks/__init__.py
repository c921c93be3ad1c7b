"""Readiness checks: pure functions of a snapshot, each with its metadata beside it, one module per
id prefix (``vpc.flow_logs`` lives in ``vpc.py``).

ALL_CHECKS is the plain, explicit list of what runs; nothing registers itself on import.
"""

import importlib

from irready.audit.checks import (
    account,
    cloudfront,
    cloudtrail,
    dns,
    ec2,
    ecr,
    ecs,
    eks,
    elb,
    guardduty,
    iam,
    inventory,
    investigation,
    ir,
    logs,
    org,
    rds,
    s3,
    vpc,
)

functions = importlib.import_module(f"{__name__}.lambda")  # issue #19's lambda.* checks; `lambda` is a keyword

ALL_CHECKS = (
    *account.CHECKS,
    *cloudtrail.CHECKS,
    *vpc.CHECKS,
    *dns.CHECKS,
    *logs.CHECKS,
    *guardduty.CHECKS,
    *ir.CHECKS,
    *org.CHECKS,
    *ec2.CHECKS,
    *iam.CHECKS,
    *eks.CHECKS,
    *investigation.CHECKS,
    # workload evidence and business context (issue #19)
    *ecs.CHECKS,
    *ecr.CHECKS,
    *functions.CHECKS,
    *s3.CHECKS,
    *rds.CHECKS,
    *cloudfront.CHECKS,
    *elb.CHECKS,
    *inventory.CHECKS,
)

CHECKS_BY_ID = {check.id: check for check in ALL_CHECKS}
