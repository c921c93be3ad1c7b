"""The contract of the scheduled audit: names, the reports bucket's layout, and the state machine.

Both halves read it: ``irready.infra.components.scheduled_audit`` deploys the functions, roles and the
state machine with these names and scopes the roles to these keys; ``irready.audit.scheduled`` (the
Lambda handlers) reads and writes exactly these keys. Keeping them here is what makes "the map's item
reader and result writer match what the handlers read and write" a fact rather than a hope.

Layout of the reports bucket (``run_id`` is the run's start time, ``2026-01-31T06-00-00Z``, so a
listing sorts by time)::

    runs/<run_id>/accounts.json            the accounts to audit: the Distributed Map's item reader
    runs/<run_id>/skipped.json             accounts left out (suspended, excluded, not members) and why
    runs/<run_id>/parts/<account>.json     one account's part of the snapshot (per-account function)
    runs/map/<map run id>/...              the Distributed Map's result writer (manifest.json, FAILED_*.json);
                                           the map run's output names its manifest
    reports/<run_id>/snapshot.jsonl        the merged snapshot (snapshot-v2, one account a line, streamed):
                                           the evidence, re-evaluable offline; runs before 2026-11-30
                                           wrote reports/<run_id>/snapshot.json (snapshot-v1)
    reports/<run_id>/audit.<format>        one report per format of the report stack
    reports/<run_id>/changes.json          what is new, regressed and resolved since the previous run

Everything under ``runs/`` is working data (expired after ``WORK_RETENTION_DAYS``); ``reports/`` is the
history, kept for the configured retention.
"""

from __future__ import annotations

from datetime import UTC, datetime

from irready.policies.names import NAME_PREFIX

# --- names ---------------------------------------------------------------------------------------------
PREFIX = f"{NAME_PREFIX}scheduled-audit"
STATE_MACHINE = PREFIX
LIST_FUNCTION = f"{PREFIX}-list"
ACCOUNT_FUNCTION = f"{PREFIX}-account"
MERGE_FUNCTION = f"{PREFIX}-merge"
FUNCTIONS = (LIST_FUNCTION, ACCOUNT_FUNCTION, MERGE_FUNCTION)
STATE_MACHINE_ROLE = f"{PREFIX}-states"
SCHEDULER_ROLE = f"{PREFIX}-scheduler"
SCHEDULE = PREFIX
BUCKET_PREFIX = f"{PREFIX}-reports-"  # + the security account id: bucket names are global


def role_name(function: str) -> str:
    """The execution role of one function: named, so member accounts can trust exactly it."""
    return f"{function}-role"


# The functions' code: irready's own package, entry points by function.
HANDLERS = {
    LIST_FUNCTION: "irready.audit.scheduled.list_handler",
    ACCOUNT_FUNCTION: "irready.audit.scheduled.account_handler",
    MERGE_FUNCTION: "irready.audit.scheduled.merge_handler",
}

# --- the bucket's layout -------------------------------------------------------------------------------
RUNS = "runs/"
REPORTS = "reports/"
WORK_RETENTION_DAYS = 7  # parts and map results: the merged snapshot under reports/ keeps what they held
RUN_ID_FORMAT = "%Y-%m-%dT%H-%M-%SZ"


def run_id(start: datetime) -> str:
    """The run's key segment: its start time in UTC, sortable as text."""
    return start.astimezone(UTC).strftime(RUN_ID_FORMAT)


def accounts_key(run: str) -> str:
    return f"{RUNS}{run}/accounts.json"


def skipped_key(run: str) -> str:
    return f"{RUNS}{run}/skipped.json"


def part_key(run: str, account_id: str) -> str:
    return f"{RUNS}{run}/parts/{account_id}.json"


# The result writer's prefix is fixed: Step Functions adds the map run's id below it, and the map's
# output names the manifest (ResultWriterDetails.Key). A prefix taken from the state input would be
# read from the map's results instead by moto's interpreter.
MAP_RESULTS_PREFIX = f"{RUNS}map"


SNAPSHOT = "snapshot.jsonl"
EARLIER_SNAPSHOTS = (SNAPSHOT, "snapshot.json")  # what a previous run may have written, newest layout first


def report_key(run: str, name: str) -> str:
    """``name``: ``SNAPSHOT``, ``changes.json`` or ``audit.<format>``."""
    return f"{REPORTS}{run}/{name}"


# --- the state machine ---------------------------------------------------------------------------------
MAX_CONCURRENCY = 40  # accounts audited at once; each holds up to 16 API calls in flight
TOLERATED_FAILURE_PERCENTAGE = 10
LAMBDA_RETRY = {  # AWS's recommended retry of transient Lambda service errors
    "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException"],
    "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2,
}


def definition(*, bucket: str, list_function: str, account_function: str, merge_function: str,
               max_concurrency: int = MAX_CONCURRENCY,
               tolerated_failure_percentage: int = TOLERATED_FAILURE_PERCENTAGE) -> dict:
    """The state machine, in Amazon States Language (JSONPath).

    ListAccounts (a Lambda writes ``accounts.json``) -> AuditAccounts (a Distributed Map reading that
    file with its ItemReader; one child execution per account runs the per-account Lambda; results go
    under ``MAP_RESULTS_PREFIX`` through the ResultWriter) -> MergeAndReport (a Lambda). The map's failure
    (more failed accounts than tolerated) is caught, so the merge still reports what was read and names
    the accounts that were not. ``*_function``: function ARNs; ``bucket``: the reports bucket's name.
    Follows https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
    """
    def invoke(function: str, payload_path: str = "$") -> dict:
        return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": payload_path},
                "ResultSelector": {"result.$": "$.Payload"}, "Retry": [LAMBDA_RETRY]}

    return {
        "Comment": "irready scheduled readiness audit: list the accounts, audit each, merge and report",
        "StartAt": "ListAccounts",
        "States": {
            "ListAccounts": {
                **invoke(list_function, "$$.Execution"),  # {Id, Name, StartTime, Input, ...}
                "ResultPath": "$.list", "OutputPath": "$.list.result", "Next": "AuditAccounts"},
            "AuditAccounts": {
                "Type": "Map",
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                               "Parameters": {"Bucket": bucket, "Key.$": "$.accounts_key"}},
                "ItemSelector": {"account_id.$": "$$.Map.Item.Value.account_id", "run_id.$": "$.run_id"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "AuditAccount",
                    "States": {"AuditAccount": {**invoke(account_function), "OutputPath": "$.result", "End": True}},
                },
                "MaxConcurrency": max_concurrency,
                # A number from 0 to 100, decimals allowed; written as one (10.0): moto's ASL grammar
                # reads an integer literal here as a syntax error.
                "ToleratedFailurePercentage": float(tolerated_failure_percentage),
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": bucket, "Prefix": MAP_RESULTS_PREFIX}},
                "ResultPath": "$.map",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.map_error", "Next": "MergeAndReport"}],
                "Next": "MergeAndReport",
            },
            "MergeAndReport": {**invoke(merge_function), "OutputPath": "$.result", "End": True},
        },
    }


# --- the functions' environment: what the component sets and the handlers read ------------------------
ENV_BUCKET = "IRREADY_REPORTS_BUCKET"
ENV_AUDIT_CONFIG = "IRREADY_AUDIT_CONFIG"  # JSON: the [audit] table's keys (regions, org, accounts, ...)
ENV_FORMATS = "IRREADY_REPORT_FORMATS"  # comma-separated; empty: every format of the report stack
ENV_TOPIC = "IRREADY_ALERT_TOPIC_ARN"
ENV_SECURITY_HUB = "IRREADY_SECURITY_HUB"  # "true": import findings into Security Hub
ENV_ORGANIZATION_ROLE = "IRREADY_ORGANIZATION_ROLE_ARN"  # optional: a role in the management account to list from
ENV_MAX_WORKERS = "IRREADY_MAX_WORKERS"  # API calls in flight per account
