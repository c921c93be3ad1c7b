from __future__ import annotations

from irready.audit.checks import CHECKS_BY_ID
from irready.audit.checks.ir import missing_capabilities, policy_shape

from irready import policies
from tests.audit.checks.fragments import run, snapshot

SECURITY = "210987654321"


def test_the_responder_policy_in_policies_has_every_capability_the_audit_requires():
    # One source of truth: the document infra deploys is the one the audit accepts.
    assert missing_capabilities([policies.responder_permissions(SECURITY)], None) == []


def test_each_missing_capability_is_named():
    only_iam = {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    assert missing_capabilities([only_iam], None) == [
        "isolate an instance", "stop an instance", "replace an instance profile", "snapshot volumes",
        "re-encrypt and share a snapshot", "revoke older sessions and lock a bucket (runbooks)"]
    users_only = {"Statement": [{"Effect": "Allow", "Action": ["iam:PutUserPolicy", "iam:AttachUserPolicy"],
                                 "Resource": "*"}]}
    assert "attach a deny policy to users and roles" in missing_capabilities([users_only], None)


def test_policy_shape_ignores_the_values_config_fills_in():
    assert policy_shape(policies.deny_unless_trusted_ip(["10.0.0.0/8"])) == policy_shape(
        policies.load(policies.DENY_UNLESS_TRUSTED_IP.file))
    assert policy_shape(policies.revoke_older_sessions("2030-01-01T00:00:00Z")) != policy_shape(policies.deny_all())


def test_responder_role_without_a_security_account_configured_is_unknown():
    iam = {"roles": {"IncidentResponder": {"arn": "arn:aws:iam::111111111111:role/IncidentResponder",
                                           "trust_policy": {}, "inline_policies": {}, "attached_policies": [],
                                           "permissions_boundary": None}},
           "managed_policies": {}, "instance_profiles": {}, "containment_policies": {}}
    assert run(CHECKS_BY_ID["ir.responder_role"], snapshot({"iam": iam}))[0][0] == "UNKNOWN"
    assert run(CHECKS_BY_ID["ir.responder_role"], snapshot({"iam": iam}), security_account_id=SECURITY)[0][0] == "FAIL"


def test_the_isolation_group_must_allow_everything_both_ways():
    from irready.audit.checks.ir import isolation_problem
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    ipv4_only = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": []}]
    assert isolation_problem({"ingress": everything, "egress": everything}) is None
    assert "does not allow all traffic" in isolation_problem({"ingress": everything, "egress": ipv4_only})
    assert "no security group irready-isolation" in isolation_problem(None)


def test_a_responder_that_can_escalate_fails_with_the_reason():
    from irready.audit.checks._iam_docs import role_documents  # noqa: F401  (the check's own reader)
    from irready.policies.escalation import escalation_paths
    widened = policies.responder_permissions(SECURITY)
    widened["Statement"].append({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    assert escalation_paths([widened], None, "arn:aws:iam::1:role/IncidentResponder") == [
        "pass an arbitrary role to EC2", "pass an arbitrary role to Lambda"]
