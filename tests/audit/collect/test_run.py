"""Collection against moto over HTTP: what is recorded when calls fail, regions, several accounts,
and the read-only promise."""

from __future__ import annotations

import json

import pytest
from irready.audit.aws import Clients, WriteRefused, is_read_operation, reason_for
from irready.audit.checks import ALL_CHECKS
from irready.audit.collect import COLLECTORS, Scope
from irready.audit.collect.run import _regions
from irready.audit.config import AuditConfig
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from irready.audit.snapshot import MARKER, is_unavailable

from irready.emulated.seed import Seeder, incident_account, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, audit_config, caller_session, collect
from tests.support.faults import Fault


def test_a_failed_call_is_recorded_with_operation_code_and_reason_never_as_empty(emulator, account_id, faults):
    Seeder(emulator, account_id).guardduty(REGION)
    faults.faults.append(Fault("guardduty", "ListDetectors", region=REGION, code="AccessDeniedException"))
    snapshot = collect(emulator, account_id)
    section = snapshot["accounts"][account_id]["services"]["guardduty"][REGION]
    assert section == {MARKER: {"operation": "ListDetectors", "code": "AccessDeniedException",
                                "message": "injected by the test", "reason": "access denied"}}
    # Only what failed is missing: EC2 in the same region was read.
    assert not is_unavailable(snapshot["accounts"][account_id]["services"]["ec2"][REGION]["vpcs"])


def test_the_snapshot_has_a_section_for_each_collector_and_the_two_derived_ones(emulator, account_id):
    account = collect(emulator, account_id)["accounts"][account_id]
    services = account["services"]
    assert set(services) == {c.name for c in COLLECTORS} | {"cloudtrail_trails", "s3"}
    for collector in COLLECTORS:
        if collector.scope is Scope.REGIONAL:
            assert set(services[collector.name]) == set(account["regions"]), collector.name


def test_one_failing_part_of_a_service_leaves_the_rest(emulator, account_id, faults):
    faults.faults.append(Fault("ec2", "DescribeFlowLogs"))
    ec2 = collect(emulator, account_id)["accounts"][account_id]["services"]["ec2"][REGION]
    assert is_unavailable(ec2["flow_logs"])
    assert ec2["vpcs"] and not is_unavailable(ec2["vpcs"])


@pytest.mark.parametrize(("code", "reason"), [
    ("UnrecognizedClientException", "region not enabled for this account"),
    ("UnauthorizedOperation", "access denied"),
    ("AWSOrganizationsNotInUseException", "the caller's account is in no organization"),  # not a refusal
    ("SomethingNew", "API error SomethingNew"),
])
def test_error_codes_become_reasons(emulator, account_id, faults, code, reason):
    faults.faults.append(Fault("eks", "ListClusters", code=code, status=400))
    section = collect(emulator, account_id)["accounts"][account_id]["services"]["eks"][REGION]
    assert section[MARKER]["reason"] == reason


@pytest.mark.parametrize(("code", "reason"), [
    # Retried by botocore first (adaptive mode), so only the reason is checked here.
    ("ThrottlingException", "throttled; retries exhausted"),
    ("RequestLimitExceeded", "throttled; retries exhausted"),
    ("503", "AWS service error; retries exhausted"),
    ("InternalFailure", "AWS service error; retries exhausted"),
])
def test_retryable_error_codes_become_reasons(code, reason):
    assert reason_for(code) == reason


def test_a_named_region_the_account_has_not_enabled_is_unknown_everywhere(emulator, account_id):
    snapshot = collect(emulator, account_id, regions=(REGION, "ap-east-1"))
    services = snapshot["accounts"][account_id]["services"]
    for service in ("ec2", "logs", "guardduty", "cloudtrail", "events", "route53resolver", "eks"):
        assert services[service]["ap-east-1"][MARKER]["reason"] == "region not enabled for this account"
    config = audit_config(account_id, regions=(REGION, "ap-east-1"))
    flow_logs = [f for f in evaluate(snapshot, config) if f.check_id == "vpc.flow_logs" and f.region == "ap-east-1"]
    assert [f.status for f in flow_logs] == [Status.UNKNOWN]


def test_all_regions_means_the_regions_this_account_has_enabled(emulator, account_id):
    clients = Clients(Seeder(emulator, account_id).session, emulator.url)
    regions, disabled = _regions(clients, AuditConfig(), REGION)
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert "ap-east-1" not in regions  # opt-in region, not enabled
    assert disabled == set()


def test_one_account_that_cannot_be_assumed_does_not_stop_the_others(emulator, fresh_account, faults):
    reachable, locked = fresh_account(), fresh_account()
    incident_account(Seeder(emulator, reachable), [REGION], SECURITY_ACCOUNT)
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=locked))
    config = audit_config(reachable, accounts=(reachable, locked))
    from irready.audit.collect.run import collect_snapshot
    snapshot = collect_snapshot(config, caller_session(), endpoint_url=emulator.url)
    findings = evaluate(snapshot, config)
    locked_findings = [f for f in findings if f.account_id == locked]
    assert {f.status for f in locked_findings} == {Status.UNKNOWN}
    assert len(locked_findings) == len(ALL_CHECKS)
    assert "access denied (AssumeRole: AccessDenied)" in locked_findings[0].reason
    assert Status.FAIL in {f.status for f in findings if f.account_id == reachable}


def test_the_caller_account_is_audited_with_its_own_credentials(emulator, faults):
    snapshot = collect(emulator, SECURITY_ACCOUNT, accounts=())
    assert list(snapshot["accounts"]) == [SECURITY_ACCOUNT]
    assert not any(call.operation == "AssumeRole" for call in faults.calls)


def test_the_audit_sends_only_read_operations(emulator, fresh_account, faults):
    prepared, incident = fresh_account(), fresh_account()
    prepare_account(Seeder(emulator, prepared), [REGION], SECURITY_ACCOUNT)
    incident_account(Seeder(emulator, incident), [REGION], SECURITY_ACCOUNT)
    faults.calls.clear()  # only what the audit sends from here on
    collect(emulator, prepared, accounts=(prepared, incident))
    operations = {(call.service, call.operation) for call in faults.calls}
    assert ("iam", "GetAccountAuthorizationDetails") in operations
    assert [op for op in operations if not is_read_operation(op[1] or "")] == []


def test_a_write_is_refused_before_it_leaves_the_process(emulator, faults):
    clients = Clients(caller_session(), emulator.url)
    faults.calls.clear()
    with pytest.raises(WriteRefused, match="refused ec2:CreateSecurityGroup"):
        clients.client("ec2", REGION).create_security_group(GroupName="x", Description="x")
    assert faults.calls == []


def test_the_snapshot_is_plain_json_and_holds_no_credentials(emulator, account_id):
    snapshot = collect(emulator, account_id, external_id="shared-secret-123")
    text = json.dumps(snapshot)
    for secret in ("shared-secret-123", "SecretAccessKey", "SessionToken", "testing"):
        assert secret not in text
    assert json.loads(text) == snapshot
