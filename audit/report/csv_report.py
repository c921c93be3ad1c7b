"""CSV, one row per finding, for spreadsheets and data tools.

A cell that a spreadsheet would read as a formula (starting with = + - @, tab or carriage return) is
prefixed with a single quote (OWASP, CSV injection): a resource named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from irready.audit.model import Report

COLUMNS = ["status", "severity", "check_id", "title", "account_id", "region", "resource_id", "file", "line",
           "reason", "remediation", "source_check", "waiver_reason", "waiver_owner", "waiver_ticket",
           "waiver_expires", "waiver_expired"]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(report: Report) -> str:
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def write(report: Report, out: TextIO) -> None:
    """The same text as ``render``, written a row at a time."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in report.findings:
        w = f.waiver or {}
        row = [f.status.value, f.severity.value, f.check_id, f.title, f.account_id, f.region, f.resource_id, f.file,
               f.line, f.reason, f.remediation, f.source_check, w.get("reason"), w.get("owner"), w.get("ticket"),
               w.get("expires"), w.get("expired")]
        writer.writerow([_cell(v) for v in row])
