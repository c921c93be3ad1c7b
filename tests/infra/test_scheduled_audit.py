"""ScheduledAudit under Pulumi's mocks, with Pulumi.example.yaml (a daily audit of its listed accounts).

Each role is held to exactly its job with the project's evaluator (what it must be allowed, and the near
misses it must be denied) and checked by parliament, an IAM policy analyser. AWS's rules encoded here:
- Step Functions role for a Distributed Map: https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
- EventBridge Scheduler execution role: https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
- Scheduler flexible time windows (1-1440 minutes): https://docs.aws.amazon.com/scheduler/latest/APIReference/API_FlexibleTimeWindow.html
- Lambda runtimes (python3.12 ships boto3): https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
- S3 Block Public Access, default encryption with SSE-KMS, lifecycle expiration:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from irready.infra.components import scheduled_audit as component
from irready.policies import scheduled_audit as names
from irready.policies.evaluator import ALLOW, Request, evaluate
from parliament import analyze_policy_string

from tests.infra.mocks import example_config, run_program

SECURITY = "210987654321"
REGION = "us-east-1"
NAME = f"scheduled-audit-{SECURITY}"
BUCKET = f"{names.BUCKET_PREFIX}{SECURITY}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
KEY = f"arn:aws:mock:::{NAME}-key"  # what the mocks answer for the key's ARN
LISTED = ("123456789012", "111111111111", "222222222222", SECURITY)  # Pulumi.example.yaml's irready:accounts
# The run's summary goes to the one alert topic of the security account (KMS-encrypted with its own key).
ALERTS, ALERTS_KEY = "arn:aws:mock:::security-account-us-east-1-alerts", "arn:aws:mock:::security-account-alerts-key"


@pytest.fixture(scope="module")
def program():
    return run_program(example_config())


def mine(program, type_: str) -> list:
    return [r for r in program.of_type(type_) if r.name.startswith(NAME)]


def named(program, type_: str, name: str):
    (declared,) = [r for r in mine(program, type_) if r.inputs.get("name") == name]
    return declared


def role_policy(program, role: str) -> dict:
    return json.loads(named(program, "aws:iam/rolePolicy:RolePolicy", role).inputs["policy"])


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{SECURITY}:{resource}"


FUNCTION = {f: arn("lambda", f"function:{f}") for f in names.FUNCTIONS}
STATE_MACHINE = arn("states", f"stateMachine:{names.STATE_MACHINE}")
RUN = "2026-01-01T06-00-00Z"


def allowed(document: dict, action: str, resource: str, **context) -> bool:
    return evaluate([document], Request(action, resource, context=context)) == ALLOW


def actions(document: dict) -> set[str]:
    return {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_without_the_config_nothing_of_it_is_created():
    config = {k: v for k, v in example_config().items() if k != "irready:scheduledAudit"}
    recorder = run_program(config)
    assert not [r for r in recorder.resources if r.name.startswith("scheduled-audit")]
    types = {r.type for r in recorder.resources}
    assert not types & {"aws:lambda/function:Function", "aws:sfn/stateMachine:StateMachine",
                        "aws:scheduler/schedule:Schedule", "irready:index:ScheduledAudit"}


def test_the_schedule_starts_the_state_machine_daily_in_its_time_zone_with_a_flexible_window(program):
    (schedule,) = mine(program, "aws:scheduler/schedule:Schedule")
    inputs = schedule.inputs
    assert (inputs["scheduleExpression"], inputs["scheduleExpressionTimezone"]) == ("cron(0 6 * * ? *)",
                                                                                    "Europe/Paris")
    assert inputs["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15}
    assert inputs["target"]["arn"] == f"arn:aws:mock:::{NAME}-state-machine"
    assert inputs["target"]["roleArn"] == f"arn:aws:mock:::{NAME}-scheduler-role"


def test_the_state_machine_is_the_shared_definition_with_the_configured_map(program):
    (machine,) = mine(program, "aws:sfn/stateMachine:StateMachine")
    definition = json.loads(machine.inputs["definition"])
    assert definition == names.definition(bucket=BUCKET, list_function=FUNCTION[names.LIST_FUNCTION],
                                          account_function=FUNCTION[names.ACCOUNT_FUNCTION],
                                          merge_function=FUNCTION[names.MERGE_FUNCTION],
                                          max_concurrency=40, tolerated_failure_percentage=10)
    fan_out = definition["States"]["AuditAccounts"]
    assert fan_out["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert fan_out["ItemReader"]["Parameters"]["Bucket"] == fan_out["ResultWriter"]["Parameters"]["Bucket"] == BUCKET
    assert (machine.inputs["name"], machine.inputs["type"]) == (names.STATE_MACHINE, "STANDARD")


def test_functions_run_the_audit_package_on_a_pinned_runtime(program):
    functions = {f.inputs["name"]: f.inputs for f in mine(program, "aws:lambda/function:Function")}
    assert set(functions) == set(names.FUNCTIONS)
    for name, inputs in functions.items():
        assert (inputs["runtime"], inputs["architectures"], inputs["handler"]) == (
            "python3.12", ["arm64"], names.HANDLERS[name])
        variables = inputs["environment"]["variables"]
        assert variables[names.ENV_BUCKET] == BUCKET
        assert json.loads(variables[names.ENV_AUDIT_CONFIG]) == {
            "regions": "all", "org": False, "role_name": "irready-audit", "security_account_id": SECURITY,
            "accounts": list(LISTED)}
        assert variables[names.ENV_TOPIC] == ALERTS
        # Names only, never a secret (the checkov skips CKV_AWS_45 and CKV_AWS_173 rest on this).
        assert set(variables) <= {names.ENV_BUCKET, names.ENV_AUDIT_CONFIG, names.ENV_FORMATS, names.ENV_TOPIC,
                                  names.ENV_SECURITY_HUB, names.ENV_ORGANIZATION_ROLE}
        assert "external_id" not in variables[names.ENV_AUDIT_CONFIG]
        assert inputs["timeout"] <= 900  # Lambda's limit
    # The merge streams this run's and the previous run's snapshots through /tmp (512 MB to 10,240 MB,
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html).
    assert functions[names.MERGE_FUNCTION]["ephemeralStorage"] == {"size": 2048}
    assert functions[names.ACCOUNT_FUNCTION]["ephemeralStorage"] == {"size": 512}


def test_the_code_archive_is_the_audit_package_without_infra_and_with_tabulate():
    files = component.code_files()
    for handler in names.HANDLERS.values():
        assert f"{handler.rsplit('.', 1)[0].replace('.', '/')}.py" in files
    assert "irready/policies/iam/audit_read.json" in files and "tabulate/__init__.py" in files
    assert not [p for p in files if p.startswith(("irready/infra", "irready/emulated", "irready/cli"))]
    assert not [p for p in files if "__pycache__" in p or "/checkov/" in p]
    assert not [p for p in files if p.startswith(("boto3/", "botocore/"))]  # the runtime's own


def test_the_packaged_handlers_import_with_only_boto3_beside_them(tmp_path):
    """The archive's files, alone with boto3 and its dependencies (as in the Lambda runtime), import."""
    import subprocess
    import sys
    for path, source in component.code_files().items():
        target = tmp_path / "task" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for package in ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six"):
        spec = importlib.util.find_spec(package)
        origin = spec.submodule_search_locations[0] if spec.submodule_search_locations else spec.origin
        (runtime / origin.rsplit("/", 1)[-1]).symlink_to(origin)
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import irready.audit.scheduled as s; "
            "assert s.list_handler and s.account_handler and s.merge_handler; "
            "assert 'site-packages/irready' not in s.__file__; print(s.__file__)")
    done = subprocess.run([sys.executable, "-S", "-c", code, str(tmp_path / "task"), str(runtime)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(str(tmp_path / "task"))


def test_the_reports_bucket_is_versioned_encrypted_private_and_expires_reports(program):
    (bucket,) = mine(program, "aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == BUCKET
    (versioning,) = mine(program, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    (encryption,) = mine(program, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                  "BucketServerSideEncryptionConfiguration")
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}
    (block,) = mine(program, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy",
                                         "restrictPublicBuckets"))
    (ownership,) = mine(program, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}  # ACLs off
    (lifecycle,) = mine(program, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    rules = {r["id"]: r for r in lifecycle.inputs["rules"]}
    assert rules["keep-reports"]["filter"] == {"prefix": names.REPORTS}
    assert rules["keep-reports"]["expiration"] == {"days": 400}
    assert rules["expire-working-data"]["filter"] == {"prefix": names.RUNS}
    (key,) = mine(program, "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert json.loads(key.inputs["policy"])["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{SECURITY}:root"}


# --- each role, exactly its job ----------------------------------------------------------------------------

PART = f"{BUCKET_ARN}/runs/{RUN}/parts/111111111111.json"
ITEMS = f"{BUCKET_ARN}/runs/{RUN}/accounts.json"
REPORT = f"{BUCKET_ARN}/reports/{RUN}/audit.json"
MAP_RESULT = f"{BUCKET_ARN}/runs/map/0a1b2c3d-map-run/manifest.json"
OTHER_BUCKET = "arn:aws:s3:::someone-elses-bucket"

ROLES = {
    names.LIST_FUNCTION: (
        {"s3:PutObject", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents"},
        [("s3:PutObject", ITEMS), ("s3:PutObject", f"{BUCKET_ARN}/runs/{RUN}/skipped.json"),
         ("kms:GenerateDataKey", KEY),
         ("logs:PutLogEvents", arn("logs", f"log-group:/aws/lambda/{names.LIST_FUNCTION}:log-stream:x"))],
        [("s3:PutObject", PART), ("s3:PutObject", REPORT), ("s3:GetObject", ITEMS),
         ("organizations:ListAccounts", "*"),  # listed accounts: no need to list the organization
         ("logs:PutLogEvents", arn("logs", f"log-group:/aws/lambda/{names.MERGE_FUNCTION}:log-stream:x"))]),
    names.ACCOUNT_FUNCTION: (
        {"sts:AssumeRole", "s3:PutObject", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents"},
        [("sts:AssumeRole", f"arn:aws:iam::{a}:role/irready-audit") for a in LISTED]
        + [("s3:PutObject", PART), ("kms:GenerateDataKey", KEY)],
        [("sts:AssumeRole", "arn:aws:iam::333333333333:role/irready-audit"),  # not a listed account
         ("sts:AssumeRole", "arn:aws:iam::111111111111:role/IncidentResponder"),
         ("s3:PutObject", REPORT), ("s3:PutObject", ITEMS), ("s3:PutObject", f"{OTHER_BUCKET}/runs/x/parts/y"),
         ("s3:GetObject", PART), ("kms:Decrypt", KEY)]),
    names.MERGE_FUNCTION: (
        {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey", "sns:Publish",
         "logs:CreateLogStream", "logs:PutLogEvents"},
        [("s3:GetObject", PART), ("s3:GetObject", ITEMS), ("s3:GetObject", MAP_RESULT),
         ("s3:GetObject", f"{BUCKET_ARN}/reports/2025-12-31T06-00-00Z/snapshot.json"),
         ("s3:PutObject", REPORT), ("kms:Decrypt", KEY), ("sns:Publish", ALERTS),
         ("kms:GenerateDataKey", ALERTS_KEY)],
        [("s3:PutObject", PART), ("s3:PutObject", ITEMS), ("s3:DeleteObject", REPORT),
         ("s3:GetObject", f"{OTHER_BUCKET}/reports/x"), ("sns:Publish", arn("sns", "irready-alerts")),
         ("securityhub:BatchImportFindings", arn("securityhub", f"product/{SECURITY}/default"))]),  # not enabled
    names.STATE_MACHINE_ROLE: (
        {"lambda:InvokeFunction", "states:StartExecution", "states:DescribeExecution", "states:StopExecution",
         "s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "kms:Decrypt",
         "kms:GenerateDataKey", *component.XRAY_STATE_MACHINE_ACTIONS},  # tracing: resource "*" as X-Ray requires
        [("lambda:InvokeFunction", f) for f in FUNCTION.values()]
        + [("states:StartExecution", STATE_MACHINE),  # the Distributed Map's child workflows
           ("states:DescribeExecution", arn("states", f"execution:{names.STATE_MACHINE}/AuditAccounts:1")),
           ("states:StopExecution", arn("states", f"execution:{names.STATE_MACHINE}/AuditAccounts:1")),
           ("s3:GetObject", ITEMS),  # the item reader
           ("s3:PutObject", MAP_RESULT), ("s3:GetObject", MAP_RESULT),  # the result writer
           ("s3:ListMultipartUploadParts", MAP_RESULT), ("s3:AbortMultipartUpload", MAP_RESULT)],
        [("lambda:InvokeFunction", arn("lambda", "function:other")),
         ("states:StartExecution", arn("states", "stateMachine:other")),
         ("states:StopExecution", arn("states", "execution:other/x")),
         ("s3:GetObject", PART), ("s3:PutObject", REPORT), ("s3:PutObject", ITEMS)]),
    names.SCHEDULER_ROLE: (
        {"states:StartExecution"},
        [("states:StartExecution", STATE_MACHINE)],
        [("states:StartExecution", arn("states", "stateMachine:other")),
         ("states:StopExecution", arn("states", f"execution:{names.STATE_MACHINE}/x")),
         ("lambda:InvokeFunction", FUNCTION[names.ACCOUNT_FUNCTION])]),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_its_job(program, role):
    document = role_policy(program, role if role in (names.STATE_MACHINE_ROLE, names.SCHEDULER_ROLE) else role)
    expected_actions, must, must_not = ROLES[role]
    assert actions(document) == expected_actions
    for action, resource in must:
        assert allowed(document, action, resource), (action, resource)
    for action, resource in must_not:
        assert not allowed(document, action, resource), (action, resource)


# Distributed Map child executions are execution:<machine>/<map run label>:<id> (the Step Functions guide
# above); parliament's resource table predates that form and reports a RESOURCE_MISMATCH on it. The
# evaluator test above proves the resource still reaches only this state machine's executions.
MAP_RUN_EXECUTIONS = arn("states", f"execution:{names.STATE_MACHINE}/*")


@pytest.mark.parametrize("role", ROLES)
def test_parliament_finds_nothing_in_any_role(program, role):
    # The mocks answer the key's and topic's ARNs with stand-ins; give the analyser ARNs of their real form.
    text = json.dumps(role_policy(program, role)).replace(
        KEY, arn("kms", "key/0a1b2c3d-0000-4000-8000-000000000001")).replace(
        ALERTS, arn("sns", "irready-ir-alerts")).replace(
        ALERTS_KEY, arn("kms", "key/0a1b2c3d-0000-4000-8000-000000000002"))
    findings = []
    for finding in analyze_policy_string(text).findings:
        detail = finding.detail if isinstance(finding.detail, list) else [finding.detail]
        if finding.issue == "RESOURCE_MISMATCH" and all(
                d.get("action") in ("states:DescribeExecution", "states:StopExecution") for d in detail):
            assert MAP_RUN_EXECUTIONS in text
            continue
        findings.append((finding.issue, finding.detail))
    assert findings == []


@pytest.mark.parametrize(("role", "service", "source"), [
    (names.STATE_MACHINE_ROLE, "states.amazonaws.com", STATE_MACHINE),
    (names.SCHEDULER_ROLE, "scheduler.amazonaws.com", arn("scheduler", "schedule-group/default")),
])
def test_service_roles_trust_only_their_service_for_this_account(program, role, service, source):
    trust = json.loads(named(program, "aws:iam/role:Role", role).inputs["assumeRolePolicy"])
    context = {"aws:SourceAccount": SECURITY, "aws:SourceArn": source}
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": service}

    def decision(principal=service, **changes):
        return evaluate([trust], Request("sts:AssumeRole", principal=principal, context={**context, **changes}))

    assert decision() == ALLOW
    assert decision(principal="lambda.amazonaws.com") != ALLOW
    assert decision(**{"aws:SourceAccount": "999999999999"}) != ALLOW  # the confused deputy
    assert decision(**{"aws:SourceArn": arn("states", "stateMachine:other")}) != ALLOW


def test_the_whole_organization_may_be_assumed_only_inside_it():
    where = component.Where(SECURITY, REGION, BUCKET, KEY, "arn:aws:sns:us-east-1:210987654321:t")
    document = component.account_policy(where, "irready-audit", (), "o-exampleorg1")
    role = "arn:aws:iam::444455556666:role/irready-audit"
    assert allowed(document, "sts:AssumeRole", role, **{"aws:ResourceOrgID": "o-exampleorg1"})
    assert not allowed(document, "sts:AssumeRole", role, **{"aws:ResourceOrgID": "o-someoneelse"})
    listing = component.list_policy(where, True, None)
    assert allowed(listing, "organizations:ListAccounts", "*")
    through = component.list_policy(where, True, "arn:aws:iam::123456789012:role/irready-organization-read")
    assert actions(through) == {"s3:PutObject", "kms:GenerateDataKey", "sts:AssumeRole", "logs:CreateLogStream",
                                "logs:PutLogEvents"}
    hub = component.merge_policy(where, security_hub=True)
    assert allowed(hub, "securityhub:BatchImportFindings", arn("securityhub", f"product/{SECURITY}/default"))


def test_the_account_function_role_arn_is_exported_for_the_audit_roles_trust(program):
    (audit,) = program.of_type("irready:index:ScheduledAudit")
    assert audit.name == NAME
    role = named(program, "aws:iam/role:Role", names.role_name(names.ACCOUNT_FUNCTION))
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"}


# --- irready:scheduledAudit: each bad value is one line naming the key and the fix -------------------------

def scheduled(**changes):
    from irready.infra.config import load

    from tests.infra.mocks import example_values
    values = example_values()
    values["scheduledAudit"] = {**values["scheduledAudit"], **changes}
    return load(values.get).scheduled_audit


def test_the_example_schedules_its_listed_accounts_daily():
    config = scheduled()
    assert (config.schedule, config.timezone, config.flexible_window_minutes, config.accounts) == (
        "cron(0 6 * * ? *)", "Europe/Paris", 15, "listed")
    assert scheduled(accounts="organization").accounts == "organization"
    assert scheduled(accounts=["111111111111"]).accounts == ("111111111111",)


@pytest.mark.parametrize(("changes", "message"), [
    ({"schedule": "every day"}, "irready:scheduledAudit.schedule: 'every day' is not a schedule; use cron("),
    ({"timezone": "Paris"}, "irready:scheduledAudit.timezone: 'Paris' is not a time zone; use an IANA name"),
    ({"flexibleWindowMinutes": 2000}, "irready:scheduledAudit.flexibleWindowMinutes: 2000 is out of range"),
    ({"maxConcurrency": 5000}, "irready:scheduledAudit.maxConcurrency: 5000 is out of range"),
    ({"toleratedFailurePercentage": 101}, "irready:scheduledAudit.toleratedFailurePercentage: 101 is out of range"),
    ({"accounts": "everyone"}, "irready:scheduledAudit.accounts: expected listed, organization, or a list"),
    ({"accounts": ["1234"]}, "irready:scheduledAudit.accounts: '1234' is not a 12-digit AWS account id"),
    ({"alertTopicArn": "my-topic"}, "irready:scheduledAudit.alertTopicArn: expected an SNS topic ARN"),
    ({"organizationRoleArn": "admin"}, "irready:scheduledAudit.organizationRoleArn: expected a role ARN"),
    ({"reportFormats": ["pdf"]}, "irready:scheduledAudit.reportFormats: 'pdf' is not a report format; use some of "
                                 "table, json, markdown, html, sarif, junit, csv, ocsf, asff ([]: every format)"),
    ({"reportFormats": "json"}, "irready:scheduledAudit.reportFormats: expected a list of format names"),
    ({"retentionDays": 0}, "irready:scheduledAudit.retentionDays: 0 is not a number of days"),
    ({"shedule": "rate(1 day)"}, "irready:scheduledAudit: unknown key shedule; known keys:"),
])
def test_a_bad_scheduled_audit_value_is_one_line(changes, message):
    from irready.infra.config import StackConfigError
    with pytest.raises(StackConfigError) as raised:
        scheduled(**changes)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


# EventBridge Scheduler's schedule expressions (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
# rate(value unit) with a positive value and minute(s)/hour(s)/day(s); cron(fields) with six fields, minutes hours
# day-of-month month day-of-week year, and "If you specify a value or a * in one of the [day] fields, you must use a
# ? in the other" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html). CreateSchedule
# refuses anything else during `pulumi up`, after the rest of the stack is built.
@pytest.mark.parametrize("schedule", [
    "cron(0 6 * * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(0 18 ? * MON-FRI *)", "cron(0/15 * * * ? *)",
    "cron(0 8 1 * ? *)", "cron(0 9 ? * 2#1 *)", "rate(1 day)", "rate(12 hours)", "rate(5 minutes)",
])
def test_the_schedules_aws_documents_are_accepted(schedule):
    assert scheduled(schedule=schedule).schedule == schedule


@pytest.mark.parametrize(("schedule", "why"), [
    ("cron(0 6 * * *)", "6 required, 5 provided"),  # a Unix cron: five fields
    ("cron(0 6 * * * *)", "day-of-month '*' and day-of-week '*'"),  # no ? in either day field
    ("cron(0 6 ? * ? *)", "day-of-month '?' and day-of-week '?'"),
    ("cron(0 24 * * ? *)", "Invalid hour value '24'"),
    ("cron(0 6 * 13 ? *)", "Invalid month value '13'"),
    ("rate(0 days)", "is not a schedule"),  # a positive number
    ("rate(1 week)", "is not a schedule"),  # minutes, hours or days only
    ("at(2026-12-01T06:00:00)", "is a one-time at(...) schedule, but the audit recurs"),
    (None, "is not a schedule"),
])
def test_a_schedule_eventbridge_scheduler_refuses_is_one_line_naming_the_key(schedule, why):
    from irready.infra.config import StackConfigError
    with pytest.raises(StackConfigError) as raised:
        scheduled(schedule=schedule)
    message = str(raised.value)
    assert message.startswith(f"irready:scheduledAudit.schedule: {schedule!r} ") and why in message, message
    assert message.endswith("use cron(0 6 * * ? *) (six fields: minutes hours day-of-month month day-of-week year, "
                            "? in one day field) or rate(1 day) (EventBridge Scheduler syntax)")
    assert "\n" not in message


def test_the_report_formats_the_config_accepts_are_those_the_scheduled_run_accepts():
    """Every name the stack config accepts, the scheduled run (audit/scheduled.py Settings) accepts, and the
    other way round: one list, policies.names.REPORT_FORMATS."""
    from irready.audit import config as audit_config
    from irready.audit.scheduled import Settings
    from irready.infra.config import StackConfigError
    from irready.policies.names import REPORT_FORMATS
    for name in REPORT_FORMATS:
        assert scheduled(reportFormats=[name]).report_formats == (name,)
        Settings(bucket="reports", config=audit_config.AuditConfig(), formats=(name,))
    with pytest.raises(StackConfigError):
        scheduled(reportFormats=["pdf"])


def test_the_component_archives_the_audit_half_without_importing_it():
    """Layering: infra never imports irready.audit; the code archive locates it with find_spec only."""
    import subprocess
    import sys
    code = ("import sys; import irready.infra.components.scheduled_audit as c; files = c.code_files(); "
            "assert 'irready/audit/scheduled.py' in files; "
            "print(sorted(m for m in sys.modules if m.startswith('irready.audit')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
