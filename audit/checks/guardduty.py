"""Detection: GuardDuty on, and its findings reaching responders."""

from __future__ import annotations

import json
from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import is_unavailable, require


def _enabled_detectors(data: dict, region: str) -> list[str]:
    return [d["detector_id"] for d in data["detectors"]
            if require(d["status"], f"GuardDuty detector {d['detector_id']} in {region}") == "ENABLED"]


def _guardduty_enabled(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        enabled = _enabled_detectors(data, region)
        if enabled:
            yield Result.passed(region, enabled[0], "detector enabled")
        elif data["detectors"]:
            yield Result.failed(region, data["detectors"][0]["detector_id"], "detector exists but is suspended")
        else:
            yield Result.failed(region, NO_RESOURCE, "no GuardDuty detector in this region")
    return ctx.per_region("guardduty", judge)


def matches_guardduty(event_pattern: str | None) -> bool:
    """Whether an EventBridge pattern can match GuardDuty findings (source aws.guardduty)."""
    try:
        pattern = json.loads(event_pattern or "{}")
    except json.JSONDecodeError:
        return False
    sources = pattern.get("source") if isinstance(pattern, dict) else None
    if sources is None:
        return False
    for source in sources if isinstance(sources, list) else [sources]:
        if source == "aws.guardduty":
            return True
        if isinstance(source, dict) and "aws.guardduty".startswith(str(source.get("prefix", "\0"))):
            return True
    return False


def _findings_routed(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        if not _enabled_detectors(data, region):
            return  # guardduty.enabled reports this region
        rules = ctx.regional("events", region)["rules"]
        candidates = [r for r in rules if r.get("state") == "ENABLED" and matches_guardduty(r.get("event_pattern"))]
        for rule in candidates:
            targets = rule.get("targets")
            if is_unavailable(targets):
                require(targets, f"targets of rule {rule['name']}")
            if targets:
                yield Result.passed(region, rule["name"], f"findings go to {targets[0]}")
                return
        reason = ("the enabled GuardDuty rules here have no targets" if candidates else
                  "GuardDuty is on but no enabled EventBridge rule sends its findings anywhere")
        yield Result.failed(region, NO_RESOURCE, reason)
    return ctx.per_region("guardduty", judge)


GUARDDUTY_ENABLED = Check(
    id="guardduty.enabled",
    categories=("detection",),
    title="GuardDuty is enabled in every region",
    severity=Severity.HIGH,
    rationale="GuardDuty is the managed detector for credential misuse, crypto-mining and instance compromise. "
              "Attackers favour regions nobody watches, so a region without it is a blind spot.",
    remediation="Deploy infra component DetectionRouting (infra/components/detection.py) for every region, and "
                "infra component SecurityAccount (infra/components/security_account.py): the security account as "
                "GuardDuty delegated administrator, with auto-enable.",
    references=("https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html",),
    evaluate=_guardduty_enabled,
)

FINDINGS_ROUTED = Check(
    id="guardduty.findings_routed",
    categories=("detection",),
    title="GuardDuty findings are routed to responders",
    severity=Severity.MEDIUM,
    rationale="A finding nobody is told about is found after the damage. An EventBridge rule with a target "
              "(SNS, a SIEM, a ticket queue) turns findings into pages.",
    remediation="Deploy infra component DetectionRouting (infra/components/detection.py): an EventBridge rule for "
                "aws.guardduty findings to the IR SNS topic in every region.",
    references=("https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_cloudwatch.html",),
    evaluate=_findings_routed,
)

CHECKS = (GUARDDUTY_ENABLED, FINDINGS_ROUTED)
