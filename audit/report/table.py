"""The terminal report: one row per check, the worst resources, then how to fix what failed."""

from __future__ import annotations

from irready.audit.report import Report, rows, where
from tabulate import tabulate

_SHOWN = 3


def render(report: Report) -> str:
    table = []
    for row in rows(report):
        worst = row.failed or row.unknown
        shown = ", ".join(where(f) for f in worst[:_SHOWN])
        if len(worst) > _SHOWN:
            shown += f" (+{len(worst) - _SHOWN} more)"
        table.append([row.check.id, row.check.severity.value, len(row.failed), len(row.unknown), len(row.passed),
                      shown])
    lines = [tabulate(table, headers=["check", "severity", "fail", "unknown", "pass", "worst resources"],
                      tablefmt="simple", maxcolwidths=[None, None, None, None, None, 70])]

    summary = report.summary
    counts = summary["findings"]
    lines.append("")
    lines.append(f"{summary['accounts']} account(s), {len(summary['regions'])} region(s): "
                 f"{counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, {counts['PASS']} PASS")

    failing = [row for row in rows(report) if row.failed]
    if failing:
        lines.append("")
        lines.append("How to fix:")
        for row in failing:
            lines.append(f"  {row.check.id}: {row.check.remediation}")
    if summary.get("incomplete"):
        missing = summary["incomplete"]["missing_accounts"]
        lines.append("")
        lines.append(f"INCOMPLETE: the collection was {summary['incomplete']['reason']}; not audited: "
                     + (", ".join(missing) or "none"))
    skipped = summary.get("skipped_accounts") or {}
    if skipped:
        lines.append("")
        lines.append(f"Skipped {len(skipped)} account(s): " + ", ".join(f"{a} ({why})" for a, why in skipped.items()))
    gaps = summary["coverage_gaps"]
    if gaps:
        lines.append("")
        lines.append(f"Could not read {len(gaps)} thing(s); the checks that needed them are UNKNOWN:")
        for gap in gaps[:5]:
            lines.append(f"  {gap['account_id']}/{gap['where']}: {gap['reason']} ({gap['operation']}: {gap['code']})")
        if len(gaps) > 5:
            lines.append(f"  ... and {len(gaps) - 5} more (see the JSON report)")
    return "\n".join(lines) + "\n"
