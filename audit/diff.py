"""`irready diff OLD NEW`: what changed between two runs, each a JSON report (--format json) or a
snapshot (evaluated here with the settings it was collected with).

A finding is the same across runs when its check, account, region and resource are (``Finding.key``).

  new              FAIL now, not seen before
  regressed        was PASS or WAIVED (e.g. its waiver expired), is FAIL now
  fixed            was FAIL, is PASS now or no longer exists
  still failing    FAIL in both
  newly waived     WAIVED now, was not
  newly unknown    UNKNOWN now, was PASS or FAIL: the audit could no longer look
  expiring         waivers in the new run that expire within the window

Exit 1 when anything is new or regressed, so a pipeline can gate on it.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from irready.audit.errors import UsageError
from irready.audit.files import write_atomically
from irready.audit.report.layout import for_markdown, for_terminal
from tabulate import tabulate

KINDS = ("new", "regressed", "fixed", "still failing", "newly waived", "newly unknown")
_FIELDS = ("check_id", "account_id", "region", "resource_id")


def load_findings(path: Path) -> tuple[list[dict], str]:
    """The findings of a JSON report, or of a snapshot evaluated now; and a label for the run."""
    from irready.audit import parts

    try:
        data = {"schema": parts.SCHEMA} if parts.is_parts_file(path) else json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; give a JSON report (--format json) or a snapshot")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not JSON ({type(exc).__name__}); give a JSON report or a snapshot")
    if isinstance(data, dict) and data.get("schema") in ("irready/snapshot-v1", parts.SCHEMA):
        from irready.audit import config as config_module
        from irready.audit.evaluate import report
        from irready.audit.snapshot import load

        snapshot = load(path)  # validates the shape
        recorded = dict(snapshot.get("config") or {})
        recorded.pop("external_id", None)
        result = report(snapshot, config_module.build(recorded, f"snapshot {path} config"))
        return [f.to_dict() for f in result.findings], str(snapshot.get("collected_at") or path)
    if isinstance(data, dict) and isinstance(data.get("findings"), list) and data.get("tool") == "irready":
        findings = data["findings"]
        for n, f in enumerate(findings):
            if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in (*_FIELDS, "status")):
                raise UsageError(f"{path}: findings[{n}] lacks check_id, account_id, region, resource_id or status")
        return findings, str((data.get("snapshot") or {}).get("collected_at") or data.get("generated_at") or path)
    raise UsageError(f"{path}: neither an irready JSON report (--format json) nor a snapshot")


def compare(old: list[dict], new: list[dict], expiring_within: int = 30, today: date | None = None) -> dict:
    """Each kind of change -> the findings (from NEW, or from OLD for fixed) it holds; plus 'expiring'."""
    today = today or datetime.now(UTC).date()

    def index(findings):
        return {tuple(f[k] for k in _FIELDS): f for f in findings}
    before, after = index(old), index(new)
    changes: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for key, f in after.items():
        was = before.get(key, {}).get("status")
        now = f["status"]
        if now == "FAIL" and was is None:
            changes["new"].append(f)
        elif now == "FAIL" and was in ("PASS", "WAIVED"):
            changes["regressed"].append({**f, "was": was})
        elif now == "FAIL" and was == "FAIL":
            changes["still failing"].append(f)
        elif now == "WAIVED" and was != "WAIVED":
            changes["newly waived"].append(f)
        elif now == "UNKNOWN" and was in ("PASS", "FAIL"):
            changes["newly unknown"].append({**f, "was": was})
        if was == "FAIL" and now == "PASS":
            changes["fixed"].append(f)
    for key, f in before.items():
        if f["status"] == "FAIL" and key not in after:
            changes["fixed"].append({**f, "reason": "no longer present"})
    expiring = []
    for f in new:
        w = f.get("waiver")
        if w and not w.get("expired"):
            try:
                days = (date.fromisoformat(w["expires"]) - today).days
            except (KeyError, TypeError, ValueError):
                continue
            if days <= expiring_within:
                expiring.append({**f, "days_left": days})
    changes["expiring"] = expiring
    for kind in changes:
        changes[kind].sort(key=lambda f: tuple(f[k] for k in _FIELDS))
    return changes


def regressed(changes: dict) -> bool:
    return bool(changes["new"] or changes["regressed"])


def fixed_checks(changes: dict, new: list[dict]) -> list[str]:
    """Checks that failed before and fail nowhere now."""
    failing_now = {f["check_id"] for f in new if f["status"] == "FAIL"}
    return sorted({f["check_id"] for f in changes["fixed"]} - failing_now)


def render(changes: dict, fmt: str, old_label: str, new_label: str, fixed: list[str]) -> str:
    if fmt == "json":
        return json.dumps({"old": old_label, "new": new_label, "regressed": regressed(changes),
                           "fixed_checks": fixed, "counts": {k: len(v) for k, v in changes.items()},
                           "changes": changes}, indent=2) + "\n"
    esc = for_markdown if fmt == "markdown" else for_terminal
    counts = ", ".join(f"{len(v)} {k}" for k, v in changes.items())
    lines = ([f"# irready diff: {esc(old_label)} -> {esc(new_label)}", "", counts + ".", ""] if fmt == "markdown"
             else [f"irready diff: {esc(old_label)} -> {esc(new_label)}", counts])
    if fixed:
        lines += [("**Fixed checks:** " if fmt == "markdown" else "Fixed checks: ") + ", ".join(fixed), ""]
    for kind, items in changes.items():
        if not items:
            continue
        rows = [[f["check_id"], esc(f"{f['account_id']}/{f['region']}/{f['resource_id']}"),
                 f.get("was", "") + ("->" if f.get("was") else "") + f["status"],
                 esc(f["reason"] if kind != "expiring" else f"{f['waiver']['expires']} ({f['days_left']} days), "
                     f"owner {f['waiver'].get('owner', '?')}")] for f in items]
        heading = f"## {kind} ({len(items)})" if fmt == "markdown" else f"\n{kind.upper()} ({len(items)})"
        lines += [heading, "" if fmt == "markdown" else None,
                  tabulate(rows, headers=["check", "where", "status", "reason"],
                           tablefmt="github" if fmt == "markdown" else "simple",
                           maxcolwidths=None if fmt == "markdown" else [None, 50, None, 60]), ""]
    return "\n".join(line for line in lines if line is not None) + "\n"


def main(old: Path, new: Path, fmt: str, output: Path | None, expiring_within: int) -> int:
    old_findings, old_label = load_findings(old)
    new_findings, new_label = load_findings(new)
    changes = compare(old_findings, new_findings, expiring_within)
    text = render(changes, fmt, old_label, new_label, fixed_checks(changes, new_findings))
    if output:
        write_atomically(output, text)
        print(f"irready: wrote {output}: " + ", ".join(f"{len(v)} {k}" for k, v in changes.items()), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if regressed(changes) else 0
