"""The compliance report as one self-contained HTML page (no scripts, no external assets)."""

from __future__ import annotations

from html import escape

from irready.audit.report import Report, rows, where

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1a1a1a}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}.FAIL{color:#b00020;font-weight:600}.UNKNOWN{color:#8a6d00;font-weight:600}
.PASS{color:#1b5e20}code{font-size:.95em}
"""


def render(report: Report) -> str:
    summary, meta = report.summary, report.snapshot_meta
    counts = summary["findings"]
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>irready readiness report</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>irready readiness report</h1>",
           f"<p>Collected {escape(str(meta.get('collected_at', '?')))} from account "
           f"{escape(str(meta.get('caller_account_id', '?')))}: {summary['accounts']} account(s), regions "
           f"{escape(', '.join(summary['regions']) or 'none')}.</p>",
           f"<p><strong>{counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, {counts['PASS']} PASS.</strong> "
           "UNKNOWN means the audit could not look; it is never counted as a pass.</p>"]
    if summary.get("incomplete"):
        out.append(f"<p class=\"UNKNOWN\">Incomplete: the collection was {escape(summary['incomplete']['reason'])};"
                   f" not audited: {escape(', '.join(summary['incomplete']['missing_accounts']) or 'none')}.</p>")
    ordered = rows(report)
    out.append("<table><tr><th>check</th><th>severity</th><th>fail</th><th>unknown</th><th>pass</th></tr>")
    out += [f"<tr><td><a href=\"#{escape(r.check.id)}\">{escape(r.check.id)}</a></td>"
            f"<td>{r.check.severity.value}</td><td>{len(r.failed)}</td><td>{len(r.unknown)}</td>"
            f"<td>{len(r.passed)}</td></tr>" for r in ordered]
    out.append("</table>")
    for row in ordered:
        check = row.check
        out += [f"<h2 id=\"{escape(check.id)}\">{escape(check.id)}</h2>",
                f"<p><strong>{escape(check.title)}</strong> ({check.severity.value})</p>",
                f"<p>{escape(check.rationale)}</p>", f"<p><strong>Fix:</strong> {escape(check.remediation)}</p>",
                "<p>References: " + "; ".join(escape(r) for r in check.references) + "</p>"]
        findings = row.failed + row.unknown + row.passed
        if not findings:
            out.append("<p>No resources in scope.</p>")
            continue
        out.append("<table><tr><th>status</th><th>where</th><th>reason</th></tr>")
        out += [f"<tr><td class=\"{f.status.value}\">{f.status.value}</td><td><code>{escape(where(f))}</code></td>"
                f"<td>{escape(f.reason)}</td></tr>" for f in findings]
        out.append("</table>")
    out.append("<h2>Coverage</h2>")
    for account_id, why in (summary.get("skipped_accounts") or {}).items():
        out.append(f"<p>Account {escape(account_id)} was not audited: {escape(why)}.</p>")
    gaps = summary["coverage_gaps"]
    if not gaps:
        out.append("<p>Every API call the audit needed succeeded.</p>")
    else:
        out.append("<table><tr><th>account</th><th>where</th><th>reason</th><th>call</th><th>code</th></tr>")
        out += [f"<tr><td>{escape(g['account_id'])}</td><td>{escape(g['where'])}</td><td>{escape(g['reason'])}</td>"
                f"<td>{escape(g['operation'])}</td><td>{escape(g['code'])}</td></tr>" for g in gaps]
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
