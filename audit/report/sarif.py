"""SARIF 2.1.0 (OASIS), for code-scanning UIs: one rule per check, one result per FAIL, WAIVED
(as a suppressed result) and UNKNOWN (kind "review"). iac-scan results carry the file and lines;
audit results carry the resource as a logical location.

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html
"""

from __future__ import annotations

import json

from irready.audit.model import Finding, Report, Severity, Status
from irready.audit.report.machine import fingerprint, relative_uri

from irready import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub code scanning reads "security-severity" (0.0-10.0) to rank security results.
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}


def render(report: Report) -> str:
    rules = [{
        "id": check.id,
        "name": check.id.replace(".", "_"),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "help": {"text": f"Fix: {check.remediation}"},
        **({"helpUri": check.references[0]} if check.references else {}),
        "defaultConfiguration": {"level": _LEVEL[check.severity]},
        "properties": {"security-severity": _SECURITY_SEVERITY[check.severity],
                       "tags": ["security", *check.categories,
                                *(f"{c['framework']}/{c['requirement']}" for c in check.compliance)]},
    } for check in report.checks]
    index = {check.id: n for n, check in enumerate(report.checks)}
    results = [_result(f, index) for f in report.findings if f.status is not Status.PASS]
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "irready", "version": __version__, "rules": rules}},
            "automationDetails": {"id": f"irready/{report.kind}/"},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"


def _result(finding: Finding, index: dict[str, int]) -> dict:
    result = {
        "ruleId": finding.check_id,
        "ruleIndex": index[finding.check_id],
        "message": {"text": finding.reason},
        "partialFingerprints": {"irready/v1": fingerprint(finding)},
        "locations": [_location(finding)],
        "properties": {"status": finding.status.value, "severity": finding.severity.value},
    }
    if finding.status is Status.UNKNOWN:
        result |= {"kind": "review", "level": "none"}
    else:
        result |= {"kind": "fail", "level": _LEVEL[finding.severity]}
    if finding.source_check:
        result["properties"]["checkov_check"] = finding.source_check
    if finding.status is Status.WAIVED:
        w = finding.waiver
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{w['reason']} (owner {w['owner']}, {w['ticket']}, "
                                                    f"expires {w['expires']})"}]
    return result


def _location(finding: Finding) -> dict:
    if finding.file is not None:
        region = {"startLine": max(1, finding.line or 1)}
        if finding.end_line and finding.end_line >= region["startLine"]:
            region["endLine"] = finding.end_line
        return {"physicalLocation": {"artifactLocation": {"uri": relative_uri(finding.file)}, "region": region},
                "logicalLocations": [{"name": finding.resource_id, "kind": "resource"}]}
    name = finding.resource_id if finding.resource_id != "-" else finding.account_id
    qualified = f"{finding.account_id}/{finding.region}/{finding.resource_id}"
    return {"logicalLocations": [{"name": name, "kind": "resource", "fullyQualifiedName": qualified}]}
