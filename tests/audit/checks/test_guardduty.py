"""GuardDuty checks on snapshot fragments: EventBridge pattern semantics, routing through the
delegated administrator, SNS topics nobody is subscribed to."""

from __future__ import annotations

import json

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.config import AuditConfig
from irready.audit.context import AccountContext
from irready.audit.event_patterns import Match, finding_coverage, matches_guardduty

from tests.audit.checks.fragments import ACCOUNT, DENIED, run, snapshot

ALL, SOME, NONE = Match.ALL, Match.SOME, Match.NONE
GD = {"source": ["aws.guardduty"]}


# Patterns after the EventBridge user guide's operators
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html), judged against
# GuardDuty findings as EventBridge delivers them
# (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html).
@pytest.mark.parametrize(("pattern", "low", "high"), [
    (GD, ALL, ALL),
    ({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}, ALL, ALL),
    ({"detail-type": ["GuardDuty Finding"]}, ALL, ALL),  # only GuardDuty sends this detail-type
    ({"source": [{"prefix": "aws.guard"}]}, ALL, ALL),
    ({"source": [{"prefix": {"equals-ignore-case": "AWS.GUARD"}}]}, ALL, ALL),
    ({"source": [{"suffix": "guardduty"}]}, ALL, ALL),
    ({"source": [{"equals-ignore-case": "AWS.GuardDuty"}]}, ALL, ALL),
    ({"source": [{"wildcard": "aws.*duty"}]}, ALL, ALL),
    ({"source": [{"wildcard": "aws.ec2*"}]}, NONE, NONE),
    ({"source": [{"anything-but": "aws.ec2"}]}, ALL, ALL),
    ({"source": [{"anything-but": ["aws.ec2", "aws.guardduty"]}]}, NONE, NONE),
    ({"source": [{"anything-but": {"prefix": "aws.guard"}}]}, NONE, NONE),
    ({"source": ["aws.securityhub"], "detail": {"note": ["aws.guardduty"]}}, NONE, NONE),
    ({"$or": [{"source": ["aws.securityhub"]}, {"source": ["aws.guardduty"]}]}, ALL, ALL),
    ({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}]}}, NONE, ALL),
    ({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">", 0, "<", 4]}]}}, ALL, NONE),
    ({"source": ["aws.guardduty"], "detail": {"severity": [8, 8.9]}}, NONE, ALL),  # those two values only
    ({"source": ["aws.guardduty"], "detail": {"severity": [{"exists": True}]}}, ALL, ALL),
    ({"source": ["aws.guardduty"], "detail": {"severity": [{"exists": False}]}}, NONE, NONE),
    ({"source": ["aws.guardduty"], "account": [{"exists": True}]}, ALL, ALL),
    # a field whose value the audit cannot know: only some findings
    ({"source": ["aws.guardduty"], "detail": {"type": [{"prefix": "Recon:"}]}}, SOME, SOME),
    ({"source": ["aws.guardduty"], "account": ["123456789012"]}, SOME, SOME),
    ({"source": ["aws.guardduty"], "resources": [{"cidr": "10.0.0.0/8"}]}, SOME, SOME),
    ("not json", NONE, NONE),
    ({}, NONE, NONE),
    ([], NONE, NONE),
    (None, NONE, NONE),
])
def test_pattern_semantics(pattern, low, high):
    text = pattern if pattern is None or isinstance(pattern, str) else json.dumps(pattern)
    coverage = finding_coverage(text)
    assert (coverage[1.0], coverage[8.9]) == (low, high)
    assert matches_guardduty(text) is (low is not NONE or high is not NONE)


def test_pattern_matching_survives_hostile_nesting():
    deep = "[" * 5000 + "]" * 5000
    assert not matches_guardduty(deep)
    assert not matches_guardduty(json.dumps({"source": [{"numeric": [">", 10 ** 400]}]}).replace("1e+400", "1e999"))


def test_a_detector_whose_status_cannot_be_read_is_unknown():
    snap = snapshot({"guardduty": {"us-east-1": {"detectors": [{"detector_id": "d1", "status": DENIED}]}}})
    assert run(CHECKS_BY_ID["guardduty.enabled"], snap) == [("UNKNOWN", "us-east-1", "-")]


def test_findings_routing_is_not_judged_where_guardduty_is_off():
    snap = snapshot({"guardduty": {"us-east-1": {"detectors": []}}, "events": {"us-east-1": {"rules": []}}})
    assert run(CHECKS_BY_ID["guardduty.findings_routed"], snap) == []


# --- routing, on fragments shaped like GetAdministratorAccount, ListRules/ListTargetsByRule and
# ListSubscriptionsByTopic answers ----------------------------------------------------------------------------

ADMIN = "222222222222"
REGION = "us-east-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ir-alerts"
ADMIN_TOPIC = f"arn:aws:sns:{REGION}:{ADMIN}:ir-alerts"
CONFIRMED, PENDING = {"confirmed": 1, "pending": 0}, {"confirmed": 0, "pending": 1}


def guardduty(administrator=None) -> dict:
    data = {"detectors": [{"detector_id": "d1", "status": "ENABLED"}]}
    if administrator is not None:
        data["administrator"] = administrator
    return {REGION: data}


def events(*rules, topics=None) -> dict:
    return {REGION: {"rules": list(rules), "topics": topics or {}}}


def rule(pattern=None, targets=(TOPIC,), name="gd", state="ENABLED", **extra) -> dict:
    body = {"name": name, "state": state, "event_pattern": json.dumps(pattern or GD), **extra}
    if targets is not None:
        body["targets"] = list(targets)
    return body


def routed(snap, account=ACCOUNT):
    results = list(CHECKS_BY_ID["guardduty.findings_routed"].evaluate(AccountContext(snap, account, AuditConfig())))
    return [(r.status.value, r.resource_id) for r in results], [r.reason for r in results]


def member_of(admin=ADMIN, status="Enabled"):
    return {"account_id": admin, "relationship_status": status}


@pytest.mark.parametrize(("services", "status"), [
    ({"events": events(rule(), topics={TOPIC: CONFIRMED})}, "PASS"),
    ({"events": events(rule({"source": [{"prefix": "aws.guard"}]}), topics={TOPIC: CONFIRMED})}, "PASS"),
    # a pending confirmation delivers nothing
    ({"events": events(rule(), topics={TOPIC: PENDING})}, "FAIL"),
    ({"events": events(rule(targets=()), topics={})}, "FAIL"),
    ({"events": events(rule(state="DISABLED"), topics={TOPIC: CONFIRMED})}, "FAIL"),
    # targets that were not collected, or could not be read: cannot tell
    ({"events": events(rule(targets=None), topics={TOPIC: CONFIRMED})}, "UNKNOWN"),
    ({"events": events(rule(targets=None) | {"targets": DENIED})}, "UNKNOWN"),
    ({"events": events(rule(), topics={TOPIC: DENIED})}, "UNKNOWN"),
    # only high findings routed is enough (the kit's own rule: severity >= 7); only low is not
    ({"events": events(rule({**GD, "detail": {"severity": [{"numeric": [">=", 7]}]}}), topics={TOPIC: CONFIRMED})},
     "PASS"),
    ({"events": events(rule({**GD, "detail": {"severity": [{"numeric": ["<", 7]}]}}), topics={TOPIC: CONFIRMED})},
     "FAIL"),
    # exact severities match only findings of exactly those values
    ({"events": events(rule({**GD, "detail": {"severity": [7, 8, 9, 10]}}), topics={TOPIC: CONFIRMED})}, "FAIL"),
    # two rules together cover every severity
    ({"events": events(rule({**GD, "detail": {"severity": [{"numeric": ["<", 9]}]}}, name="a"),
                       rule({**GD, "detail": {"severity": [{"numeric": [">=", 9]}]}}, name="b"),
                       topics={TOPIC: CONFIRMED})}, "PASS"),
    # a rule matching one finding type routes some findings only
    ({"events": events(rule({**GD, "detail": {"type": ["Recon:EC2/PortProbeUnprotectedPort"]}}),
                       topics={TOPIC: CONFIRMED})}, "FAIL"),
    # a target that is not a topic (a queue, a function) counts
    ({"events": events(rule(targets=(f"arn:aws:sqs:{REGION}:{ACCOUNT}:siem",)))}, "PASS"),
])
def test_routing(services, status):
    snap = snapshot({"guardduty": guardduty(), **services})
    assert routed(snap)[0][0][0] == status


def test_a_pending_subscription_is_named():
    _, reasons = routed(snapshot({"guardduty": guardduty(), "events": events(rule(), topics={TOPIC: PENDING})}))
    assert "has no confirmed subscription (1 pending confirmation)" in reasons[0]


def test_a_topic_in_an_account_outside_the_audit_is_unknown():
    other = "arn:aws:sns:us-east-1:999999999999:central"
    statuses, reasons = routed(snapshot({"guardduty": guardduty(), "events": events(rule(targets=(other,)))}))
    assert statuses == [("UNKNOWN", "-")]
    assert "999999999999, which is not in this audit" in reasons[0]


def test_a_topic_is_read_in_the_account_that_owns_it():
    snap = snapshot({"guardduty": guardduty(), "events": events(rule(targets=(ADMIN_TOPIC,)))},
                    **{ADMIN: {"events": events(topics={ADMIN_TOPIC: CONFIRMED})}})
    assert routed(snap)[0] == [("PASS", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/gd")]


def test_a_member_is_covered_by_its_delegated_administrators_rule():
    admin_rule = rule(targets=(ADMIN_TOPIC,), name="guardduty-findings")
    admin = {"guardduty": guardduty(), "events": events(admin_rule, topics={ADMIN_TOPIC: CONFIRMED})}
    snap = snapshot({"guardduty": guardduty(member_of()), "events": events()}, **{ADMIN: admin})
    statuses, reasons = routed(snap)
    arn = f"arn:aws:events:{REGION}:{ADMIN}:rule/guardduty-findings"
    assert statuses == [("PASS", arn)]
    assert f"the delegated administrator {ADMIN}'s rule {arn} to {ADMIN_TOPIC}" in reasons[0]


@pytest.mark.parametrize(("administrator", "admin_services", "status"), [
    (member_of(), None, "UNKNOWN"),  # the administrator is not in the audit: cannot tell
    (member_of(), {"guardduty": guardduty(), "events": events()}, "FAIL"),  # it routes nothing
    (member_of(), {"guardduty": guardduty(), "events": {REGION: DENIED}}, "UNKNOWN"),
    (member_of(status="Removed"), None, "FAIL"),  # no longer a member: its own rules are all
    (DENIED, None, "UNKNOWN"),
    (None, None, "FAIL"),  # GetAdministratorAccount: no administrator
])
def test_delegated_administrator_cases(administrator, admin_services, status):
    more = {ADMIN: admin_services} if admin_services else {}
    snap = snapshot({"guardduty": guardduty(administrator), "events": events()}, **more)
    statuses, reasons = routed(snap)
    assert statuses[0][0] == status
    if status == "UNKNOWN" and administrator is not DENIED and admin_services is None:
        assert f"delegated administrator {ADMIN}, which is not in this audit" in reasons[0]


# --- a rule that forwards findings to an event bus: credited only through the rules of that bus -------------
# Cross-Region bus targets (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html):
# the event arrives on the destination bus, where only a rule matching it, with a target that delivers,
# reaches anyone. A cross-account bus also needs the destination bus's resource policy
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html), which the audit does not read.

HOME, OTHER = "us-east-1", "eu-west-1"
HOME_BUS = f"arn:aws:events:{HOME}:{ACCOUNT}:event-bus/default"
HOME_TOPIC = f"arn:aws:sns:{HOME}:{ACCOUNT}:irready-ir-alerts"
HIGH = {**GD, "detail": {"severity": [{"numeric": [">=", 7]}]}}


def two_regions(home_rules, home_topics, forward_to=HOME_BUS, regions=(HOME, OTHER)) -> dict:
    detectors = {"detectors": [{"detector_id": "d1", "status": "ENABLED"}]}
    sections = {HOME: {"rules": home_rules, "topics": home_topics},
                OTHER: {"rules": [rule(HIGH, targets=(forward_to,), name="to-home")], "topics": {}}}
    return snapshot({"guardduty": {r: detectors for r in regions},
                     "events": {r: sections[r] for r in regions}}, regions=regions)


def routed_in(snap, region, resource=False):
    results = [r for r in CHECKS_BY_ID["guardduty.findings_routed"].evaluate(AccountContext(snap, ACCOUNT,
                                                                                             AuditConfig()))
               if r.region == region]
    return (results[0].status.value, results[0].reason) + ((results[0].resource_id,) if resource else ())


@pytest.mark.parametrize(("home_rules", "home_topics", "status"), [
    ([rule(HIGH, targets=(HOME_TOPIC,), name="findings")], {HOME_TOPIC: CONFIRMED}, "PASS"),
    ([], {}, "FAIL"),  # the home bus has no rule for them: they stop there
    ([rule(HIGH, targets=(HOME_TOPIC,), name="findings")], {HOME_TOPIC: PENDING}, "FAIL"),
    ([rule({**GD, "detail": {"severity": [{"numeric": [">=", 9]}]}}, targets=(HOME_TOPIC,), name="critical")],
     {HOME_TOPIC: CONFIRMED}, "FAIL"),  # 7-8.9 stop at the home bus
    ([rule(HIGH, targets=None, name="findings")], {}, "UNKNOWN"),  # the home rule's targets not read
    # the home bus forwards them back: no loop, and nobody is told
    ([rule(HIGH, targets=(f"arn:aws:events:{OTHER}:{ACCOUNT}:event-bus/default",), name="back")], {}, "FAIL"),
])
def test_a_forwarding_rule_is_credited_only_through_the_home_bus_rules(home_rules, home_topics, status):
    verdict, reason, resource = routed_in(two_regions(home_rules, home_topics), OTHER, resource=True)
    assert verdict == status, reason
    if status == "PASS":
        assert resource == f"arn:aws:events:{OTHER}:{ACCOUNT}:rule/to-home"
        assert f"forwarded to {HOME_BUS}, then rule arn:aws:events:{HOME}:{ACCOUNT}:rule/findings to " \
               f"{HOME_TOPIC}" in reason
    if status == "FAIL":
        assert HOME_BUS in reason


def test_a_forwarding_rule_whose_home_region_is_not_audited_is_unknown():
    snap = two_regions([], {}, regions=(OTHER,))
    assert routed_in(snap, OTHER)[0] == "UNKNOWN"


@pytest.mark.parametrize("bus", [f"arn:aws:events:{HOME}:999999999999:event-bus/default",  # another account's
                                 f"arn:aws:events:{HOME}:{ACCOUNT}:event-bus/security"])  # a bus not read
def test_a_bus_the_audit_cannot_follow_is_unknown(bus):
    snap = two_regions([rule(HIGH, targets=(HOME_TOPIC,), name="findings")], {HOME_TOPIC: CONFIRMED}, forward_to=bus)
    verdict, reason = routed_in(snap, OTHER)
    assert verdict == "UNKNOWN" and bus in reason
