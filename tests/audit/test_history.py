"""What changed between two runs: a table of (before, now) -> where the finding lands."""

from __future__ import annotations

import pytest
from irready.audit.history import compare
from irready.audit.model import GLOBAL, Finding, Severity, Status

PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN


def finding(status: Status, region: str = "us-east-1", resource: str = "detector-1",
            check: str = "guardduty.enabled") -> Finding:
    return Finding(check, "GuardDuty on", status, Severity.HIGH, "111111111111", region, resource, "why", "fix")


@pytest.mark.parametrize(("before", "now", "lands_in"), [
    ([], [finding(FAIL)], "new"),  # first seen
    ([finding(UNKNOWN)], [finding(FAIL)], "new"),  # could not look before
    ([finding(PASS)], [finding(FAIL)], "regressed"),
    ([finding(FAIL)], [finding(PASS)], "resolved"),
    ([finding(FAIL)], [], "resolved"),  # the resource is gone, and the check could look
    ([finding(FAIL)], [finding(FAIL)], None),  # still failing: not news
    ([finding(PASS)], [finding(UNKNOWN)], "unreadable"),
    ([finding(FAIL)], [finding(UNKNOWN)], "unreadable"),
    # Gone because the region or the whole account could not be read: lost sight of, not resolved.
    ([finding(FAIL)], [finding(UNKNOWN, resource="-")], "unreadable"),
    ([finding(FAIL)], [finding(UNKNOWN, region=GLOBAL, resource="-")], "unreadable"),
    # ...but an unreadable other check does not hide this one's fix.
    ([finding(FAIL)], [finding(UNKNOWN, resource="-", check="logs.retention")], "resolved"),
])
def test_where_a_change_lands(before, now, lands_in):
    changes = compare(before, now, "2026-01-01T06-00-00Z")
    placed = {name: getattr(changes, name) for name in ("new", "regressed", "resolved", "unreadable")}
    assert [name for name, found in placed.items() if found] == ([lands_in] if lands_in else [])
    assert changes.worse == (lands_in in ("new", "regressed"))


def test_without_a_previous_run_every_fail_is_new():
    changes = compare(None, [finding(FAIL), finding(PASS, resource="detector-2")])
    assert changes.previous_run is None and [f.resource_id for f in changes.new] == ["detector-1"]
