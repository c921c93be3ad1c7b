"""The SECURITY alternate contact under Pulumi's mocks (issue #18): in organization mode one function in the
security account (delegated administrator for Account Management) sets every account's contact, Pulumi keeps
only the management account's own; in explicit mode the members' contacts are stack resources, retained on delete.

AWS documents encoded here:
- Delegated administrator for Account Management, registered from the management account (one per
  organization): https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html
- PutAlternateContact: AccountId only for member accounts; the management account calls without it:
  https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html
- Organizations' CloudTrail events reach EventBridge only in the management account, in us-east-1:
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
- A rule sending to another account's bus needs a role in the sending account:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
- The provider's AlternativeContact delete is DeleteAlternateContact; RegisterDelegatedAdministrator of an
  account already registered fails (AccountAlreadyRegisteredException), so an existing one is imported:
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html
"""

from __future__ import annotations

import json

import pulumi
import pytest
from irready.infra.offline import program as offline
from irready.infra.offline.program import (
    ORGANIZATION_ID,
    ORGANIZATION_TRUSTED_SERVICES,
    Recorder,
    record,
    stack_config_file,
)
from irready.infra.stackset_templates import FORWARDER_ROLE, MEMBER_EVENTS_BUS
from irready.policies import alternate_contacts as contacts

from tests.infra.mocks import ROOT, example_config

MANAGEMENT, SECURITY = "123456789012", "210987654321"
ORG_TRUSTED = ORGANIZATION_TRUSTED_SERVICES
CONTACT_TYPE = "aws:account/alternativeContact:AlternativeContact"
DELEGATED = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"


def organization_mode(delegated: dict[str, list[str]] | None = None, trusted: list[str] = ORG_TRUSTED) -> Recorder:
    recorder = Recorder(trusted, delegated_administrators=delegated)
    offline.run_program(recorder, stack_config_file(ROOT / "Pulumi.example-org.yaml"))
    return recorder


@pytest.fixture(scope="module")
def program() -> Recorder:
    return organization_mode()


def named(program, type_: str, name: str):
    [found] = [r for r in program.of_type(type_) if r.inputs.get("name") == name]
    return found


def test_pulumi_keeps_only_the_management_accounts_own_contact(program):
    [contact] = program.of_type(CONTACT_TYPE)
    assert "accountId" not in contact.inputs and f"account-{MANAGEMENT}" in contact.provider
    assert contact.inputs["alternateContactType"] == "SECURITY"


def test_the_security_account_is_registered_as_account_managements_delegated_administrator(program):
    [delegation] = program.of_type(DELEGATED)
    assert (delegation.inputs["accountId"], delegation.inputs["servicePrincipal"]) == (SECURITY,
                                                                                    "account.amazonaws.com")
    assert f"account-{MANAGEMENT}" in delegation.provider and delegation.import_id == ""


def test_an_existing_registration_is_adopted_and_another_account_stops_the_program():
    adopted = organization_mode({"account.amazonaws.com": [SECURITY]})
    [delegation] = adopted.of_type(DELEGATED)
    assert delegation.import_id == f"{SECURITY}/account.amazonaws.com"
    with pytest.raises(Exception, match="deregister-delegated-administrator --account-id 444455556666"):
        organization_mode({"account.amazonaws.com": ["444455556666"]})


def test_organization_mode_needs_account_management_trusted_access():
    with pytest.raises(Exception, match=r"account\.amazonaws\.com"):
        organization_mode(trusted=[p for p in ORG_TRUSTED if p != "account.amazonaws.com"])


def test_the_function_runs_in_the_security_account_with_the_stacks_contact(program):
    function = named(program, "aws:lambda/function:Function", contacts.FUNCTION)
    assert function.inputs["handler"] == contacts.HANDLER == "irready.alternate_contacts.handler"
    assert f"account-{MANAGEMENT}" not in function.provider
    values = json.loads(stack_config_file(ROOT / "Pulumi.example-org.yaml")["irready:securityContact"])
    assert function.inputs["environment"]["variables"] == {
        contacts.ENV_NAME: values["name"], contacts.ENV_TITLE: values["title"], contacts.ENV_EMAIL: values["email"],
        contacts.ENV_PHONE: values["phone"]}
    policy = named(program, "aws:iam/rolePolicy:RolePolicy", contacts.FUNCTION)
    assert json.loads(policy.inputs["policy"]) == contacts.function_permissions("us-east-1", SECURITY, MANAGEMENT,
                                                                                ORGANIZATION_ID)


def test_membership_events_go_from_the_management_accounts_us_east_1_bus_to_the_function(program):
    rules = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
             if r.inputs["name"] == contacts.ORGANIZATION_EVENTS_RULE]
    [source] = [r for r in rules if not r.inputs.get("eventBusName")]
    assert source.inputs["region"] == "us-east-1" and f"account-{MANAGEMENT}" in source.provider
    assert json.loads(source.inputs["eventPattern"]) == contacts.organization_events_pattern()
    [to_bus] = [t for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")
                if t.inputs["rule"] == contacts.ORGANIZATION_EVENTS_RULE and not t.inputs.get("eventBusName")]
    forwarder = named(program, "aws:iam/role:Role", FORWARDER_ROLE)  # the name the member-events bus admits
    assert to_bus.inputs["roleArn"] == forwarder.outputs["arn"] and to_bus.inputs["region"] == "us-east-1"
    assert to_bus.inputs["arn"] == "arn:aws:mock:::member-events-bus"
    [forwarder_policy] = [p for p in program.of_type("aws:iam/rolePolicy:RolePolicy")
                          if p.inputs.get("name") == "member-events-bus"]
    assert json.loads(forwarder_policy.inputs["policy"]) == contacts.forwarder_permissions(
        "arn:aws:mock:::member-events-bus")
    assert json.loads(forwarder.inputs["assumeRolePolicy"])["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": MANAGEMENT}}

    [on_bus] = [r for r in rules if r.inputs.get("eventBusName") == MEMBER_EVENTS_BUS]
    # Only what the management account forwarded: every member's forwarder may send to this bus.
    assert json.loads(on_bus.inputs["eventPattern"]) == {**contacts.organization_events_pattern(),
                                                         "account": [MANAGEMENT]}
    [to_function] = [t for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")
                     if t.inputs["rule"] == contacts.ORGANIZATION_EVENTS_RULE and t.inputs.get("eventBusName")]
    assert to_function.inputs["arn"] == "arn:aws:mock:::organization-security-contacts-function"
    [permission] = [p for p in program.of_type("aws:lambda/permission:Permission")
                    if p.inputs["function"] == contacts.FUNCTION]
    assert permission.inputs["sourceArn"] == "arn:aws:mock:::organization-security-contacts-membership"


def test_a_daily_reconciliation_catches_what_events_missed(program):
    schedule = named(program, "aws:scheduler/schedule:Schedule", f"{contacts.FUNCTION}-reconciliation")
    assert schedule.inputs["scheduleExpression"] == "rate(1 day)"
    assert json.loads(schedule.inputs["target"]["input"]) == {"reconcile": True}
    assert schedule.inputs["target"]["arn"] == "arn:aws:mock:::organization-security-contacts-function"


def test_explicit_mode_retains_the_member_contacts_when_they_leave_the_stack():
    """Switching to organization mode (or unlisting an account) deletes the member's AlternativeContact from the
    stack; retained, the contact stays in AWS for the function to keep."""
    seen: dict[str, pulumi.ResourceOptions] = {}

    def remember(args: pulumi.ResourceTransformationArgs):
        seen[args.name] = args.opts

    recorded = record(example_config(), transformation=remember)
    members = [c for c in recorded.of_type(CONTACT_TYPE) if c.inputs.get("accountId")]
    assert members and all(seen[c.name].retain_on_delete for c in members)
    assert not recorded.of_type(DELEGATED)  # explicit mode: set from the management account, no delegation


def test_the_function_package_holds_only_the_function_and_policies(tmp_path):
    """Archived from the installed package without importing it; runs without audit or infra."""
    import subprocess
    import sys

    from irready.infra.components.vpc_preparation import code_files
    files = code_files("irready.alternate_contacts")
    assert {"irready/__init__.py", "irready/alternate_contacts.py",
            "irready/policies/alternate_contacts.py"} <= set(files)
    assert "irready/vpc_preparation.py" not in files
    for path, source in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(source.read_bytes())
    done = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                           "import irready.alternate_contacts as m; print(m.__file__)", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.stdout.strip() == str(tmp_path / "irready" / "alternate_contacts.py"), done.stderr


def test_the_member_events_bus_admits_the_management_accounts_forwarder(program):
    """The bus's organization-wide policy (MemberEventBus) lets the management account's forwarder in by its
    name, and no other role of that account (policies/evaluator.py)."""
    from irready.infra.components.member_events import bus_policy
    from irready.policies.evaluator import ALLOW, IMPLICIT_DENY, Request, evaluate

    bus = f"arn:aws:events:us-east-1:{SECURITY}:event-bus/{MEMBER_EVENTS_BUS}"
    for role, expected in ((FORWARDER_ROLE, ALLOW), ("Admin", IMPLICIT_DENY)):
        principal = f"arn:aws:iam::{MANAGEMENT}:role/{role}"
        request = Request("events:PutEvents", bus, principal=principal,
                          context={"aws:PrincipalOrgID": ORGANIZATION_ID, "aws:PrincipalArn": principal})
        assert evaluate([bus_policy(bus, ORGANIZATION_ID)], request) == expected, role
