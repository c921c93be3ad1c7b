"""--org: list the organization, skip suspended accounts, filter, and keep going past failures."""

from __future__ import annotations

import io
import logging

import pytest
from botocore.exceptions import ClientError
from irready.audit.aws import Clients, assumed_session
from irready.audit.collect.run import collect_snapshot
from irready.audit.errors import UsageError
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from irready.audit.progress import Progress

from tests.audit.emulated import REGION, SECURITY_ACCOUNT, audit_config, caller_session
from tests.support.faults import Fault


@pytest.fixture(scope="module")
def organization(_emulator_and_faults):
    """An organization managed from the caller's account: two active members and a suspended one."""
    emulator = _emulator_and_faults[0]
    org = emulator.client(emulator.session(), "organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyInOrganizationException":
            raise
    members = [org.create_account(AccountName=f"member-{n}", Email=f"member-{n}@example.com")[
        "CreateAccountStatus"]["AccountId"] for n in range(3)]
    org.close_account(AccountId=members[2])
    return {"active": members[:2], "suspended": members[2]}


def org_collect(emulator, **overrides):
    config = audit_config(SECURITY_ACCOUNT, org=True, **({"accounts": ()} | overrides))
    return config, collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=8,
                                    progress=Progress(0, enabled=False))


def test_org_audits_the_active_members_and_skips_the_suspended(emulator, organization):
    wanted = (*organization["active"], organization["suspended"])
    _, snapshot = org_collect(emulator, accounts=wanted)
    assert sorted(snapshot["accounts"]) == sorted(organization["active"])
    assert snapshot["skipped_accounts"] == {organization["suspended"]: "account is suspended"}


def test_exclusions_and_accounts_outside_the_organization(emulator, organization):
    first, second = organization["active"]
    _, snapshot = org_collect(emulator, accounts=(first, second, "999999999999"), exclude_accounts=(second,))
    assert list(snapshot["accounts"]) == [first]
    assert snapshot["skipped_accounts"] == {second: "excluded by exclude_accounts",
                                            "999999999999": "not a member of the organization"}


def test_the_whole_organization_includes_the_management_account(emulator, organization):
    _, snapshot = org_collect(emulator)
    assert SECURITY_ACCOUNT in snapshot["accounts"]  # audited with the caller's own credentials
    assert set(organization["active"]) <= set(snapshot["accounts"])
    assert organization["suspended"] not in snapshot["accounts"]


def test_a_member_whose_role_cannot_be_assumed_is_unknown_and_the_rest_complete(emulator, organization, faults):
    locked, open_ = organization["active"]
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=locked))
    config, snapshot = org_collect(emulator, accounts=(locked, open_))
    findings = evaluate(snapshot, config)
    assert {f.status for f in findings if f.account_id == locked} == {Status.UNKNOWN}
    assert Status.FAIL in {f.status for f in findings if f.account_id == open_}


def test_org_without_permission_to_list_accounts_is_a_usage_error(emulator, faults):
    faults.faults.append(Fault("organizations", "ListAccounts", code="AWSOrganizationsNotInUseException",
                               status=400))
    with pytest.raises(UsageError, match="--org: cannot list the organization's accounts "
                                         r"\(AWSOrganizationsNotInUseException\); run from the management"):
        org_collect(emulator)


def test_assumed_credentials_renew_themselves_before_they_expire(emulator, account_id, faults):
    base = Clients(caller_session(), emulator.url)
    session = assumed_session(base, f"arn:aws:iam::{account_id}:role/irready-audit", None, REGION)
    member = base.for_session(session)
    client = member.client("sts", REGION)
    with member.acting():
        assert client.get_caller_identity()["Account"] == account_id
    credentials = session._session.get_credentials()
    first_key = credentials.access_key
    assumes = sum(call.operation == "AssumeRole" for call in faults.calls)
    from datetime import UTC, datetime, timedelta
    credentials._expiry_time = datetime.now(UTC) + timedelta(seconds=30)  # inside the refresh window
    # Signing reuses keys frozen less than FREEZE_SECONDS (10 s) ago; botocore renews 10 to 15 minutes
    # before expiry, so frozen keys are always valid for minutes more. Once the freeze passes, they renew.
    until, frozen = credentials._irready_frozen
    credentials._irready_frozen = (until - 11, frozen)
    with member.acting():  # the refresh assumes the role as the caller, then signs as the member
        assert client.get_caller_identity()["Account"] == account_id
    assert sum(call.operation == "AssumeRole" for call in faults.calls) == assumes + 1
    assert credentials.access_key != first_key


def test_progress_shows_accounts_and_regions_on_a_terminal_and_is_silent_otherwise(caplog):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, piped = Terminal(), io.StringIO()
    for stream in (terminal, piped):
        progress = Progress(3, stream=stream)
        progress.region_planned("111111111111", 2)
        progress.region_done("111111111111", "us-east-1")
        progress.region_done("111111111111", "eu-west-1")
        progress.account_done("111111111111")
        with caplog.at_level(logging.INFO, logger="irready"):
            progress.account_done("222222222222", failed=True)
        progress.finish()
    shown = terminal.getvalue()
    assert "irready: accounts (1 could not be audited)" in shown and "2/3" in shown
    assert "irready: regions" in shown and "2/2" in shown
    assert piped.getvalue() == ""  # not a terminal: nothing on the stream
    # ... the run's log says it instead, at -v.
    assert "account 222222222222 FAILED; 2/3 accounts, 1 could not be audited" in caplog.text


def test_accounts_are_collected_while_the_organization_is_read(emulator, organization, faults):
    """Organizations (the SCPs, each account's ancestors) is read beside the accounts' collection, not
    before it: with DescribeOrganization slow, the members' calls arrive before the SCPs are listed."""
    faults.faults.append(Fault("organizations", "DescribeOrganization", code=None, delay=1.0))
    org_collect(emulator, accounts=tuple(organization["active"]))
    operations = [(call.service, call.operation) for call in faults.calls]
    listed_scps = operations.index(("organizations", "ListPolicies"))
    assert ("ec2", "DescribeRegions") in operations[:listed_scps]
    assert ("cloudtrail", "DescribeTrails") in operations[:listed_scps]
