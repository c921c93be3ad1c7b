"""Readiness checks: pure functions of a snapshot, each with its metadata beside it, one module per
id prefix (``vpc.flow_logs`` lives in ``vpc.py``).

ALL_CHECKS is the plain, explicit list of what runs; nothing registers itself on import.
"""

from irready.audit.checks import account, cloudtrail, dns, ec2, eks, guardduty, iam, investigation, ir, logs, org, vpc

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
)

CHECKS_BY_ID = {check.id: check for check in ALL_CHECKS}
