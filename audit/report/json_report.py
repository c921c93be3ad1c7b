"""The machine-readable report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from irready.audit.report import Report

from irready import __version__


def render(report: Report) -> str:
    document = {
        "tool": "irready",
        "version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "snapshot": report.snapshot_meta,
        "summary": report.summary,
        "checks": [check.metadata() for check in report.checks],
        "findings": [finding.to_dict() for finding in report.findings],
    }
    return json.dumps(document, indent=2) + "\n"
