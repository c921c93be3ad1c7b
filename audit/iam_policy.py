"""Just enough IAM policy logic to answer "could this principal call X?" from its policy documents.

Deliberately simple, and documented as such: statements are matched on Action/NotAction with IAM
wildcards; resources are not narrowed (a readiness question is "can the role do this at all");
conditional Allows count as allows; only unconditional Denies on every resource deny. Permissions
boundaries are intersected. SCPs and session policies are out of scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: dict | None) -> list[dict]:
    if not isinstance(document, dict):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def action_matches(pattern: str, action: str) -> bool:
    return fnmatchcase(action.lower(), pattern.lower())


def _statement_matches(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not any(action_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(action_matches(p, action) for p in _as_list(statement.get("Action")))


def _applies_to_every_resource(statement: dict) -> bool:
    return "NotResource" not in statement and "*" in _as_list(statement.get("Resource"))


def allows(documents: Iterable[dict | None], action: str) -> bool:
    """Some statement allows ``action`` and no unconditional, all-resource Deny takes it away."""
    documents = list(documents)
    allowed = False
    for statement in (s for d in documents for s in statements(d)):
        if not _statement_matches(statement, action):
            continue
        if statement.get("Effect") == "Deny" and not statement.get("Condition") \
                and _applies_to_every_resource(statement):
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def role_allows(policies: list[dict | None], boundary: dict | None, action: str) -> bool:
    """Identity policies allow it and, where the role has a permissions boundary, so does the boundary."""
    return allows(policies, action) and (boundary is None or allows([boundary], action))
