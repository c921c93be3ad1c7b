"""The compliance report: a readable record of what was checked, what failed and how to fix it."""

from __future__ import annotations

from audit.report import Report, rows, where


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    summary = report.summary
    counts = summary["findings"]
    meta = report.snapshot_meta
    out = [
        "# irready readiness report",
        "",
        f"Collected {meta.get('collected_at', '?')} from account {meta.get('caller_account_id', '?')}: "
        f"{summary['accounts']} account(s), regions {', '.join(summary['regions']) or 'none'}.",
        "",
        f"**{counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, {counts['PASS']} PASS.** "
        "UNKNOWN means the audit could not look; it is never counted as a pass.",
        "",
        "| check | severity | fail | unknown | pass |",
        "|---|---|---:|---:|---:|",
    ]
    ordered = rows(report)
    for row in ordered:
        out.append(f"| [{row.check.id}](#{row.check.id.replace('.', '')}) | {row.check.severity.value} | "
                   f"{len(row.failed)} | {len(row.unknown)} | {len(row.passed)} |")

    for row in ordered:
        check = row.check
        out += ["", f"## {check.id}", "", f"**{check.title}** ({check.severity.value})", "",
                check.rationale, "", f"**Fix:** {check.remediation}", ""]
        if check.references:
            out.append("References: " + "; ".join(check.references))
            out.append("")
        findings = row.failed + row.unknown + row.passed
        if not findings:
            out.append("No resources in scope.")
            continue
        out += ["| status | where | reason |", "|---|---|---|"]
        out += [f"| {f.status.value} | {_cell(where(f))} | {_cell(f.reason)} |" for f in findings]

    gaps = summary["coverage_gaps"]
    out += ["", "## Coverage", ""]
    if not gaps:
        out.append("Every API call the audit needed succeeded.")
    else:
        out += ["What the audit could not read:", "", "| account | where | reason | call | code |",
                "|---|---|---|---|---|"]
        out += [f"| {g['account_id']} | {_cell(g['where'])} | {_cell(g['reason'])} | {g['operation']} | "
                f"{_cell(g['code'])} |" for g in gaps]
    return "\n".join(out) + "\n"
