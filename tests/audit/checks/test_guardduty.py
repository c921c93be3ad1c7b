from __future__ import annotations

import json

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.checks.guardduty import matches_guardduty

from tests.audit.checks.fragments import DENIED, run, snapshot


@pytest.mark.parametrize(("pattern", "expected"), [
    ({"source": ["aws.guardduty"]}, True),
    ({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}]}}, True),
    ({"source": [{"prefix": "aws.guard"}]}, True),
    ({"source": ["aws.securityhub"], "detail": {"note": "aws.guardduty"}}, False),
    ({"detail-type": ["GuardDuty Finding"]}, False),
    ("not json", False),
    (None, False),
])
def test_matches_guardduty(pattern, expected):
    text = pattern if pattern is None or isinstance(pattern, str) else json.dumps(pattern)
    assert matches_guardduty(text) is expected


def test_a_detector_whose_status_cannot_be_read_is_unknown():
    snap = snapshot({"guardduty": {"us-east-1": {"detectors": [{"detector_id": "d1", "status": DENIED}]}}})
    assert run(CHECKS_BY_ID["guardduty.enabled"], snap) == [("UNKNOWN", "us-east-1", "-")]


def test_findings_routing_is_not_judged_where_guardduty_is_off():
    snap = snapshot({"guardduty": {"us-east-1": {"detectors": []}}, "events": {"us-east-1": {"rules": []}}})
    assert run(CHECKS_BY_ID["guardduty.findings_routed"], snap) == []
