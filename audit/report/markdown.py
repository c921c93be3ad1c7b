"""The compliance report in Markdown: a readable record of what was checked, what failed and how to fix it.

Every string that came from AWS, a snapshot or a scanned file goes through ``for_markdown``: raw HTML,
newlines, ``|`` and link syntax in a resource name stay text.
"""

from __future__ import annotations

from irready.audit.model import Report
from irready.audit.report.layout import counts_line, for_markdown, headline, rows, where

md = for_markdown


def render(report: Report) -> str:
    title = "irready IaC readiness scan" if report.kind == "iac-scan" else "irready readiness report"
    out = [f"# {title}", "", md(headline(report)), "",
           f"**{counts_line(report)}.** UNKNOWN means the audit could not look; it is never counted as a pass.", ""]
    out += _evidence(report)
    out += ["| check | severity | fail | unknown | waived | pass |", "|---|---|---:|---:|---:|---:|"]
    ordered = rows(report)
    for row in ordered:
        out.append(f"| [{row.check.id}](#{row.check.id.replace('.', '')}) | {row.check.severity.value} | "
                   f"{len(row.failed)} | {len(row.unknown)} | {len(row.waived)} | {len(row.passed)} |")
    if report.compliance:
        out += _compliance(report)
    if report.expiring:
        out += ["", "## Waivers expiring soon", "", "| check | owner | ticket | expires |", "|---|---|---|---|"]
        out += [f"| {md(e['check_id'])} | {md(e['owner'])} | {md(e['ticket'])} | {e['expires']} |"
                for e in report.expiring]
    for row in ordered:
        check = row.check
        out += ["", f"## {check.id}", "", f"**{md(check.title)}** ({check.severity.value})", "",
                md(check.rationale), "", f"**Fix:** {md(check.remediation)}", ""]
        if check.references:
            out += ["References: " + "; ".join(check.references), ""]
        if not row.findings:
            out.append("No resources in scope.")
            continue
        out += ["| status | where | reason |", "|---|---|---|"]
        for f in row.findings:
            reason = md(f.reason)
            if f.waiver and not f.waiver["expired"]:  # an expired waiver is already in the reason (waivers.apply)
                w = f.waiver
                reason += (f" (waiver until {w['expires']}: {md(w['reason'])}; owner {md(w['owner'])}, "
                           f"{md(w['ticket'])})")
            out.append(f"| {f.status.value} | {md(where(f))} | {reason} |")
    if report.kind != "iac-scan":
        out += _coverage(report)
    return "\n".join(out) + "\n"


def _evidence(report: Report) -> list[str]:
    if not report.evidence:
        return []
    out = ["<details><summary>Evidence: how this report was made</summary>", "", "| field | value |", "|---|---|"]
    out += [f"| {md(key)} | {md(value)} |" for key, value in _flat(report.evidence)]
    return out + ["", "</details>", ""]


def _flat(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", ", ".join(map(str, value)) if isinstance(value, list) else value


def _compliance(report: Report) -> list[str]:
    from irready.audit.compliance import totals

    rows_ = report.compliance
    t = totals(rows_)
    out = ["", f"## Framework: {md(rows_[0]['framework'])}", "",
           ", ".join(f"{n} {s}" for s, n in t.items()) + ".", "",
           "| requirement | status | checks | evidence |", "|---|---|---|---|"]
    for r in rows_:
        checks = "; ".join(f"{c['check_id']}: {c['verdict']}" for c in r["checks"]) or "no check answers it"
        evidence = "; ".join(md(f"{e['status']} {e['account_id']}/{e['region']}/{e['resource_id']}: {e['reason']}")
                             for e in r["evidence"])
        if r["evidence_more"]:
            evidence += f"; +{r['evidence_more']} more"
        out.append(f"| [{md(r['id'])}]({r['url']}) {md(r['title'])} | {r['status']} | {checks} | {evidence or '-'} |")
    return out


def _missing(accounts: list[str] | None) -> str:
    return "unknown" if accounts is None else ", ".join(accounts) or "none"


def _coverage(report: Report) -> list[str]:
    summary = report.summary
    gaps = summary.get("coverage_gaps") or []
    out = ["", "## Coverage", ""]
    if summary.get("incomplete"):
        out.append(f"**Incomplete:** the collection was {md(summary['incomplete']['reason'])}; not audited: "
                   f"{md(_missing(summary['incomplete']['missing_accounts']))}.")
    for account_id, why in (summary.get("skipped_accounts") or {}).items():
        out.append(f"- Account {md(account_id)} was not audited: {md(why)}.")
    if not gaps:
        out.append("Every API call the audit needed succeeded.")
    else:
        out += ["What the audit could not read:", "", "| account | where | reason | call | code |",
                "|---|---|---|---|---|"]
        out += [f"| {md(g['account_id'])} | {md(g['where'])} | {md(g['reason'])} | {md(g['operation'])} | "
                f"{md(g['code'])} |" for g in gaps]
    return out


def render_catalogue(checks) -> str:
    """docs/checks.md: every check with its categories, rationale, fix, references and framework requirements."""
    out = ["# Readiness checks", "",
           "Generated by `irready checks --format markdown`; the ids are a stable public contract. The framework "
           "requirements come from `audit/frameworks/*.toml`.", "",
           "| id | severity | categories | title |", "|---|---|---|---|"]
    out += [f"| [{c.id}](#{c.id.replace('.', '')}) | {c.severity.value} | {', '.join(c.categories)} | {md(c.title)} |"
            for c in checks]
    for check in checks:
        out += ["", f"## {check.id}", "", f"**{check.title}** ({check.severity.value}; {', '.join(check.categories)})",
                "", check.rationale, "", f"**Fix:** {check.remediation}", "",
                "References: " + "; ".join(check.references)]
        if check.compliance:
            out += ["", "Frameworks: " + "; ".join(f"{c['framework']} {c['requirement']}" for c in check.compliance)]
    return "\n".join(out) + "\n"
