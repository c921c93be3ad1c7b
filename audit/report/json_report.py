"""The machine-readable report; `irready diff` and the HTML trend read it back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from irready.audit.model import Report

from irready import __version__

SCHEMA = "irready/report-v1"


def render(report: Report) -> str:
    document = {
        "schema": SCHEMA,
        "tool": "irready",
        "version": __version__,
        "kind": report.kind,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "snapshot": report.snapshot_meta,
        "evidence": report.evidence,
        "summary": report.summary,
        "checks": [check.metadata() for check in report.checks],
        "findings": [finding.to_dict() for finding in report.findings],
    }
    if report.compliance:
        document["compliance"] = report.compliance
    if report.expiring:
        document["expiring_waivers"] = report.expiring
    return json.dumps(document, indent=2) + "\n"
