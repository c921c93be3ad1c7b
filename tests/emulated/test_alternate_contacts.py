"""The SECURITY alternate contact in organization mode (issue #18): the function of irready/alternate_contacts.py
run in-process, as the security account, against moto over HTTP, with Account Management's organization rules
enforced by irready/emulated/account_management.py (moto alone lets any caller name any AccountId).

AWS documents encoded here:
- AccountId is allowed only from the management account or the delegated administrator for Account
  Management, for a member account of the same organization with trusted access enabled; the management
  account cannot name itself (it calls in standalone context):
  https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html
- One delegated administrator for account.amazonaws.com, registered from the management account:
  https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html
- ListAccounts answers the management account and delegated administrators:
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
- CreateAccountResult (serviceEventDetails.createAccountStatus: state, accountId), MoveAccount
  (requestParameters.accountId), recorded in the management account in us-east-1 only; an invited account's
  joining is logged there as AccountJoinedOrganization:
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_cloudtrail-integration.html
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_AcceptHandshake.html
- Event patterns with $or and exists, matched as EventBridge matches them (moto's matcher; moto does not
  implement TestEventPattern): https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
"""

from __future__ import annotations

import json

import pytest
from irready.policies import alternate_contacts as names
from moto.events.models import EventPattern

from irready import alternate_contacts
from irready.emulated.brownfield import join_organization

CONTACT = alternate_contacts.Contact("Cloud Security", "Security operations", "cloud-security@example.com",
                                     "+1-555-0100")
OTHER = {"Name": "Former team", "Title": "Ops", "EmailAddress": "old@example.com", "PhoneNumber": "+1-555-0199"}


@pytest.fixture(scope="module")
def organization(_emulator_and_faults, new_account):
    """An organization (trusted access for account.amazonaws.com enabled) whose security account is the delegated
    administrator for Account Management; three workload accounts; the function's environment set."""
    emulator, _ = _emulator_and_faults
    management, security = new_account(), new_account()
    workloads = (new_account(), new_account(), new_account())
    join_organization(emulator, management, (security, *workloads))
    emulator.client(emulator.session(management), "organizations").register_delegated_administrator(
        AccountId=security, ServicePrincipal=names.SERVICE_PRINCIPAL)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in CONTACT.environment().items():  # as the component sets it
            patch.setenv(key, value)
        yield emulator, management, security, workloads


def run(emulator, security: str, event: dict) -> dict:
    return alternate_contacts.handler(event, base=emulator.session(security), endpoint_url=emulator.url)


def contact_of(emulator, account: str) -> dict | None:
    """The SECURITY contact as the account itself reads it (standalone context), or None."""
    client = emulator.client(emulator.session(account), "account")
    try:
        found = client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    except client.exceptions.ResourceNotFoundException:
        return None
    return {key: found[key] for key in ("Name", "Title", "EmailAddress", "PhoneNumber")}


def create_account_result(management: str, account: str, state: str = "SUCCEEDED") -> dict:
    """A CreateAccountResult as the management account's us-east-1 rule forwards it."""
    return {"version": "0", "source": "aws.organizations", "detail-type": "AWS Service Event via CloudTrail",
            "account": management, "region": "us-east-1", "detail": {
                "eventSource": "organizations.amazonaws.com", "eventName": "CreateAccountResult",
                "eventType": "AwsServiceEvent", "serviceEventDetails": {"createAccountStatus": {
                    "id": "car-exampleid111", "state": state, "accountName": "workload",
                    **({"accountId": account} if state == "SUCCEEDED" else {})}}}}


def move_account(management: str, account: str) -> dict:
    return {"version": "0", "source": "aws.organizations", "detail-type": "AWS API Call via CloudTrail",
            "account": management, "region": "us-east-1", "detail": {
                "eventSource": "organizations.amazonaws.com", "eventName": "MoveAccount",
                "requestParameters": {"accountId": account, "sourceParentId": "r-ex4m",
                                      "destinationParentId": "ou-ex4m-workload"}}}


def account_joined(management: str) -> dict:
    return {"version": "0", "source": "aws.organizations", "detail-type": "AWS Service Event via CloudTrail",
            "account": management, "region": "us-east-1", "detail": {
                "eventSource": "organizations.amazonaws.com", "eventName": "AccountJoinedOrganization",
                "eventType": "AwsServiceEvent", "serviceEventDetails": {"joinedMethod": "Invited"}}}


@pytest.fixture(scope="module")
def created(organization):
    """A CreateAccountResult for the first workload account, run twice."""
    emulator, management, security, workloads = organization
    first = run(emulator, security, create_account_result(management, workloads[0]))
    second = run(emulator, security, create_account_result(management, workloads[0]))
    return first, second


def test_a_created_account_gets_the_contact_within_the_event(organization, created):
    emulator, _, _, workloads = organization
    first, _ = created
    assert first["contacts"] == [{"account_id": workloads[0], "action": "set", "error": None}]
    assert contact_of(emulator, workloads[0]) == CONTACT.fields()


def test_a_second_run_changes_nothing(organization, created):
    emulator, _, _, workloads = organization
    _, second = created
    assert second["contacts"] == [{"account_id": workloads[0], "action": "unchanged", "error": None}]
    assert contact_of(emulator, workloads[0]) == CONTACT.fields()


@pytest.mark.parametrize("state", ["FAILED", "IN_PROGRESS"])
def test_an_account_creation_not_succeeded_is_ignored(organization, state):
    emulator, management, security, workloads = organization
    result = run(emulator, security, create_account_result(management, workloads[1], state))
    assert result["contacts"] == [] and "ignored" in result
    assert contact_of(emulator, workloads[1]) is None


def test_a_moved_account_gets_the_contact_and_the_management_account_is_left_to_pulumi(organization):
    emulator, management, security, workloads = organization
    assert run(emulator, security, move_account(management, workloads[2]))["contacts"][0]["action"] in ("set",
                                                                                                       "unchanged")
    assert contact_of(emulator, workloads[2]) == CONTACT.fields()
    before = contact_of(emulator, management)
    assert run(emulator, security, move_account(management, management))["contacts"] == []
    assert contact_of(emulator, management) == before


def test_reconciliation_sets_every_active_members_missing_or_different_contact(organization):
    emulator, management, security, workloads = organization
    # The management account's own contact (Pulumi's) and a member's outdated one, set by each account itself.
    emulator.client(emulator.session(management), "account").put_alternate_contact(
        AlternateContactType="SECURITY", **OTHER)
    emulator.client(emulator.session(workloads[2]), "account").put_alternate_contact(
        AlternateContactType="SECURITY", **OTHER)
    result = {o["account_id"]: o for o in run(emulator, security, {"reconcile": True})["contacts"]}
    assert set(result) == {security, *workloads}  # every ACTIVE member, never the management account
    assert result[workloads[2]]["action"] == "updated"
    assert result[workloads[0]]["action"] == "unchanged"
    assert result[workloads[1]]["action"] == "set" and result[security]["action"] in ("set", "unchanged")
    assert {account: contact_of(emulator, account) for account in (security, *workloads)} == {
        account: CONTACT.fields() for account in (security, *workloads)}
    assert contact_of(emulator, management) == OTHER
    again = run(emulator, security, {"reconcile": True})["contacts"]
    assert {o["action"] for o in again} == {"unchanged"}


def test_an_invited_account_joining_reconciles_the_organization(organization):
    emulator, management, security, workloads = organization
    client = emulator.client(emulator.session(workloads[1]), "account")
    client.delete_alternate_contact(AlternateContactType="SECURITY")
    result = {o["account_id"]: o["action"] for o in run(emulator, security, account_joined(management))["contacts"]}
    assert result[workloads[1]] == "set" and management not in result


def test_only_the_delegated_administrator_names_accounts(organization):
    """The emulator holds AWS's rule, so the tests above prove the delegation is what lets the function work."""
    emulator, management, _, workloads = organization
    outcome = alternate_contacts.set_contact(emulator.client(emulator.session(workloads[0]), "account"),
                                             workloads[1], CONTACT, workloads[0])
    assert (outcome.action, outcome.error) == ("failed", "AccessDeniedException")
    from_management = emulator.client(emulator.session(management), "account")
    with pytest.raises(from_management.exceptions.AccessDeniedException, match="standalone"):
        from_management.get_alternate_contact(AccountId=management, AlternateContactType="SECURITY")


@pytest.mark.parametrize(("event", "matched"), [
    ("created", True), ("failed", False), ("moved", True), ("joined", True), ("other", False)])
def test_the_pattern_forwards_what_the_function_acts_on(organization, event, matched):
    emulator, management, security, workloads = organization
    events = {"created": create_account_result(management, workloads[0]),
              "failed": create_account_result(management, workloads[0], "FAILED"),
              "moved": move_account(management, workloads[0]), "joined": account_joined(management),
              "other": {**move_account(management, workloads[0]),
                        "detail": {"eventSource": "organizations.amazonaws.com", "eventName": "CreatePolicy"}}}
    assert EventPattern.load(json.dumps(names.organization_events_pattern())).matches_event(events[event]) is matched
    # ... and the function acts exactly on what the pattern lets through.
    assert (alternate_contacts.event_accounts(events[event]) is not None) is matched


def test_an_events_account_that_cannot_be_set_fails_the_run_so_lambda_retries_it(organization, new_account):
    """A refused account (here: not a member, as AWS refuses it) fails an event's run (Lambda retries an
    asynchronous invocation that fails); the reconciliation reports failures per account instead."""
    emulator, management, security, _ = organization
    stranger = new_account()
    with pytest.raises(alternate_contacts.ContactNotSet, match=stranger):
        run(emulator, security, create_account_result(management, stranger))


def test_without_trusted_access_even_the_delegated_administrator_is_refused(organization):
    emulator, management, security, workloads = organization
    organizations = emulator.client(emulator.session(management), "organizations")
    organizations.disable_aws_service_access(ServicePrincipal=names.SERVICE_PRINCIPAL)
    try:
        outcome = alternate_contacts.set_contact(emulator.client(emulator.session(security), "account"),
                                                 workloads[0], CONTACT, security)
    finally:
        organizations.enable_aws_service_access(ServicePrincipal=names.SERVICE_PRINCIPAL)
    assert (outcome.action, outcome.error) == ("failed", "AccessDeniedException")
