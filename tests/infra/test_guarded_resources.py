"""Every log group, rule, function, schedule, state machine, bucket, topic, runbook and key the program and the StackSet
templates create is one the guardrail SCP protects (policies.GUARDED_RESOURCES by name, keys by
names.GUARDED_TAG); the SCP fits Organizations' quota with the most deploying principals the config accepts;
and it reaches the security account whatever the targets.

AWS documents encoded here:
- SCPs: at most 5,120 characters per policy; whitespace the API is sent counts:
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
- SCPs never affect the management account; an SCP may be attached to the root, an OU or an account:
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
- ARN formats of each resource type (the Service Authorization Reference), e.g. a rule on a custom bus is
  rule/<bus>/<rule>, a schedule is schedule/<group>/<name>:
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html
- A provider's default tags reach every taggable resource it creates:
  https://www.pulumi.com/registry/packages/aws/api-docs/provider/#default_tags
"""

from __future__ import annotations

import json

import pytest
import yaml
from irready.infra.config import StackConfigError, load
from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, ROOT_ID
from irready.policies import names
from irready.policies.evaluator import EXPLICIT_DENY, Request, evaluate

from irready import policies
from tests.infra.mocks import ROOT, example_config, run_program
from tests.infra.test_organization_mode import example as org_example

SCP = policies.guardrail_scp(["arn:aws:iam::*:role/OrganizationAccountAccessRole"])
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ADMIN = {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/AccountAdministrator"}
AT = "us-east-1:210987654321"
ORG_EXAMPLE = ROOT / "Pulumi.example-org.yaml"

# Pulumi type -> (the input naming it, the ARN it has, an action the guardrail must deny on it)
PULUMI = {
    "aws:cloudwatch/logGroup:LogGroup": ("name", lambda i: f"arn:aws:logs:{AT}:log-group:{i['name']}",
                                         "logs:DeleteLogGroup"),
    "aws:cloudwatch/eventRule:EventRule": ("name", lambda i: f"arn:aws:events:{AT}:rule/" + "/".join(
        filter(None, (i.get("eventBusName"), i["name"]))), "events:DisableRule"),
    "aws:cloudwatch/eventBus:EventBus": ("name", lambda i: f"arn:aws:events:{AT}:event-bus/{i['name']}",
                                         "events:DeleteEventBus"),
    "aws:lambda/function:Function": ("name", lambda i: f"arn:aws:lambda:{AT}:function:{i['name']}",
                                     "lambda:UpdateFunctionCode"),
    "aws:scheduler/schedule:Schedule": ("name", lambda i: f"arn:aws:scheduler:{AT}:schedule/"
                                        f"{i.get('groupName', 'default')}/{i['name']}", "scheduler:DeleteSchedule"),
    "aws:sfn/stateMachine:StateMachine": ("name", lambda i: f"arn:aws:states:{AT}:stateMachine:{i['name']}",
                                          "states:UpdateStateMachine"),
    "aws:s3/bucket:Bucket": ("bucket", lambda i: f"arn:aws:s3:::{i['bucket']}", "s3:PutBucketPolicy"),
    "aws:sns/topic:Topic": ("name", lambda i: f"arn:aws:sns:{AT}:{i['name']}", "sns:DeleteTopic"),
    "aws:ssm/document:Document": ("name", lambda i: f"arn:aws:ssm:{AT}:document/{i['name']}", "ssm:UpdateDocument"),
}
# CloudFormation type -> the property naming it, and the Pulumi type of the same kind
TEMPLATE = {"AWS::Logs::LogGroup": ("LogGroupName", "aws:cloudwatch/logGroup:LogGroup"),
            "AWS::Events::Rule": ("Name", "aws:cloudwatch/eventRule:EventRule"),
            "AWS::Events::EventBus": ("Name", "aws:cloudwatch/eventBus:EventBus"),
            "AWS::Lambda::Function": ("FunctionName", "aws:lambda/function:Function"),
            "AWS::Scheduler::Schedule": ("Name", "aws:scheduler/schedule:Schedule"),
            "AWS::StepFunctions::StateMachine": ("StateMachineName", "aws:sfn/stateMachine:StateMachine"),
            "AWS::S3::Bucket": ("BucketName", "aws:s3/bucket:Bucket"),
            "AWS::SNS::Topic": ("TopicName", "aws:sns/topic:Topic"),
            "AWS::SSM::Document": ("Name", "aws:ssm/document:Document"),
            "AWS::KMS::Key": (None, "aws:kms/key:Key")}


@pytest.fixture(scope="module")
def programs():
    """The accounts-mode example (scheduled audit, investigation, S3 archive) and the organization-mode one
    (StackSets, member-events bus, the two organization functions and their schedule)."""
    return {"accounts": run_program(example_config()),
            "organization": run_program(org_example(), ORGANIZATION_TRUSTED_SERVICES)}


def _denied(action: str, arn: str, context: dict | None = None) -> bool:
    return evaluate([ALLOW_ALL, SCP], Request(action, arn, context={**ADMIN, **(context or {})})) == EXPLICIT_DENY


@pytest.mark.parametrize("mode", ["accounts", "organization"])
def test_every_named_resource_the_program_creates_is_guarded(programs, mode):
    program = programs[mode]
    seen = 0
    for type_, (key, arn, action) in PULUMI.items():
        for resource in program.of_type(type_):
            assert _denied(action, arn(resource.inputs)), (mode, type_, resource.inputs[key])
            seen += 1
    assert seen > 20  # the enumeration sees the program


# What the guardrail finds by names.GUARDED_TAG, and a request it must deny on it
TAGGED = {"aws:kms/key:Key": ("kms:ScheduleKeyDeletion", f"arn:aws:kms:{AT}:key/1"),
          "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": (
              "route53resolver:DeleteResolverQueryLogConfig",
              f"arn:aws:route53resolver:{AT}:resolver-query-log-config/1"),
          "aws:ram/resourceShare:ResourceShare": ("ram:DeleteResourceShare", f"arn:aws:ram:{AT}:resource-share/1")}


@pytest.mark.parametrize("mode", ["accounts", "organization"])
def test_every_key_query_logging_configuration_and_share_carries_the_guard_tag(programs, mode):
    """Found by their tag: each one's provider sets it as a default tag, which the provider adds to it."""
    program = programs[mode]
    providers = {p.name: p for p in program.of_type("pulumi:providers:aws")}
    seen = set()
    for type_, (action, arn) in TAGGED.items():
        for resource in program.of_type(type_):
            tags = providers[resource.provider.split("::")[-2]].inputs["defaultTags"]
            tags = (json.loads(tags) if isinstance(tags, str) else tags)["tags"]
            assert {**tags, **resource.inputs.get("tags", {})}[names.GUARDED_TAG] == names.GUARDED_TAG_VALUE, \
                resource.name
            assert _denied(action, arn, {f"aws:ResourceTag/{names.GUARDED_TAG}": names.GUARDED_TAG_VALUE})
            seen.add(type_)
    assert seen == set(TAGGED) if mode == "organization" else seen >= {"aws:kms/key:Key"}


def test_every_named_resource_the_templates_create_is_guarded(programs):
    """The StackSets' templates: every resource of a guarded kind is named so the SCP covers it; a kind the
    table does not know fails here, to be added to policies.GUARDED_RESOURCES."""
    program = programs["organization"]
    stacksets = {s.inputs["name"]: json.loads(s.inputs["templateBody"])
                 for s in program.of_type("aws:cloudformation/stackSet:StackSet")}
    seen = 0
    for template in stacksets.values():
        for logical, resource in template["Resources"].items():
            if resource["Type"] not in TEMPLATE:
                assert not resource["Type"].startswith(("AWS::Logs::", "AWS::Lambda::", "AWS::Scheduler::",
                                                        "AWS::StepFunctions::", "AWS::SNS::", "AWS::KMS::",
                                                        "AWS::SSM::")), logical
                continue
            name_key, pulumi_type = TEMPLATE[resource["Type"]]
            assert name_key and name_key in resource["Properties"], f"{logical}: unnamed, the SCP cannot find it"
            key, arn, action = PULUMI[pulumi_type]
            inputs = {key: resource["Properties"][name_key], "eventBusName": resource["Properties"].get("EventBusName")}
            assert _denied(action, arn(inputs)), logical
            seen += 1
    assert seen >= 8  # the rules, the runbooks and the flow-log group


def test_what_the_program_names_outside_the_patterns_is_what_the_patterns_would_miss():
    """The patterns are not vacuous: a same-kind resource named outside irready's prefixes is not denied."""
    for type_, (key, arn, action) in PULUMI.items():
        inputs = {key: "orders-app", "name": "orders-app"}
        assert not _denied(action, arn(inputs)), type_


# --- the SCP's size and the deploying principals -----------------------------------------------------------------

LONGEST_ROLE = "r" * 64  # IAM role names: at most 64 characters (names.ROLE_NAME)


def _loaded(**changes):
    """Pulumi.example-org.yaml's config as `pulumi up` reads it, with ``changes``."""
    values = yaml.safe_load(ORG_EXAMPLE.read_text())["config"]
    values = {key.removeprefix("irready:"): value for key, value in values.items() if key.startswith("irready:")}
    return load({**values, **changes}.get)


def test_the_guardrail_fits_with_the_most_and_longest_deploying_principals_the_config_accepts():
    listed = [f"arn:aws:iam::{n:012d}:role/{LONGEST_ROLE}" for n in range(policies.MAX_DEPLOYING_PRINCIPALS)]
    config = _loaded(memberRoleName=LONGEST_ROLE, deployingPrincipals=listed)  # organization mode: 3 fixed ones too
    from irready.infra.config import deploying_principals
    exempt = deploying_principals(config)
    assert len(exempt) == 3 + policies.MAX_DEPLOYING_PRINCIPALS
    assert policies.guardrail_size(list(exempt)) <= policies.SCP_MAX_CHARACTERS


def test_one_principal_more_stops_with_one_line():
    listed = [f"arn:aws:iam::*:role/deployer-{n}" for n in range(policies.MAX_DEPLOYING_PRINCIPALS + 1)]
    most = policies.MAX_DEPLOYING_PRINCIPALS
    with pytest.raises(StackConfigError,
                       match=rf"^irready:deployingPrincipals: {most + 1} principals, at most {most}; "):
        _loaded(deployingPrincipals=listed)


def test_principals_too_long_for_the_quota_stop_with_one_line():
    listed = [f"arn:aws:iam::*:role/{'p/' * 120}{LONGEST_ROLE}"] * 2
    with pytest.raises(StackConfigError, match=r"^irready:deployingPrincipals: the guardrail SCP would be \d+ "
                                               r"characters, over Organizations' 5120"):
        _loaded(deployingPrincipals=listed)


def test_the_program_sends_the_guardrail_compact(programs):
    (scp,) = [p for p in programs["organization"].of_type("aws:organizations/policy:Policy")
              if p.inputs["name"] == "irready-guardrail"]
    assert scp.inputs["content"] == policies.compact(json.loads(scp.inputs["content"]))
    assert len(scp.inputs["content"]) <= policies.SCP_MAX_CHARACTERS


# --- where the guardrail is attached ---------------------------------------------------------------------------

def test_with_the_root_targeted_the_security_account_is_reached_through_the_root(programs):
    attachments = programs["organization"].of_type("aws:organizations/policyAttachment:PolicyAttachment")
    assert [a.inputs["targetId"] for a in attachments if "guardrail" in a.name] == [ROOT_ID]


def test_with_ous_targeted_the_guardrail_is_also_attached_to_the_security_account():
    """An OU list may leave the security account out; it runs irready's functions, schedules and alert topic."""
    program = run_program(org_example(guardrailTargets=["ou-ab12-workload1"]), ORGANIZATION_TRUSTED_SERVICES)
    attachments = program.of_type("aws:organizations/policyAttachment:PolicyAttachment")
    assert sorted(a.inputs["targetId"] for a in attachments if "guardrail" in a.name) == [
        "210987654321", "ou-ab12-workload1"]
