"""Every document in policies/, filled in as deployed, names only real actions and condition keys."""

from __future__ import annotations

import pytest
from irready.policies import investigation
from irready.policies.lint import problems

from irready import policies

DOCUMENTS = {
    "deny_all": policies.deny_all(),
    "deny_except": policies.deny_except(["s3:GetObject", "logs:PutLogEvents"]),
    "deny_unless_trusted_ip": policies.deny_unless_trusted_ip(["192.0.2.0/24"]),
    "revoke_older_sessions": policies.revoke_older_sessions("2026-11-22T10:00:00Z"),
    "quarantine_scp": policies.quarantine_scp(["arn:aws:iam::*:role/IncidentResponder"]),
    "responder": policies.responder_permissions(),
    "responder_trust_mfa": policies.responder_trust_policy("210987654321"),
    "responder_trust_external_id": policies.responder_trust_policy("210987654321", "x"),
    "audit_read": policies.audit_read_policy(),
    "investigator": investigation.investigator_policy(
        region="us-east-1", account_id="210987654321", results_bucket="results",
        results_key_arn="arn:aws:kms:us-east-1:210987654321:key/1", log_buckets=["trail", "network"],
        log_key_arns=["arn:aws:kms:us-east-1:123456789012:key/2"]),
    "investigator_trust": investigation.investigator_trust_policy("210987654321"),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documents_name_only_real_actions_and_keys(name):
    assert problems(DOCUMENTS[name]) == []


@pytest.mark.parametrize(("document", "problem"), [
    ({"Statement": [{"Effect": "Deny", "Action": "ec2:ModifyInstanceAtribute"}]},
     "unknown action ec2:ModifyInstanceAtribute"),
    ({"Statement": [{"Effect": "Deny", "Action": "ecc2:*"}]}, "unknown service in ecc2:*"),
    ({"Statement": [{"Effect": "Deny", "Action": "*", "Condition": {"DateLessThan": {"aws:TokenIsueTime": "x"}}}]},
     "unknown condition key aws:TokenIsueTime"),
])
def test_the_linter_catches_typos(document, problem):
    assert problems(document) == [problem]
