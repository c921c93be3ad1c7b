"""The scheduled audit's state machine, as deployed, really runs: moto's Amazon States Language interpreter
executes the definition (ListAccounts, the Distributed Map with its S3 item reader and result writer,
MergeAndReport) against the emulator, and each Lambda invocation runs the real handler's step in this
process (moto's Lambda without Docker answers invocations with a stub; the stub here dispatches to
``irready.audit.scheduled``). The definition is also valid ASL for the npm ``asl-validator``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import requests
from irready.audit import scheduled
from irready.audit.config import AuditConfig
from irready.policies import scheduled_audit as layout
from moto.awslambda_simple.models import LambdaSimpleBackend

from irready.emulated.seed import Seeder, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, caller_session
from tests.support.faults import Fault

ROOT = Path(__file__).parents[2]
VALIDATOR = ROOT / "tools" / "asl" / "node_modules" / ".bin" / "asl-validator"
# moto's interpreter calls services as moto's default account: the security account of this test.
assert SECURITY_ACCOUNT == "123456789012"


def definition(bucket: str = "irready-scheduled-audit-reports-123456789012") -> dict:
    return layout.definition(bucket=bucket, **{
        kind: f"arn:aws:lambda:{REGION}:{SECURITY_ACCOUNT}:function:{name}" for kind, name in (
            ("list_function", layout.LIST_FUNCTION), ("account_function", layout.ACCOUNT_FUNCTION),
            ("merge_function", layout.MERGE_FUNCTION))})


def validate(document: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    if not VALIDATOR.exists() or not shutil.which("node"):
        pytest.fail("asl-validator is not installed: run `make asl` (make test does)")
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(document))
    return subprocess.run([str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60)


def test_the_definition_is_valid_amazon_states_language(tmp_path):
    done = validate(definition(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_validator_rejects_a_broken_definition(tmp_path):
    broken = definition()
    broken["States"]["AuditAccounts"]["Next"] = "Nowhere"
    done = validate(broken, tmp_path)
    assert done.returncode != 0 and "Nowhere" in done.stdout + done.stderr


def test_the_map_reads_and_writes_where_the_handlers_write_and_read():
    fan_out = definition()["States"]["AuditAccounts"]
    # The item reader's key comes from the list step's output; the result writer's prefix is fixed.
    assert fan_out["ItemReader"]["Parameters"]["Key.$"] == "$.accounts_key"
    assert fan_out["ResultWriter"]["Parameters"]["Prefix"] == layout.MAP_RESULTS_PREFIX
    assert fan_out["ItemSelector"] == {"account_id.$": "$$.Map.Item.Value.account_id", "run_id.$": "$.run_id"}


# --- a real execution ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def interpreter(_emulator_and_faults):
    """moto's ASL interpreter on, Lambda without Docker, and each invocation dispatched to the handlers."""
    emulator, _ = _emulator_and_faults
    port = emulator.url.rsplit(":", 1)[1]
    patch = pytest.MonkeyPatch()
    patch.setenv("MOTO_PORT", port)  # where the interpreter sends its own calls
    requests.post(f"{emulator.url}/moto-api/config", json={
        "stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}, timeout=10)
    steps = {}  # function name -> (event -> result)
    invocations: list[tuple[str, dict]] = []

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        event = json.loads(body or "{}")
        invocations.append((name, event))
        try:
            return json.dumps(steps[name](event), default=str).encode()
        except Exception as exc:  # as Lambda reports an unhandled error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()

    patch.setattr(LambdaSimpleBackend, "invoke", invoke)
    yield emulator, steps, invocations
    requests.post(f"{emulator.url}/moto-api/config", json={
        "stepfunctions": {"execute_state_machine": False}, "lambda": {"use_docker": True}}, timeout=10)
    patch.undo()


@pytest.fixture(scope="module")
def execution(interpreter, _emulator_and_faults, new_account):
    emulator, steps, invocations = interpreter
    _, faults = _emulator_and_faults
    prepared, second, locked = new_account(), new_account(), new_account()
    for account in (prepared, second):
        prepare_account(Seeder(emulator, account), [REGION], SECURITY_ACCOUNT)
    session = caller_session()
    bucket = f"irready-sfn-test-{uuid.uuid4().hex[:12]}"
    emulator.client(session, "s3").create_bucket(Bucket=bucket)
    settings = scheduled.Settings(
        bucket=bucket, config=AuditConfig(regions=(REGION,), accounts=(prepared, second, locked),
                                          security_account_id=SECURITY_ACCOUNT),
        endpoint_url=emulator.url, max_workers=4, region=REGION)
    steps[layout.LIST_FUNCTION] = lambda event: scheduled.start_run(
        settings, session, datetime.fromisoformat(event["StartTime"].replace("Z", "+00:00")))
    steps[layout.ACCOUNT_FUNCTION] = lambda event: scheduled.audit_account(
        settings, session, event["run_id"], event["account_id"])
    steps[layout.MERGE_FUNCTION] = lambda event: scheduled.merge_run(
        settings, session, event, event.get("map"), event.get("map_error"))

    iam, sfn = emulator.client(session, "iam"), emulator.client(session, "stepfunctions")
    role = iam.create_role(RoleName=f"states-{bucket}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "states.amazonaws.com"}}]}))["Role"]["Arn"]
    machine = sfn.create_state_machine(name=f"audit-{bucket}", roleArn=role,
                                       definition=json.dumps(definition(bucket)))["stateMachineArn"]
    faults.clear()
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=locked))
    try:
        started = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        deadline = time.monotonic() + 180
        while (described := sfn.describe_execution(executionArn=started))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not finish in 3 minutes"
            time.sleep(0.5)
    finally:
        faults.clear()
    history = sfn.get_execution_history(executionArn=started, maxResults=1000)["events"]
    s3 = emulator.client(session, "s3")
    keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])}
    return {"described": described, "history": history, "keys": keys, "invocations": list(invocations),
            "accounts": (prepared, second, locked), "s3": s3, "bucket": bucket}


def test_the_execution_succeeds_and_returns_the_merge_summary(execution):
    described = execution["described"]
    assert described["status"] == "SUCCEEDED", [e for e in execution["history"] if "Failed" in e["type"]]
    summary = json.loads(described["output"])
    prepared, second, locked = execution["accounts"]
    assert summary["accounts"] == 3 and summary["unreadable_accounts"] == {locked: "access denied"}


def test_every_step_ran_with_the_input_the_definition_gives_it(execution):
    names = [name for name, _ in execution["invocations"]]
    assert names[0] == layout.LIST_FUNCTION and names[-1] == layout.MERGE_FUNCTION
    account_events = [event for name, event in execution["invocations"] if name == layout.ACCOUNT_FUNCTION]
    assert sorted(e["account_id"] for e in account_events) == sorted(execution["accounts"])
    (list_event,) = [event for name, event in execution["invocations"] if name == layout.LIST_FUNCTION]
    assert "StartTime" in list_event  # $$.Execution: the run is named by the execution's start
    (merge_event,) = [event for name, event in execution["invocations"] if name == layout.MERGE_FUNCTION]
    assert {"run_id", "accounts_key"} <= set(merge_event)
    # The map finished (nothing caught): the merge got its output, which names the result writer's manifest.
    assert "map_error" not in merge_event
    assert merge_event["map"]["ResultWriterDetails"]["Key"].startswith(layout.MAP_RESULTS_PREFIX + "/")


def test_parts_reports_and_the_map_results_land_in_the_bucket(execution):
    summary = json.loads(execution["described"]["output"])
    run_id, keys = summary["run_id"], execution["keys"]
    assert {layout.part_key(run_id, a) for a in execution["accounts"]} <= keys
    assert set(summary["reports"].values()) <= keys
    (merge_event,) = [event for name, event in execution["invocations"] if name == layout.MERGE_FUNCTION]
    assert merge_event["map"]["ResultWriterDetails"]["Key"] in keys  # the manifest the merge reads
