"""Issue #19's checks on small snapshot fragments: the cases moto cannot build (enhanced scanning, Aurora
clusters, CloudFront standard logging v2, scoped data events, configured thresholds) and the order of
findings (buckets holding personal data first)."""

from __future__ import annotations

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.checks.rds import evidence_log_types
from irready.policies import readiness

from tests.audit.checks.fragments import ACCOUNT, DENIED, run, snapshot, trail, trails_seen

R = "us-east-1"
S3_DATA = {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}
DATA = {"Field": "eventCategory", "Equals": ["Data"]}


def statuses(check_id: str, services: dict, **config) -> list[tuple[str, str]]:
    return [(status, resource) for status, _, resource in run(CHECKS_BY_ID[check_id], snapshot(services), **config)]


# --- ecr.image_scanning: the registry's rules ---------------------------------------------------------------

def ecr(scan_on_push: bool, scan_type: str = "BASIC", rules=()):
    return {"ecr": {R: {"repositories": [{"name": "web", "arn": "arn:aws:ecr:us-east-1:1:repository/web",
                                          "scan_on_push": scan_on_push}],
                        "registry_scanning": {"scan_type": scan_type, "rules": list(rules)}}}}


@pytest.mark.parametrize(("services", "expected"), [
    (ecr(True), "PASS"),
    (ecr(False, "ENHANCED", [{"frequency": "CONTINUOUS_SCAN", "filters": ["w*"]}]), "PASS"),
    (ecr(False, "BASIC", [{"frequency": "SCAN_ON_PUSH", "filters": ["prod-*"]}]), "FAIL"),  # filter misses "web"
    (ecr(True, "ENHANCED", [{"frequency": "MANUAL", "filters": ["*"]}]), "FAIL"),  # enhanced ignores scanOnPush
    ({"ecr": {R: {"repositories": [{"name": "web", "arn": "a", "scan_on_push": True}], "registry_scanning": DENIED}}},
     "UNKNOWN"),
])
def test_ecr_registry_rules(services, expected):
    assert [s for s, _ in statuses("ecr.image_scanning", services)] == [expected]


# --- rds.log_exports: engine log types, Aurora judged by its cluster ---------------------------------------

@pytest.mark.parametrize(("engine", "types"), [
    ("mysql", ("audit", "error")), ("postgres", ("postgresql",)), ("aurora-postgresql", ("postgresql",)),
    ("oracle-ee", ("audit", "alert")), ("sqlserver-se", ("error",)), ("custom-thing", None),
])
def test_engine_log_types(engine, types):
    assert evidence_log_types(engine) == types


def test_an_aurora_instance_is_judged_by_its_cluster():
    services = {"rds": {R: {
        "instances": [{"id": "db-1", "arn": "a", "engine": "aurora-mysql", "cluster": "orders", "exports": []}],
        "clusters": [{"id": "orders", "arn": "c", "engine": "aurora-mysql", "exports": ["audit"]}]}}}
    assert statuses("rds.log_exports", services) == [("PASS", "orders")]
    services["rds"][R]["clusters"] = DENIED
    assert statuses("rds.log_exports", services) == [("UNKNOWN", "orders")]


def test_an_engine_irready_does_not_know_is_unknown_not_a_pass():
    services = {"rds": {R: {"instances": [{"id": "x", "arn": "a", "engine": "timestream", "cluster": None,
                                           "exports": ["whatever"]}], "clusters": []}}}
    assert statuses("rds.log_exports", services) == [("UNKNOWN", "x")]


# --- cloudfront.access_logging: standard logging v2 ---------------------------------------------------------

def test_cloudfront_v2_delivery_passes_without_legacy_logging():
    arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"
    services = {"cloudfront": {"distributions": [{"id": "E1", "arn": arn,
                                                  "legacy_logging": {"enabled": False, "bucket": None}}],
                               "v2_delivered": [arn]}}
    assert statuses("cloudfront.access_logging", services) == [("PASS", "E1")]
    services["cloudfront"]["v2_delivered"] = DENIED  # legacy off and v2 unreadable: cannot tell
    assert statuses("cloudfront.access_logging", services) == [("UNKNOWN", "E1")]


# --- s3.access_evidence: a trail's scope, personal data first ------------------------------------------------

def buckets(*names, logging=None):
    return {"s3_buckets": {"buckets": [{"name": n, "region": R, "server_access_logging": logging} for n in names]}}


def scoped(prefix: str) -> dict:
    return {"Name": "scoped", "FieldSelectors": [DATA, S3_DATA, {"Field": "resources.ARN", "StartsWith": [prefix]}]}


@pytest.mark.parametrize(("selector", "bucket", "expected"), [
    ({"Name": "all", "FieldSelectors": [DATA, S3_DATA]}, "orders", True),
    (scoped("arn:aws:s3:::orders/"), "orders", True),
    (scoped("arn:aws:s3:::orders/invoices/"), "orders", False),  # part of the bucket only
    (scoped("arn:aws:s3:::other/"), "orders", False),
    ({"Name": "not orders", "FieldSelectors": [DATA, S3_DATA, {"Field": "resources.ARN",
                                                               "NotStartsWith": ["arn:aws:s3:::orders/"]}]},
     "orders", False),
])
def test_a_trail_credits_a_bucket_only_when_its_scope_takes_in_the_whole_bucket(selector, bucket, expected):
    assert bool(readiness.s3_object_events_of_bucket({"basic": [], "advanced": [selector]}, bucket)) is expected


def test_basic_data_resources_scope_a_bucket_too():
    selectors = {"basic": [{"ReadWriteType": "All", "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::orders/"]}]}], "advanced": []}
    assert readiness.s3_object_events_of_bucket(selectors, "orders")
    assert not readiness.s3_object_events_of_bucket(selectors, "payroll")


def test_buckets_holding_personal_data_come_first_and_say_so():
    t = trail(selectors={"basic": [], "advanced": [scoped("arn:aws:s3:::b-public/")]})
    tags = {"resourcegroupstaggingapi": {R: {"tags": {"arn:aws:s3:::z-customers": {"data-classification": "PII"}}}}}
    services = {**buckets("a-assets", "b-public", "z-customers"), **trails_seen(t), **tags}
    results = run(CHECKS_BY_ID["s3.access_evidence"], snapshot(services))
    assert [(s, b) for s, _, b in results] == [("FAIL", "z-customers"), ("FAIL", "a-assets"), ("PASS", "b-public")]
    context = CHECKS_BY_ID["s3.access_evidence"].evaluate
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    first = next(iter(context(AccountContext(snapshot(services), ACCOUNT, AuditConfig()))))
    assert first.reason.startswith("personal data")


def test_bucket_list_denied_is_unknown():
    assert statuses("s3.access_evidence", {"s3_buckets": DENIED}) == [("UNKNOWN", "-")]


# --- guardduty.protection_plans: which plans are required is configurable ----------------------------------

def detector(*enabled):
    return {"guardduty": {R: {"detectors": [{"detector_id": "d1", "status": "ENABLED", "features": {
        name: {"status": "ENABLED", "additional": {}} for name in enabled}}]}}}


def test_required_plans_come_from_the_config():
    assert statuses("guardduty.protection_plans", detector("S3_DATA_EVENTS"))[0][0] == "FAIL"
    assert statuses("guardduty.protection_plans", detector("S3_DATA_EVENTS"),
                    guardduty_required_features=("S3_DATA_EVENTS",)) == [("PASS", "d1")]


def test_a_snapshot_without_features_is_unknown():
    services = {"guardduty": {R: {"detectors": [{"detector_id": "d1", "status": "ENABLED"}]}}}
    assert statuses("guardduty.protection_plans", services) == [("UNKNOWN", "-")]


# --- inventory.business_context: the denominator is the collectors', the threshold configurable ----------------

def workloads(tagged: int, untagged: int, tags_read=True) -> dict:
    functions = [{"name": f"f{n}", "arn": f"arn:aws:lambda:{R}:{ACCOUNT}:function:f{n}", "versions": [],
                  "aliases": []} for n in range(tagged + untagged)]
    context = {"environment": "prod", "owner": "team", "data-classification": "internal"}
    tags = {f["arn"]: context for f in functions[:tagged]}
    return {"lambda": {R: {"functions": functions}},
            "resourcegroupstaggingapi": {R: {"tags": tags} if tags_read else DENIED}}


def test_the_share_is_judged_against_the_configured_threshold():
    assert statuses("inventory.business_context", workloads(9, 1)) == [("PASS", "-")]
    results = statuses("inventory.business_context", workloads(8, 2))
    assert results[0] == ("FAIL", "-")
    assert [r for _, r in results[1:]] == [f"arn:aws:lambda:{R}:{ACCOUNT}:function:f{n}" for n in (8, 9)]
    assert statuses("inventory.business_context", workloads(8, 2), context_tags_min_percent=80) == [("PASS", "-")]


def test_the_reason_says_where_the_count_and_the_tags_come_from():
    (result,) = run(CHECKS_BY_ID["inventory.business_context"], snapshot(workloads(1, 0)))
    assert result[0] == "PASS"
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    (finding,) = CHECKS_BY_ID["inventory.business_context"].evaluate(
        AccountContext(snapshot(workloads(1, 0)), ACCOUNT, AuditConfig()))
    assert "collectors saw" in finding.reason and "Resource Groups Tagging API" in finding.reason


def test_context_tags_are_configurable_and_an_unread_tagging_api_is_unknown():
    assert statuses("inventory.business_context", workloads(1, 0), context_tags=("cost-center",))[0][0] == "FAIL"
    assert statuses("inventory.business_context", workloads(1, 0, tags_read=False)) == [("UNKNOWN", "-")]


# --- lambda.code_history and ecs.task_logging: the shapes moto does not build ---------------------------------

def test_a_function_whose_aliases_cannot_be_read_is_unknown_only_when_it_has_versions():
    services = {"lambda": {R: {"functions": [
        {"name": "a", "arn": "x", "versions": ["1"], "aliases": DENIED},
        {"name": "b", "arn": "y", "versions": [], "aliases": []}]}}}
    assert statuses("lambda.code_history", services) == [("UNKNOWN", "a"), ("FAIL", "b")]


def test_firelens_ships_and_json_file_does_not():
    definition = "arn:aws:ecs:us-east-1:1:task-definition/web:3"
    services = {"ecs": {R: {"clusters": [{"arn": "arn:aws:ecs:us-east-1:1:cluster/apps", "tasks": [
        {"task_arn": "t1", "group": "service:web", "task_definition": definition}]}],
        "task_definitions": {definition: [{"name": "app", "log_driver": "awsfirelens", "log_options": {}},
                                          {"name": "sidecar", "log_driver": "json-file", "log_options": {}}]}}}}
    (result,) = run(CHECKS_BY_ID["ecs.task_logging"], snapshot(services))
    assert result == ("FAIL", R, "apps/service:web")
