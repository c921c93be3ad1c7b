"""A small IAM policy evaluator, ours, for testing that the documents in policies/ do what they say.

moto's IAM enforcement understands only StringEquals, and no maintained Python evaluator fits, so
this implements just what our documents use, with AWS's documented semantics:

- decision: an explicit Deny wins, then an Allow, else the implicit deny;
- Action/NotAction and Resource/NotResource with ``*`` and ``?`` wildcards (actions case-insensitive);
- Principal/NotPrincipal for trust policies: ``*``, an account id or ``arn:aws:iam::<id>:root``
  (any principal of that account), an exact ARN, or a service principal (``{"Service": ...}``, matched
  by its name, e.g. ``states.amazonaws.com``);
- condition operators String(Not)Equals, String(Not)Like, Bool, (Not)IpAddress, DateLessThan,
  DateGreaterThan, Arn(Not)Equals, Arn(Not)Like, Null, and the ``...IfExists`` suffix. Within a
  block every operator and key must hold; a key's values are OR-ed (NOR for the negated operators).
  A key missing from the request makes a positive operator false and a negated one true, and makes
  an ``...IfExists`` operator true.
- the set operators ``ForAnyValue:`` (some request value matches; false when the key is missing) and
  ``ForAllValues:`` (every request value matches; true when the key is missing or empty, which is why a
  policy pairs it with ``Null``), for multivalued keys such as ``ec2:Add/userId``.

Deliberately not implemented: policy variables, SCP/RCP/permission
boundary/session-policy interplay and cross-account resource-policy rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass(frozen=True)
class Request:
    action: str
    resource: str = "*"
    principal: str | None = None  # the caller's ARN, for trust (resource) policies
    context: Mapping[str, str | list[str]] = field(default_factory=dict)  # e.g. {"aws:SourceIp": "..."}


def evaluate(documents: Iterable[dict], request: Request) -> str:
    decision = IMPLICIT_DENY
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _applies(statement, request):
                continue
            if statement.get("Effect") == "Deny":
                return EXPLICIT_DENY
            decision = ALLOW
    return decision


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _applies(statement: dict, request: Request) -> bool:
    return (_matches_any(statement, "Action", request.action, case_sensitive=False)
            and _matches_any(statement, "Resource", request.resource, case_sensitive=True)
            and _principal_matches(statement, request.principal)
            and all(_operator_holds(op, keys, request.context) for op, keys in statement.get("Condition", {}).items()))


def _matches_any(statement: dict, name: str, value: str, case_sensitive: bool) -> bool:
    def match(pattern: str) -> bool:
        return fnmatchcase(value, pattern) if case_sensitive else fnmatchcase(value.lower(), pattern.lower())

    if f"Not{name}" in statement:
        return not any(match(p) for p in _as_list(statement[f"Not{name}"]))
    if name not in statement:
        return name == "Resource"  # trust policies have no Resource
    return any(match(p) for p in _as_list(statement[name]))


def _principal_matches(statement: dict, caller: str | None) -> bool:
    if "Principal" not in statement and "NotPrincipal" not in statement:
        return True  # an identity policy: the principal is whoever holds it
    key = "Principal" if "Principal" in statement else "NotPrincipal"
    value = statement[key]
    patterns = ["*"] if value == "*" else _as_list(value.get("AWS")) if isinstance(value, dict) else []
    services = _as_list(value.get("Service")) if isinstance(value, dict) else []  # e.g. states.amazonaws.com
    matched = caller is not None and (any(_principal_pattern_matches(p, caller) for p in patterns)
                                      or caller in services)
    return matched if key == "Principal" else not matched


def _principal_pattern_matches(pattern: str, caller: str) -> bool:
    if pattern == "*":
        return True
    account = pattern if pattern.isdigit() else pattern.removeprefix("arn:aws:iam::").removesuffix(":root")
    if account.isdigit() and len(account) == 12:
        return caller.split(":")[4:5] == [account]
    return pattern == caller


_NEGATED = {"StringNotEquals", "StringNotLike", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}


def _operator_holds(operator: str, keys: dict, context: Mapping) -> bool:
    qualifier, _, operator = operator.rpartition(":")
    if qualifier:
        return _set_operator_holds(qualifier, operator, keys, context)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    for key, policy_values in keys.items():
        policy_values = [str(v) for v in _as_list(policy_values)]
        present = _context_value(context, key)
        if base == "Null":
            if (present is None) != (policy_values[0].lower() == "true"):
                return False
            continue
        if present is None:
            if not (if_exists or base in _NEGATED):
                return False
            continue
        values = [str(v) for v in _as_list(present)]
        matched = any(_compare(base, value, policy_value) for value in values for policy_value in policy_values)
        if matched == (base in _NEGATED):
            return False
    return True


def _context_value(context: Mapping, key: str):
    return {k.lower(): v for k, v in context.items()}.get(key.lower())


def _set_operator_holds(qualifier: str, operator: str, keys: dict, context: Mapping) -> bool:
    if qualifier not in ("ForAnyValue", "ForAllValues") or operator in _NEGATED or operator.endswith("IfExists"):
        raise ValueError(f"condition operator {qualifier}:{operator} is not implemented by policies.evaluator")
    for key, policy_values in keys.items():
        policy_values = [str(v) for v in _as_list(policy_values)]
        values = [str(v) for v in _as_list(_context_value(context, key))]
        matches = [any(_compare(operator, value, p) for p in policy_values) for value in values]
        if not (any(matches) if qualifier == "ForAnyValue" else all(matches)):
            return False
    return True


def _compare(operator: str, value: str, policy_value: str) -> bool:
    positive = operator.replace("Not", "", 1) if operator in _NEGATED else operator
    if positive in ("StringEquals", "ArnEquals"):
        return value == policy_value
    if positive in ("StringLike", "ArnLike"):
        return fnmatchcase(value, policy_value)
    if positive == "Bool":
        return value.lower() == policy_value.lower()
    if positive == "IpAddress":
        address = ipaddress.ip_address(value)
        network = ipaddress.ip_network(policy_value, strict=False)
        return address.version == network.version and address in network
    if positive in ("DateLessThan", "DateGreaterThan"):
        request_time, policy_time = _time(value), _time(policy_value)
        return request_time < policy_time if positive == "DateLessThan" else request_time > policy_time
    raise ValueError(f"condition operator {operator} is not implemented by policies.evaluator")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
