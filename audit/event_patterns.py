"""Which GuardDuty findings an EventBridge rule's event pattern matches.

One predicate for two callers: the events collector fetches the targets of exactly the rules
``matches_guardduty`` accepts, and ``guardduty.findings_routed`` judges them with ``finding_coverage``,
so a rule the check would credit is never left without its targets.

The pattern language follows the EventBridge user guide:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
(exact values, ``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``, ``anything-but``,
``numeric``, ``exists``, ``cidr``, ``$or``; the values listed for a field are ORed, the fields ANDed;
an array in the event matches if one element does). The events judged are GuardDuty findings as
EventBridge delivers them (source ``aws.guardduty``, detail-type ``GuardDuty Finding``, the
finding's severity in ``detail.severity``):
  https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html

A pattern is judged three-valued against a finding of each severity: ALL (every such finding
matches), SOME (only findings with some value of a field the audit does not know, such as the
finding type or account, match) or NONE.
"""

from __future__ import annotations

import functools
import json
import math
import re
from enum import IntEnum


class Match(IntEnum):
    NONE = 0
    SOME = 1
    ALL = 2


# GuardDuty severities: 1.0-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical, in tenths. A
# finding of every tenth is judged, so a pattern listing a few exact values covers only those.
SEVERITIES = tuple(round(1 + tenth / 10, 1) for tenth in range(91))
# Findings responders must be told about: high and critical.
MUST_ROUTE_FROM = 7.0


class _Unknown:
    """A field whose value the audit does not know: ``present`` if every finding has it."""

    def __init__(self, present: bool):
        self.present = present


_PRESENT, _MAYBE = _Unknown(True), _Unknown(False)
_OPEN = object()  # a container whose other keys may or may not exist (a finding's detail)


def finding_event(severity: float) -> dict:
    """A GuardDuty finding as EventBridge delivers it, with the fields the audit cannot know unknown."""
    return {
        "version": _PRESENT, "id": _PRESENT, "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
        "account": _PRESENT, "time": _PRESENT, "region": _PRESENT, "resources": _PRESENT,
        "detail": {_OPEN: True, "schemaVersion": _PRESENT, "accountId": _PRESENT, "region": _PRESENT,
                   "partition": _PRESENT, "id": _PRESENT, "arn": _PRESENT, "type": _PRESENT, "resource": _PRESENT,
                   "service": _PRESENT, "severity": severity, "createdAt": _PRESENT, "updatedAt": _PRESENT,
                   "title": _PRESENT, "description": _PRESENT},
    }


def parse(event_pattern) -> dict | None:
    """The pattern as a dict, or None when it is not a JSON object (such a rule matches nothing)."""
    try:
        pattern = json.loads(event_pattern) if isinstance(event_pattern, str) else event_pattern
    except (json.JSONDecodeError, RecursionError):
        return None
    return pattern if isinstance(pattern, dict) and pattern else None  # EventBridge refuses an empty pattern


def finding_coverage(event_pattern) -> dict[float, Match]:
    """For each of SEVERITIES, whether the pattern matches GuardDuty findings of that severity."""
    if isinstance(event_pattern, str):  # as collected: the same few patterns recur in every account and region
        return dict(_text_coverage(event_pattern))
    return dict(_coverage(parse(event_pattern)))


@functools.lru_cache(maxsize=512)
def _text_coverage(event_pattern: str) -> tuple[tuple[float, Match], ...]:
    return _coverage(parse(event_pattern))


def _coverage(pattern: dict | None) -> tuple[tuple[float, Match], ...]:
    if pattern is None:
        return tuple((severity, Match.NONE) for severity in SEVERITIES)
    return tuple((severity, _match_object(pattern, finding_event(severity))) for severity in SEVERITIES)


def matches_guardduty(event_pattern) -> bool:
    """Whether the pattern can match some GuardDuty finding: the rules whose targets are collected."""
    return any(match is not Match.NONE for match in finding_coverage(event_pattern).values())


# --- matching ------------------------------------------------------------------------------------------------

def _match_object(pattern: dict, event) -> Match:
    result = Match.ALL
    for key, expected in pattern.items():
        if key == "$or":
            branches = expected if isinstance(expected, list) else []
            outcome = max((_match_object(b, event) for b in branches if isinstance(b, dict)), default=Match.NONE)
        else:
            outcome = _match_field(expected, _child(event, key))
        result = min(result, outcome)
        if result is Match.NONE:
            break
    return result


_ABSENT = object()


def _child(event, key: str):
    if isinstance(event, _Unknown):
        return _MAYBE
    if isinstance(event, dict):
        if key in event:
            return event[key]
        return _MAYBE if event.get(_OPEN) else _ABSENT
    return _ABSENT


def _match_field(expected, value) -> Match:
    if isinstance(expected, dict):
        return _match_object(expected, value)
    if not isinstance(expected, list):
        return Match.NONE  # EventBridge rejects such a pattern; a rule with it matches nothing
    return max((_match_value(matcher, value) for matcher in expected), default=Match.NONE)


def _match_value(matcher, value) -> Match:
    if isinstance(matcher, dict) and list(matcher) == ["exists"]:
        if isinstance(value, _Unknown):
            return Match.SOME if not value.present else (Match.ALL if matcher["exists"] is True else Match.NONE)
        present = value is not _ABSENT
        return Match.ALL if present is (matcher["exists"] is True) else Match.NONE
    if value is _ABSENT:
        return Match.NONE
    if isinstance(value, _Unknown):
        return Match.SOME
    if isinstance(value, list):
        return max((_match_value(matcher, v) for v in value), default=Match.NONE)
    return Match.ALL if _test(matcher, value) else Match.NONE


def _test(matcher, value) -> bool:
    """One matcher against one known scalar value."""
    if not isinstance(matcher, dict):
        if isinstance(matcher, bool) or isinstance(value, bool) or matcher is None or value is None:
            return matcher is value or matcher == value and type(matcher) is type(value)
        if isinstance(matcher, int | float) and isinstance(value, int | float):
            return math.isclose(matcher, value)
        return matcher == value
    if len(matcher) != 1:
        return False
    (operator, argument), = matcher.items()
    if operator == "numeric":
        return isinstance(value, int | float) and _numeric(argument, value)
    if not isinstance(value, str):
        return operator == "anything-but" and not _test_anything_but(argument, value)
    if operator == "prefix":
        return _affix(argument, value, str.startswith)
    if operator == "suffix":
        return _affix(argument, value, str.endswith)
    if operator == "equals-ignore-case":
        return isinstance(argument, str) and value.casefold() == argument.casefold()
    if operator == "wildcard":
        return isinstance(argument, str) and _wildcard(argument, value)
    if operator == "anything-but":
        return not _test_anything_but(argument, value)
    return False  # cidr (IP addresses are not among the known fields) or an operator EventBridge lacks


def _affix(argument, value: str, test) -> bool:
    if isinstance(argument, dict) and isinstance(argument.get("equals-ignore-case"), str):
        return test(value.casefold(), argument["equals-ignore-case"].casefold())
    return isinstance(argument, str) and test(value, argument)


def _wildcard(pattern: str, value: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value, re.DOTALL) is not None


def _test_anything_but(argument, value) -> bool:
    """Whether ``value`` is among what anything-but excludes."""
    if isinstance(argument, list):
        return any(_test(a, value) for a in argument)
    if isinstance(argument, dict):
        return _test(argument, value)
    return _test(argument, value)


_COMPARISONS = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}


def _numeric(argument, value: float) -> bool:
    if not isinstance(argument, list) or len(argument) % 2:
        return False
    for operator, bound in zip(argument[::2], argument[1::2], strict=True):
        if operator not in _COMPARISONS or isinstance(bound, bool) or not isinstance(bound, int | float):
            return False
        if not _COMPARISONS[operator](float(value), float(bound)):
            return False
    return True


__all__ = ["Match", "SEVERITIES", "MUST_ROUTE_FROM", "finding_coverage", "matches_guardduty", "parse"]
