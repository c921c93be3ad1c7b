"""Property tests: whatever a damaged snapshot or config holds, the answer is a one-line error or
UNKNOWN findings, never a traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from irready.audit import config
from irready.audit.config import AuditConfig
from irready.audit.errors import UsageError
from irready.audit.evaluate import evaluate, summarize
from irready.audit.model import Status
from irready.audit.report import Report, json_report, markdown, table
from irready.audit.snapshot import load

from tests.audit.checks.fragments import snapshot, trail, trails_seen

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10)


def whole_snapshot() -> dict:
    """A small snapshot with every section the checks read."""
    region = "us-east-1"
    services = trails_seen(trail(S3BucketName="logs", CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:1:log-group:x"))
    services |= {
        "account": {"security_contact": None},
        "iam": {"roles": {}, "instance_profiles": {}, "managed_policies": {}, "containment_policies": {}},
        "s3": {"buckets": {"logs": {"versioning": "Enabled", "lifecycle_rules": [], "public_access_block": None,
                                    "object_lock": None}}, "account_public_access_block": None},
        "ec2": {region: {"vpcs": [{"vpc_id": "vpc-1"}], "flow_logs": [], "quarantine_groups": [],
                         "instances": [{"instance_id": "i-1", "http_tokens": "optional", "http_endpoint": "enabled"}]}},
        "logs": {region: {"log_groups": [{"name": "/aws/lambda/x", "retention_days": 3}]}},
        "guardduty": {region: {"detectors": [{"detector_id": "d", "status": "ENABLED"}]}},
        "events": {region: {"rules": []}},
        "route53resolver": {region: {"query_log_associations": [], "firewall_rule_groups": []}},
        "eks": {region: {"clusters": [{"name": "c", "enabled_log_types": []}]}},
    }
    return snapshot(services)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


BASE = whole_snapshot()
SERVICE_PATHS = [p for p in paths(BASE["accounts"]["111111111111"]["services"]) if p]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(SERVICE_PATHS), json_values), min_size=1, max_size=4))
def test_damaged_sections_give_findings_never_a_traceback(damage):
    snap = copy.deepcopy(BASE)
    for path, value in damage:
        target = snap["accounts"]["111111111111"]["services"]
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    findings = evaluate(snap, AuditConfig(security_account_id="210987654321"))
    assert {f.check_id for f in findings} >= {"account.security_contact", "ir.responder_role"}
    assert all(f.status in Status and f.reason for f in findings)
    report = Report(findings, summarize(findings, snap), [], {})
    for render in (table.render, json_report.render, markdown.render):
        render(report)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_file_is_a_snapshot_or_one_clear_line(tmp_path_factory, value):
    path = Path(tmp_path_factory.mktemp("snap")) / "snapshot.json"
    path.write_text(json.dumps({"schema": "irready/snapshot-v1", "accounts": {"111111111111": value}}))
    try:
        loaded = load(path)
    except UsageError as error:
        assert "\n" not in str(error) and "accounts.111111111111" in str(error)
        return
    evaluate(loaded, AuditConfig())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*config.KEYS, "bogus"]), json_values, max_size=4))
def test_any_config_table_is_valid_or_one_clear_line(values):
    try:
        built = config.build(values, "config test.toml")
    except UsageError as error:
        assert "\n" not in str(error) and str(error).startswith("config test.toml: ")
        return
    assert isinstance(built, AuditConfig)
