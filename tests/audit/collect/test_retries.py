"""What is retried: only answers a retry can change. Throttling and server errors get botocore's
adaptive retries; an operation the endpoint does not implement, or an access denial, is asked once
and recorded (a retry would meet the same answer, after seconds of back-off, in every region)."""

from __future__ import annotations

import pytest
from irready.audit.aws import DEFAULT_PATIENCE
from irready.audit.snapshot import MARKER

from tests.audit.emulated import REGION, collect
from tests.support.faults import Fault


def requests_for(faults, service: str, operation: str) -> int:
    return sum((call.service, call.operation, call.region) == (service, operation, REGION) for call in faults.calls)


@pytest.mark.parametrize(("fault", "reason"), [
    (Fault("guardduty", "ListDetectors", code="NotImplemented", status=501), "API not available here"),
    # moto used to answer an action it lacks with a bare 500, which botocore retries whatever the code.
    (Fault("guardduty", "ListDetectors", code="NotImplemented", status=500), "API not available here"),
    (Fault("guardduty", "ListDetectors", code="UnknownOperationException", status=400), "API not available here"),
    (Fault("guardduty", "ListDetectors", code="AccessDeniedException", status=403), "access denied"),
    (Fault("guardduty", "ListDetectors", code="AccessDeniedException", status=500), "access denied"),
], ids=["501 NotImplemented", "500 NotImplemented", "UnknownOperation", "access denied", "access denied as 500"])
def test_an_answer_no_retry_can_change_is_requested_once(emulator, account_id, faults, fault, reason):
    faults.faults.append(fault)
    snapshot = collect(emulator, account_id)  # the default patience: up to 6 attempts
    assert requests_for(faults, "guardduty", "ListDetectors") == 1
    assert snapshot["accounts"][account_id]["services"]["guardduty"][REGION][MARKER]["reason"] == reason


@pytest.mark.parametrize("fault", [
    Fault("guardduty", "ListDetectors", code="ThrottlingException", status=400),
    Fault("guardduty", "ListDetectors", code="InternalServerErrorException", status=500),
    Fault("guardduty", "ListDetectors", code="ServiceUnavailable", status=503),
], ids=["throttled", "500", "503"])
def test_throttling_and_server_errors_keep_every_attempt(emulator, account_id, faults, fault):
    faults.faults.append(Fault(**{**fault.__dict__, "times": DEFAULT_PATIENCE.max_attempts - 1}))
    snapshot = collect(emulator, account_id)
    assert requests_for(faults, "guardduty", "ListDetectors") == DEFAULT_PATIENCE.max_attempts
    assert MARKER not in snapshot["accounts"][account_id]["services"]["guardduty"][REGION]
