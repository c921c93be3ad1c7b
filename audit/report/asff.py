"""AWS Security Finding Format (ASFF): the one writer, for the `asff` report format (a JSON array of
findings) and for the scheduled audit's import into Security Hub with BatchImportFindings.

Security Hub accepts findings under the default product only for the account that imports them
("the identifier of the account that you are calling BatchImportFindings from needs to be the same as
the AwsAccountId attribute", https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html),
and in the region of the call. With an ``importer`` every finding belongs to it and to its region, and
names the audited account as a resource; without one (the `asff` file), each finding belongs to the
audited account and the finding's region, ready for that account to import. A finding's Id is stable
across runs (check, account, region, resource): importing it again updates it; a resolved one is archived.
The tests validate every finding against botocore's model of BatchImportFindings.

ASFF: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html,
required attributes: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
"""

from __future__ import annotations

import io
from typing import TextIO

from irready.audit.errors import UsageError
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Finding, Report, Status
from irready.audit.report.machine import report_time, write_json_array

from irready import __version__

SCHEMA_VERSION = "2018-10-08"
FINDING_TYPE = "Software and Configuration Checks/Industry and Regulatory Standards"
BATCH = 100  # BatchImportFindings takes at most 100 findings a call
_COMPLIANCE = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.UNKNOWN: "NOT_AVAILABLE", Status.WAIVED: "FAILED"}
_LABEL = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}
# Security Hub's home region for findings about global services (IAM, account settings).
GLOBAL_FINDINGS_REGION = "us-east-1"


def render(report: Report) -> str:
    """The `asff` format: every finding of the report, each owned by its audited account."""
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def write(report: Report, out: TextIO) -> None:
    """The same text as ``render``, written a finding at a time. Raises UsageError for an iac-scan report."""
    if report.kind == "iac-scan":
        raise UsageError("--format asff: Security Hub findings need an AWS account; iac-scan results have none "
                         "(use sarif, ocsf or json)")
    at = report_time(report).isoformat(timespec="seconds").replace("+00:00", "Z")
    checks = {c.id: c for c in report.checks}
    write_json_array((finding(f, checks.get(f.check_id), at) for f in report.findings), out)
    out.write("\n")


def findings(current: list[Finding], resolved: list[Finding], checks: dict[str, Check], *, importer: str,
             region: str, at: str, partition: str = "aws") -> list[dict]:
    """For BatchImportFindings by ``importer`` in ``region``: every FAIL of this run (active) and every
    FAIL resolved since the last (archived). ``checks``: check id -> Check, for references and mappings."""
    where = {"importer": importer, "region": region, "partition": partition}
    return ([finding(f, checks.get(f.check_id), at, **where) for f in current if f.status is Status.FAIL]
            + [finding(f, checks.get(f.check_id), at, resolved=True, **where) for f in resolved])


def finding(item: Finding, check: Check | None, at: str, *, importer: str | None = None, region: str | None = None,
            resolved: bool = False, partition: str = "aws") -> dict:
    """One ASFF finding at ``at`` (ISO 8601). ``importer``/``region``: the account and region calling
    BatchImportFindings (None: the audited account, the finding's region). ``resolved``: a FAIL that
    went away, imported as PASSED and ARCHIVED."""
    finding_region = GLOBAL_FINDINGS_REGION if item.region in (GLOBAL, NO_RESOURCE) else item.region
    owner, home = importer or item.account_id, region or finding_region
    resources = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{item.account_id}", "Partition": partition,
                  "Region": finding_region}]
    if item.resource_id != NO_RESOURCE:
        resources.append({"Type": "Other", "Id": item.resource_id[:512], "Partition": partition,
                          "Region": finding_region})
    status = Status.PASS if resolved else item.status
    recommendation = {"Text": item.remediation[:512]}
    if check and check.references:
        recommendation["Url"] = check.references[0]
    compliance = {"Status": _COMPLIANCE[status]}
    if check and check.compliance:
        compliance["RelatedRequirements"] = [f"{c['framework']}/{c['requirement']}" for c in check.compliance][:32]
    data = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"irready/{item.check_id}/{item.account_id}/{item.region}/{item.resource_id}"[:512],
        # A customer's own findings use the account's "default" product.
        "ProductArn": f"arn:{partition}:securityhub:{home}:{owner}:product/{owner}/default",
        "ProductName": "irready",
        "CompanyName": "irready",
        "GeneratorId": f"irready/{item.check_id}",
        "AwsAccountId": owner,
        "Region": home,
        "Types": [FINDING_TYPE],
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": {"Label": "INFORMATIONAL" if status is Status.PASS else _LABEL[item.severity.value],
                     "Original": item.severity.value},
        "Title": item.title[:256],
        "Description": item.reason[:1024] or item.title[:1024],
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": {"irready/check_id": item.check_id, "irready/status": status.value,
                          "irready/version": __version__, "irready/audited_account": item.account_id,
                          "irready/region": item.region, "irready/resource_id": item.resource_id[:2048]},
        "Resources": resources,
        "Compliance": compliance,
        "Workflow": {"Status": "SUPPRESSED" if status is Status.WAIVED else
                     "RESOLVED" if status is Status.PASS else "NEW"},
        "RecordState": "ARCHIVED" if resolved else "ACTIVE",
    }
    if item.waiver:
        data["Note"] = {"Text": f"waived: {item.waiver['reason']} (expires {item.waiver['expires']})"[:512],
                        "UpdatedBy": str(item.waiver["owner"])[:512] or "irready", "UpdatedAt": at}
    return data
