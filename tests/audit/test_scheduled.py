"""The scheduled audit's handlers, in-process, against the emulator over HTTP, for an emulated organization
of a prepared account, an incident account and one whose audit role cannot be assumed.

A first run writes every account's part, the merged snapshot and every report; a second run, after a
regression, compares with the first, names what regressed and alerts on the topic; Security Hub gets
the FAILs and, later, the resolved ones archived.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from irready.audit import parts, scheduled
from irready.audit import snapshot as snapshot_file
from irready.audit.config import AuditConfig
from irready.audit.errors import UsageError
from irready.audit.report import EXTENSIONS, FORMATS
from irready.policies import scheduled_audit as layout

from irready.emulated.seed import Seeder, incident_account, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, caller_session
from tests.support.faults import Fault

TOPIC_REGION = "eu-west-1"
FIRST, SECOND = datetime(2026, 1, 1, 6, 0, tzinfo=UTC), datetime(2026, 1, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def org(_emulator_and_faults, new_account):
    emulator, _ = _emulator_and_faults
    prepared, incident, locked = new_account(), new_account(), new_account()
    prepare_account(Seeder(emulator, prepared), [REGION], SECURITY_ACCOUNT)
    incident_account(Seeder(emulator, incident), [REGION], SECURITY_ACCOUNT)
    session = caller_session()
    bucket = f"irready-scheduled-test-{uuid.uuid4().hex[:12]}"
    emulator.client(session, "s3").create_bucket(Bucket=bucket)
    # The alert topic lives in the security account's home region, which need not be the run's.
    sns, sqs = emulator.client(session, "sns", TOPIC_REGION), emulator.client(session, "sqs", TOPIC_REGION)
    topic = sns.create_topic(Name=f"alerts-{bucket}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"alerts-{bucket}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    emulator.client(session, "securityhub").enable_security_hub()
    config = AuditConfig(regions=(REGION,), accounts=(prepared, incident, locked), security_account_id=SECURITY_ACCOUNT)
    settings = scheduled.Settings(bucket=bucket, config=config, topic_arn=topic, security_hub=True,
                                  endpoint_url=emulator.url, max_workers=4, region=REGION)
    return {"emulator": emulator, "settings": settings, "prepared": prepared, "incident": incident,
            "locked": locked, "queue": queue, "session": session}


def s3_keys(org, prefix: str) -> set[str]:
    s3 = org["emulator"].client(org["session"], "s3")
    return {o["Key"] for o in s3.list_objects_v2(Bucket=org["settings"].bucket, Prefix=prefix).get("Contents", [])}


def read(org, key: str):
    s3 = org["emulator"].client(org["session"], "s3")
    return s3.get_object(Bucket=org["settings"].bucket, Key=key)["Body"].read().decode()


def merged(org, run_id: str, folder) -> dict:
    """The run's merged snapshot, loaded as `irready evaluate` loads a saved one."""
    path = folder / layout.SNAPSHOT
    path.write_text(read(org, layout.report_key(run_id, layout.SNAPSHOT)))
    return snapshot_file.load(path)


def alerts(org) -> list[str]:
    sqs = org["emulator"].client(org["session"], "sqs", TOPIC_REGION)
    messages = sqs.receive_message(QueueUrl=org["queue"], MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=org["queue"], ReceiptHandle=message["ReceiptHandle"])
    return [m["Body"] for m in messages]


@pytest.fixture(scope="module")
def first_run(org, _emulator_and_faults):
    """The state machine's steps one by one, as Step Functions calls them; the locked account's
    irready-audit refuses AssumeRole."""
    _, faults = _emulator_and_faults
    faults.clear()
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=org["locked"]))
    try:
        settings, session = org["settings"], org["session"]
        run = scheduled.start_run(settings, session, FIRST)
        items = json.loads(read(org, run["accounts_key"]))
        steps = [scheduled.audit_account(settings, session, run["run_id"], item["account_id"]) for item in items]
        summary = scheduled.merge_run(settings, session, run)
    finally:
        faults.clear()
    return {"run": run, "items": items, "steps": steps, "summary": summary, "alerts": alerts(org)}


def test_the_list_step_writes_the_item_reader_file_the_map_reads(org, first_run):
    run = first_run["run"]
    assert run["run_id"] == "2026-01-01T06-00-00Z" and run["accounts_key"] == layout.accounts_key(run["run_id"])
    # A JSON array of objects: what ItemReader (InputType JSON) iterates and ItemSelector reads account_id from.
    assert first_run["items"] == [{"account_id": a} for a in (org["prepared"], org["incident"], org["locked"])]


def test_every_account_step_writes_its_part_and_an_unreachable_account_is_a_part_too(org, first_run):
    run_id = first_run["run"]["run_id"]
    assert s3_keys(org, f"{layout.RUNS}{run_id}/parts/") == {
        layout.part_key(run_id, a) for a in (org["prepared"], org["incident"], org["locked"])}
    reachable = {s["account_id"]: s["reachable"] for s in first_run["steps"]}
    assert reachable == {org["prepared"]: True, org["incident"]: True, org["locked"]: False}
    locked = json.loads(read(org, layout.part_key(run_id, org["locked"])))
    assert locked["unavailable"]["operation"] == "AssumeRole" and locked["unavailable"]["reason"] == "access denied"


def test_the_merge_writes_the_snapshot_and_every_report_format(org, first_run, tmp_path):
    run_id = first_run["run"]["run_id"]
    expected = {layout.report_key(run_id, f"audit.{EXTENSIONS[name]}") for name in FORMATS}
    expected |= {layout.report_key(run_id, layout.SNAPSHOT), layout.report_key(run_id, "changes.json")}
    assert s3_keys(org, f"{layout.REPORTS}{run_id}/") == expected
    snapshot = merged(org, run_id, tmp_path)
    assert snapshot["schema"] == parts.SCHEMA and snapshot["collected_at"] == "2026-01-01T06:00:00+00:00"
    assert sorted(snapshot["accounts"]) == sorted((org["prepared"], org["incident"], org["locked"]))
    report = json.loads(read(org, layout.report_key(run_id, "audit.json")))
    assert report["summary"]["accounts"] == 3


def test_the_first_run_alerts_with_counts_and_the_unreadable_account(org, first_run):
    summary = first_run["summary"]
    assert summary["previous_run"] is None and summary["regressed"] == []
    assert summary["findings"]["FAIL"] == len(summary["new"]) > 0  # first run: every FAIL is new
    assert summary["unreadable_accounts"] == {org["locked"]: "access denied"}
    (message,) = first_run["alerts"]
    assert f"{org['locked']}: access denied" in message and "First run" in message
    assert f"s3://{org['settings'].bucket}/reports/{summary['run_id']}/" in message


@pytest.fixture(scope="module")
def second_run(org, first_run):
    """A day later the prepared account's GuardDuty is off: the local driver runs the same steps."""
    seeder = Seeder(org["emulator"], org["prepared"])
    guardduty = seeder.client("guardduty", REGION)
    (detector,) = guardduty.list_detectors()["DetectorIds"]
    guardduty.update_detector(DetectorId=detector, Enable=False)
    try:
        summary = scheduled.run_local(org["settings"], org["session"], SECOND)
    finally:
        guardduty.update_detector(DetectorId=detector, Enable=True)
    return {"summary": summary, "alerts": alerts(org)}


def test_a_later_run_names_what_regressed_since_the_previous_one_and_alerts(org, first_run, second_run):
    summary = second_run["summary"]
    assert summary["previous_run"] == first_run["run"]["run_id"]
    assert [(f["check_id"], f["account_id"]) for f in summary["regressed"]] == [
        ("guardduty.enabled", org["prepared"])]
    # The locked account could be read this time (no fault): its FAILs are new, not regressions.
    assert {f["account_id"] for f in summary["new"]} == {org["locked"]}
    (message,) = second_run["alerts"]
    assert message.startswith(f"irready audit {summary['run_id']}: ")
    assert f"REGRESSED high guardduty.enabled {org['prepared']}/{REGION}" in message
    changes = json.loads(read(org, layout.report_key(summary["run_id"], "changes.json")))
    assert changes["previous_run"] == first_run["run"]["run_id"]
    assert [f["check_id"] for f in changes["regressed"]] == ["guardduty.enabled"]


def test_a_run_written_before_the_streamed_layout_is_still_the_previous_run(org, first_run, tmp_path):
    """Runs before 2026-11-30 wrote reports/<run>/snapshot.json (snapshot-v1, one document): the merge
    compares with it as with a snapshot-v1 file `irready evaluate` reads."""
    earlier = "2025-12-31T06-00-00Z"
    v1 = parts.in_memory(merged(org, first_run["run"]["run_id"], tmp_path))
    s3 = org["emulator"].client(org["session"], "s3")
    s3.put_object(Bucket=org["settings"].bucket, Key=layout.report_key(earlier, "snapshot.json"),
                  Body=json.dumps(v1).encode())
    try:
        run, previous = scheduled._previous(s3, org["settings"], "2026-01-01T00-00-00Z", tmp_path)
    finally:
        s3.delete_object(Bucket=org["settings"].bucket, Key=layout.report_key(earlier, "snapshot.json"))
    assert run == earlier and previous.summary["accounts"] == 3


def test_the_merge_holds_only_a_window_of_parts(org):
    """Parts are fetched ``window`` at a time ahead of the writer, never all at once."""
    fetched, held = [], []

    def fetch(item: str) -> dict:
        fetched.append(item)
        return {"account_id": item}

    for n, (item, _part) in enumerate(scheduled._in_order(fetch, [f"{i:012d}" for i in range(100)], 4)):
        assert item == f"{n:012d}"
        held.append(len(fetched) - n)
    assert max(held) <= 4 and len(fetched) == 100


def hub_findings(org) -> dict[str, dict]:
    hub = org["emulator"].client(org["session"], "securityhub")
    return {f["Id"]: f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]}


def test_security_hub_holds_every_fail_under_an_id_stable_across_runs(org, first_run, second_run):
    summary = second_run["summary"]
    (regressed,) = summary["regressed"]
    findings = hub_findings(org)
    imported = findings[f"irready/guardduty.enabled/{org['prepared']}/{REGION}/{regressed['resource_id']}"]
    assert (imported["Compliance"]["Status"], imported["RecordState"]) == ("FAILED", "ACTIVE")
    assert imported["Resources"][0]["Id"] == f"AWS::::Account:{org['prepared']}"
    assert {f["AwsAccountId"] for f in findings.values()} == {SECURITY_ACCOUNT}  # the importer's own account
    assert summary["security_hub"] == {"imported": summary["findings"]["FAIL"], "failed": 0,
                                       "active": summary["findings"]["FAIL"], "archived": 0}


def test_an_account_whose_step_failed_is_named_by_the_merge_from_the_map_results(org, first_run, tmp_path):
    """The map's result writer lists the failed item; the merge reports the account, not a crash."""
    settings, session, s3 = org["settings"], org["session"], org["emulator"].client(org["session"], "s3")
    run = scheduled.start_run(settings, session, datetime(2026, 1, 3, 6, tzinfo=UTC))
    for account in (org["prepared"], org["incident"]):  # the locked account's step "timed out"
        scheduled.audit_account(settings, session, run["run_id"], account)
    prefix = f"{layout.MAP_RESULTS_PREFIX}/run-1"
    failed = [{"Input": json.dumps({"account_id": org["locked"], "run_id": run["run_id"]}),
               "Error": "States.Timeout", "Cause": "the task timed out after 900 seconds"}]
    s3.put_object(Bucket=settings.bucket, Key=f"{prefix}/FAILED_0.json", Body=json.dumps(failed))
    s3.put_object(Bucket=settings.bucket, Key=f"{prefix}/manifest.json", Body=json.dumps(
        {"DestinationBucket": settings.bucket, "MapRunArn": "arn:aws:states:::mapRun:x", "ResultFiles": {
            "FAILED": [{"Key": f"{prefix}/FAILED_0.json", "Size": 1}], "SUCCEEDED": [], "PENDING": []}}))
    summary = scheduled.merge_run(settings, session, run, map_output={"ResultWriterDetails": {
        "Bucket": settings.bucket, "Key": f"{prefix}/manifest.json"}})
    alerts(org)
    assert summary["unreadable_accounts"] == {org["locked"]: "the per-account function failed (see the map run)"}
    snapshot = merged(org, run["run_id"], tmp_path)
    assert "States.Timeout" in snapshot["accounts"][org["locked"]]["unavailable"]["message"]
    # GuardDuty is back on in the prepared account: resolved, and archived in Security Hub. The locked
    # account's FAILs are not resolved: it could not be read.
    assert summary["resolved"] == 1 and summary["newly_unreadable"] > 0
    archived = [f for f in hub_findings(org).values() if f["RecordState"] == "ARCHIVED"]
    assert [(f["ProductFields"]["irready/check_id"], f["Compliance"]["Status"]) for f in archived] == [
        ("guardduty.enabled", "PASSED")]


@pytest.mark.parametrize(("environment", "message"), [
    ({}, "IRREADY_REPORTS_BUCKET is not set"),
    ({"IRREADY_REPORTS_BUCKET": "b", "IRREADY_AUDIT_CONFIG": "{"}, "IRREADY_AUDIT_CONFIG: not valid JSON"),
    ({"IRREADY_REPORTS_BUCKET": "b", "IRREADY_AUDIT_CONFIG": '{"regionz": "all"}'}, "unknown key audit.regionz"),
    ({"IRREADY_REPORTS_BUCKET": "b", "IRREADY_REPORT_FORMATS": "json,pdf"}, "unknown report format 'pdf'"),
])
def test_a_bad_function_environment_is_one_line_naming_the_variable(environment, message):
    with pytest.raises(UsageError, match=message):
        scheduled.Settings.from_environment(environment)


def test_the_environment_the_component_sets_is_read_back():
    settings = scheduled.Settings.from_environment({
        "IRREADY_REPORTS_BUCKET": "reports", "IRREADY_REPORT_FORMATS": "json,html", "IRREADY_SECURITY_HUB": "true",
        "IRREADY_AUDIT_CONFIG": json.dumps({"regions": "all", "org": True, "role_name": "irready-audit"}),
        "IRREADY_ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t", "AWS_REGION": "eu-west-1"})
    assert (settings.bucket, settings.formats, settings.security_hub, settings.config.org, settings.region) == (
        "reports", ("json", "html"), True, True, "eu-west-1")


def test_the_cli_runs_the_steps_locally_into_a_bucket(emulator, account_id, tmp_path, capsys, monkeypatch):
    from irready.cli import main
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"irready-cli-{uuid.uuid4().hex[:12]}"
    emulator.client(caller_session(), "s3").create_bucket(Bucket=bucket)
    config = tmp_path / "audit.toml"
    config.write_text(f'[audit]\nregions = ["{REGION}"]\naccounts = ["{account_id}"]\n')
    code = main(["schedule", "run-local", "--bucket", bucket, "--endpoint-url", emulator.url, "--config", str(config),
                 "--formats", "json,markdown"])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("irready audit ") and f"s3://{bucket}/reports/" in out  # an untouched account
    keys = {o["Key"] for o in emulator.client(caller_session(), "s3").list_objects_v2(Bucket=bucket)["Contents"]}
    assert {k.rsplit("/", 1)[-1] for k in keys if k.startswith("reports/")} == {
        "audit.json", "audit.md", layout.SNAPSHOT, "changes.json"}


def test_the_organization_is_listed_through_the_named_role_in_its_management_account(emulator, new_account):
    """accounts: organization with organizationRoleArn: the list step assumes that role to list the accounts;
    suspended and closed ones are skipped and named."""
    management = new_account()
    org = emulator.client(emulator.session(management), "organizations")
    org.create_organization(FeatureSet="ALL")
    active, closed = (org.create_account(AccountName=f"m{n}", Email=f"m{n}-{management}@example.com")[
        "CreateAccountStatus"]["AccountId"] for n in range(2))
    org.close_account(AccountId=closed)
    bucket = f"irready-org-{uuid.uuid4().hex[:12]}"
    emulator.client(caller_session(), "s3").create_bucket(Bucket=bucket)
    settings = scheduled.Settings(
        bucket=bucket, config=AuditConfig(regions=(REGION,), org=True, security_account_id=SECURITY_ACCOUNT),
        organization_role_arn=f"arn:aws:iam::{management}:role/irready-organization-read",
        endpoint_url=emulator.url, region=REGION)
    run = scheduled.start_run(settings, caller_session(), FIRST)
    s3 = emulator.client(caller_session(), "s3")
    items = json.loads(s3.get_object(Bucket=bucket, Key=run["accounts_key"])["Body"].read())
    skipped = json.loads(s3.get_object(Bucket=bucket, Key=layout.skipped_key(run["run_id"]))["Body"].read())
    assert sorted(i["account_id"] for i in items) == sorted([management, active])
    assert list(skipped) == [closed] and skipped[closed].startswith("account is ")
