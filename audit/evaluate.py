"""Run the checks over every account of a snapshot, apply waivers, summarize, and build the Report
(with its evidence and, when asked, a framework's per-requirement view)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from irready.audit import waivers as waivers_module
from irready.audit.checks import ALL_CHECKS
from irready.audit.config import AuditConfig
from irready.audit.context import AccountContext, OrgIndex
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Finding, Report, Result, Severity, Status, exceeds, tally
from irready.audit.snapshot import MARKER, Unavailable
from irready.audit.snapshot import sha256 as snapshot_sha256

from irready import __version__

__all__ = ["Options", "evaluate", "evidence", "exceeds", "report", "summarize"]

log = logging.getLogger("irready")


def evaluate(snapshot: dict, config: AuditConfig, checks: Iterable[Check] = ALL_CHECKS) -> list[Finding]:
    """The findings of ``checks`` on every account, sorted. One account's entry is held at a time, with the
    organization's index (``OrgIndex``) for what its checks read elsewhere: a streamed snapshot
    (audit/parts.py) is evaluated in memory that does not grow with its number of accounts."""
    checks = list(checks)
    findings = []
    index = OrgIndex.of(snapshot)
    for account_id in sorted(snapshot["accounts"]):
        account = snapshot["accounts"][account_id]
        context = AccountContext(snapshot, account_id, config, index, account)
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
    index = OrgIndex.of(snapshot)
    return {
        "accounts": len(snapshot["accounts"]),
        "regions": sorted(index.regions),
        "checks": len({f.check_id for f in findings}),
        **tally(findings),
        "coverage_gaps": sorted(index.coverage_gaps, key=lambda gap: gap["account_id"]),
        "skipped_accounts": snapshot.get("skipped_accounts", {}),
        "incomplete": snapshot.get("incomplete"),
    }


@dataclass(frozen=True)
class Options:
    """How to evaluate and what to state: the chosen checks, waivers, a framework, the settings the
    command ran with (for the evidence), the SHA-256 of the snapshot file when it was read from one,
    and earlier reports' summaries for the trend."""
    checks: tuple[Check, ...] = ALL_CHECKS
    waivers: waivers_module.Waivers | None = None
    expiring_within_days: int = 30
    framework: str | None = None
    settings: dict = field(default_factory=dict)
    snapshot_sha256: str | None = None
    history: tuple[dict, ...] = ()
    today: date | None = None


def unknown_exceeds(findings: list[Finding], threshold: str) -> bool:
    """Any UNKNOWN on a check of at least ``threshold`` (a severity, or "none" for never): a run that
    could not look where it matters must not read as clean."""
    if threshold == "none":
        return False
    bar = Severity(threshold).rank
    return any(f.status is Status.UNKNOWN and f.severity.rank >= bar for f in findings)


def report(snapshot: dict, config: AuditConfig, options: Options | None = None) -> Report:
    """The findings of the chosen checks on ``snapshot``, waived where a waiver holds, with their
    summary, evidence and framework view, ready for a renderer."""
    options = options or Options()
    checks = list(options.checks)
    findings = evaluate(snapshot, config, checks)
    expiring = []
    if options.waivers:
        findings = waivers_module.apply(findings, options.waivers, options.today)
        expiring = waivers_module.expiring(options.waivers, options.expiring_within_days, options.today)
    compliance = []
    if options.framework:
        from irready.audit import compliance as compliance_module
        from irready.audit.frameworks import get

        compliance = compliance_module.assess(get(options.framework), findings, {c.id for c in checks})
    return Report(findings, summarize(findings, snapshot), checks,
                  {key: snapshot.get(key) for key in ("collected_at", "caller_account_id", "tool_version")},
                  evidence=evidence(snapshot, config, options, checks), compliance=compliance, expiring=expiring,
                  history=list(options.history))


def evidence(snapshot: dict, config: AuditConfig, options: Options, checks: list[Check]) -> dict:
    """What a reader needs to trust and reproduce the report: tool, settings, waivers (file and SHA-256),
    who collected, when, and the SHA-256 of the snapshot the findings were evaluated from."""
    collection = snapshot.get("collection") or {}
    settings = {**config.to_dict(), **options.settings}
    if len(checks) != len(ALL_CHECKS):
        settings["checks"] = [c.id for c in checks]
    if options.framework:
        settings["compliance"] = options.framework
    return {
        "tool": {"name": "irready", "version": __version__},
        "snapshot": {"sha256": options.snapshot_sha256 or snapshot_sha256(snapshot),
                     "schema": snapshot.get("schema"), "collected_by_version": snapshot.get("tool_version")},
        "caller": {"account_id": snapshot.get("caller_account_id"), "arn": snapshot.get("caller_arn")},
        "collection": {"started_at": collection.get("started_at") or snapshot.get("collected_at"),
                       "finished_at": collection.get("finished_at")},
        "settings": settings,
        "waivers": ({"file": options.waivers.path, "sha256": options.waivers.sha256,
                     "entries": len(options.waivers.entries)} if options.waivers else None),
    }
