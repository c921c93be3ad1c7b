"""The per-requirement view of a report: for each requirement of a framework, its status, the checks
that answer it and the evidence (the findings that decided it).

A requirement's status, from the checks mapped to it that had something to judge:
  pass          every such check passed (a waived FAIL counts as accepted, and is listed in the evidence);
                a check with nothing in scope (no instances, no trails) is left out of the judgement
  fail          every such check failed
  partial       some passed, some failed or could not look
  not assessed  no check answers it, none of them ran (--checks), none had anything in scope, or none
                could look (all UNKNOWN)
"""

from __future__ import annotations

from collections import Counter

from irready.audit.frameworks import Framework
from irready.audit.model import Finding, Status

PASS, FAIL, PARTIAL, NOT_ASSESSED = "pass", "fail", "partial", "not assessed"
_EVIDENCE_SHOWN = 5


def assess(framework: Framework, findings: list[Finding], check_ids: set[str]) -> list[dict]:
    """One dict per requirement: id, title, url, status, checks (id, verdict, counts), evidence.

    ``check_ids`` are the checks that ran; a mapped check outside them is "not run".
    """
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    rows = []
    for requirement in framework.requirements:
        checks = []
        for check_id in requirement.checks:
            mine = by_check.get(check_id, [])
            counts = Counter(f.status.value for f in mine)
            checks.append({"check_id": check_id, "verdict": _verdict(check_id in check_ids, counts),
                           "counts": {s.value: counts.get(s.value, 0) for s in Status}})
        evidence = [f for c in requirement.checks for f in by_check.get(c, [])
                    if f.status in (Status.FAIL, Status.UNKNOWN, Status.WAIVED)]
        rows.append({"framework": framework.id, "id": requirement.id, "title": requirement.title,
                     "url": requirement.url, "status": _status([c["verdict"] for c in checks]),
                     "checks": checks,
                     "evidence": [{"check_id": f.check_id, "status": f.status.value, "account_id": f.account_id,
                                   "region": f.region, "resource_id": f.resource_id, "reason": f.reason}
                                  for f in evidence[:_EVIDENCE_SHOWN]],
                     "evidence_more": max(0, len(evidence) - _EVIDENCE_SHOWN)})
    return rows


def _verdict(ran: bool, counts: Counter) -> str:
    if not ran:
        return "not run"
    if counts[Status.FAIL.value]:
        return "FAIL"
    if counts[Status.UNKNOWN.value]:
        return "UNKNOWN"
    if counts[Status.PASS.value] or counts[Status.WAIVED.value]:
        return "PASS"
    return "nothing in scope"


def _status(verdicts: list[str]) -> str:
    # A check with nothing in scope (no instances, no trails) judged nothing: it neither passes nor fails
    # the requirement, so a requirement whose checks all had nothing to look at is "not assessed"
    # (no trail at all must not read as "log files are validated").
    judged = [v for v in verdicts if v in ("PASS", "FAIL", "UNKNOWN")]
    if not judged or all(v == "UNKNOWN" for v in judged):
        return NOT_ASSESSED
    if all(v == "PASS" for v in judged):
        return PASS
    if all(v == "FAIL" for v in judged):
        return FAIL
    return PARTIAL


def totals(rows: list[dict]) -> dict[str, int]:
    counts = Counter(row["status"] for row in rows)
    return {status: counts.get(status, 0) for status in (PASS, PARTIAL, FAIL, NOT_ASSESSED)}
