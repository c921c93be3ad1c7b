"""What the machine formats (SARIF, JUnit, CSV, OCSF, ASFF) share: a stable fingerprint per finding,
a time, and where a finding is."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from irready.audit.model import Finding, Report


def fingerprint(finding: Finding) -> str:
    """Stable across runs for the same check on the same resource (SHA-256 of the identifying fields)."""
    parts = [*finding.key, finding.file or "", str(finding.line or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def report_time(report: Report) -> datetime:
    """When the state was seen: the collection's end (or time) for the audit; now for iac-scan."""
    for value in (report.evidence.get("collection", {}).get("finished_at"), report.snapshot_meta.get("collected_at")):
        if value:
            try:
                return datetime.fromisoformat(str(value))
            except ValueError:
                pass
    return datetime.now(UTC)


def relative_uri(file: str) -> str:
    """A scanned file as a URI relative to the working directory when it lies below it (what code-scanning
    UIs match against the repository), else as given; always with forward slashes."""
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def write_json_array(items: Iterable, out: TextIO, level: int = 0) -> None:
    """Write ``items`` as ``json.dumps(list(items), indent=2)`` would at nesting ``level``, one item at a
    time, so a report of a thousand accounts' findings never holds the whole document in memory."""
    inner, empty = "  " * (level + 1), True
    for item in items:
        # json.dumps never writes an empty line (a newline in a string is escaped): indent every line
        out.write(("[\n" if empty else ",\n") + inner + json.dumps(item, indent=2).replace("\n", "\n" + inner))
        empty = False
    out.write("[]" if empty else "\n" + "  " * level + "]")
