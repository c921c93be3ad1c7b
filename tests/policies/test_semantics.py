"""The documents in policies/ do what they claim, judged by policies.evaluator."""

from __future__ import annotations

import pytest
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate

from irready import policies

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
REPRESENTATIVE = ["s3:GetObject", "iam:CreateUser", "ec2:RunInstances", "sts:AssumeRole", "kms:Decrypt"]
TRUSTED = ["192.0.2.0/24", "203.0.113.19/32", "2001:db8::/32"]
SECURITY, OTHER = "210987654321", "999999999999"


@pytest.mark.parametrize("action", REPRESENTATIVE)
def test_deny_all_denies_even_what_another_policy_allows(action):
    assert evaluate([ALLOW_ALL, policies.deny_all()], Request(action)) == EXPLICIT_DENY


@pytest.mark.parametrize(("source_ip", "via_service", "expected"), [
    ("198.51.100.7", "false", EXPLICIT_DENY),  # stolen credentials used from elsewhere
    ("192.0.2.44", "false", ALLOW),  # from the office range
    ("203.0.113.19", "false", ALLOW),
    ("203.0.113.20", "false", EXPLICIT_DENY),  # the neighbour of a /32
    ("2001:db8::1", "false", ALLOW),
    ("2001:db9::1", "false", EXPLICIT_DENY),
    ("198.51.100.7", "true", ALLOW),  # CloudFormation acting for the principal: its address is AWS's
])
def test_deny_unless_trusted_ip(source_ip, via_service, expected):
    request = Request("s3:GetObject", context={"aws:SourceIp": source_ip, "aws:ViaAWSService": via_service})
    assert evaluate([ALLOW_ALL, policies.deny_unless_trusted_ip(TRUSTED)], request) == expected


@pytest.mark.parametrize(("issued", "expected"), [
    ("2026-11-22T09:59:59Z", EXPLICIT_DENY),  # issued before the cutoff: possibly the attacker's
    ("2026-11-22T10:00:01Z", ALLOW),  # issued after: the rightful owner signing in again
])
def test_revoke_older_sessions(issued, expected):
    request = Request("ec2:RunInstances", context={"aws:TokenIssueTime": issued})
    assert evaluate([ALLOW_ALL, policies.revoke_older_sessions("2026-11-22T10:00:00Z")], request) == expected


def test_revoke_older_sessions_does_not_stop_a_long_term_access_key():
    # Access keys carry no aws:TokenIssueTime, so the condition cannot match: disable the key too.
    assert evaluate([ALLOW_ALL, policies.revoke_older_sessions("2026-11-22T10:00:00Z")],
                    Request("ec2:RunInstances")) == ALLOW


@pytest.mark.parametrize(("action", "expected"), [
    ("s3:GetObject", ALLOW), ("logs:PutLogEvents", ALLOW),
    ("s3:PutObject", EXPLICIT_DENY), ("iam:CreateAccessKey", EXPLICIT_DENY),
])
def test_deny_except_lets_only_the_allow_list_through(action, expected):
    document = policies.deny_except(["s3:GetObject", "logs:PutLogEvents"])
    assert evaluate([ALLOW_ALL, document], Request(action)) == expected


@pytest.mark.parametrize(("principal", "expected"), [
    (f"arn:aws:iam::{SECURITY}:role/IncidentResponder", ALLOW),
    (f"arn:aws:iam::{SECURITY}:role/AppDeployer", EXPLICIT_DENY),
    ("arn:aws:iam::111111111111:user/attacker", EXPLICIT_DENY),
])
def test_the_quarantine_scp_leaves_only_the_responders(principal, expected):
    scp = policies.quarantine_scp(["arn:aws:iam::*:role/IncidentResponder"])
    assert evaluate([ALLOW_ALL, scp], Request("ec2:TerminateInstances", context={"aws:PrincipalArn": principal})) \
        == expected


def test_the_responder_role_can_contain_and_cannot_destroy():
    permissions = [policies.responder_permissions()]
    for capability in policies.RESPONDER_CAPABILITIES:
        assert any(all(evaluate(permissions, Request(action)) == ALLOW for action in actions)
                   for actions in capability.any_of), capability.name
    for destructive in ("iam:CreateUser", "iam:DeleteRole", "s3:DeleteBucket", "s3:DeleteObject",
                        "ec2:TerminateInstances", "kms:ScheduleKeyDeletion", "cloudtrail:StopLogging",
                        "cloudtrail:DeleteTrail", "logs:DeleteLogGroup"):
        assert evaluate(permissions, Request(destructive)) == IMPLICIT_DENY, destructive


@pytest.mark.parametrize(("principal", "context", "expected"), [
    (f"arn:aws:sts::{SECURITY}:assumed-role/Responders/alice", {"aws:MultiFactorAuthPresent": "true"}, ALLOW),
    (f"arn:aws:iam::{SECURITY}:user/bob", {"aws:MultiFactorAuthPresent": "true"}, ALLOW),
    (f"arn:aws:sts::{SECURITY}:assumed-role/Responders/alice", {"aws:MultiFactorAuthPresent": "false"},
     IMPLICIT_DENY),
    (f"arn:aws:sts::{SECURITY}:assumed-role/Responders/alice", {}, IMPLICIT_DENY),  # no MFA at all
    (f"arn:aws:sts::{OTHER}:assumed-role/Admin/mallory", {"aws:MultiFactorAuthPresent": "true"}, IMPLICIT_DENY),
])
def test_responder_trust_requires_the_security_account_and_mfa(principal, context, expected):
    trust = policies.responder_trust_policy(SECURITY)
    assert evaluate([trust], Request("sts:AssumeRole", principal=principal, context=context)) == expected


@pytest.mark.parametrize(("external_id", "expected"), [("ir-automation-7f3", ALLOW), ("guess", IMPLICIT_DENY),
                                                       (None, IMPLICIT_DENY)])
def test_responder_trust_with_an_external_id(external_id, expected):
    trust = policies.responder_trust_policy(SECURITY, external_id="ir-automation-7f3")
    context = {"sts:ExternalId": external_id} if external_id else {}
    caller = f"arn:aws:sts::{SECURITY}:assumed-role/IrAutomation/run"
    assert evaluate([trust], Request("sts:AssumeRole", principal=caller, context=context)) == expected
