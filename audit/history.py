"""What changed between two audits of the same organization: new gaps, regressions, fixes, blind spots.

A finding is identified by (check, account, region, resource). Comparing two runs' findings:

- ``new``: FAIL now; absent before, or UNKNOWN before (a gap seen for the first time);
- ``regressed``: FAIL now, PASS before (something that was ready no longer is);
- ``resolved``: FAIL before; PASS now, or gone (the resource no longer exists) while the check could
  read its account and region;
- ``unreadable``: UNKNOWN now, PASS or FAIL before (the audit lost sight of it); and a FAIL that is gone
  because its account or region could not be read this time (never counted as resolved).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from irready.audit.model import GLOBAL, Finding, Status

Key = tuple[str, str, str, str]


def key(finding: Finding) -> Key:
    return (finding.check_id, finding.account_id, finding.region, finding.resource_id)


@dataclass(frozen=True)
class Changes:
    previous_run: str | None  # the run compared against; None on the first run
    new: list[Finding]
    regressed: list[Finding]
    resolved: list[Finding]  # as they were before (the FAIL that went away)
    unreadable: list[Finding]

    def to_dict(self) -> dict:
        return {"previous_run": self.previous_run,
                **{name: [f.to_dict() for f in getattr(self, name)]
                   for name in ("new", "regressed", "resolved", "unreadable")}}

    @property
    def worse(self) -> bool:
        """Anything new or regressed: what an alert is for."""
        return bool(self.new or self.regressed)


def _by_key(findings: Iterable[Finding]) -> dict[Key, Finding]:
    """One finding per key; where a check reports one resource twice, its worst status stands."""
    order = {Status.FAIL: 2, Status.UNKNOWN: 1, Status.PASS: 0}
    result: dict[Key, Finding] = {}
    for finding in findings:
        held = result.get(key(finding))
        if held is None or order[finding.status] > order[held.status]:
            result[key(finding)] = finding
    return result


def compare(previous: Iterable[Finding] | None, current: Iterable[Finding], previous_run: str | None = None) -> Changes:
    """The changes from ``previous`` (None: no earlier run, so every FAIL is new) to ``current``."""
    before, now = _by_key(previous or ()), _by_key(current)
    new, regressed, unreadable = [], [], []
    for k, finding in now.items():
        was = before.get(k)
        if finding.status is Status.FAIL:
            if was is not None and was.status is Status.PASS:
                regressed.append(finding)
            elif was is None or was.status is Status.UNKNOWN:
                new.append(finding)
        elif finding.status is Status.UNKNOWN and was is not None and was.status is not Status.UNKNOWN:
            unreadable.append(finding)
    # Where the check could not look this time: its account (global) or the finding's region.
    blind = {(f.check_id, f.account_id, f.region) for f in now.values() if f.status is Status.UNKNOWN}
    resolved = []
    for k, was in before.items():
        if was.status is not Status.FAIL or (k in now and now[k].status is not Status.PASS):
            continue
        if k not in now and ({(was.check_id, was.account_id, was.region),
                              (was.check_id, was.account_id, GLOBAL)} & blind):
            unreadable.append(was)
        else:
            resolved.append(was)
    return Changes(previous_run, sorted(new, key=key), sorted(regressed, key=key), sorted(resolved, key=key),
                   sorted(unreadable, key=key))
