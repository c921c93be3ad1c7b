"""An SNS topic another account's GuardDuty rule targets is read in the account that owns it
(ListSubscriptionsByTopic is the owner's to call), so a member routing findings to the security
account's topic is judged on whether anyone confirmed a subscription there."""

from __future__ import annotations

import json

import pytest
from irready.audit.collect.run import collect_snapshot
from irready.audit.evaluate import evaluate
from irready.audit.model import Status

from irready.emulated.seed import Seeder
from tests.audit.emulated import REGION, audit_config, caller_session


@pytest.mark.parametrize(("subscribed", "expected"), [(True, Status.PASS), (False, Status.FAIL)])
def test_a_topic_in_another_audited_account_is_read_there(emulator, fresh_account, subscribed, expected):
    member, central = fresh_account(), fresh_account()
    sns = Seeder(emulator, central).client("sns", REGION)
    topic = sns.create_topic(Name="ir-alerts")["TopicArn"]
    if subscribed:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ir@example.com")
    seeder = Seeder(emulator, member)
    seeder.guardduty(REGION)
    events = seeder.client("events", REGION)
    events.put_rule(Name="gd-to-central", EventPattern=json.dumps({"source": ["aws.guardduty"]}), State="ENABLED")
    events.put_targets(Rule="gd-to-central", Targets=[{"Id": "central", "Arn": topic}])

    config = audit_config(member, accounts=(member, central))
    snapshot = collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=4)
    read_by_owner = snapshot["accounts"][central]["services"]["events"][REGION]["topics"]
    assert read_by_owner[topic] == {"confirmed": int(subscribed), "pending": 0}
    routed = [f for f in evaluate(snapshot, config) if f.check_id == "guardduty.findings_routed"
              and f.account_id == member]
    assert [f.status for f in routed] == [expected], [f.reason for f in routed]


def test_a_topic_in_an_account_outside_the_audit_stays_unknown(emulator, fresh_account):
    member = fresh_account()
    seeder = Seeder(emulator, member)
    seeder.guardduty(REGION)
    events = seeder.client("events", REGION)
    events.put_rule(Name="gd-out", EventPattern=json.dumps({"source": ["aws.guardduty"]}), State="ENABLED")
    events.put_targets(Rule="gd-out", Targets=[{"Id": "x", "Arn": f"arn:aws:sns:{REGION}:999999999999:elsewhere"}])
    config = audit_config(member)
    snapshot = collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=4)
    routed = [f for f in evaluate(snapshot, config) if f.check_id == "guardduty.findings_routed"]
    assert [f.status for f in routed] == [Status.UNKNOWN]
    assert "999999999999, which is not in this audit" in routed[0].reason
