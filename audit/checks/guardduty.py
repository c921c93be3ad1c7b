"""Detection: GuardDuty on, and its findings reaching responders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from irready.audit.context import AccountContext
from irready.audit.event_patterns import MUST_ROUTE_FROM, SEVERITIES, Match, finding_coverage
from irready.audit.model import NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import MARKER, Unavailable, is_unavailable, require


def _enabled_detectors(data: dict, region: str) -> list[str]:
    return [d["detector_id"] for d in data["detectors"]
            if require(d["status"], f"GuardDuty detector {d['detector_id']} in {region}") == "ENABLED"]


def _guardduty_enabled(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        enabled = _enabled_detectors(data, region)
        if enabled:
            try:
                admin = _administrator(data, ctx.account_id)
            except Unavailable:
                admin = None
            managed = f", managed by the delegated administrator {admin}" if admin else ""
            yield Result.passed(region, enabled[0], f"detector enabled{managed}")
        elif data["detectors"]:
            yield Result.failed(region, data["detectors"][0]["detector_id"], "detector exists but is suspended")
        else:
            yield Result.failed(region, NO_RESOURCE, "no GuardDuty detector in this region")
    return ctx.per_region("guardduty", judge)


# --- routing -------------------------------------------------------------------------------------------------

@dataclass
class _Routing:
    """What one account's rules in one region do with GuardDuty findings."""
    covered: dict[float, str] = field(default_factory=dict)  # severity -> how (rule ARN, target)
    problems: list[str] = field(default_factory=list)  # why a matching rule does not count
    unknowns: list[str] = field(default_factory=list)  # what could not be read


def _rule_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:rule/{name}"


def _routing(ctx: AccountContext, account_id: str, region: str, seen: frozenset = frozenset()) -> _Routing:
    """The findings that ``account_id``'s enabled EventBridge rules in ``region`` send to a target
    that delivers (for an SNS topic: one with a confirmed subscription; for an event bus: a rule there
    that routes them on, followed bus to bus; ``seen`` holds the (account, region) buses already on
    the way). Unavailable if its rules could not be read."""
    routing = _Routing()
    what = f"EventBridge rules of {account_id} in {region}"
    events = require(_section(ctx, account_id, "events", region), what)
    for rule in require(events["rules"], what):
        if rule.get("state") != "ENABLED":
            continue
        coverage = finding_coverage(rule.get("event_pattern"))
        if all(match is Match.NONE for match in coverage.values()):
            continue
        arn = _rule_arn(account_id, region, rule["name"])
        try:
            targets = require(rule.get("targets"), f"targets of rule {arn}")
        except Unavailable as exc:
            routing.unknowns.append(exc.reason)
            continue
        delivering, forwarded = [], []  # forwarded: (bus ARN, what the rules of that bus route)
        for target in targets:
            try:
                if _event_bus(target):
                    forwarded.append((target, _forwarded(ctx, account_id, region, target,
                                                         seen | {(account_id, region)})))
                    continue
                problem = _undelivered(ctx, target)
            except Unavailable as exc:
                routing.unknowns.append(exc.reason)
                continue
            if problem:
                routing.problems.append(f"rule {arn}: {problem}")
            else:
                delivering.append(target)
        if not targets:
            routing.problems.append(f"rule {arn} has no targets")
        matched = [severity for severity, match in coverage.items() if match is Match.ALL]
        for bus, theirs in forwarded:
            routing.unknowns += theirs.unknowns
            if not delivering and any(severity not in theirs.covered for severity in matched):
                routing.problems.append(f"rule {arn} forwards findings to {bus}, where " + (
                    "; ".join(theirs.problems) if theirs.problems else
                    "no enabled rule routes them all on"))
        if not delivering and not any(theirs.covered for _, theirs in forwarded):
            continue
        if any(match is Match.SOME for match in coverage.values()):
            routing.problems.append(f"rule {arn} matches only some findings (a condition on a field other than "
                                    "source, detail-type and severity)")
        for severity in matched:
            if delivering:
                routing.covered.setdefault(severity, f"rule {arn} to {delivering[0]}")
            for bus, theirs in forwarded:
                if severity in theirs.covered:
                    routing.covered.setdefault(severity, f"rule {arn} forwarded to {bus}, then "
                                                         f"{theirs.covered[severity]}")
    return routing


def _event_bus(arn: str) -> tuple[str, str, str] | None:
    """(account, region, bus name) of an event bus ARN, or None for any other target."""
    parts = str(arn).split(":")
    if len(parts) < 6 or parts[2] != "events" or not parts[5].startswith("event-bus/"):
        return None
    return parts[4], parts[3], parts[5].split("/", 1)[1]


def _forwarded(ctx: AccountContext, account_id: str, region: str, bus: str, seen: frozenset) -> _Routing:
    """What the rules of event bus ``bus`` route on, for events a rule of ``account_id`` sends there
    (a cross-Region bus target: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
    Unavailable where the audit cannot follow: a bus of another account (its resource policy decides
    whether the events are accepted: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html,
    not read), a bus other than the default (the audit reads the default bus's rules only), or a
    region the audit did not read."""
    owner, bus_region, name = _event_bus(bus)
    if owner != account_id:
        raise Unavailable(f"findings are forwarded to {bus}, an event bus of another account: whether its "
                          "resource policy accepts them is not read by the audit")
    if name != "default":
        raise Unavailable(f"findings are forwarded to {bus}: the audit reads the rules of default buses only")
    if (owner, bus_region) in seen:
        return _Routing(problems=[f"the rules of {bus} send them back to a bus they came through"])
    if _section(ctx, owner, "events", bus_region) is None:
        raise Unavailable(f"findings are forwarded to {bus}, in {bus_region}, which this audit did not read; "
                          f"add {bus_region} to the audited regions")
    return _routing(ctx, owner, bus_region, seen)


def _section(ctx: AccountContext, account_id: str, service: str, region: str):
    account = ctx.snapshot["accounts"][account_id]
    if MARKER in account:
        return {MARKER: account[MARKER]}
    by_region = account.get("services", {}).get(service)
    return by_region if by_region is None or is_unavailable(by_region) else by_region.get(region)


def _undelivered(ctx: AccountContext, target: str) -> str | None:
    """Why ``target`` does not reach anyone (an SNS topic with no confirmed subscription), or None.
    The topic's subscriptions are read in the account that owns it; Unavailable where that was not possible."""
    parts = str(target).split(":")
    if len(parts) < 6 or parts[2] != "sns":
        return None  # a queue, function, bus or API destination: delivery is not judged here
    region, owner = parts[3], parts[4]
    if owner not in ctx.snapshot["accounts"]:
        raise Unavailable(f"topic {target} belongs to account {owner}, which is not in this audit: whether "
                          "anyone is subscribed to it cannot be read; audit that account too")
    events = require(_section(ctx, owner, "events", region), f"EventBridge data of {owner} in {region}")
    topics = events.get("topics") if isinstance(events, dict) else None
    if not isinstance(topics, dict) or target not in topics:
        raise Unavailable(f"the subscriptions of topic {target} were not read (the audit reads them in the owner's "
                          "account, for the topics its own rules target)")
    subscriptions = require(topics[target], f"subscriptions of topic {target}")
    if subscriptions.get("confirmed", 0) < 1:
        pending = subscriptions.get("pending", 0)
        return f"topic {target} has no confirmed subscription" + (
            f" ({pending} pending confirmation)" if pending else "")
    return None


def _administrator(data: dict, account_id: str) -> str | None:
    """The delegated administrator that also receives this account's findings, if any (Unavailable
    if it could not be read)."""
    if "administrator" not in data:
        return None  # an older snapshot, or no detector
    administrator = require(data["administrator"], "GuardDuty administrator account", none_means_unset=True)
    if not administrator or str(administrator.get("relationship_status", "")).lower() != "enabled":
        return None
    admin = administrator.get("account_id")
    return admin if admin and admin != account_id else None


def _findings_routed(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        if not _enabled_detectors(data, region):
            return  # guardduty.enabled reports this region
        own = _routing(ctx, ctx.account_id, region)
        covered, problems, unknowns = dict(own.covered), list(own.problems), list(own.unknowns)
        try:
            admin = _administrator(data, ctx.account_id)
        except Unavailable as exc:
            admin = None
            unknowns.append(exc.reason)
        if admin and not _routes_enough(covered):
            if admin not in ctx.snapshot["accounts"]:
                unknowns.append(f"findings are also sent to the GuardDuty delegated administrator {admin}, which is "
                                "not in this audit; audit it too (--accounts or --org) to see whether it routes them")
            else:
                try:
                    theirs = _routing(ctx, admin, region)
                except Unavailable as exc:
                    theirs = _Routing(unknowns=[exc.reason])
                for severity, how in theirs.covered.items():
                    covered.setdefault(severity, f"the delegated administrator {admin}'s {how}")
                problems += theirs.problems
                unknowns += theirs.unknowns
        if _routes_enough(covered):
            lowest = _lowest_routed(covered)
            how = covered[max(SEVERITIES)]
            rule = how.split("rule ", 1)[1].split(" ", 1)[0]  # the first rule on the way
            yield Result.passed(region, rule, f"findings of severity >= {lowest:g} go through {how}")
        elif unknowns:
            yield Result.unknown(region, NO_RESOURCE, unknowns[0])
        else:
            missing = [s for s in SEVERITIES if s >= MUST_ROUTE_FROM and s not in covered]
            reason = (f"findings of severity {missing[0]:g}-{missing[-1]:g} reach no one: " + "; ".join(problems)
                      if problems else "GuardDuty is on but no enabled EventBridge rule sends its findings anywhere")
            yield Result.failed(region, NO_RESOURCE, reason)
    return ctx.per_region("guardduty", judge)


def _lowest_routed(covered: dict[float, str]) -> float:
    """The lowest severity from which every higher one is routed (``covered`` routes the highest)."""
    lowest = max(SEVERITIES)
    for severity in sorted(SEVERITIES, reverse=True):
        if severity not in covered:
            break
        lowest = severity
    return lowest


def _routes_enough(covered: dict[float, str]) -> bool:
    """High and critical findings (severity 7 and above) all reach someone."""
    return all(severity in covered for severity in SEVERITIES if severity >= MUST_ROUTE_FROM)


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
                "aws.guardduty findings (severity 7 and above at least) to the IR SNS topic in every region, and "
                "confirm its subscription (a pending one delivers nothing). A member whose GuardDuty is managed by "
                "a delegated administrator is covered by the administrator's rule: audit both.",
    references=("https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_cloudwatch.html",),
    evaluate=_findings_routed,
)

# --- protection plans (issue #19): what each enabled detector watches beyond the foundational sources ----------

def _protection_plans(ctx: AccountContext) -> Iterator[Result]:
    required = ctx.config.guardduty_required_features

    def judge(region: str, data: dict) -> Iterator[Result]:
        for detector in data["detectors"]:
            if require(detector["status"], f"GuardDuty detector {detector['detector_id']} in {region}") != "ENABLED":
                continue  # guardduty.enabled reports it
            features = require(detector.get("features"), f"protection plans of detector {detector['detector_id']}")
            off = [name for name in required if (features.get(name) or {}).get("status") != "ENABLED"]
            if off:
                yield Result.failed(region, detector["detector_id"], f"protection plan(s) {', '.join(off)} not "
                                    "enabled")
            else:
                yield Result.passed(region, detector["detector_id"], f"{', '.join(required)} enabled")
    return ctx.per_region("guardduty", judge)


PROTECTION_PLANS = Check(
    id="guardduty.protection_plans",
    categories=("detection",),
    title="GuardDuty protection plans responders rely on are enabled",
    severity=Severity.MEDIUM,
    rationale="GuardDuty's foundational sources see neither object reads in S3, nor Kubernetes API calls, nor "
              "what runs on a host or in a container: without its S3, EKS audit log, runtime monitoring and "
              "malware protection plans those compromises raise no finding, and malware scans keep no evidence.",
    remediation="Deploy infra component SecurityAccount (infra/components/security_account.py) with the stack "
                "setting guardDutyProtectionPlans, which turns the plans on for every member through the "
                "organization configuration; which plans are required is the audit setting "
                "guardduty_required_features.",
    references=("https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-features-activation-model.html",
                "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html"),
    evaluate=_protection_plans,
)

CHECKS = (GUARDDUTY_ENABLED, FINDINGS_ROUTED, PROTECTION_PLANS)
