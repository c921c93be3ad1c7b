"""New-VPC preparation in the security account (organization mode, issue #18): the function of
irready/vpc_preparation.py, started by every member account's ``CreateVpc`` (forwarded by the regional
StackSet's rule to the member-events bus) and by a daily reconciliation schedule, for events missed: the
scheduled run puts one request per member account on the bus, and a rule there hands each back to the
function, so that each run reconciles one account and the reserved concurrency bounds how many at once.

Its code is irready's own package (``irready/__init__``, ``irready/vpc_preparation.py`` and
``irready/policies``), archived from the installed package, found with ``importlib.util.find_spec`` and
never imported here (infra never imports the function's layer). boto3 comes with the Lambda runtime.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
from irready.infra.components.scheduled_audit import ARCHITECTURE, RUNTIME, service_trust
from irready.infra.components.signed_functions import SignedFunctions
from irready.infra.stackset_templates import create_vpc_pattern
from irready.policies import lambda_concurrency, names
from irready.policies import vpc_preparation as prep

MEMORY_MB, TIMEOUT_S = 256, 900  # a reconciliation run walks one account's regions one after the other


def code_files(function_module: str = "irready.vpc_preparation") -> dict[str, Path]:
    """Archive path -> file: irready's __init__, the function's module and the policies package (documents
    included, checkov's checks left out). Raises RuntimeError if a part is not installed."""
    files: dict[str, Path] = {}
    for module in ("irready", function_module):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{module} is not installed; run `make venv`")
        files[f"{module.replace('.', '/')}{'/__init__' if module == 'irready' else ''}.py"] = Path(spec.origin)
    spec = importlib.util.find_spec("irready.policies")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("irready.policies is not installed; run `make venv`")
    folder = Path(next(iter(spec.submodule_search_locations)))
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and path.suffix in (".py", ".json") and not {"__pycache__", "checkov"} & set(relative.parts):
            files[f"irready/policies/{relative.as_posix()}"] = path
    return files


@dataclass(frozen=True)
class VpcPreparationArgs:
    provider: aws.Provider  # the security account's
    functions: SignedFunctions  # the code signing, key and tracing every irready function and schedule gets
    region: str  # the security account's home region (where the member-events bus is)
    security_account_id: pulumi.Input[str]
    organization_id: str
    bus_name: pulumi.Input[str]  # the member-events bus
    regions: tuple[str, ...]  # where reconciliation looks (the regional StackSet's regions)
    query_log_configs: pulumi.Input[dict[str, str]]  # region -> the shared configuration (OrganizationQueryLogging)
    quarantine_group_name: str = names.QUARANTINE_GROUP_NAME
    schedule: str = prep.RECONCILE_SCHEDULE
    log_retention_days: int = names.MIN_LOG_RETENTION_DAYS
    reserved_concurrency: int | None = lambda_concurrency.VPC_PREPARATION  # None: the account's unreserved pool


class VpcPreparation(pulumi.ComponentResource):
    """The function, its role and log group, the CreateVpc and reconciliation-request rules on the bus, and the
    daily schedule that requests reconciliations.
    Outputs: ``function_arn``, ``role_arn`` (the principal member accounts' provisioning role trusts)."""

    def __init__(self, name: str, args: VpcPreparationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:VpcPreparation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        region, account = args.region, pulumi.Output.from_input(args.security_account_id)
        self.role = aws.iam.Role(f"{name}-role", name=prep.FUNCTION_ROLE, opts=child,
                                 assume_role_policy=json.dumps(service_trust("lambda.amazonaws.com")))
        aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, name=prep.FUNCTION, opts=child,
                           policy=account.apply(lambda a: json.dumps(prep.function_permissions(
                               region, a, args.organization_id))))
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{prep.FUNCTION}", region=region,
                                       retention_in_days=args.log_retention_days, opts=child)
        code = args.functions.signed_code(name, prep.FUNCTION, pulumi.AssetArchive(
            {path: pulumi.FileAsset(str(file)) for path, file in code_files().items()}), child)
        self.function = args.functions.function(
            f"{name}-function", function_name=prep.FUNCTION, role=self.role, code=code, runtime=RUNTIME,
            architectures=[ARCHITECTURE], handler=prep.HANDLER, memory_size=MEMORY_MB, timeout=TIMEOUT_S,
            # Events may come in bursts (a landing zone vending VPCs, the daily reconciliation's one request
            # per account): a few at a time; the rest wait in Lambda's asynchronous queue (up to 6 hours).
            reserved_concurrent_executions=args.reserved_concurrency,
            environment={"variables": {prep.ENV_REGIONS: ",".join(args.regions),
                                       prep.ENV_QUARANTINE_GROUP: args.quarantine_group_name,
                                       prep.ENV_FLOW_LOG_RETENTION: str(args.log_retention_days),
                                       prep.ENV_QUERY_LOG_CONFIGS: pulumi.Output.from_input(
                                           args.query_log_configs).apply(prep.query_log_configs_variable),
                                       prep.ENV_MEMBER_EVENTS_BUS: account.apply(
                                           lambda a: prep.member_events_bus_arn(a, region))}},
            logging_config={"log_format": "JSON", "log_group": logs.name},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[logs]))

        # (Pulumi name suffix, rule name, pattern, permission's Pulumi name): the CreateVpc names predate the second
        # rule, kept so that existing stacks do not replace them.
        retry = {"maximum_retry_attempts": 8, "maximum_event_age_in_seconds": 86400}
        for suffix, rule_name, pattern, permission in (
                ("create-vpc", f"{names.NAME_PREFIX}member-create-vpc",
                 pulumi.Output.from_input(json.dumps(create_vpc_pattern())), f"{name}-from-the-bus"),
                ("reconcile-account", f"{names.NAME_PREFIX}vpc-reconciliation",
                 account.apply(lambda a: json.dumps(prep.reconciliation_pattern(a))), f"{name}-reconcile-account")):
            rule = aws.cloudwatch.EventRule(f"{name}-{suffix}", name=rule_name, event_bus_name=args.bus_name,
                                            event_pattern=pattern, region=region, opts=child)
            aws.lambda_.Permission(permission, action="lambda:InvokeFunction", function=self.function.name,
                                   principal="events.amazonaws.com", source_arn=rule.arn, region=region, opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{suffix}-to-function", rule=rule.name, event_bus_name=args.bus_name,
                                       arn=self.function.arn, region=region, opts=child, retry_policy=retry)

        reconciliation_schedule(name, prep.FUNCTION, self.function, account, region, args.schedule,
                                "irready: one reconciliation request per member account, for missed CreateVpc events",
                                pulumi.ResourceOptions(parent=self, provider=args.provider), args.functions)
        self.register_outputs({"function_arn": self.function.arn, "role_arn": self.role.arn})


def reconciliation_schedule(name: str, function_name: str, function: aws.lambda_.Function,
                            account: pulumi.Output[str], region: str, schedule: str, description: str,
                            opts: pulumi.ResourceOptions, functions: SignedFunctions) -> aws.scheduler.Schedule:
    """An EventBridge Scheduler schedule that invokes ``function`` with ``{"reconcile": true}`` (within an
    hour of ``schedule``), through a role only Scheduler of this account may assume and that may only invoke
    that function (and decrypt this schedule's payload, ``functions.schedule``). Children of ``opts.parent``,
    named ``{name}-scheduler-role``, ``-scheduler-policy``, ``-reconciliation`` and ``-reconciliation-payload-key``."""
    scheduler_role = aws.iam.Role(f"{name}-scheduler-role", name=f"{function_name}-scheduler", opts=opts,
                                  assume_role_policy=account.apply(lambda a: json.dumps(service_trust(
                                      "scheduler.amazonaws.com", a,
                                      f"arn:aws:scheduler:{region}:{a}:schedule-group/default"))))
    invoke = aws.iam.RolePolicy(f"{name}-scheduler-policy", role=scheduler_role.id, name="invoke", opts=opts,
                                policy=function.arn.apply(lambda arn: json.dumps({
                                    "Version": "2012-10-17", "Statement": [{
                                        "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}]})))
    return functions.schedule(
        f"{name}-reconciliation", schedule_name=f"{function_name}-reconciliation", role=scheduler_role,
        schedule_expression=schedule, flexible_time_window={"mode": "FLEXIBLE", "maximum_window_in_minutes": 60},
        description=description,
        target={"arn": function.arn, "role_arn": scheduler_role.arn, "input": json.dumps({"reconcile": True})},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[invoke])))
