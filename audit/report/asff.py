"""AWS Security Finding Format (ASFF), for import into Security Hub with BatchImportFindings: a JSON
array of findings (send in batches of at most 100). The tests validate every finding against
botocore's model of BatchImportFindings.

ASFF: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
"""

from __future__ import annotations

import json

from irready.audit.errors import UsageError
from irready.audit.model import GLOBAL, Finding, Report, Status
from irready.audit.report.machine import fingerprint, report_time

from irready import __version__

_COMPLIANCE = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.UNKNOWN: "NOT_AVAILABLE", Status.WAIVED: "FAILED"}
_LABEL = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}
# Security Hub's home region for findings about global services (IAM, account settings).
GLOBAL_FINDINGS_REGION = "us-east-1"


def render(report: Report) -> str:
    if report.kind == "iac-scan":
        raise UsageError("--format asff: Security Hub findings need an AWS account; iac-scan results have none "
                         "(use sarif, ocsf or json)")
    at = report_time(report).isoformat(timespec="seconds").replace("+00:00", "Z")
    checks = {c.id: c for c in report.checks}
    return json.dumps([_finding(f, checks[f.check_id], at) for f in report.findings], indent=2) + "\n"


def _finding(finding: Finding, check, at: str) -> dict:
    region = GLOBAL_FINDINGS_REGION if finding.region in (GLOBAL, "-") else finding.region
    account = finding.account_id
    recommendation = {"Text": finding.remediation[:512]}
    if check.references:
        recommendation["Url"] = check.references[0]
    compliance = {"Status": _COMPLIANCE[finding.status],
                  "RelatedRequirements": [f"{c['framework']}/{c['requirement']}" for c in check.compliance][:32]}
    data = {
        "SchemaVersion": "2018-10-08",
        "Id": f"irready/{finding.check_id}/{fingerprint(finding)}",
        # A customer's own findings use the account's "default" product.
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "irready",
        "CompanyName": "irready",
        "GeneratorId": f"irready/{finding.check_id}",
        "AwsAccountId": account,
        "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": {"Label": _LABEL[finding.severity.value] if finding.status is not Status.PASS else "INFORMATIONAL",
                     "Original": finding.severity.value},
        "Title": finding.title[:256],
        "Description": finding.reason[:1024] or finding.title[:1024],
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": {"irready/check_id": finding.check_id, "irready/status": finding.status.value,
                          "irready/version": __version__},
        "Resources": [{"Type": "Other", "Id": finding.resource_id if finding.resource_id != "-" else
                       f"AWS::::Account:{account}", "Partition": "aws", "Region": region}],
        "Compliance": compliance,
        "Workflow": {"Status": "SUPPRESSED" if finding.status is Status.WAIVED else
                     "RESOLVED" if finding.status is Status.PASS else "NEW"},
        "RecordState": "ACTIVE",
    }
    if finding.waiver:
        data["Note"] = {"Text": f"waived: {finding.waiver['reason']} (expires {finding.waiver['expires']})"[:512],
                        "UpdatedBy": str(finding.waiver["owner"])[:512] or "irready", "UpdatedAt": at}
    return data
