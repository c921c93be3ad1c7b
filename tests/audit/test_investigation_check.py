"""investigation.queries_ready and its collector against the emulator over HTTP, beyond its PASS, FAIL
and UNKNOWN cases in test_checks_emulated.py: a weaker workspace fails naming every gap, and the
workspace is looked for in the security account only."""

from __future__ import annotations

from irready.audit.model import Status

from irready.emulated.seed import Seeder
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, audit, collect, of_check
from tests.support.faults import Fault

CHECK = "investigation.queries_ready"


def verdict(findings) -> tuple[Status, str]:
    (finding,) = of_check(findings, CHECK)
    return finding.status, finding.reason


def test_a_workspace_with_gaps_fails_naming_each(emulator, account_id, new_account):
    later = new_account()  # joined the organization after the workspace was deployed
    Seeder(emulator, account_id).investigation_workspace(REGION, [account_id], enforce=False, tables=("cloudtrail",),
                                                          skip_queries=("lateral_movement",))
    status, reason = verdict(audit(emulator, account_id, security_account_id=account_id,
                                   accounts=(account_id, later)))
    assert status is Status.FAIL
    assert "does not enforce its settings" in reason
    assert "no table vpc_flow_logs, resolver_query_logs (send flow and DNS query logs to S3)" in reason
    assert f"the tables cannot reach the logs of {later}: not in their partition projection" in reason
    assert "saved queries missing: irready-lateral-movement" in reason


def test_the_workspace_is_looked_for_only_in_the_security_account(emulator, account_id, faults):
    findings = audit(emulator, account_id)  # the security account (the caller) is not among the audited
    status, reason = verdict(findings)
    assert status is Status.UNKNOWN and f"security account {SECURITY_ACCOUNT} was not audited" in reason
    assert not [c for c in faults.calls if c.service in ("athena", "glue")]
    snapshot = collect(emulator, account_id, security_account_id=account_id)
    assert set(snapshot["accounts"][account_id]["services"]["investigation"]) == {REGION}


def test_saved_queries_are_read_fifty_to_a_request(emulator, account_id, faults):
    """BatchGetNamedQuery returns at most 50 queries a request
    (https://docs.aws.amazon.com/athena/latest/APIReference/API_BatchGetNamedQuery.html): 12 saved queries
    and 45 of someone else's in the workgroup take two requests, not 57."""
    Seeder(emulator, account_id).investigation_workspace(REGION, [account_id])
    athena = emulator.client(emulator.session(account_id), "athena", REGION)
    for n in range(45):
        athena.create_named_query(Name=f"analyst-{n}", Database="irready", QueryString="SELECT 1",
                                  WorkGroup="irready-investigation")
    faults.clear()
    snapshot = collect(emulator, account_id, security_account_id=account_id)
    queries = snapshot["accounts"][account_id]["services"]["investigation"][REGION]["named_queries"]
    assert len(queries) == 57 and {"irready-lateral-movement", "analyst-44"} <= {q["name"] for q in queries}
    sent = [c.operation for c in faults.calls if c.service == "athena"]
    assert sent.count("BatchGetNamedQuery") == 2 and "GetNamedQuery" not in sent


def test_a_saved_query_athena_could_not_return_makes_the_check_unknown(emulator, account_id, faults):
    """An id in UnprocessedNamedQueryIds is not "not saved": the list is unreadable, the verdict UNKNOWN."""
    Seeder(emulator, account_id).investigation_workspace(REGION, [account_id])
    faults.faults.append(Fault("athena", "BatchGetNamedQuery", answer={
        "NamedQueries": [], "UnprocessedNamedQueryIds": [
            {"NamedQueryId": "q-1", "ErrorCode": "INTERNAL_FAILURE", "ErrorMessage": "try again"}]}))
    status, reason = verdict(audit(emulator, account_id, security_account_id=account_id))
    assert status is Status.UNKNOWN and "BatchGetNamedQuery" in reason
