"""Run every check over every account of a snapshot, and summarize."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from irready.audit.checks import ALL_CHECKS
from irready.audit.config import AuditConfig
from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Finding, Result, Severity, Status
from irready.audit.report import Report
from irready.audit.snapshot import MARKER, Unavailable, iter_unavailable

log = logging.getLogger("irready")


def evaluate(snapshot: dict, config: AuditConfig, checks: Iterable[Check] = ALL_CHECKS) -> list[Finding]:
    checks = list(checks)
    findings = []
    for account_id in sorted(snapshot["accounts"]):
        context = AccountContext(snapshot, account_id, config)
        account = snapshot["accounts"][account_id]
        for check in checks:
            for result in _run(check, context, account):
                findings.append(Finding(
                    check_id=check.id, title=check.title, status=result.status, severity=check.severity,
                    # str(): a damaged snapshot can hold null where an id belongs; report it, do not crash.
                    account_id=account_id, region=str(result.region), resource_id=str(result.resource_id),
                    reason=str(result.reason), remediation=check.remediation))
    return sorted(findings, key=lambda f: f.sort_key)


def _run(check: Check, context: AccountContext, account: dict) -> list[Result]:
    if MARKER in account:
        marker = account[MARKER]
        return [Result.unknown(GLOBAL, NO_RESOURCE, f"account not audited: {marker['reason']} "
                               f"({marker['operation']}: {marker['code']})")]
    try:
        return list(check.evaluate(context))
    except Unavailable as exc:
        return [Result.unknown(GLOBAL, NO_RESOURCE, exc.reason)]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # A hand-edited or truncated snapshot: say so for this check, keep evaluating the rest.
        log.debug("check %s on account %s", check.id, context.account_id, exc_info=True)
        return [Result.unknown(GLOBAL, NO_RESOURCE, f"snapshot data malformed for this check "
                               f"({type(exc).__name__}: {exc})")]


def summarize(findings: list[Finding], snapshot: dict) -> dict:
    by_status = Counter(f.status.value for f in findings)
    failing = Counter(f.severity.value for f in findings if f.status is Status.FAIL)
    coverage_gaps = [
        {"account_id": account_id, "where": path, **marker}
        for account_id, path, marker in iter_unavailable(snapshot)
    ]
    return {
        "accounts": len(snapshot["accounts"]),
        "regions": sorted({r for a in snapshot["accounts"].values() for r in a.get("regions", [])}),
        "checks": len({f.check_id for f in findings}),
        "findings": {status.value: by_status.get(status.value, 0) for status in Status},
        "failures_by_severity": {s.value: failing.get(s.value, 0) for s in Severity},
        "coverage_gaps": coverage_gaps,
        "skipped_accounts": snapshot.get("skipped_accounts", {}),
        "incomplete": snapshot.get("incomplete"),
    }


def exceeds(findings: list[Finding], fail_on: Severity) -> bool:
    """Any FAIL at or above ``fail_on``: the exit code's question."""
    return any(f.status is Status.FAIL and f.severity.rank >= fail_on.rank for f in findings)


def unknown_exceeds(findings: list[Finding], threshold: str) -> bool:
    """Any UNKNOWN on a check of at least ``threshold`` (a severity, or "none" for never): a run that
    could not look where it matters must not read as clean."""
    if threshold == "none":
        return False
    bar = Severity(threshold).rank
    return any(f.status is Status.UNKNOWN and f.severity.rank >= bar for f in findings)


def report(snapshot: dict, config: AuditConfig) -> Report:
    """The findings of every check on ``snapshot``, with their summary, ready for a reporter."""
    findings = evaluate(snapshot, config)
    return Report(findings, summarize(findings, snapshot), list(ALL_CHECKS),
                  {key: snapshot.get(key) for key in ("collected_at", "caller_account_id", "tool_version")})
