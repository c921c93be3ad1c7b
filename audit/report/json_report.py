"""The machine-readable report; `irready diff` and the HTML trend read it back."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import TextIO

from irready.audit.model import Report
from irready.audit.report.machine import write_json_array

from irready import __version__

SCHEMA = "irready/report-v1"


_FINDINGS = "\x00findings\x00"  # where the findings go in the document's text


def render(report: Report) -> str:
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def write(report: Report, out: TextIO) -> None:
    """The document ``json.dumps(..., indent=2)`` makes, with the findings written one at a time."""
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
        "findings": _FINDINGS,
    }
    if report.compliance:
        document["compliance"] = report.compliance
    if report.expiring:
        document["expiring_waivers"] = report.expiring
    before, after = json.dumps(document, indent=2).split(json.dumps(_FINDINGS), 1)
    out.write(before)
    write_json_array((finding.to_dict() for finding in report.findings), out, level=1)
    out.write(after + "\n")
