"""Choosing checks: --checks, --exclude-checks, --severity, --categories.

Collection is not narrowed: `irready audit` reads everything the full check list needs and only the
evaluation runs the chosen checks (the snapshot stays complete evidence, re-evaluable with any choice).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from irready.audit.errors import UsageError
from irready.audit.model import Check, Severity


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def select(checks: Iterable[Check], include: str | None = None, exclude: str | None = None,
           severities: str | None = None, categories: str | None = None) -> list[Check]:
    """The checks that pass every filter, in their order. Each filter is a comma-separated list;
    --checks and --exclude-checks take ids or shell-style patterns (cloudtrail.*).
    UsageError when a name matches nothing (a typo would otherwise silently check less)."""
    checks = list(checks)
    ids = [c.id for c in checks]
    known_categories = sorted({cat for c in checks for cat in c.categories})

    def patterns(option: str, value: str | None) -> list[str]:
        found = _split(value)
        for pattern in found:
            if not fnmatch.filter(ids, pattern):
                raise UsageError(f"{option}: {pattern!r} matches no check; see `irready checks`")
        return found

    wanted, unwanted = patterns("--checks", include), patterns("--exclude-checks", exclude)
    levels = _split(severities)
    for level in levels:
        if level not in {s.value for s in Severity}:
            raise UsageError(f"--severity: {level!r} is not a severity; use {', '.join(s.value for s in Severity)}")
    cats = _split(categories)
    for cat in cats:
        if cat not in known_categories:
            raise UsageError(f"--categories: {cat!r} is not a category; use {', '.join(known_categories)}")
    chosen = [c for c in checks
              if (not wanted or any(fnmatch.fnmatchcase(c.id, p) for p in wanted))
              and not any(fnmatch.fnmatchcase(c.id, p) for p in unwanted)
              and (not levels or c.severity.value in levels)
              and (not cats or set(cats) & set(c.categories))]
    if not chosen:
        raise UsageError("the check filters (--checks, --exclude-checks, --severity, --categories) leave no check")
    return chosen
