"""What the machine formats (SARIF, JUnit, CSV, OCSF, ASFF) share: a stable fingerprint per finding,
a time, and where a finding is."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

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
