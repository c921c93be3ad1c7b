"""CloudTrail checks on snapshot fragments: selectors, shadow trails, buckets in other accounts."""

from __future__ import annotations

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.policies.readiness import READ, WRITE, data_event_scope, recorded_modes, retention_problems

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
