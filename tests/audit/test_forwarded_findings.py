"""guardduty.findings_routed over HTTP (moto): a region's rule that forwards findings to the home
region's event bus is credited only through the home bus's rules, up to a topic with a confirmed
subscription (cross-Region bus targets: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html;
the execution role they need: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html)."""

from __future__ import annotations

import json

import pytest
from irready.audit.model import Status

from irready.emulated.seed import Seeder
from tests.audit.emulated import audit, of_check

HOME, OTHER = "us-east-1", "eu-west-1"
HIGH = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 7]}]}}


def forwarding_region(seeder: Seeder, home_rule: bool, subscribed: bool) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "events.amazonaws.com"}}]}
    role = seeder.client("iam", HOME).create_role(RoleName="irready-findings-forwarder",
                                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for region in (HOME, OTHER):
        seeder.client("guardduty", region).create_detector(Enable=True)
    events = seeder.client("events", OTHER)
    events.put_rule(Name="irready-guardduty-findings", EventPattern=json.dumps(HIGH), State="ENABLED")
    events.put_targets(Rule="irready-guardduty-findings", Targets=[{
        "Id": "home", "Arn": f"arn:aws:events:{HOME}:{seeder.account_id}:event-bus/default", "RoleArn": role}])
    if home_rule:
        seeder.findings_rule(HOME, pattern=HIGH, subscribed=subscribed)


@pytest.mark.parametrize(("home_rule", "subscribed", "expected"), [
    (True, True, Status.PASS),
    (True, False, Status.FAIL),  # the home topic has nobody confirmed
    (False, False, Status.FAIL),  # the findings stop at the home bus
])
def test_forwarded_findings_are_followed_to_the_home_topic(emulator, account_id, home_rule, subscribed, expected):
    forwarding_region(Seeder(emulator, account_id), home_rule, subscribed)
    findings = of_check(audit(emulator, account_id, regions=(HOME, OTHER)), "guardduty.findings_routed")
    (other,) = [f for f in findings if f.region == OTHER]
    assert other.status is expected, other.reason
    if expected is Status.PASS:
        assert f"forwarded to arn:aws:events:{HOME}:{account_id}:event-bus/default, then rule" in other.reason


def test_forwarded_findings_to_a_home_region_not_audited_are_unknown(emulator, account_id):
    forwarding_region(Seeder(emulator, account_id), home_rule=True, subscribed=True)
    (other,) = of_check(audit(emulator, account_id, regions=(OTHER,)), "guardduty.findings_routed")
    assert other.status is Status.UNKNOWN and f"in {HOME}, which this audit did not read" in other.reason
