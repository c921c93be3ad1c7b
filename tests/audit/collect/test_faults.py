"""Faults AWS really produces, injected in front of moto: the audit retries what is retryable, and
what still fails becomes UNKNOWN with the reason, never PASS."""

from __future__ import annotations

import pytest
from irready.audit.aws import Patience
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from irready.audit.snapshot import MARKER

from irready.emulated.seed import Seeder
from tests.audit.emulated import REGION, audit_config, collect
from tests.support.faults import Fault

# Few attempts and short time-outs, so that exhausting them takes seconds, not minutes.
QUICK = Patience(max_attempts=2, connect_timeout=2, read_timeout=1)


def guardduty_status(emulator, account_id, patience=QUICK):
    snapshot = collect(emulator, account_id, patience=patience)
    findings = evaluate(snapshot, audit_config(account_id))
    statuses = {f.status for f in findings if f.check_id == "guardduty.enabled"}
    return statuses, snapshot["accounts"][account_id]["services"]["guardduty"][REGION]


@pytest.mark.parametrize("fault", [
    Fault("guardduty", "ListDetectors", code="ThrottlingException", status=400, times=2),
    Fault("guardduty", "ListDetectors", code="TooManyRequestsException", status=429, times=2),
    Fault("guardduty", "ListDetectors", code="InternalServerErrorException", status=500, times=2),
    Fault("guardduty", "ListDetectors", code="ServiceUnavailable", status=503, times=2),
], ids=["throttled", "429", "500", "503"])
def test_transient_faults_are_retried_and_the_audit_sees_through_them(emulator, account_id, faults, fault):
    Seeder(emulator, account_id).guardduty(REGION)
    faults.faults.append(fault)
    statuses, _ = guardduty_status(emulator, account_id, patience=Patience(max_attempts=4))
    assert statuses == {Status.PASS}
    assert fault.times == 0  # both injected failures were met, and retried past


def test_ec2_request_limit_exceeded_is_retried(emulator, account_id, faults):
    Seeder(emulator, account_id).flow_logs(REGION)
    faults.faults.append(Fault("ec2", "DescribeFlowLogs", code="RequestLimitExceeded", status=503, times=1))
    snapshot = collect(emulator, account_id, patience=Patience(max_attempts=3))
    flow_logs = snapshot["accounts"][account_id]["services"]["ec2"][REGION]["flow_logs"]
    assert flow_logs and MARKER not in flow_logs


@pytest.mark.parametrize(("fault", "reason"), [
    (Fault("guardduty", "ListDetectors", code="ThrottlingException", status=400), "throttled; retries exhausted"),
    (Fault("guardduty", "ListDetectors", code="InternalServerErrorException", status=500),
     "AWS service error; retries exhausted"),
    # botocore would parse the cut-short body as "no detectors"; the audit refuses it instead.
    (Fault("guardduty", "ListDetectors", drop=True, times=1), "connection dropped mid-response"),
    (Fault("guardduty", "ListDetectors", code=None, delay=2.5), "connection or client error"),  # read time-out
    (Fault("guardduty", code="UnrecognizedClientException", status=400), "region not enabled for this account"),
], ids=["throttled", "500", "dropped connection", "slow response", "region not enabled"])
def test_persistent_faults_become_unknown_with_the_reason(emulator, account_id, faults, fault, reason):
    Seeder(emulator, account_id).guardduty(REGION)
    faults.faults.append(fault)
    statuses, section = guardduty_status(emulator, account_id)
    assert statuses == {Status.UNKNOWN}
    assert section[MARKER]["reason"] == reason
    assert section[MARKER]["operation"] == "ListDetectors"  # the API call, also when no AWS error names it


def test_a_slow_answer_within_the_time_out_is_simply_waited_for(emulator, account_id, faults):
    Seeder(emulator, account_id).guardduty(REGION)
    faults.faults.append(Fault("guardduty", "ListDetectors", code=None, delay=0.3))
    statuses, _ = guardduty_status(emulator, account_id)
    assert statuses == {Status.PASS}
