"""Readiness checks: pure functions of a snapshot, each with its metadata beside it.

ALL_CHECKS is the plain, explicit list of what runs; nothing registers itself on import.
"""

from irready.audit.checks import account, cloudtrail, guardduty, ir, logs, network, workloads

ALL_CHECKS = (
    *account.CHECKS,
    *cloudtrail.CHECKS,
    *network.CHECKS,
    *logs.CHECKS,
    *guardduty.CHECKS,
    *ir.CHECKS,
    *workloads.CHECKS,
)

CHECKS_BY_ID = {check.id: check for check in ALL_CHECKS}
