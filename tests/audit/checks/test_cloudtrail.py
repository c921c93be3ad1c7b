"""CloudTrail checks on snapshot fragments: selectors, shadow trails, buckets in other accounts."""

from __future__ import annotations

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.policies.readiness import (
    READ,
    WRITE,
    data_event_scope,
    field_matches,
    narrowings,
    recorded_modes,
    retention_problems,
)

from tests.audit.checks.fragments import DENIED, run, snapshot, trail, trails_seen

MGMT = {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}


def s3(*extra):
    return {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                               {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}, *extra]}


@pytest.mark.parametrize(("selectors", "category", "resource_type", "modes"), [
    ({"basic": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}, "Management", None, {READ, WRITE}),
    ({"basic": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]}, "Management", None, {WRITE}),
    ({"basic": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]}, "Management", None, set()),
    ({"basic": [{"ReadWriteType": "ReadOnly"}, {"ReadWriteType": "WriteOnly"}]}, "Management", None, {READ, WRITE}),
    ({"advanced": [MGMT]}, "Management", None, {READ, WRITE}),
    ({"advanced": [s3()]}, "Data", "AWS::S3::Object", {READ, WRITE}),
    ({"advanced": [s3({"Field": "readOnly", "Equals": ["true"]})]}, "Data", "AWS::S3::Object", {READ}),
    ({"advanced": [s3({"Field": "readOnly", "Equals": ["true"]}),
                   s3({"Field": "readOnly", "Equals": ["false"]})]}, "Data", "AWS::S3::Object", {READ, WRITE}),
    ({"advanced": [s3()]}, "Data", "AWS::Lambda::Function", set()),
    ({"basic": [{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]},
     "Data", "AWS::S3::Object", {READ, WRITE}),
])
def test_recorded_modes(selectors, category, resource_type, modes):
    assert recorded_modes({"basic": [], "advanced": []} | selectors, category, resource_type) == modes


def test_data_event_scope_tells_all_from_scoped():
    assert data_event_scope({"basic": [], "advanced": [s3()]}, "AWS::S3::Object") == "all resources"
    scoped = s3({"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::payroll/", "arn:aws:s3:::pii/"]})
    assert data_event_scope({"basic": [], "advanced": [scoped]}, "AWS::S3::Object") == "2 scoped resource(s)"


# CloudTrail's own examples and operators, from the API reference and user guide:
#   https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
#   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/filtering-data-events.html
#   https://docs.aws.amazon.com/cli/latest/reference/cloudtrail/put-event-selectors.html (examples)
def cond(field, operator, *values):
    return {"Field": field, operator: list(values)}


R, W = READ, WRITE
S3 = "AWS::S3::Object"


@pytest.mark.parametrize(("advanced", "category", "resource_type", "modes", "narrowed_by"), [
    # "log all S3 data events": read and write, in full
    ([s3()], "Data", S3, {R, W}, []),
    # the cases: one eventName, or all but one, is not object-level coverage
    ([s3(cond("eventName", "Equals", "PutObject"))], "Data", S3, set(), ["eventName Equals PutObject"]),
    ([s3(cond("eventName", "NotEquals", "GetObject"))], "Data", S3, set(), ["eventName NotEquals GetObject"]),
    # every operator narrows an open-ended field
    ([s3(cond("eventName", "StartsWith", "Put"))], "Data", S3, set(), ["eventName StartsWith Put"]),
    ([s3(cond("eventName", "NotStartsWith", "Get"))], "Data", S3, set(), ["eventName NotStartsWith Get"]),
    ([s3(cond("eventName", "EndsWith", "Object"))], "Data", S3, set(), ["eventName EndsWith Object"]),
    ([s3(cond("eventName", "NotEndsWith", "Tagging"))], "Data", S3, set(), ["eventName NotEndsWith Tagging"]),
    # who made the call: excluding a principal, or console sessions, leaves events out
    ([s3(cond("userIdentity.arn", "NotStartsWith", "arn:aws:iam::111111111111:role/etl"))], "Data", S3, set(),
     ["userIdentity.arn NotStartsWith arn:aws:iam::111111111111:role/etl"]),
    ([s3(cond("sessionCredentialFromConsole", "Equals", "true"))], "Data", S3, set(),
     ["sessionCredentialFromConsole Equals true"]),
    # conditions every S3 object event passes do not narrow
    ([s3(cond("eventSource", "Equals", "s3.amazonaws.com"))], "Data", S3, {R, W}, []),
    ([s3(cond("eventType", "Equals", "AwsApiCall"))], "Data", S3, {R, W}, []),
    ([s3(cond("sessionCredentialFromConsole", "Equals", "true", "false"))], "Data", S3, {R, W}, []),
    # readOnly selects a mode; two selectors are ORed
    ([s3(cond("readOnly", "Equals", "true"))], "Data", S3, {R}, []),
    ([s3(cond("readOnly", "Equals", "false"))], "Data", S3, {W}, []),
    ([s3(cond("readOnly", "Equals", "true")), s3(cond("readOnly", "Equals", "false"))], "Data", S3, {R, W}, []),
    # an unnarrowed selector beside a narrowed one covers in full
    ([s3(cond("eventName", "Equals", "PutObject")), s3()], "Data", S3, {R, W}, []),
    # a scope by ARN is a scope, not a gap (reported by data_event_scope)
    ([s3(cond("resources.ARN", "StartsWith", "arn:aws:s3:::payroll/"))], "Data", S3, {R, W}, []),
    # another resource type, or no eventCategory (invalid), records nothing of S3
    ([s3()], "Data", "AWS::Lambda::Function", set(), []),
    ([{"FieldSelectors": [cond("resources.type", "Equals", S3)]}], "Data", S3, set(), []),
    ([{"FieldSelectors": [cond("eventCategory", "Equals", "Data"), cond("resources.type", "StartsWith", "AWS::S3")]}],
     "Data", S3, {R, W}, []),
    # management events: the documented cost cut "eventSource NotEquals kms.amazonaws.com" leaves KMS out
    ([MGMT], "Management", None, {R, W}, []),
    ([{"FieldSelectors": [*MGMT["FieldSelectors"], cond("eventSource", "NotEquals", "kms.amazonaws.com")]}],
     "Management", None, set(), ["eventSource NotEquals kms.amazonaws.com"]),
    ([{"FieldSelectors": [*MGMT["FieldSelectors"], cond("readOnly", "Equals", "false")]}], "Management", None, {W},
     []),
    ([{"FieldSelectors": [*MGMT["FieldSelectors"], cond("eventType", "Equals", "AwsApiCall")]}], "Management", None,
     set(), ["eventType Equals AwsApiCall"]),
])
def test_advanced_selector_semantics(advanced, category, resource_type, modes, narrowed_by):
    selectors = {"basic": [], "advanced": advanced}
    assert recorded_modes(selectors, category, resource_type) == modes
    assert narrowings(selectors, category, resource_type) == narrowed_by


@pytest.mark.parametrize(("condition", "value", "passes"), [
    (cond("eventName", "Equals", "PutObject", "DeleteObject"), "DeleteObject", True),
    (cond("eventName", "Equals", "PutObject"), "GetObject", False),
    (cond("eventName", "NotEquals", "GetObject"), "GetObject", False),
    (cond("eventName", "NotEquals", "GetObject"), "PutObject", True),
    (cond("eventName", "StartsWith", "Put"), "PutObjectAcl", True),
    (cond("eventName", "NotStartsWith", "Put"), "PutObjectAcl", False),
    (cond("eventName", "EndsWith", "Acl"), "PutObjectAcl", True),
    (cond("eventName", "NotEndsWith", "Acl"), "PutObjectAcl", False),
    # including and excluding operators together: one must include, none may exclude
    ({"Field": "eventName", "StartsWith": ["Put"], "NotEquals": ["PutObjectAcl"]}, "PutObjectAcl", False),
    ({"Field": "eventName", "StartsWith": ["Put"], "NotEquals": ["PutObjectAcl"]}, "PutObject", True),
])
def test_field_operators(condition, value, passes):
    assert field_matches(condition, value) is passes


def test_basic_selector_excluding_management_sources_is_narrowed():
    selectors = {"basic": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                            "ExcludeManagementEventSources": ["kms.amazonaws.com"]}], "advanced": []}
    assert recorded_modes(selectors, "Management") == set()
    assert narrowings(selectors, "Management") == ["ExcludeManagementEventSources kms.amazonaws.com"]


def test_data_event_scope_counts_exclusions():
    # The documented way to keep a trail from logging its own bucket's reads: exclude it by ARN.
    own_bucket = s3(cond("resources.ARN", "NotStartsWith", "arn:aws:s3:::trail-logs/"))
    assert data_event_scope({"basic": [], "advanced": [own_bucket]}, S3) == "all resources except 1"


def test_a_narrowed_trail_fails_and_names_the_condition():
    narrowed = trail(selectors={"basic": [], "advanced": [MGMT, s3(cond("eventName", "Equals", "PutObject"))]})
    context_result = run(CHECKS_BY_ID["cloudtrail.s3_data_events"], snapshot(trails_seen(narrowed)))
    assert context_result == [("FAIL", "us-east-1", "-")]
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    reason = next(CHECKS_BY_ID["cloudtrail.s3_data_events"].evaluate(
        AccountContext(snapshot(trails_seen(narrowed)), "111111111111", AuditConfig()))).reason
    assert "trail t records only events passing eventName Equals PutObject" in reason


def rule(days=None, noncurrent=None, prefix="", status="Enabled", **filter_extra):
    body = {"ID": "r", "Status": status, "Filter": {"Prefix": prefix, **filter_extra}}
    if days is not None:
        body["Expiration"] = {"Days": days}
    if noncurrent is not None:
        body["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent}
    return body


@pytest.mark.parametrize(("rules", "problems"), [
    ([rule(days=400)], 0),
    ([rule(days=30)], 1),
    ([rule(days=30, status="Disabled")], 0),
    ([rule(days=30, prefix="other-app/")], 0),  # does not touch the trail's logs
    ([rule(days=30, prefix="AWSLogs/")], 1),
    ([rule(days=30, prefix="AWSLogs/111111111111/")], 1),  # narrower, still deletes trail logs
    ([rule(days=400, noncurrent=7)], 1),  # deleted logs purged after a week
    ([{"ID": "r", "Status": "Enabled", "Filter": {"Tag": {"Key": "tmp", "Value": "1"}}, "Expiration": {"Days": 1}}],
     0),  # CloudTrail never tags its objects
    ([{"ID": "r", "Status": "Enabled", "Prefix": "", "Expiration": {"Date": "2027-01-01T00:00:00Z"}}], 1),
])
def test_retention_problems(rules, problems):
    assert len(retention_problems(rules, ["AWSLogs/"], 365)) == problems


def test_a_multi_region_trail_covers_every_region_it_was_seen_in():
    snap = snapshot(trails_seen(trail(selectors={"basic": [], "advanced": [MGMT]}),
                                regions=("us-east-1", "eu-west-1")), regions=("us-east-1", "eu-west-1"))
    assert [s for s, _, _ in run(CHECKS_BY_ID["cloudtrail.management_events_rw"], snap)] == ["PASS", "PASS"]


def test_a_single_region_trail_leaves_other_regions_uncovered():
    single = trail(multi=False, selectors={"basic": [], "advanced": [MGMT]})
    snap = snapshot(trails_seen(single, regions=("us-east-1", "eu-west-1")), regions=("us-east-1", "eu-west-1"))
    assert run(CHECKS_BY_ID["cloudtrail.management_events_rw"], snap) == [
        ("PASS", "us-east-1", single["TrailARN"]), ("FAIL", "eu-west-1", "-")]
    assert run(CHECKS_BY_ID["cloudtrail.multi_region_logging"], snap) == [("FAIL", "global", "-")]


def test_an_organization_trail_whose_status_cannot_be_read_is_unknown_not_missing():
    org = trail(IsOrganizationTrail=True, status=DENIED)
    assert run(CHECKS_BY_ID["cloudtrail.multi_region_logging"], snapshot(trails_seen(org))) == [
        ("UNKNOWN", "global", "-")]
    assert run(CHECKS_BY_ID["cloudtrail.log_file_validation"], snapshot(trails_seen(org))) == [
        ("UNKNOWN", "us-east-1", org["TrailARN"])]


def test_a_region_whose_trails_could_not_be_listed_is_unknown():
    services = trails_seen()
    services["cloudtrail"]["eu-west-1"] = DENIED
    snap = snapshot(services, regions=("us-east-1", "eu-west-1"))
    assert run(CHECKS_BY_ID["cloudtrail.s3_data_events"], snap) == [
        ("FAIL", "us-east-1", "-"), ("UNKNOWN", "eu-west-1", "-")]


GOOD_BUCKET = {"versioning": "Enabled", "lifecycle_rules": [], "object_lock": None,
               "public_access_block": {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                        "RestrictPublicBuckets")}}


def test_the_trail_bucket_is_judged_from_the_account_that_could_read_it():
    org = trail(S3BucketName="central-logs")
    member = {**trails_seen(org), "s3": {"buckets": {"central-logs": {"versioning": DENIED, "lifecycle_rules": DENIED,
                                                                      "public_access_block": DENIED,
                                                                      "object_lock": DENIED}}}}
    log_archive = {"s3": {"buckets": {"central-logs": GOOD_BUCKET}}}
    snap = snapshot(member, **{"222222222222": log_archive})
    assert run(CHECKS_BY_ID["cloudtrail.bucket_retention"], snap) == [("PASS", "us-east-1", "central-logs")]
    alone = snapshot(member)
    assert run(CHECKS_BY_ID["cloudtrail.bucket_retention"], alone) == [("UNKNOWN", "us-east-1", "central-logs")]


# --- organization trails, on fragments shaped like DescribeTrails answers -------------------------------------
# A member sees the management account's organization trail in DescribeTrails (includeShadowTrails), with the
# management account's ARN, and may not read its status; moto shows it only in the management account.
# https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html

MANAGEMENT, MEMBER = "111111111111", "333333333333"


def org_trail(readable=True) -> dict:
    found = trail(name="org", selectors={"basic": [], "advanced": [MGMT, s3()]}, IsOrganizationTrail=True)
    if not readable:
        found = found | {"status": DENIED, "event_selectors": DENIED}
    return found


def org_snapshot(member_sees_it: bool, org: bool = True, management_audited: bool = True) -> dict:
    member = trails_seen(org_trail(readable=False)) if member_sees_it else trails_seen()
    accounts = {MEMBER: member}
    if management_audited:
        accounts[MANAGEMENT] = trails_seen(org_trail())
    snap = snapshot(accounts.pop(MANAGEMENT) if management_audited else trails_seen(), **accounts)
    if not management_audited:
        del snap["accounts"][MANAGEMENT]
    snap["config"] = {"org": org}
    return snap


def results(check_id, snap, account=MEMBER):
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    return [(r.status.value, r.resource_id, r.reason)
            for r in CHECKS_BY_ID[check_id].evaluate(AccountContext(snap, account, AuditConfig()))]


ORG_TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/org"


@pytest.mark.parametrize(("check_id", "member_sees_it", "org", "management_audited", "status"), [
    # the member's unreadable view of the trail is completed by the management account's reading
    ("cloudtrail.multi_region_logging", True, False, True, "PASS"),
    ("cloudtrail.s3_data_events", True, False, True, "PASS"),
    ("cloudtrail.management_events_rw", True, True, True, "PASS"),
    # moto's view: the member lists no trail; in an organization audit the organization trail covers it
    ("cloudtrail.multi_region_logging", False, True, True, "PASS"),
    ("cloudtrail.s3_data_events", False, True, True, "PASS"),
    # not an organization audit and the member does not list it: no evidence the trail covers it
    ("cloudtrail.multi_region_logging", False, False, True, "FAIL"),
    # the management account is not in the audit: the member's view alone cannot say
    ("cloudtrail.multi_region_logging", True, False, False, "UNKNOWN"),
])
def test_members_are_credited_with_the_organization_trail(check_id, member_sees_it, org, management_audited, status):
    found = results(check_id, org_snapshot(member_sees_it, org, management_audited))
    assert found[0][0] == status, found
    if status == "PASS":
        assert found[0][1] == ORG_TRAIL_ARN
        assert f"of account {MANAGEMENT}" in found[0][2]
