"""Stack config validation: each bad value is one line naming the key and the fix."""

from __future__ import annotations

import re

import pytest
from irready.infra.config import StackConfigError, load

from tests.infra.mocks import example_values


def getter(overrides: dict | None = None, remove: str | None = None):
    values = example_values() | (overrides or {})
    values.pop(remove, None)
    return values.get


def test_the_example_config_is_valid():
    config = load(getter())
    assert config.security_account_id == "210987654321"
    assert [a.id for a in config.accounts] == ["123456789012", "111111111111", "222222222222", "210987654321"]
    assert config.accounts[0].management and not config.accounts[1].management
    assert config.accounts[1].vpcs == {"us-east-1": ("vpc-0a1b2c3d4e5f60718",)}
    assert config.trusted_cidrs == ("192.0.2.0/24", "203.0.113.19/32")
    assert config.guardrail_targets == ("root",) and config.evidence_retention_days == 365


def test_the_example_lists_its_security_account_as_the_docs_advise():
    """docs/provisioning.md, "From an empty organization", step 2: list the security account under irready:accounts
    too (explicit-accounts mode), so it gets its own roles (tests/infra/test_program.py holds the program to it)."""
    from pathlib import Path
    config = load(getter())
    assert config.organization is None and config.security_account_id in [a.id for a in config.accounts]
    docs = (Path(__file__).parents[2] / "docs" / "provisioning.md").read_text()
    assert "list\n   it under `irready:accounts` too, so it gets its own roles" in docs


ACCOUNT = {"id": "111111111111", "regions": ["us-east-1"], "management": True}
MEMBER = {"id": "222222222222", "regions": ["us-east-1"]}


def test_a_security_account_is_adopted_or_created_never_both_nor_neither():
    message = "irready:securityAccountId: set it to adopt an existing security account, or set " \
              "irready:createSecurityAccount {name, email} to create one; not both"
    with pytest.raises(StackConfigError, match=re.escape(message)):
        load(getter(remove="securityAccountId"))
    with pytest.raises(StackConfigError, match=re.escape(message)):
        load(getter({"createSecurityAccount": {"name": "Security", "email": "aws-security@example.com"}}))
    created = load(getter({"createSecurityAccount": {"name": "Security", "email": "aws-security@example.com"}},
                          remove="securityAccountId"))
    assert created.security_account_id is None and created.create_security_account.name == "Security"
    with pytest.raises(StackConfigError, match="irready:createSecurityAccount.email: 'nope' is not an e-mail"):
        load(getter({"createSecurityAccount": {"name": "Security", "email": "nope"}}, remove="securityAccountId"))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"securityAccountId": "21098765432"}, "irready:securityAccountId: '21098765432' is not a 12-digit AWS account id"),
    ({"securityAccountId": "\uff12" * 12}, "irready:securityAccountId: '２２２２２２２２２２２２' is not a 12-digit"),
    ({"accounts": []}, "irready:accounts: expected a list of accounts"),
    ({"accounts": [{"id": 111111111111, "regions": ["us-east-1"]}]}, "irready:accounts[0].id: 111111111111 is not"),
    ({"accounts": [{**ACCOUNT, "regions": ["us-east-7"]}]}, "irready:accounts[0].regions: unknown region 'us-east-7'"),
    ({"accounts": [{**ACCOUNT, "region": ["us-east-1"]}]}, "irready:accounts[0]: unknown key 'region'"),
    ({"accounts": [ACCOUNT, ACCOUNT]}, "irready:accounts: account 111111111111 is listed twice"),
    ({"accounts": [ACCOUNT, {**MEMBER, "management": True}]}, "irready:accounts: mark exactly one account"),
    ({"accounts": [MEMBER]}, "irready:accounts: mark exactly one account, the organization's management account"),
    ({"accounts": [{**ACCOUNT, "vpcs": {"eu-west-1": ["vpc-1"]}}]}, "eu-west-1 is not one of this account's regions"),
    ({"accounts": [{**ACCOUNT, "vpcs": {"us-east-1": ["sg-1"]}}]}, "vpcs.us-east-1: expected VPC ids like vpc-"),
    ({"securityContact": {"name": "Sec", "title": "t", "email": "not-an-email", "phone": "+1-555-0100"}},
     "irready:securityContact.email: 'not-an-email' is not an e-mail address"),
    ({"securityContact": {"name": "Sec", "title": "t", "email": "a@b.co", "phone": "call me"}},
     "irready:securityContact.phone: 'call me' is not a phone number"),
    ({"securityContact": {"name": "", "title": "t", "email": "a@b.co", "phone": "+1-555-0100"}},
     "irready:securityContact.name: required"),
    ({"trustedCidrs": ["192.0.2.1/24"]}, "irready:trustedCidrs: '192.0.2.1/24' is not a CIDR block"),
    ({"trustedCidrs": ["0.0.0.0/0"]}, "irready:trustedCidrs: 0.0.0.0/0 trusts every address"),
    ({"revokeSessionsBefore": "yesterday"}, "irready:revokeSessionsBefore: 'yesterday' is not a UTC time"),
    ({"revokeSessionsBefore": "2026-01-01T00:00:00"}, "is not a UTC time"),  # no zone: ambiguous
    ({"denyExceptActions": ["GetObject"]}, "irready:denyExceptActions: expected IAM actions like s3:GetObject"),
    ({"memberRoleName": "has space"}, "irready:memberRoleName: 'has space' is not a valid IAM role name"),
    ({"logRetentionDays": 100}, "irready:logRetentionDays: 100 is not a retention CloudWatch Logs accepts; the "
                                "nearest longer is 120"),
    ({"findingsMinSeverity": 11}, "irready:findingsMinSeverity: 11 is not a GuardDuty severity"),
    ({"runInstancesAllowedPrincipals": ["ci-deployer"]}, "irready:runInstancesAllowedPrincipals: expected principal"),
    ({"trailRetentionDays": 0}, "irready:trailRetentionDays: 0 is not a number of days"),
    ({"trailObjectLock": "yes"}, "irready:trailObjectLock: expected true or false"),
    ({"quarantineGroupName": ""}, "irready:quarantineGroupName: '' is not a valid security group name"),
    ({"quarantineGroupName": "sg-quarantine"}, "irready:quarantineGroupName: 'sg-quarantine' is not a valid"),
    ({"securityHub": "no"}, "irready:securityHub: expected true or false"),
    ({"dataEvents": {"s3": "some"}}, "irready:dataEvents.s3: 'some' is not all, none or a list of ARNs"),
    ({"dataEvents": {"s3": ["payroll"]}}, "irready:dataEvents.s3: ['payroll'] is not all, none or a list of ARNs"),
    ({"dataEvents": {"dynamodb": "all"}}, "irready:dataEvents: expected {s3: all|none|[bucket ARNs]"),
    ({"guardrailTargets": ["Root"]}, "irready:guardrailTargets: expected [root] or organizational unit ids"),
    ({"guardrailTargets": []}, "irready:guardrailTargets: expected [root] or organizational unit ids"),
    ({"deployingPrincipals": ["vpc-prep"]}, "irready:deployingPrincipals: expected IAM ARN patterns"),
    ({"auditPrincipals": {"people": []}}, "irready:auditPrincipals: expected {humans: [ARN patterns]"),
    ({"auditPrincipals": {"automation": ["audit-fn"]}}, "irready:auditPrincipals.automation: expected principal"),
    ({"trailAdminPrincipals": ["me"]}, "irready:trailAdminPrincipals: expected principal ARNs"),
    ({"evidenceRetentionDays": 0}, "irready:evidenceRetentionDays: 0 is not a number of days"),
    ({"findingPublishingFrequency": "5m"},
     "irready:findingPublishingFrequency: '5m' is not one of FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS"),
    ({"guardDutyProtectionPlans": ["S3_PROTECTION"]}, "irready:guardDutyProtectionPlans: unknown feature "
                                                      "'S3_PROTECTION'; choose from S3_DATA_EVENTS"),
    ({"guardDutyProtectionPlans": "all"}, "irready:guardDutyProtectionPlans: expected a list of GuardDuty features"),
    ({"guardDutyProtectionPlans": ["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"]},
     "irready:guardDutyProtectionPlans: RUNTIME_MONITORING includes EKS_RUNTIME_MONITORING"),
])
def test_bad_values(overrides, message):
    with pytest.raises(StackConfigError) as error:
        load(getter(overrides))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("key", ["accounts", "securityContact", "trustedCidrs", "revokeSessionsBefore"])
def test_required_keys_say_how_to_set_them(key):
    with pytest.raises(StackConfigError, match=f"irready:{key} is not set; set it with `pulumi config set"):
        load(getter(remove=key))


def test_protection_plans_are_off_unless_chosen_and_recommended_names_the_audits_required_plans():
    from irready.policies import names
    assert load(getter({})).guardduty_protection_plans == ()
    assert load(getter({"guardDutyProtectionPlans": "recommended"})).guardduty_protection_plans == \
        names.GUARDDUTY_REQUIRED_FEATURES
    assert load(getter({"guardDutyProtectionPlans": ["S3_DATA_EVENTS", "S3_DATA_EVENTS"]})).guardduty_protection_plans \
        == ("S3_DATA_EVENTS",)


# --- irready:trailAdminPrincipals: named, never the caller of the day -------------------------------------------
# The trail bucket and key policies deny PutBucketPolicy/PutKeyPolicy/... to all but these (ArnNotLike on
# aws:PrincipalArn). Defaulting them to whoever ran the first `pulumi up` refused the next runner (a CI role).
# A role session is seen as its role, so a session ARN would match nobody:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn

def test_trail_admins_are_required_when_the_program_creates_the_trail_bucket():
    with pytest.raises(StackConfigError) as error:
        load(getter(remove="trailAdminPrincipals"))
    assert str(error.value) == (
        "irready:trailAdminPrincipals: not set; list the roles that alone may change or delete the trail bucket and "
        "key: every role `pulumi up` runs as (yours, CI's), e.g. [arn:aws:iam::123456789012:role/irready-deployer] "
        "(`irready preflight` names the role you run as)")
    with pytest.raises(StackConfigError, match="irready:trailAdminPrincipals: not set"):
        load(getter({"trailAdminPrincipals": []}))
    # With a landing zone's bucket (irready:trailBucketName) no trail bucket or key is created: nothing to guard.
    adopted = load(getter({"trailBucketName": "aws-controltower-logs-444455556666-us-east-1"},
                          remove="trailAdminPrincipals"))
    assert adopted.trail_admin_principals == ()


def test_an_assumed_role_session_is_refused_with_its_roles_arn():
    session = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com"
    with pytest.raises(StackConfigError) as error:
        load(getter({"trailAdminPrincipals": [session]}))
    assert str(error.value) == (
        f"irready:trailAdminPrincipals: {session} is a role session, which policies see as its role; use the role's "
        "ARN, e.g. arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123456789abcdef (with its path, if it has one)")
    patterns = ["arn:aws:iam::123456789012:role/irready-deployer",
                "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*"]
    assert load(getter({"trailAdminPrincipals": patterns})).trail_admin_principals == tuple(patterns)
