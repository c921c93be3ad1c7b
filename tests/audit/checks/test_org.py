"""org.guardrail_scp on small snapshots: what covers an account, what does not, and the management account."""

from __future__ import annotations

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.snapshot import Unavailable

from irready import policies
from tests.audit.checks.fragments import ACCOUNT, DENIED, run, snapshot

CHECK = CHECKS_BY_ID["org.guardrail_scp"]
GUARDRAIL = policies.guardrail_scp(["arn:aws:iam::*:role/OrganizationAccountAccessRole"])
WITHOUT_FLOW_LOGS = {**GUARDRAIL, "Statement": [
    {**s, "Action": [a for a in s["Action"] if a != "ec2:DeleteFlowLogs"]} if s["Sid"] == "IrreadyNoTampering" else s
    for s in GUARDRAIL["Statement"]]}
# A guardrail from before the exempt names were protected: an administrator could create stacksets-exec-x.
EXEMPT_UNPROTECTED = {**GUARDRAIL, "Statement": [
    {**s, "Resource": [r for r in s["Resource"] if "OrganizationAccountAccessRole" not in r]}
    if s["Sid"] == "IrreadyResourcesStayAsDeployed" else s for s in GUARDRAIL["Statement"]]}
FULL_ACCESS = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def organization(scps, ancestors=("ou-ab12-workload1", "r-root"), management="999999999999") -> dict:
    snap = snapshot({})
    snap["organization"] = {"management_account_id": management, "ancestors": {ACCOUNT: list(ancestors)},
                            "scps": [{"id": f"p-{n}", "name": name, "content": content, "targets": targets}
                                     for n, (name, content, targets) in enumerate(scps)]}
    return snap


@pytest.mark.parametrize(("snap", "expected"), [
    (organization([("irready-guardrail", GUARDRAIL, ["r-root"])]), "PASS"),
    (organization([("irready-guardrail", GUARDRAIL, ["ou-ab12-workload1"])]), "PASS"),  # on an OU above it
    (organization([("irready-guardrail", GUARDRAIL, [ACCOUNT])]), "PASS"),
    (organization([("irready-guardrail", GUARDRAIL, ["ou-ab12-other0001"])]), "FAIL"),  # another branch
    (organization([("FullAWSAccess", {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                    ["r-root"])]), "FAIL"),
    (organization([("partial", WITHOUT_FLOW_LOGS, ["r-root"])]), "FAIL"),
    # Two SCPs together can cover what neither does alone.
    (organization([("partial", WITHOUT_FLOW_LOGS, ["r-root"]),
                   ("flow-logs", {"Statement": [{"Effect": "Deny", "Action": "ec2:DeleteFlowLogs", "Resource": "*"}]},
                    ["ou-ab12-workload1"])]), "PASS"),
    (organization([("irready-guardrail", GUARDRAIL, ["r-root"])], management=ACCOUNT), "FAIL"),
    # Exempting a name nobody protects: any administrator can become the exempt principal.
    (organization([("older", EXEMPT_UNPROTECTED, ["r-root"]), ("FullAWSAccess", FULL_ACCESS, ["r-root"])]), "FAIL"),
    (organization([("irready-guardrail", GUARDRAIL, ["r-root"]), ("FullAWSAccess", FULL_ACCESS, ["r-root"])]),
     "PASS"),
])
def test_guardrail_coverage(snap, expected):
    assert [status for status, _, _ in run(CHECK, snap)] == [expected]


def test_a_partial_guardrail_names_what_it_misses():
    (result,) = CHECK.evaluate(_context(organization([("partial", WITHOUT_FLOW_LOGS, ["r-root"])])))
    assert "ec2:DeleteFlowLogs" in result.reason and "StopLogging" not in result.reason


def test_an_unprotected_exemption_is_named():
    (result,) = CHECK.evaluate(_context(organization([("older", EXEMPT_UNPROTECTED, ["r-root"])])))
    assert "iam:CreateRole" in result.reason and "iam:UpdateAssumeRolePolicy" in result.reason


def test_the_management_account_is_reported_as_not_covered():
    (result,) = CHECK.evaluate(_context(organization([("g", GUARDRAIL, ["r-root"])], management=ACCOUNT)))
    assert "SCPs never apply" in result.reason


def test_unreadable_organizations_is_unavailable_never_a_verdict():
    """evaluate() turns Unavailable into UNKNOWN (the emulated case shows it end to end)."""
    snap = snapshot({})
    snap["organization"] = DENIED
    with pytest.raises(Unavailable, match="access denied"):
        list(CHECK.evaluate(_context(snap)))


def _context(snap):
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    return AccountContext(snap, ACCOUNT, AuditConfig())


def test_a_guardrail_from_before_irreadys_own_resources_were_guarded_fails_naming_a_dozen_actions():
    """An SCP deployed before the guardrail covered irready's log groups, rules, functions and keys: FAIL, one
    name per action however many of irready's resources each was probed on, the first dozen and a count."""
    older = {**GUARDRAIL, "Statement": [s for s in GUARDRAIL["Statement"] if s["Sid"] == "IrreadyNoTampering"]}
    (result,) = CHECK.evaluate(_context(organization([("irready-guardrail", older, ["r-root"])])))
    assert result.status == "FAIL"
    assert "StopLogging" not in result.reason and result.reason.count(", ") == 11
    assert " more" in result.reason and " on arn:" not in result.reason
