"""Every identity policy in policies/ through two established IAM analysers, not only our evaluator:
cloudsplaining (privilege-escalation methods, Rhino Security Labs' catalogue; resource exposure) and
parliament (resource-policy escalation, malformed statements).

cloudsplaining is run at its strictest (``flag_conditional_statements``, ``flag_resource_arn_statements``)
on the Allow statements alone: by default it skips any statement with a Condition, so it cannot tell a
closing condition from an open one, and it drops an action from every statement as soon as any Deny
names it, whatever the Deny's resources. Where it then reports a method that a condition or resource
closes, ``CLOSED_BY`` names that one exception and the semantic test that proves it closed.

https://cloudsplaining.readthedocs.io/en/latest/glossary/privilege-escalation/
https://github.com/duo-labs/parliament (issue types)
"""

from __future__ import annotations

import json
from pathlib import Path

import parliament
import pytest
from cloudsplaining.scan.policy_document import PolicyDocument

from tests.policies import test_semantics
from tests.policies.documents import DOCUMENTS, IDENTITY_POLICIES

BEFORE = json.loads((Path(__file__).parent / "fixtures" / "responder_before_issue_12.json").read_text())

# (document, method) -> the semantic test that proves the method closed.
CLOSED_BY = {
    ("responder", "AttachRolePolicy"): "test_the_responder_attaches_only_irready_policies",
    ("responder", "AttachUserPolicy"): "test_the_responder_attaches_only_irready_policies",
    ("responder_management", "AttachRolePolicy"): "test_the_responder_attaches_only_irready_policies",
    ("responder_management", "AttachUserPolicy"): "test_the_responder_attaches_only_irready_policies",
    ("runbook_role", "PutRolePolicy"): "test_only_the_responder_reaches_the_runbook_role",
}
# parliament issue types that are not about escalation or a broken statement: "*" on reads and on
# actions without resource-level permissions.
NOT_ESCALATION = {"RESOURCE_STAR"}
# (document, issue, statement Sid) -> the semantic test. parliament wants every statement to name the
# action's required resource; AWS authorizes each resource of a request against all statements.
PARLIAMENT_CLOSED_BY = {
    ("responder", "RESOURCE_MISMATCH", "OnlyIntoTheContainmentGroups"): "test_the_swap_only_into_containment_groups",
    ("responder_management", "RESOURCE_MISMATCH", "OnlyIntoTheContainmentGroups"):
        "test_the_swap_only_into_containment_groups",
    # kms:ResourceAliases is a condition key of the KMS key resource, valid for every key resource operation
    # (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases);
    # parliament looks only at the action-level keys.
    ("responder", "UNKNOWN_CONDITION_FOR_ACTION", "ReEncryptForTheForensicKeyThroughEc2"):
        "test_the_forensic_key_is_found_by_its_alias",
    ("responder_management", "UNKNOWN_CONDITION_FOR_ACTION", "ReEncryptForTheForensicKeyThroughEc2"):
        "test_the_forensic_key_is_found_by_its_alias",
    ("responder", "UNKNOWN_CONDITION_FOR_ACTION", "EncryptEvidenceWithTheForensicKeyThroughS3"):
        "test_the_forensic_key_is_found_by_its_alias",
    ("responder_management", "UNKNOWN_CONDITION_FOR_ACTION", "EncryptEvidenceWithTheForensicKeyThroughS3"):
        "test_the_forensic_key_is_found_by_its_alias",
    # CreateSecurityGroup on the VPC alone: the new group's own resource is allowed only with the containment tag.
    ("vpc_preparation", "RESOURCE_MISMATCH", "CreateGroupsInVpcs"):
        "test_the_vpc_preparation_role_creates_only_tagged_containment_groups",
    # s3:PutBucketPolicy on any bucket: only the LockBucket runbook's fixed lock-down policy is ever written.
    ("runbook_role", "RESOURCE_POLICY_PRIVILEGE_ESCALATION", ""): "test_only_the_responder_reaches_the_runbook_role",
}


def escalation_methods(document: dict) -> set[str]:
    allows = {**document, "Statement": [s for s in document["Statement"] if s.get("Effect") == "Allow"]}
    strict = PolicyDocument(allows, flag_conditional_statements=True, flag_resource_arn_statements=True)
    return {finding["type"] for finding in strict.allows_privilege_escalation}


def parliament_findings(document: dict) -> set[tuple[str, str]]:
    """(issue, Sid of the statement it is about, or "" when parliament does not say)."""
    found = set()
    for finding in parliament.analyze_policy_string(json.dumps(document)).findings:
        if finding.issue in NOT_ESCALATION:
            continue
        column = (finding.location or {}).get("column")
        found.add((finding.issue, _sid_at(document, column)))
    return found


def _sid_at(document: dict, column: int | None) -> str:
    """parliament gives a column in the compact JSON; name the statement that column falls in."""
    if column is None:
        return ""
    text = json.dumps(document)
    starts = [text.index(json.dumps(s)) for s in document["Statement"]]
    inside = [s for s, start in zip(document["Statement"], starts, strict=True) if start <= column]
    return inside[-1].get("Sid", "") if inside else ""


def test_both_analysers_flag_the_responder_before_this_change():
    """The test can fail: the responder as it was (Put/Attach/CreatePolicyVersion and PutBucketPolicy on *)."""
    assert escalation_methods(BEFORE) >= {"AttachRolePolicy", "PutRolePolicy", "CreateNewPolicyVersion"}
    default = PolicyDocument(BEFORE)
    assert default.allows_privilege_escalation and "s3:PutBucketPolicy" in \
        default.permissions_management_without_constraints
    assert any(issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION" for issue, _ in parliament_findings(BEFORE))


@pytest.mark.parametrize("name", IDENTITY_POLICIES)
def test_cloudsplaining_finds_no_escalation_but_the_named_closed_ones(name):
    open_methods = {m for m in escalation_methods(DOCUMENTS[name]) if (name, m) not in CLOSED_BY}
    assert open_methods == set()


@pytest.mark.parametrize("name", IDENTITY_POLICIES)
def test_cloudsplaining_finds_no_unconstrained_permissions_management(name):
    """Its default reading (resource constraints and conditions honoured): nothing like PutBucketPolicy on *."""
    assert PolicyDocument(DOCUMENTS[name]).permissions_management_without_constraints == []


@pytest.mark.parametrize("name", IDENTITY_POLICIES)
def test_parliament_finds_nothing_but_the_named_closed_ones(name):
    found = {(issue, sid) for issue, sid in parliament_findings(DOCUMENTS[name])
             if (name, issue, sid) not in PARLIAMENT_CLOSED_BY}
    assert found == set()


def test_every_named_exception_is_still_needed_and_proven():
    for name, method in CLOSED_BY:
        assert method in escalation_methods(DOCUMENTS[name]), (name, method)
    for name, issue, sid in PARLIAMENT_CLOSED_BY:
        assert (issue, sid) in parliament_findings(DOCUMENTS[name]), (name, issue, sid)
    for test in {*CLOSED_BY.values(), *PARLIAMENT_CLOSED_BY.values()}:
        assert callable(getattr(test_semantics, test, None)), test
