"""Scheduled readiness audits in the security account, fanned out on AWS's own engines.

EventBridge Scheduler (a cron or rate expression in a time zone, with a flexible window) starts a Step
Functions state machine (``irready.policies.scheduled_audit.definition``): a Lambda lists the accounts,
a Distributed Map runs one Lambda per account (it assumes ``irready-audit`` there and writes that
account's part of the snapshot), a last Lambda merges, evaluates, writes every report to a versioned,
KMS-encrypted, private bucket keyed by run time, compares with the previous run and alerts on SNS
(and optionally imports the findings into Security Hub).

The functions' code is irready's own audit package (``irready.audit`` and ``irready.policies``, with
``tabulate``, ``jinja2`` and ``markupsafe`` vendored; boto3 comes with the runtime), archived by the
program from the installed package: located with ``importlib.util.find_spec``, never imported here.

Every role is scoped to the named resources; ``*_policy`` below are the documents, pure functions of
``Where`` so tests can hold each role to exactly its job.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
from irready.infra.components.hardened_bucket import (
    ABORT_INCOMPLETE_UPLOADS,
    HardenedBucketArgs,
    deny_plain_http,
    hardened_bucket,
    keep_then_expire,
)
from irready.infra.components.signed_functions import SignedFunctions
from irready.policies import lambda_concurrency
from irready.policies import scheduled_audit as names
from irready.policies.names import AUDIT_ROLE_NAME

from irready import __version__

RUNTIME = "python3.12"  # pinned: boto3 comes with it (https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html)
ARCHITECTURE = "arm64"
# (memory MB, timeout s) per function (BENCHMARKS.md, "Scheduled audits"): the per-account step is
# CPU-bound, so it gets one full vCPU (1,769 MB), which costs the same GB-seconds as less memory for
# longer; the merge streams the parts through a snapshot file in /tmp (the run's and the previous run's,
# about 30 MiB each at 1,000 accounts), so it gets 2 GiB of ephemeral storage, and 2,048 MB of memory for
# the findings and the reports built whole (about 780 MiB of heap at 1,000 accounts, BENCHMARKS.md).
SIZES = {names.LIST_FUNCTION: (256, 120), names.ACCOUNT_FUNCTION: (1769, 900), names.MERGE_FUNCTION: (2048, 900)}
EPHEMERAL_STORAGE_MB = {names.MERGE_FUNCTION: 2048}  # Lambda's default, 512 MB, elsewhere
_VENDORED = ("tabulate", "jinja2", "markupsafe")  # runtime dependencies the Lambda runtime lacks
_PACKAGES = ("irready.audit", "irready.policies")
XRAY_STATE_MACHINE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                              "xray:GetSamplingTargets")
_SKIPPED_DIRS = {"__pycache__", "checkov"}  # checkov's custom checks run in checkov, never in Lambda
# Code, policy documents, framework mappings and the HTML report's templates.
_SUFFIXES = (".py", ".json", ".toml", ".html", ".j2", ".css", ".js")


@dataclass(frozen=True)
class ScheduledAuditArgs:
    provider: aws.Provider  # the security account's
    functions: SignedFunctions  # the code signing, key and tracing every irready function and schedule gets
    security_account_id: pulumi.Input[str]
    region: str
    schedule: str  # cron(...) or rate(...), EventBridge Scheduler syntax
    timezone: str = "UTC"
    flexible_window_minutes: int = 0  # 0: start at the scheduled time exactly
    regions: str | tuple[str, ...] = "all"
    organization: bool = False  # every active account of the organization...
    organization_id: pulumi.Input[str] | None = None  # ...and only its accounts may be assumed
    accounts: tuple[str, ...] = ()  # ...or these (with organization: a filter)
    exclude_accounts: tuple[str, ...] = ()
    organization_role_arn: str | None = None  # list the organization through this role
    audit_role_name: str = AUDIT_ROLE_NAME
    report_formats: tuple[str, ...] = ()  # empty: every format of the report stack
    retention_days: int = 400
    alert_topic_arn: pulumi.Input[str] | None = None  # None: a topic of its own, to alert_email
    alert_topic_key_arn: pulumi.Input[str] | None = None  # the KMS key of alert_topic_arn, if it has its own
    alert_email: str | None = None
    security_hub: bool = False
    max_concurrency: int = names.MAX_CONCURRENCY
    tolerated_failure_percentage: int = names.TOLERATED_FAILURE_PERCENTAGE
    log_retention_days: int = 365  # the functions' logs (a value CloudWatch Logs accepts)
    reserve_concurrency: bool = True  # False: the functions share the account's unreserved pool


@dataclass(frozen=True)
class Where:
    """The resources the roles are scoped to, as plain strings (resolved Outputs)."""
    account: str
    region: str
    bucket: str
    key_arn: str
    topic_arn: str
    partition: str = "aws"
    topic_key_arn: str = ""  # the alert topic's customer managed key, if any

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def function_arn(self, name: str) -> str:
        return self.arn("lambda", f"function:{name}")

    @property
    def state_machine_arn(self) -> str:
        return self.arn("states", f"stateMachine:{names.STATE_MACHINE}")

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}"

    def log_group_arn(self, function: str) -> str:
        return self.arn("logs", f"log-group:/aws/lambda/{function}:*")


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": [s for s in statements if s]}


def _allow(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    return {**statement, "Condition": condition} if condition else statement


def _logs(where: Where, function: str) -> dict:
    return _allow("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], where.log_group_arn(function))


def _encrypt(where: Where) -> dict:
    return _allow("EncryptWithReportsKey", ["kms:GenerateDataKey"], where.key_arn)


def service_trust(service: str, account: str | None = None, source_arn: str | None = None) -> dict:
    """``service`` may assume the role; with ``account`` and ``source_arn``, only on behalf of that
    account's named resource (the confused-deputy guard,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). Lambda execution roles take
    the plain service trust: https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"""
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}
    if account and source_arn:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account},
                                  "ArnLike": {"aws:SourceArn": source_arn}}
    return _doc(statement)


def list_policy(where: Where, organization: bool, organization_role_arn: str | None) -> dict:
    """Write the run's account list; list the organization (ListAccounts has no resource type, so
    ``*``: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html),
    or assume the named role that may."""
    listing = None
    if organization and organization_role_arn:
        listing = _allow("AssumeOrganizationListingRole", ["sts:AssumeRole"], organization_role_arn)
    elif organization:
        listing = _allow("ListOrganizationAccounts", ["organizations:ListAccounts"], "*")
    return _doc(_allow("WriteAccountList", ["s3:PutObject"], [f"{where.bucket_arn}/{names.RUNS}*/accounts.json",
                                                             f"{where.bucket_arn}/{names.RUNS}*/skipped.json"]),
                _encrypt(where), listing, _logs(where, names.LIST_FUNCTION))


def account_policy(where: Where, audit_role_name: str, accounts: tuple[str, ...],
                   organization_id: str | None) -> dict:
    """Assume the audit role (in the listed accounts, or in any account of this organization) and
    write this run's parts."""
    if accounts and not organization_id:
        roles = [f"arn:{where.partition}:iam::{a}:role/{audit_role_name}" for a in accounts]
        condition = None
    else:
        roles = [f"arn:{where.partition}:iam::*:role/{audit_role_name}"]
        condition = {"StringEquals": {"aws:ResourceOrgID": organization_id}}
    return _doc(_allow("AssumeAuditRole", ["sts:AssumeRole"], roles, condition),
                _allow("WriteAccountPart", ["s3:PutObject"], f"{where.bucket_arn}/{names.RUNS}*/parts/*"),
                _encrypt(where), _logs(where, names.ACCOUNT_FUNCTION))


def merge_policy(where: Where, security_hub: bool) -> dict:
    """Read the run and the history, write reports, alert; import findings when enabled."""
    hub = _allow("ImportFindings", ["securityhub:BatchImportFindings"],
                 where.arn("securityhub", f"product/{where.account}/default")) if security_hub else None
    return _doc(
        _allow("ReadRunAndHistory", ["s3:GetObject"], [f"{where.bucket_arn}/{names.RUNS}*",
                                                       f"{where.bucket_arn}/{names.REPORTS}*"]),
        _allow("ListHistory", ["s3:ListBucket"], where.bucket_arn, {"StringEquals": {"s3:prefix": names.REPORTS}}),
        _allow("WriteReports", ["s3:PutObject"], f"{where.bucket_arn}/{names.REPORTS}*"),
        _allow("UseReportsKey", ["kms:Decrypt", "kms:GenerateDataKey"], where.key_arn),
        _allow("Alert", ["sns:Publish"], where.topic_arn),
        # Publishing to a topic encrypted with a customer managed key
        # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        _allow("EncryptAlerts", ["kms:GenerateDataKey", "kms:Decrypt"], where.topic_key_arn)
        if where.topic_key_arn else None,
        hub, _logs(where, names.MERGE_FUNCTION))


def state_machine_policy(where: Where) -> dict:
    """Invoke the three functions and run the Distributed Map, as the Step Functions guide lists:
    https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html"""
    functions = [where.function_arn(f) for f in names.FUNCTIONS]
    # The map's child workflows are execution:<machine>/<map run label>:<id>; the run itself execution:<machine>:<id>.
    executions = [where.arn("states", f"execution:{names.STATE_MACHINE}/*"),
                  where.arn("states", f"execution:{names.STATE_MACHINE}:*")]
    return _doc(
        _allow("InvokeFunctions", ["lambda:InvokeFunction"], functions + [f"{arn}:*" for arn in functions]),
        _allow("StartMapRuns", ["states:StartExecution"], where.state_machine_arn),
        _allow("ManageMapRuns", ["states:DescribeExecution", "states:StopExecution"], executions),
        _allow("ReadItems", ["s3:GetObject"], f"{where.bucket_arn}/{names.RUNS}*/accounts.json"),
        _allow("WriteMapResults", ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts",
                                   "s3:AbortMultipartUpload"], f"{where.bucket_arn}/{names.MAP_RESULTS_PREFIX}/*"),
        _allow("UseReportsKey", ["kms:Decrypt", "kms:GenerateDataKey"], where.key_arn),
        # X-Ray tracing of the executions: these actions have no resource type, hence "*"
        # (https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html).
        _allow("WriteTraces", list(XRAY_STATE_MACHINE_ACTIONS), "*"))


def scheduler_policy(where: Where) -> dict:
    """Start the state machine, and nothing else."""
    return _doc(_allow("StartAudit", ["states:StartExecution"], where.state_machine_arn))


def key_policy(account: str, partition: str = "aws") -> dict:
    """The account administers the key through IAM; the roles above are granted its use by name."""
    return _doc({"Sid": "AccountAdministersTheKey", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
                 "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}})


def bucket_policy(bucket_arn: str) -> dict:
    return _doc(deny_plain_http(bucket_arn))


def code_files() -> dict[str, Path]:
    """Archive path -> file, for the functions' code: the installed ``irready`` package's
    ``__init__``, audit and policies parts (found without importing them), and the vendored
    dependencies. Raises RuntimeError if a part is not installed."""
    files: dict[str, Path] = {}
    root = importlib.util.find_spec("irready")
    files["irready/__init__.py"] = Path(root.origin)
    for package in _PACKAGES + _VENDORED:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{package} is not installed; run `make venv`")
        folder = Path(next(iter(spec.submodule_search_locations)))
        target = package.replace(".", "/")
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and path.suffix in _SUFFIXES and not _SKIPPED_DIRS & set(relative.parts):
                files[f"{target}/{relative.as_posix()}"] = path
    return files


def code_archive() -> pulumi.AssetArchive:
    """The functions' deployment package; a dist-info so ``irready.__version__`` is right in Lambda."""
    assets: dict = {path: pulumi.FileAsset(str(file)) for path, file in code_files().items()}
    assets[f"irready-{__version__}.dist-info/METADATA"] = pulumi.StringAsset(
        f"Metadata-Version: 2.1\nName: irready\nVersion: {__version__}\n")
    return pulumi.AssetArchive(assets)


def audit_config(args: ScheduledAuditArgs, security_account_id: str) -> dict:
    """The functions' [audit] configuration (``irready.audit.config`` keys)."""
    values: dict = {"regions": args.regions if isinstance(args.regions, str) else list(args.regions),
                    "org": args.organization, "role_name": args.audit_role_name,
                    "security_account_id": security_account_id}
    if args.accounts:
        values["accounts"] = list(args.accounts)
    if args.exclude_accounts:
        values["exclude_accounts"] = list(args.exclude_accounts)
    return values


class ScheduledAudit(pulumi.ComponentResource):
    def __init__(self, name: str, args: ScheduledAuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:ScheduledAudit", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        region, account = args.region, pulumi.Output.from_input(args.security_account_id)

        self.key = aws.kms.Key(f"{name}-key", description="irready scheduled audit reports",
                               enable_key_rotation=True, deletion_window_in_days=30, region=region, opts=child,
                               policy=account.apply(lambda a: json.dumps(key_policy(a))))
        self.bucket = hardened_bucket(name, HardenedBucketArgs(
            bucket_name=account.apply(lambda a: f"{names.BUCKET_PREFIX}{a}"), region=region, key_arn=self.key.arn,
            owner_enforced=True, policy=bucket_policy,
            lifecycle_rules=(keep_then_expire("keep-reports", names.REPORTS, args.retention_days),
                             keep_then_expire("expire-working-data", names.RUNS, names.WORK_RETENTION_DAYS),
                             ABORT_INCOMPLETE_UPLOADS)), opts=child).bucket

        if args.alert_topic_arn is not None:
            topic_arn = pulumi.Output.from_input(args.alert_topic_arn)
        else:
            topic = aws.sns.Topic(f"{name}-alerts", name=f"{names.PREFIX}-alerts", region=region,
                                  kms_master_key_id="alias/aws/sns", opts=child)
            if args.alert_email:
                aws.sns.TopicSubscription(f"{name}-alerts-email", topic=topic.arn, protocol="email",
                                          endpoint=args.alert_email, region=region, opts=child)
            topic_arn = topic.arn

        where = pulumi.Output.all(account, self.bucket.bucket, self.key.arn, topic_arn,
                                  args.alert_topic_key_arn or "").apply(
            lambda v: Where(account=v[0], region=region, bucket=v[1], key_arn=v[2], topic_arn=v[3],
                            topic_key_arn=v[4]))
        organization_id = pulumi.Output.from_input(args.organization_id)
        policies = {
            names.LIST_FUNCTION: where.apply(lambda w: list_policy(w, args.organization, args.organization_role_arn)),
            names.ACCOUNT_FUNCTION: pulumi.Output.all(where, organization_id).apply(
                lambda v: account_policy(v[0], args.audit_role_name, args.accounts,
                                         v[1] if args.organization else None)),
            names.MERGE_FUNCTION: where.apply(lambda w: merge_policy(w, args.security_hub)),
        }
        environment = pulumi.Output.all(account, self.bucket.bucket, topic_arn).apply(lambda v: {
            names.ENV_BUCKET: v[1], names.ENV_AUDIT_CONFIG: json.dumps(audit_config(args, v[0])),
            names.ENV_FORMATS: ",".join(args.report_formats), names.ENV_TOPIC: v[2],
            names.ENV_SECURITY_HUB: str(args.security_hub).lower(),
            **({names.ENV_ORGANIZATION_ROLE: args.organization_role_arn} if args.organization_role_arn else {})})
        code = args.functions.signed_code(name, "scheduled-audit", code_archive(), child)
        self.roles, self.functions = {}, {}
        for function in names.FUNCTIONS:
            role = aws.iam.Role(f"{name}-{function}-role", name=names.role_name(function), opts=child,
                                assume_role_policy=json.dumps(service_trust("lambda.amazonaws.com")))
            aws.iam.RolePolicy(f"{name}-{function}-policy", role=role.id, name=function, opts=child,
                               policy=policies[function].apply(json.dumps))
            logs = aws.cloudwatch.LogGroup(f"{name}-{function}-logs", name=f"/aws/lambda/{function}",
                                           retention_in_days=args.log_retention_days, region=region, opts=child)
            memory, timeout = SIZES[function]
            self.roles[function] = role
            self.functions[function] = args.functions.function(
                f"{name}-{function}", function_name=function, role=role, code=code, runtime=RUNTIME,
                architectures=[ARCHITECTURE], handler=names.HANDLERS[function], memory_size=memory, timeout=timeout,
                ephemeral_storage={"size": EPHEMERAL_STORAGE_MB.get(function, 512)},
                reserved_concurrent_executions=lambda_concurrency.scheduled_audit(function, args.max_concurrency)
                if args.reserve_concurrency else None,
                environment={"variables": environment}, logging_config={"log_format": "JSON", "log_group": logs.name},
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[logs]))

        sfn_role = aws.iam.Role(f"{name}-states-role", name=names.STATE_MACHINE_ROLE, opts=child,
                                assume_role_policy=where.apply(lambda w: json.dumps(service_trust(
                                    "states.amazonaws.com", w.account, w.state_machine_arn))))
        sfn_policy = aws.iam.RolePolicy(f"{name}-states-policy", role=sfn_role.id, name=names.STATE_MACHINE_ROLE,
                                        opts=child, policy=where.apply(lambda w: json.dumps(state_machine_policy(w))))
        # The functions' ARNs from their names, as the role's policy names them: one source for both.
        self.definition = where.apply(lambda w: names.definition(
            bucket=w.bucket, list_function=w.function_arn(names.LIST_FUNCTION),
            account_function=w.function_arn(names.ACCOUNT_FUNCTION),
            merge_function=w.function_arn(names.MERGE_FUNCTION),
            max_concurrency=args.max_concurrency, tolerated_failure_percentage=args.tolerated_failure_percentage))
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine", name=names.STATE_MACHINE, role_arn=sfn_role.arn, type="STANDARD",
            definition=self.definition.apply(json.dumps), region=region, tracing_configuration={"enabled": True},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                        depends_on=[sfn_policy, *self.functions.values()]))

        scheduler_role = aws.iam.Role(f"{name}-scheduler-role", name=names.SCHEDULER_ROLE, opts=child,
                                      assume_role_policy=account.apply(lambda a: json.dumps(service_trust(
                                          "scheduler.amazonaws.com", a,
                                          f"arn:aws:scheduler:{region}:{a}:schedule-group/default"))))
        scheduler_policy_resource = aws.iam.RolePolicy(
            f"{name}-scheduler-policy", role=scheduler_role.id, name=names.SCHEDULER_ROLE, opts=child,
            policy=where.apply(lambda w: json.dumps(scheduler_policy(w))))
        window = ({"mode": "FLEXIBLE", "maximum_window_in_minutes": args.flexible_window_minutes}
                  if args.flexible_window_minutes else {"mode": "OFF"})
        self.schedule = args.functions.schedule(
            f"{name}-schedule", schedule_name=names.SCHEDULE, role=scheduler_role,
            schedule_expression=args.schedule, schedule_expression_timezone=args.timezone,
            flexible_time_window=window, description="irready: scheduled readiness audit",
            target={"arn": self.state_machine.arn, "role_arn": scheduler_role.arn,
                    "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600}},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[scheduler_policy_resource]))

        self.account_role_arn = self.roles[names.ACCOUNT_FUNCTION].arn
        self.register_outputs({"bucket": self.bucket.bucket, "state_machine_arn": self.state_machine.arn,
                               "schedule": self.schedule.name, "alert_topic_arn": topic_arn,
                               # the principal member accounts' irready-audit must trust
                               "account_role_arn": self.account_role_arn})
