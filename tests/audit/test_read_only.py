"""The read-only promise: every call the audit sends is a read, and is allowed by the audit role's
policy in policies/ (the same list infra provisions the role with)."""

from __future__ import annotations

from irready.audit.aws import is_read_operation

from irready import policies
from irready.emulated.seed import Seeder, incident_account, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, collect, firewall, organization
from tests.support.iam_actions import iam_action

AUDIT_ACTIONS = set(policies.audit_read_policy()["Statement"][0]["Action"])


def check_operations(operations) -> list[str]:
    """What is wrong with a set of (service, operation) the audit sent: empty when all is well."""
    problems = []
    for service, operation in sorted(operations, key=str):
        if operation is None:
            problems.append(f"{service}: an operation the test could not identify")
        elif not is_read_operation(operation):
            problems.append(f"{service}:{operation} is not a read")
        elif operation != "AssumeRole" and iam_action(service, operation) not in AUDIT_ACTIONS:
            problems.append(f"{iam_action(service, operation)} is not in policies/iam/audit_read.json")
    return problems


def test_an_audit_of_prepared_and_unprepared_accounts_stays_inside_the_audit_policy(emulator, fresh_account, faults):
    prepared, incident = fresh_account(), fresh_account()
    prepare_account(Seeder(emulator, prepared), [REGION], SECURITY_ACCOUNT)
    incident_account(Seeder(emulator, incident), [REGION], SECURITY_ACCOUNT)
    Seeder(emulator, prepared).investigation_workspace(REGION, [prepared, incident])
    faults.faults.extend(firewall(["*."]))  # moto has no DNS Firewall: canned answers stand in for its reads
    faults.faults.extend(organization("r-root"))  # moto's organization is not the caller's: canned answers too
    audit_operations_before = set(faults.audit_operations)
    # `prepared` as the security account, so that the investigation workspace is read there too.
    collect(emulator, prepared, accounts=(prepared, incident), security_account_id=prepared)
    sent = {(call.service, call.operation) for call in faults.calls if "irready-audit" in call.user_agent}
    assert check_operations(sent) == []
    # The policy holds nothing the audit does not use (ListAccounts is only sent with --org).
    used = {iam_action(s, o) for s, o in sent if o != "AssumeRole"} | {"organizations:ListAccounts"}
    assert used == AUDIT_ACTIONS
    assert faults.audit_operations >= audit_operations_before | sent


def test_seeding_is_not_mistaken_for_the_audit(emulator, account_id, faults):
    Seeder(emulator, account_id).security_contact()
    assert not [call for call in faults.calls if "irready-audit" in call.user_agent]
