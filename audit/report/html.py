"""The report for people, as one self-contained HTML page: executive summary per account and per
domain, account x check matrix, framework view, waivers, trend, and every finding with its reason,
fix and evidence; filters by status, severity and account.

Built from a Jinja2 template with autoescaping on, so every string from AWS, a snapshot or a scanned
file is escaped by default; a Content-Security-Policy allows no source but the page's own script (by
its hash), so even markup that slipped through could not run or load anything. No CDN, no external
asset: charts are inline SVG, and the page prints to PDF (filters hidden, every section shown).
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from functools import cache

from irready.audit.model import DOMAINS, Report, Status
from irready.audit.report.layout import counts_line, for_terminal, headline, rows, where
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

_STATUSES = [Status.FAIL, Status.UNKNOWN, Status.WAIVED, Status.PASS]
_WORST_FIRST = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WAIVED: 2, Status.PASS: 3}


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("irready.audit.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, finalize=_visible)
    env.filters["where"] = where
    return env


def _visible(value):
    """Every value the template prints: control characters (not allowed in HTML text) shown as \\x1b;
    our own markup (the script) passes as it is. Escaping of <, >, & is autoescape's."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return for_terminal(value)


def render(report: Report) -> str:
    env = _environment()
    script = env.get_template("filters.js").render()
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return env.get_template("report.html.j2").render(
        report=report, headline=headline(report), counts=counts_line(report), rows=rows(report),
        accounts=_by_account(report), domains=_by_domain(report), matrix=_matrix(report),
        trend=_trend(report), compliance=_compliance(report), waived=[f for f in report.findings if f.waiver],
        evidence=list(_flat(report.evidence)), script=script, script_hash=script_hash,
        severities=sorted({c.severity.value for c in report.checks}, key=lambda s: -_rank(s)),
        account_ids=sorted({f.account_id for f in report.findings if f.file is None})) + "\n"


def _rank(severity: str) -> int:
    return {"critical": 4, "high": 3, "medium": 2, "low": 1}[severity]


def _readiness(counter: Counter) -> dict:
    """Counts, and the share of judged findings that pass (WAIVED counts as accepted, UNKNOWN as not judged)."""
    judged = counter[Status.PASS] + counter[Status.FAIL] + counter[Status.WAIVED]
    ready = round(100 * (counter[Status.PASS] + counter[Status.WAIVED]) / judged) if judged else None
    return {"counts": {s.value: counter[s] for s in _STATUSES}, "ready": ready}


def _by_account(report: Report) -> list[dict]:
    counters: dict[str, Counter] = defaultdict(Counter)
    for f in report.findings:
        if f.file is None:
            counters[f.account_id][f.status] += 1
    return [{"id": account, **_readiness(c)} for account, c in sorted(counters.items())]


def _by_domain(report: Report) -> list[dict]:
    domain_of = {c.id: c.domain for c in report.checks}
    counters: dict[str, Counter] = defaultdict(Counter)
    for f in report.findings:
        counters[domain_of.get(f.check_id, "other")][f.status] += 1
    return [{"id": d, "name": DOMAINS.get(d, d), **_readiness(counters[d])} for d in DOMAINS if d in counters]


def _matrix(report: Report) -> dict:
    """Rows are checks, columns accounts; a cell is the worst status of that check in that account."""
    accounts = sorted({f.account_id for f in report.findings if f.file is None})
    cells: dict[tuple[str, str], Status] = {}
    for f in report.findings:
        key = (f.check_id, f.account_id)
        if key not in cells or _WORST_FIRST[f.status] < _WORST_FIRST[cells[key]]:
            cells[key] = f.status
    return {"accounts": accounts,
            "rows": [{"check": row.check, "cells": [cells.get((row.check.id, a)) for a in accounts]}
                     for row in rows(report)]}


def _trend(report: Report) -> dict | None:
    """Earlier runs and this one, oldest first, with an inline SVG polyline of FAIL and PASS counts."""
    if not report.history:
        return None
    points = [*report.history, {"label": "this report", "findings": report.summary["findings"]}]
    top = max(max(p["findings"].get("FAIL", 0), p["findings"].get("PASS", 0)) for p in points) or 1
    width, height, step = 600, 160, 600 / max(len(points) - 1, 1)

    def y(point: dict, status: str) -> float:
        return round(height - 10 - (height - 20) * point["findings"].get(status, 0) / top, 1)

    def line(status: str) -> str:
        return " ".join(f"{round(i * step, 1)},{y(p, status)}" for i, p in enumerate(points))
    return {"points": points, "fail": line("FAIL"), "pass": line("PASS"), "width": width, "height": height}


def _compliance(report: Report) -> dict | None:
    if not report.compliance:
        return None
    from irready.audit.compliance import totals
    return {"framework": report.compliance[0]["framework"], "rows": report.compliance,
            "totals": totals(report.compliance)}


def _flat(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", ", ".join(map(str, value)) if isinstance(value, list) else value
