"""OCSF Compliance Finding events (class 2003, schema 1.5.0), one per finding, as a JSON array: what
a SIEM or a security lake ingests. Field names and enumerations follow the OCSF schema as the
py-ocsf-models package implements it (the tests validate every event against its ComplianceFinding).

Schema: https://schema.ocsf.io/1.5.0/classes/compliance_finding
"""

from __future__ import annotations

import io
from typing import TextIO

from irready.audit.model import Finding, Report, Severity, Status
from irready.audit.report.machine import fingerprint, report_time, write_json_array

from irready import __version__

OCSF_VERSION = "1.5.0"
_SEVERITY_ID = {Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
# compliance.status_id: 1 Pass, 2 Warning (no result: missing information), 3 Fail.
_COMPLIANCE = {Status.PASS: (1, "Pass"), Status.UNKNOWN: (2, "Warning"), Status.FAIL: (3, "Fail"),
               Status.WAIVED: (3, "Fail")}
# Finding status_id: 1 New, 3 Suppressed (a waived FAIL).
_STATUS = {Status.WAIVED: (3, "Suppressed")}


def render(report: Report) -> str:
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def write(report: Report, out: TextIO) -> None:
    """The same text as ``render``, written a finding at a time."""
    seen = int(report_time(report).timestamp() * 1000)
    checks = {c.id: c for c in report.checks}
    write_json_array((_event(f, checks[f.check_id], seen) for f in report.findings), out)
    out.write("\n")


def _event(finding: Finding, check, time_ms: int) -> dict:
    compliance_id, compliance_name = _COMPLIANCE[finding.status]
    status_id, status = _STATUS.get(finding.status, (1, "New"))
    requirements = [f"{c['framework']} {c['requirement']}" for c in check.compliance]
    event = {
        "activity_id": 1, "activity_name": "Create",
        "category_uid": 2, "category_name": "Findings",
        "class_uid": 2003, "class_name": "Compliance Finding",
        "type_uid": 200301, "type_name": "Compliance Finding: Create",
        "severity_id": _SEVERITY_ID[finding.severity], "severity": finding.severity.value.capitalize(),
        "status_id": status_id, "status": status,
        "time": time_ms,
        "message": finding.reason,
        "metadata": {"version": OCSF_VERSION, "event_code": finding.check_id,
                     "product": {"name": "irready", "vendor_name": "irready", "version": __version__}},
        "finding_info": {"uid": fingerprint(finding), "title": finding.title, "desc": finding.reason,
                         "types": list(check.categories) or None},
        "compliance": {"control": finding.check_id, "status_id": compliance_id, "desc": compliance_name,
                       "requirements": requirements or None,
                       "standards": sorted({c["framework"] for c in check.compliance}) or None},
        "remediation": {"desc": finding.remediation, "references": list(check.references) or None},
        "resources": [{"uid": finding.resource_id, "region": finding.region if finding.file is None else None,
                       "cloud_partition": "aws" if finding.file is None else None, "name": finding.resource_id,
                       "data": {"account_uid": finding.account_id} if finding.file is None else None}],
        # The models' ComplianceFinding has no cloud profile: the account goes in unmapped, as OCSF says for
        # fields outside the class.
        "unmapped": {"irready_status": finding.status.value,
                     **({"cloud": {"provider": "AWS", "account_uid": finding.account_id, "region": finding.region}}
                        if finding.file is None else {}),
                     **({"waiver": finding.waiver} if finding.waiver else {}),
                     **({"file": finding.file, "line": finding.line} if finding.file is not None else {}),
                     **({"checkov_check": finding.source_check} if finding.source_check else {})},
    }
    return _without_none(event)


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
