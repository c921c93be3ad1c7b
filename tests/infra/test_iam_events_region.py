"""IAM tamper alerts fire in an EU-only stack: IAM's CloudTrail events reach EventBridge in us-east-1 only, so
every account's ``irready-iam-tamper`` rule lives there (never elsewhere), listed region or not, forwarding across
regions to the security account's home bus; with ``unlistedRegions: deny`` the region-deny SCP lets the deploying
principals (only) manage EventBridge rules and CloudFormation stacks there, and nothing else.

AWS documents encoded here:
- IAM (a global service) delivers its events to EventBridge in us-east-1 only:
  https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region
  https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
- A rule may target an event bus in another Region (with a role):
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
- The region-deny SCP (aws:RequestedRegion, global services excepted), and SCPs never apply to the management
  account: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
"""

from __future__ import annotations

import json

import pytest
from irready.policies import names
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, Request, evaluate

from irready import policies
from tests.infra.mocks import example_config, run_program

MANAGEMENT, MEMBER, SECURITY = "123456789012", "111111111111", "210987654321"
EU = ["eu-west-1", "eu-central-1"]
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RESPONDER = f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}"
DEPLOYERS = ["arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*"]


def _eu_config(security_home: str = "eu-west-1") -> dict:
    config = example_config()
    config["irready:unlistedRegions"] = "deny"
    config["irready:accounts"] = json.dumps([
        {"id": MANAGEMENT, "management": True, "regions": [security_home, *[r for r in EU if r != security_home]]},
        {"id": MEMBER, "regions": EU}, {"id": SECURITY, "regions": [security_home]}])
    return config


@pytest.fixture(scope="module")
def eu_only():
    return run_program(_eu_config())


def _account(program, resource) -> str:
    from tests.infra.test_program import provider_account
    return provider_account(program, resource)


def test_every_account_has_its_iam_rule_in_us_east_1_and_nowhere_else(eu_only):
    rules = [r for r in eu_only.of_type("aws:cloudwatch/eventRule:EventRule")
             if r.inputs["name"] == "irready-iam-tamper" and r.name.startswith("tamper-alerts-")]
    assert sorted((_account(eu_only, r), r.inputs["region"]) for r in rules) == [
        (MEMBER, "us-east-1"), (MANAGEMENT, "us-east-1"), (SECURITY, "us-east-1")]
    home_bus = f"arn:aws:events:eu-west-1:{SECURITY}:event-bus/default"
    targets = {t.name: t.inputs for t in eu_only.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    for rule in rules:  # across regions, to the home bus, through the account's forwarding role
        target = targets[f"{rule.name}-to-alerts"]
        assert target["arn"] == home_bus and target["roleArn"] and target["region"] == "us-east-1"
    # The regional tamper rules stay in the listed regions.
    regional = {r.inputs["region"] for r in eu_only.of_type("aws:cloudwatch/eventRule:EventRule")
                if r.inputs["name"] == "irready-tamper"}
    assert regional == set(EU)
    # On the home bus, the forwarded IAM events are routed to the topic by a rule of the same pattern.
    (at_home,) = [r for r in eu_only.of_type("aws:cloudwatch/eventRule:EventRule")
                  if r.inputs["name"] == "irready-iam-tamper" and not r.name.startswith("tamper-alerts-")]
    assert at_home.inputs["region"] == "eu-west-1"
    assert at_home.inputs["eventPattern"] == rules[0].inputs["eventPattern"]


def test_a_security_account_at_home_in_us_east_1_sees_its_own_iam_events_on_its_home_rule():
    program = run_program(_eu_config(security_home="us-east-1"))
    rules = [(_account(program, r), r.inputs["region"]) for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
             if r.inputs["name"] == "irready-iam-tamper"]
    # the home rule (SecurityAccount's) in us-east-1; no forwarding rule of its own to the same bus
    assert sorted(rules) == [(MEMBER, "us-east-1"), (MANAGEMENT, "us-east-1"), (SECURITY, "us-east-1")]


def test_the_region_deny_scp_lets_the_deployers_deploy_the_iam_rules(eu_only):
    (scp,) = [p for p in eu_only.of_type("aws:organizations/policy:Policy")
              if p.inputs["name"] == "irready-deny-unlisted-regions"]
    assert json.loads(scp.inputs["content"]) == policies.region_deny_scp(EU, [RESPONDER], DEPLOYERS)


# --- the region-deny SCP, judged with the evaluator ----------------------------------------------------------------

SCP = policies.region_deny_scp(EU, [RESPONDER], DEPLOYERS)
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole"
STACKSETS_EXEC = f"arn:aws:iam::{MEMBER}:role/stacksets-exec-0123456789abcdef"
ADMIN = f"arn:aws:iam::{MEMBER}:role/Admin"
RULE = f"arn:aws:events:us-east-1:{MEMBER}:rule/irready-iam-tamper"


def _in(region: str, principal: str, action: str, resource: str = "*", scp: dict = SCP) -> str:
    return evaluate([ALLOW_ALL, scp], Request(action, resource, context={
        "aws:PrincipalArn": principal, "aws:RequestedRegion": region}))


@pytest.mark.parametrize("principal", [MEMBER_ROLE, STACKSETS_EXEC])
@pytest.mark.parametrize("action", ["events:PutRule", "events:PutTargets", "events:DescribeRule",
                                    "events:ListTargetsByRule", "events:ListTagsForResource", "events:TagResource",
                                    "events:RemoveTargets", "events:DeleteRule", "cloudformation:CreateStack",
                                    "cloudformation:UpdateStack", "cloudformation:DescribeStacks"])
def test_the_deployers_manage_the_iam_rules_in_us_east_1(principal, action):
    assert _in("us-east-1", principal, action, RULE) == ALLOW


@pytest.mark.parametrize("principal", [MEMBER_ROLE, STACKSETS_EXEC])
@pytest.mark.parametrize("action", ["ec2:RunInstances", "lambda:CreateFunction", "s3:CreateBucket",
                                    "ssm:CreateDocument", "logs:CreateLogGroup"])
def test_and_nothing_else_there(principal, action):
    assert _in("us-east-1", principal, action) == EXPLICIT_DENY


@pytest.mark.parametrize("principal", [MEMBER_ROLE, STACKSETS_EXEC])
def test_nor_rules_in_any_other_unlisted_region(principal):
    assert _in("ap-southeast-2", principal, "events:PutRule") == EXPLICIT_DENY
    assert _in("ap-southeast-2", principal, "cloudformation:CreateStack") == EXPLICIT_DENY
    assert _in("eu-west-1", principal, "ec2:RunInstances") == ALLOW  # listed regions: as before


@pytest.mark.parametrize("action", ["events:PutRule", "cloudformation:CreateStack", "ec2:RunInstances"])
def test_a_member_administrator_gets_no_such_exception(action):
    """The exception is only as strong as the deployers' names: the guardrail keeps an administrator from
    creating a stacksets-exec-x of their own (tests/policies/test_exempt_principals.py)."""
    assert _in("us-east-1", ADMIN, action) == EXPLICIT_DENY
    assert _in("eu-west-1", ADMIN, action) == ALLOW


def test_the_responders_stay_exempt_everywhere_and_global_services_keep_working():
    responder = f"arn:aws:iam::{MEMBER}:role/{names.RESPONDER_ROLE_NAME}"
    assert _in("ap-southeast-2", responder, "ec2:StopInstances") == ALLOW
    assert _in("us-east-1", ADMIN, "iam:CreateRole") == ALLOW
    assert _in("us-east-1", MEMBER_ROLE, "sts:AssumeRole") == ALLOW


def test_with_us_east_1_listed_the_scp_is_as_before():
    assert policies.region_deny_scp(["us-east-1", *EU], [RESPONDER], DEPLOYERS) == policies.region_deny_scp(
        ["us-east-1", *EU], [RESPONDER])


def test_the_iam_rules_wait_for_the_scp_that_lets_them_be_created():
    """On the update that brings this exception, the old region-deny SCP would refuse PutRule in us-east-1:
    TamperAlerts (and in organization mode the StackSets) depend on the new one."""
    from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, record, stack_config_file

    from tests.infra.mocks import ROOT

    seen: dict = {}

    def remember(args):
        seen[args.name] = args.opts

    record(_eu_config(), transformation=remember)
    for account in (MANAGEMENT, MEMBER, SECURITY):
        assert [r._name for r in seen[f"tamper-alerts-{account}"].depends_on] == ["unlisted-regions"]
    org = stack_config_file(ROOT / "Pulumi.example-org.yaml") | {"irready:unlistedRegions": "deny"}
    record(org, ORGANIZATION_TRUSTED_SERVICES, transformation=remember)
    assert [r._name for r in seen["organization-baseline"].depends_on] == ["unlisted-regions"]


def test_the_region_deny_scp_fits_organizations_quota_with_every_region_but_us_east_1_listed():
    """At most 5,120 characters per SCP, whitespace included
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html): each list of regions
    and principals is written once, with the most and longest deploying principals the config accepts."""
    longest = [f"arn:aws:iam::*:role/{'r' * 64}", "arn:aws:iam::*:role/stacksets-exec-*",
               *(f"arn:aws:iam::{n:012d}:role/{'r' * 64}" for n in range(policies.MAX_DEPLOYING_PRINCIPALS)),
               "arn:aws:iam::*:role/irready-vpc-preparation"]
    every = sorted(r for r in names.known_regions() if r.count("-") == 2 and r.split("-")[0] not in (
        "cn", "us-gov", "us-iso", "us-isob") and r != names.IAM_EVENTS_REGION)
    assert len(every) > 25
    scp = policies.region_deny_scp(every, [RESPONDER], longest)
    assert len(scp["Statement"]) == 3
    assert len(json.dumps(scp)) <= policies.SCP_MAX_CHARACTERS  # as region_guard sends it


@pytest.mark.parametrize(("home", "rule_there"), [("eu-west-1", True), ("us-east-1", False)])
def test_an_unlisted_security_account_gets_its_iam_rule_in_us_east_1_unless_at_home_there(home, rule_there):
    config = _eu_config(security_home=home)
    config["irready:accounts"] = json.dumps([a for a in json.loads(config["irready:accounts"]) if a["id"] != SECURITY])
    program = run_program(config)
    own = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
           if r.name.startswith(f"tamper-alerts-{SECURITY}")]
    assert [(r.inputs["region"], r.inputs["name"]) for r in own] == (
        [("us-east-1", "irready-iam-tamper")] if rule_there else [])
    if rule_there:
        target = {t.name: t.inputs for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")}[
            f"{own[0].name}-to-alerts"]
        assert target["arn"] == f"arn:aws:events:{home}:{SECURITY}:event-bus/default"
        (forwarder,) = [r for r in program.of_type("aws:iam/rolePolicy:RolePolicy")
                        if r.name == f"detection-{SECURITY}-forwarder-policy"]
        assert json.loads(forwarder.inputs["policy"])["Statement"][0]["Resource"] == target["arn"]
        assert _account(program, own[0]) == SECURITY
