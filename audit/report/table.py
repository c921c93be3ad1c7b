"""The terminal report: one row per check, the worst resources, then how to fix what failed.

Every string that came from AWS, a snapshot or a scanned file goes through ``for_terminal``: a resource
named ``\\x1b[2J`` shows as text and cannot clear the screen or forge a line.
"""

from __future__ import annotations

from irready.audit.model import Report
from irready.audit.report.layout import counts_line, for_terminal, headline, rows, where
from tabulate import tabulate

_SHOWN = 3


def render(report: Report) -> str:
    table = []
    for row in rows(report):
        worst = row.failed or row.unknown
        shown = ", ".join(for_terminal(where(f)) for f in worst[:_SHOWN])
        if len(worst) > _SHOWN:
            shown += f" (+{len(worst) - _SHOWN} more)"
        table.append([row.check.id, row.check.severity.value, len(row.failed), len(row.unknown), len(row.passed),
                      shown])
    headers = ["check", "severity", "fail", "unknown", "pass", "worst resources"]
    if any(row.waived for row in rows(report)):
        for line, row in zip(table, rows(report), strict=True):
            line.insert(5, len(row.waived))
        headers.insert(5, "waived")
    lines = [tabulate(table, headers=headers, tablefmt="simple",
                      maxcolwidths=[None] * (len(headers) - 1) + [70])]

    summary = report.summary
    lines.append("")
    if report.kind == "iac-scan":
        lines.append(for_terminal(headline(report)) + " " + counts_line(report))
    else:
        lines.append(f"{summary['accounts']} account(s), {len(summary['regions'])} region(s): {counts_line(report)}")

    failing = [row for row in rows(report) if row.failed]
    if failing:
        lines += ["", "How to fix:"] + [f"  {row.check.id}: {row.check.remediation}" for row in failing]
    waived = [f for f in report.findings if f.waiver]
    if waived:
        lines += ["", "Waivers:"]
        for f in waived:
            w = f.waiver
            state = "EXPIRED" if w["expired"] else f"until {w['expires']}"
            lines.append(f"  {f.check_id} {for_terminal(where(f))}: {state}, {for_terminal(w['reason'])} "
                         f"(owner {for_terminal(w['owner'])}, {for_terminal(w['ticket'])})")
    if report.expiring:
        lines += ["", "Waivers expiring soon:"] + [
            f"  {for_terminal(e['check_id'])} ({for_terminal(e['owner'])}, {for_terminal(e['ticket'])}): "
            f"expires {e['expires']}" for e in report.expiring]
    if report.compliance:
        lines += ["", _compliance(report)]
    if summary.get("incomplete"):
        missing = summary["incomplete"]["missing_accounts"]
        lines += ["", f"INCOMPLETE: the collection was {for_terminal(summary['incomplete']['reason'])}; not audited: "
                  + ("unknown" if missing is None else ", ".join(for_terminal(m) for m in missing) or "none")]
    skipped = summary.get("skipped_accounts") or {}
    if skipped:
        lines += ["", f"Skipped {len(skipped)} account(s): " + ", ".join(
            f"{for_terminal(a)} ({for_terminal(why)})" for a, why in skipped.items())]
    gaps = summary.get("coverage_gaps") or []
    if gaps:
        lines += ["", f"Could not read {len(gaps)} thing(s); the checks that needed them are UNKNOWN:"]
        for gap in gaps[:5]:
            lines.append("  " + for_terminal(f"{gap['account_id']}/{gap['where']}: {gap['reason']} "
                                             f"({gap['operation']}: {gap['code']})"))
        if len(gaps) > 5:
            lines.append(f"  ... and {len(gaps) - 5} more (see the JSON report)")
    return "\n".join(lines) + "\n"


def _compliance(report: Report) -> str:
    from irready.audit.compliance import totals

    table = [[r["id"], r["status"], ", ".join(f"{c['check_id']} {c['verdict']}" for c in r["checks"]) or "-",
              r["title"]] for r in report.compliance]
    t = totals(report.compliance)
    return (f"Framework {report.compliance[0]['framework']}: " + ", ".join(f"{n} {s}" for s, n in t.items()) + "\n"
            + tabulate(table, headers=["requirement", "status", "checks", "title"], tablefmt="simple",
                       maxcolwidths=[None, None, 60, 50]))
