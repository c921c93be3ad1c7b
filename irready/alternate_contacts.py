"""Set the SECURITY alternate contact of the organization's accounts (organization mode, issue #18).

Runs as a Lambda function in the security account (infra/components/alternate_contacts.py), which the
program registers as the organization's delegated administrator for Account Management, on two triggers:

- an Organizations event, forwarded from the management account's us-east-1 default bus to the security
  account's member-events bus: ``CreateAccountResult`` (SUCCEEDED) or ``MoveAccount`` sets that account's
  contact; ``AccountJoinedOrganization`` (an invited account joined) reconciles every account;
- a periodic reconciliation (``{"reconcile": true}``): every ACTIVE account but the management account,
  whose own contact Pulumi keeps (the management account cannot be named with ``AccountId``:
  https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html).

Idempotent: the contact is read first and written only when missing or different; nothing is deleted.
The security account's own contact is set in standalone context (no ``AccountId``).

Imports only irready.policies and boto3 (the Lambda runtime's), so infra can archive it without importing it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import boto3
import botocore.config
import botocore.exceptions

from irready.policies import alternate_contacts as names
from irready.policies.alternate_contacts import Contact

ACCOUNT_REGION = "us-east-1"  # Account Management's endpoint (account.us-east-1.amazonaws.com)
# Account Management throttles; a burst of new accounts backs off rather than fails.
RETRIES = botocore.config.Config(retries={"mode": "standard", "max_attempts": 8})


@dataclass
class Outcome:
    """What one run did to one account: ``action`` is "set" (it was missing), "updated" (it differed),
    "unchanged", or "failed" with ``error`` (the AWS error code; the next run tries again)."""
    account_id: str
    action: str
    error: str | None = None


def set_contact(client, account_id: str, contact: Contact, own_account: str) -> Outcome:
    """Make ``account_id``'s SECURITY contact ``contact`` with ``client`` (Account Management, from the
    delegated administrator ``own_account``); its own account in standalone context. An error is reported
    in the outcome, not raised, so one refused account does not stop the others."""
    scope = {} if account_id == own_account else {"AccountId": account_id}
    try:
        try:
            current = client.get_alternate_contact(AlternateContactType=names.CONTACT_TYPE, **scope)["AlternateContact"]
        except client.exceptions.ResourceNotFoundException:
            current = None
        if current and all(current.get(key) == value for key, value in contact.fields().items()):
            return Outcome(account_id, "unchanged")
        client.put_alternate_contact(AlternateContactType=names.CONTACT_TYPE, **contact.fields(), **scope)
    except botocore.exceptions.ClientError as error:
        return Outcome(account_id, "failed", error.response["Error"]["Code"])
    return Outcome(account_id, "updated" if current else "set")


RECONCILE = "reconcile"


def event_accounts(event: dict) -> list[str] | str | None:
    """The accounts an Organizations event asks for: a list of ids; ``RECONCILE`` for a joined account
    (every account is checked: cheap, and independent of the event's fields); None for an event that asks
    for nothing (a CreateAccountResult not SUCCEEDED, a failed call, anything else)."""
    detail = event.get("detail") or {}
    name = detail.get("eventName")
    if detail.get("errorCode") or event.get("source") != "aws.organizations":
        return None
    if name == names.CREATE_ACCOUNT_RESULT:
        status = (detail.get("serviceEventDetails") or {}).get("createAccountStatus") or {}
        return [status["accountId"]] if status.get("state") == "SUCCEEDED" and status.get("accountId") else None
    if name == names.MOVE_ACCOUNT:
        account = (detail.get("requestParameters") or {}).get("accountId")
        return [account] if account else None
    if name == names.ACCOUNT_JOINED:
        return RECONCILE
    return None


def active_members(organizations, management: str) -> list[str]:
    """Every ACTIVE account of the organization but ``management`` (ListAccounts, which Organizations
    answers to a delegated administrator)."""
    return [a["Id"] for page in organizations.get_paginator("list_accounts").paginate()
            for a in page["Accounts"] if a["Status"] == "ACTIVE" and a["Id"] != management]


def handler(event: dict, _context=None, base: boto3.Session | None = None, endpoint_url: str | None = None) -> dict:
    """The Lambda entry point. Returns {"contacts": [outcome, ...]} (and "ignored" with the reason when the
    event asks for nothing); prints one JSON line per account (the function's log). The management
    account is always left to Pulumi, even when an event names it (a MoveAccount of it). Raises
    ContactNotSet when an event's account could not be set (after the others were tried)."""
    base = base or boto3.Session()
    wanted = RECONCILE if event.get("reconcile") else event_accounts(event)
    if wanted is None:
        return {"contacts": [], "ignored": "not an account creation, join or move to act on"}
    contact = Contact.from_environment(os.environ)
    organizations = base.client("organizations", region_name=ACCOUNT_REGION, endpoint_url=endpoint_url)
    management = organizations.describe_organization()["Organization"]["MasterAccountId"]
    own = base.client("sts", region_name=ACCOUNT_REGION, endpoint_url=endpoint_url).get_caller_identity()["Account"]
    wanted = active_members(organizations, management) if wanted == RECONCILE else [
        account for account in wanted if account != management]
    client = base.client("account", region_name=ACCOUNT_REGION, endpoint_url=endpoint_url, config=RETRIES)
    outcomes = [set_contact(client, account_id, contact, own) for account_id in wanted]
    for outcome in outcomes:
        print(json.dumps(outcome.__dict__))
    failed = [o.account_id for o in outcomes if o.action == "failed"]
    if failed and not event.get("reconcile"):
        # An event's run fails, so Lambda retries the asynchronous invocation; the reconciliation reports instead.
        raise ContactNotSet(f"the SECURITY contact could not be set for {', '.join(failed)}")
    return {"contacts": [outcome.__dict__ for outcome in outcomes]}


class ContactNotSet(RuntimeError):
    """An event named an account whose contact could not be read or written (the error is in the log)."""
