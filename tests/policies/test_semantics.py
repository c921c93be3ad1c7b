"""The documents in policies/ do what they claim, judged by policies.evaluator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from irready.policies.escalation import escalation_paths
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate

from irready import policies
from tests.policies.documents import DOCUMENTS, EVIDENCE_BUCKET, FORENSIC_KEY, MANAGEMENT, QUARANTINE_SCP, WORKLOAD

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
REPRESENTATIVE = ["s3:GetObject", "iam:CreateUser", "ec2:RunInstances", "sts:AssumeRole", "kms:Decrypt"]
TRUSTED = ["192.0.2.0/24", "203.0.113.19/32", "2001:db8::/32"]
SECURITY, OTHER = "210987654321", "999999999999"
RESPONDER = f"arn:aws:iam::{WORKLOAD}:role/IncidentResponder"


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
    (f"arn:aws:iam::{SECURITY}:role/irready-audit", ALLOW),  # investigators still read a quarantined account
    (f"arn:aws:iam::{SECURITY}:role/AppDeployer", EXPLICIT_DENY),
    ("arn:aws:iam::111111111111:user/attacker", EXPLICIT_DENY),
])
def test_the_quarantine_scp_leaves_only_the_responders(principal, expected):
    scp = DOCUMENTS["quarantine_scp"]
    assert evaluate([ALLOW_ALL, scp], Request("ec2:TerminateInstances", context={"aws:PrincipalArn": principal})) \
        == expected


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


# --- the responder: contains, cannot escalate (docs/policies.md, "The responder role") --------------------

def _ec2(kind: str, name: str) -> str:
    return f"arn:aws:ec2:us-east-1:{WORKLOAD}:{kind}/{name}" if kind != "snapshot" else \
        f"arn:aws:ec2:us-east-1::snapshot/{name}"


VIA_EC2 = {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}
FORENSIC = {**VIA_EC2, "kms:ResourceAliases": ["alias/irready-forensics"]}
# Every containment step of docs/containment.md, as the requests AWS authorizes (one per resource).
CONTAINMENT_STEPS = [
    ("swap: the interface", Request("ec2:ModifyNetworkInterfaceAttribute", _ec2("network-interface", "eni-1"))),
    ("swap: into the isolation group", Request("ec2:ModifyNetworkInterfaceAttribute", _ec2("security-group", "sg-i"),
                                               context={"aws:ResourceTag/irready:containment": "isolation"})),
    ("swap: into the quarantine group", Request("ec2:ModifyNetworkInterfaceAttribute", _ec2("security-group", "sg-q"),
                                                context={"aws:ResourceTag/irready:containment": "quarantine"})),
    ("stop the instance", Request("ec2:StopInstances", _ec2("instance", "i-1"))),
    ("see instance profiles", Request("ec2:DescribeIamInstanceProfileAssociations")),
    ("replace the instance profile", Request("ec2:ReplaceIamInstanceProfileAssociation", _ec2("instance", "i-1"))),
    ("pass the quarantine role", Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/irready-quarantine-instance",
                                         context={"iam:PassedToService": "ec2.amazonaws.com"})),
    ("remove the instance profile", Request("ec2:DisassociateIamInstanceProfile", _ec2("instance", "i-1"))),
    ("snapshot a volume", Request("ec2:CreateSnapshot", _ec2("volume", "vol-1"))),
    ("snapshot an instance's volumes", Request("ec2:CreateSnapshots", _ec2("instance", "i-1"))),
    ("tag the snapshot", Request("ec2:CreateTags", _ec2("snapshot", "snap-1"))),
    ("copy the snapshot", Request("ec2:CopySnapshot", _ec2("snapshot", "snap-1"))),
    ("decrypt the source", Request("kms:Decrypt", f"arn:aws:kms:us-east-1:{WORKLOAD}:key/k", context=VIA_EC2)),
    ("grant EC2 on the keys", Request("kms:CreateGrant", FORENSIC_KEY,
                                      context={**VIA_EC2, "kms:GrantIsForAWSResource": "true"})),
    ("re-encrypt for the forensic key", Request("kms:ReEncryptTo", FORENSIC_KEY, context=FORENSIC)),
    ("data key of the forensic key", Request("kms:GenerateDataKeyWithoutPlaintext", FORENSIC_KEY, context=FORENSIC)),
    ("share with the security account", Request("ec2:ModifySnapshotAttribute", _ec2("snapshot", "snap-2"),
                                                context={"ec2:Add/userId": [SECURITY]})),
    ("write evidence", Request("s3:PutObject", f"arn:aws:s3:::{EVIDENCE_BUCKET}/case-1/console.txt")),
    ("attach deny-all to a role", Request(
        "iam:AttachRolePolicy", f"arn:aws:iam::{WORKLOAD}:role/app",
        context={"iam:PolicyARN": f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all"})),
    ("attach deny-unless-trusted-ip to a user", Request(
        "iam:AttachUserPolicy", f"arn:aws:iam::{WORKLOAD}:user/ci",
        context={"iam:PolicyARN": f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-unless-trusted-ip"})),
    ("disable an access key", Request("iam:UpdateAccessKey", f"arn:aws:iam::{WORKLOAD}:user/ci")),
    ("revoke older sessions (runbook)", Request(
        "ssm:StartAutomationExecution", f"arn:aws:ssm:us-east-1:{WORKLOAD}:automation-definition/"
        "irready-RevokeOlderSessions:$DEFAULT")),
    ("lock a bucket (runbook)", Request("ssm:StartAutomationExecution",
                                        f"arn:aws:ssm:us-east-1:{WORKLOAD}:document/irready-LockBucket")),
    ("the runbook's execution", Request("ssm:StartAutomationExecution",
                                        f"arn:aws:ssm:us-east-1:{WORKLOAD}:automation-execution/x")),
    ("pass the runbook role", Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/irready-containment-automation",
                                      context={"iam:PassedToService": "ssm.amazonaws.com"})),
    ("block DNS of a VPC", Request("route53resolver:AssociateFirewallRuleGroup")),
    ("cut off a subnet", Request("ec2:CreateNetworkAclEntry", _ec2("network-acl", "acl-1"))),
    ("stop a function", Request("lambda:PutFunctionConcurrency", f"arn:aws:lambda:us-east-1:{WORKLOAD}:function:f")),
    ("read the trail", Request("cloudtrail:LookupEvents")),
]


@pytest.mark.parametrize(("step", "request_"), CONTAINMENT_STEPS, ids=[s for s, _ in CONTAINMENT_STEPS])
def test_the_responder_can_do_every_containment_step(step, request_):
    assert evaluate([DOCUMENTS["responder"]], request_) == ALLOW


def test_the_responder_cannot_escalate():
    for name in ("responder", "responder_management"):
        assert escalation_paths([DOCUMENTS[name]], None, RESPONDER) == [], name


def test_the_responder_as_it_was_could_escalate():
    """The probe list can fail: the responder before this change is caught on every path it had."""
    before = json.loads((Path(__file__).parent / "fixtures" / "responder_before_issue_12.json").read_text())
    assert {"attach an arbitrary policy to itself", "put an inline policy on itself", "write any bucket's policy",
            "change an instance's user data (ModifyInstanceAttribute)"} <= set(
        escalation_paths([before], None, RESPONDER))


@pytest.mark.parametrize(("policy_arn", "expected"), [
    (f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all", ALLOW),
    (f"arn:aws:iam::{WORKLOAD}:policy/irready-revoke-older-sessions", ALLOW),
    ("arn:aws:iam::aws:policy/AdministratorAccess", IMPLICIT_DENY),
    (f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all-but-mine", IMPLICIT_DENY),  # a look-alike name
    (f"arn:aws:iam::{WORKLOAD}:policy/AppFullAccess", IMPLICIT_DENY),
    (None, IMPLICIT_DENY),  # no policy named: the condition key is missing, the Allow does not apply
])
def test_the_responder_attaches_only_irready_policies(policy_arn, expected):
    """The named exception of the analysers (AttachRolePolicy/AttachUserPolicy): iam:PolicyARN closes it."""
    context = {"iam:PolicyARN": policy_arn} if policy_arn else {}
    for action, target in (("iam:AttachRolePolicy", f"arn:aws:iam::{WORKLOAD}:role/app"),
                           ("iam:AttachUserPolicy", f"arn:aws:iam::{WORKLOAD}:user/ci")):
        assert evaluate([DOCUMENTS["responder"]], Request(action, target, context=context)) == expected
    # Not even irready's own policies on the responder itself (its own role is never to change).
    assert evaluate([DOCUMENTS["responder"]], Request("iam:AttachRolePolicy", RESPONDER, context=context)) == \
        EXPLICIT_DENY


@pytest.mark.parametrize(("tag", "expected"), [("isolation", ALLOW), ("quarantine", ALLOW), ("web", IMPLICIT_DENY),
                                               (None, IMPLICIT_DENY)])
def test_the_swap_only_into_containment_groups(tag, expected):
    """The named parliament exception: the security-group resource of ModifyNetworkInterfaceAttribute is
    allowed only for the two tagged groups (AWS authorizes each resource of the request)."""
    context = {"aws:ResourceTag/irready:containment": tag} if tag else {}
    request = Request("ec2:ModifyNetworkInterfaceAttribute", _ec2("security-group", "sg-open"), context=context)
    assert evaluate([DOCUMENTS["responder"]], request) == expected


@pytest.mark.parametrize(("request_", "expected"), [
    (Request("iam:PutRolePolicy", RESPONDER), EXPLICIT_DENY),
    (Request("iam:UpdateAssumeRolePolicy", RESPONDER), EXPLICIT_DENY),
    (Request("iam:DetachRolePolicy", RESPONDER,
             context={"iam:PolicyARN": f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all"}), EXPLICIT_DENY),
    (Request("iam:AttachRolePolicy", f"arn:aws:iam::{WORKLOAD}:role/irready-audit",
             context={"iam:PolicyARN": f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all"}), EXPLICIT_DENY),
    (Request("iam:CreatePolicyVersion", f"arn:aws:iam::{WORKLOAD}:policy/irready-revoke-older-sessions"),
     EXPLICIT_DENY),
    (Request("iam:DeletePolicy", f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all"), EXPLICIT_DENY),
    (Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/Admin",
             context={"iam:PassedToService": "ec2.amazonaws.com"}), IMPLICIT_DENY),
    (Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/irready-quarantine-instance",
             context={"iam:PassedToService": "lambda.amazonaws.com"}), IMPLICIT_DENY),
    (Request("s3:PutBucketPolicy", "arn:aws:s3:::any-bucket"), IMPLICIT_DENY),
    (Request("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::any-bucket"), IMPLICIT_DENY),
    (Request("ec2:ModifyInstanceAttribute", _ec2("instance", "i-1")), IMPLICIT_DENY),  # user data: code as the role
    (Request("ec2:StartInstances", _ec2("instance", "i-1")), IMPLICIT_DENY),
    (Request("ssm:StartAutomationExecution", f"arn:aws:ssm:us-east-1:{WORKLOAD}:automation-definition/"
             "AWS-RunShellScript:$DEFAULT"), IMPLICIT_DENY),
    (Request("organizations:AttachPolicy", QUARANTINE_SCP), IMPLICIT_DENY),  # member accounts' copy
    (Request("kms:ReEncryptTo", f"arn:aws:kms:us-east-1:{OTHER}:key/k", context={**FORENSIC}), IMPLICIT_DENY),
    (Request("kms:ReEncryptTo", FORENSIC_KEY, context={**VIA_EC2, "kms:ResourceAliases": ["alias/other"]}),
     IMPLICIT_DENY),  # another key of the security account
    (Request("s3:PutObject", "arn:aws:s3:::payroll-exports/x"), IMPLICIT_DENY),
    *[(Request(action), EXPLICIT_DENY) for action in policies.TAMPER_ACTIONS],  # cannot stop logging
    *[(Request(action), IMPLICIT_DENY) for action in ("iam:CreateUser", "iam:DeleteRole", "s3:DeleteBucket",
                                                      "s3:DeleteObject", "ec2:TerminateInstances",
                                                      "kms:ScheduleKeyDeletion", "logs:DeleteLogGroup")],
], ids=str)
def test_the_responder_cannot_change_itself_irready_or_the_logs(request_, expected):
    assert evaluate([DOCUMENTS["responder"]], request_) == expected


@pytest.mark.parametrize(("key", "aliases", "expected"), [
    (FORENSIC_KEY, ["alias/irready-forensics"], ALLOW),
    (FORENSIC_KEY, ["alias/payroll", "alias/irready-forensics"], ALLOW),  # a key may have several aliases
    (FORENSIC_KEY, ["alias/payroll"], IMPLICIT_DENY),  # another key of the security account
    (FORENSIC_KEY, [], IMPLICIT_DENY),
    (f"arn:aws:kms:us-east-1:{OTHER}:key/k", ["alias/irready-forensics"], IMPLICIT_DENY),  # a look-alike elsewhere
])
def test_the_forensic_key_is_found_by_its_alias(key, aliases, expected):
    via_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    for action, via in (("kms:ReEncryptTo", VIA_EC2), ("kms:GenerateDataKeyWithoutPlaintext", VIA_EC2),
                        ("kms:GenerateDataKey", via_s3)):  # the last: evidence objects, encrypted by S3
        request = Request(action, key, context={**via, "kms:ResourceAliases": aliases})
        assert evaluate([DOCUMENTS["responder"]], request) == expected
    # Never directly (outside EC2 and S3), even on the forensic key.
    request = Request("kms:GenerateDataKey", key, context={"kms:ResourceAliases": aliases})
    assert evaluate([DOCUMENTS["responder"]], request) == IMPLICIT_DENY


@pytest.mark.parametrize(("added", "expected"), [
    ({"ec2:Add/userId": [SECURITY]}, ALLOW),
    ({"ec2:Add/userId": [OTHER]}, IMPLICIT_DENY),
    ({"ec2:Add/userId": [SECURITY, OTHER]}, IMPLICIT_DENY),  # every account added must be the security account
    ({"ec2:Add/group": ["all"]}, IMPLICIT_DENY),  # public
    ({"ec2:Add/userId": [SECURITY], "ec2:Add/group": ["all"]}, IMPLICIT_DENY),
    ({}, IMPLICIT_DENY),
])
def test_the_responder_shares_snapshots_only_with_the_security_account(added, expected):
    request = Request("ec2:ModifySnapshotAttribute", _ec2("snapshot", "snap-1"), context=added)
    assert evaluate([DOCUMENTS["responder"]], request) == expected


def test_only_the_management_account_responder_quarantines_member_accounts_and_only_with_the_quarantine_scp():
    account = f"arn:aws:organizations::111111111111:account/o-exampleorg/{WORKLOAD}"
    management = [DOCUMENTS["responder_management"]]
    assert evaluate(management, Request("organizations:AttachPolicy", QUARANTINE_SCP)) == ALLOW
    assert evaluate(management, Request("organizations:AttachPolicy", account)) == ALLOW
    guardrail = "arn:aws:organizations::111111111111:policy/o-exampleorg/service_control_policy/p-guardrl"
    assert evaluate(management, Request("organizations:DetachPolicy", guardrail)) == IMPLICIT_DENY
    root = "arn:aws:organizations::111111111111:root/o-exampleorg/r-ab12"
    assert evaluate(management, Request("organizations:AttachPolicy", root)) == IMPLICIT_DENY


def test_only_the_responder_reaches_the_runbook_role():
    """The named exceptions of the runbook role (PutRolePolicy, PutBucketPolicy): only SSM Automation of its
    own account assumes it; the guardrail SCP lets only IncidentResponder (and deployers) pass it; the
    responder starts only irready's two runbooks, whose steps are fixed; the role never touches irready's
    own roles, policies or buckets."""
    trust = [DOCUMENTS["runbook_role_trust"]]
    ssm = {"aws:SourceAccount": WORKLOAD,
           "aws:SourceArn": f"arn:aws:ssm:us-east-1:{WORKLOAD}:automation-execution/e-1"}
    assert _service_trusted(trust[0], "ssm.amazonaws.com", ssm)
    assert not _service_trusted(trust[0], "ssm.amazonaws.com", {**ssm, "aws:SourceAccount": OTHER})
    assert not _service_trusted(trust[0], "lambda.amazonaws.com", ssm)
    scp = [ALLOW_ALL, DOCUMENTS["guardrail_scp"]]
    runbook_role = f"arn:aws:iam::{WORKLOAD}:role/irready-containment-automation"
    for principal, expected in ((f"arn:aws:iam::{WORKLOAD}:role/Developer", EXPLICIT_DENY),
                                (RESPONDER, ALLOW), (f"arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole",
                                                     ALLOW)):
        request = Request("iam:PassRole", runbook_role, context={"aws:PrincipalArn": principal})
        assert evaluate(scp, request) == expected, principal
    role = [DOCUMENTS["runbook_role"]]
    assert evaluate(role, Request("iam:PutRolePolicy", f"arn:aws:iam::{WORKLOAD}:role/app")) == ALLOW
    for protected in (RESPONDER, f"arn:aws:iam::{WORKLOAD}:role/irready-audit"):
        assert evaluate(role, Request("iam:PutRolePolicy", protected)) == EXPLICIT_DENY
    assert evaluate(role, Request("s3:PutBucketPolicy", "arn:aws:s3:::irready-trail-111111111111-us-east-1")) \
        == EXPLICIT_DENY
    steps = {name: [step["inputs"] for step in doc["mainSteps"]] for name, doc in policies.runbooks().items()}
    assert [s["Api"] for s in steps[policies.REVOKE_OLDER_SESSIONS_RUNBOOK]] == ["PutRolePolicy"]
    assert json.loads(steps[policies.REVOKE_OLDER_SESSIONS_RUNBOOK][0]["PolicyDocument"]) == \
        policies.revoke_older_sessions("{{IssuedBefore}}")
    assert [s["Api"] for s in steps[policies.LOCK_BUCKET_RUNBOOK]] == ["PutPublicAccessBlock", "PutBucketPolicy"]
    assert json.loads(steps[policies.LOCK_BUCKET_RUNBOOK][1]["Policy"]) == \
        policies.bucket_lockdown_policy("{{BucketName}}", "{{global:ACCOUNT_ID}}")


def _service_trusted(trust: dict, service: str, context: dict) -> bool:
    (statement,) = trust["Statement"]
    return statement["Principal"] == {"Service": service} and evaluate(
        [{"Statement": [{**statement, "Principal": "*"}]}], Request("sts:AssumeRole", principal=service,
                                                                    context=context)) == ALLOW


@pytest.mark.parametrize("bucket", ["payroll-exports"])
def test_the_lockdown_leaves_only_the_responder_and_the_audit(bucket):
    lockdown = [ALLOW_ALL, DOCUMENTS["bucket_lockdown"]]
    for principal, expected in ((f"arn:aws:iam::{WORKLOAD}:role/app", EXPLICIT_DENY), (RESPONDER, ALLOW),
                                (f"arn:aws:iam::{WORKLOAD}:role/irready-audit", ALLOW),
                                ("arn:aws:iam::999999999999:role/outsider", EXPLICIT_DENY)):
        request = Request("s3:GetObject", f"arn:aws:s3:::{bucket}/salaries.csv", principal=principal,
                          context={"aws:PrincipalArn": principal})
        assert evaluate(lockdown, request) == expected, principal


# --- the guardrail SCP ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("action", [*policies.TAMPER_ACTIONS, "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy",
                                    "iam:CreatePolicyVersion"])
@pytest.mark.parametrize(("principal", "expected"), [
    (f"arn:aws:iam::{WORKLOAD}:role/Admin", EXPLICIT_DENY),  # an account admin, or whoever stole its keys
    (f"arn:aws:iam::{WORKLOAD}:role/IncidentResponder", EXPLICIT_DENY),
    (f"arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole", ALLOW),  # the deploying principals
    (f"arn:aws:iam::{WORKLOAD}:role/stacksets-exec-0a1b2c", ALLOW),
])
def test_the_guardrail_denies_tampering_to_all_but_the_deployers(action, principal, expected):
    resource = {"iam:PutRolePolicy": f"arn:aws:iam::{WORKLOAD}:role/IncidentResponder",
                "iam:UpdateAssumeRolePolicy": f"arn:aws:iam::{WORKLOAD}:role/irready-audit",
                "iam:CreatePolicyVersion": f"arn:aws:iam::{WORKLOAD}:policy/irready-deny-all"}.get(action, "*")
    request = Request(action, resource, context={"aws:PrincipalArn": principal})
    assert evaluate([ALLOW_ALL, DOCUMENTS["guardrail_scp"]], request) == expected


def test_the_guardrail_leaves_other_roles_alone():
    request = Request("iam:PutRolePolicy", f"arn:aws:iam::{WORKLOAD}:role/app",
                      context={"aws:PrincipalArn": f"arn:aws:iam::{WORKLOAD}:role/Admin"})
    assert evaluate([ALLOW_ALL, DOCUMENTS["guardrail_scp"]], request) == ALLOW
    assert policies.guardrail_gaps(DOCUMENTS["guardrail_scp"]) == []
    assert set(policies.guardrail_gaps({})) >= set(policies.TAMPER_ACTIONS)  # the gap finder can find gaps


# --- the audit role's trust ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("principal", "context", "expected"), [
    (f"arn:aws:iam::{SECURITY}:role/Investigators", {"aws:MultiFactorAuthPresent": "true"}, ALLOW),
    (f"arn:aws:iam::{SECURITY}:role/Investigators", {}, IMPLICIT_DENY),  # humans need MFA
    (f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit", {}, ALLOW),  # named automation: no MFA
    (f"arn:aws:iam::{SECURITY}:role/web-app", {"aws:MultiFactorAuthPresent": "true"}, IMPLICIT_DENY),
    (f"arn:aws:iam::{SECURITY}:role/web-app", {}, IMPLICIT_DENY),  # a workload role of the security account
    (f"arn:aws:iam::{OTHER}:role/Investigators", {"aws:MultiFactorAuthPresent": "true"}, IMPLICIT_DENY),
])
def test_the_audit_role_trusts_named_principals_only(principal, context, expected):
    request = Request("sts:AssumeRole", principal=principal, context={**context, "aws:PrincipalArn": principal})
    assert evaluate([DOCUMENTS["audit_trust"]], request) == expected


# --- The VPC preparation role (organization mode, issue #18): least privilege, proven by request ---------

_PREP = [DOCUMENTS["vpc_preparation"]]
_SG = _ec2("security-group", "sg-new")
_VPC = _ec2("vpc", "vpc-new")
_CONTAINMENT_TAG = {"aws:RequestTag/irready:containment": "quarantine", "aws:TagKeys": ["irready:containment"]}


@pytest.mark.parametrize("request_", [
    Request("ec2:DescribeVpcs"), Request("ec2:DescribeFlowLogs"), Request("ec2:DescribeSecurityGroups"),
    Request("route53resolver:ListResolverQueryLogConfigs"),
    Request("route53resolver:ListResolverQueryLogConfigAssociations"),
    Request("ec2:CreateFlowLogs", _VPC), Request("ec2:CreateFlowLogs", _ec2("vpc-flow-log", "fl-1")),
    Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/irready-flow-logs-org",
            context={"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}),
    Request("ec2:CreateSecurityGroup", _VPC), Request("ec2:CreateSecurityGroup", _SG, context=_CONTAINMENT_TAG),
    Request("ec2:CreateTags", _SG, context={"ec2:CreateAction": "CreateSecurityGroup"}),
    Request("ec2:RevokeSecurityGroupEgress", _SG, context={"aws:ResourceTag/irready:containment": "quarantine"}),
    Request("ec2:AuthorizeSecurityGroupIngress", _SG, context={"aws:ResourceTag/irready:containment": "isolation"}),
    # the security account's configuration, shared through RAM: its ARN names the owner (below)
    Request("route53resolver:AssociateResolverQueryLogConfig",
            f"arn:aws:route53resolver:us-east-1:{SECURITY}:resolver-query-log-config/rqlc-1"),
])
def test_the_vpc_preparation_role_can_do_every_step(request_):
    assert evaluate(_PREP, request_) == ALLOW


@pytest.mark.parametrize("request_", [
    Request("ec2:CreateFlowLogs", f"arn:aws:ec2:us-east-1:{OTHER}:vpc/vpc-1"),  # another account's VPC
    Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/Admin",
            context={"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}),
    Request("iam:PassRole", f"arn:aws:iam::{WORKLOAD}:role/irready-flow-logs-org",
            context={"iam:PassedToService": "ec2.amazonaws.com"}),  # to an instance: its credentials
    Request("ec2:CreateTags", _SG),  # retagging an existing group into a containment group
    Request("ec2:CreateTags", _ec2("instance", "i-1"), context={"ec2:CreateAction": "RunInstances"}),
    Request("ec2:AuthorizeSecurityGroupIngress", _SG),  # opening an application's group
    Request("ec2:AuthorizeSecurityGroupIngress", _SG, context={"aws:ResourceTag/irready:containment": "web"}),
    Request("ec2:DeleteFlowLogs", "*"), Request("ec2:DeleteSecurityGroup", _SG),
    Request("route53resolver:DisassociateResolverQueryLogConfig", "*"), Request("iam:PutRolePolicy", "*"),
    Request("ec2:ModifyNetworkInterfaceAttribute", _SG),
    # the member's own configuration (its destination is the member's to choose and delete), or another's
    Request("route53resolver:AssociateResolverQueryLogConfig",
            f"arn:aws:route53resolver:us-east-1:{WORKLOAD}:resolver-query-log-config/rqlc-own"),
    Request("route53resolver:AssociateResolverQueryLogConfig",
            f"arn:aws:route53resolver:us-east-1:{OTHER}:resolver-query-log-config/rqlc-2"),
])
def test_the_vpc_preparation_role_cannot_do_more(request_):
    assert evaluate(_PREP, request_) == IMPLICIT_DENY


@pytest.mark.parametrize(("context", "expected"), [
    (_CONTAINMENT_TAG, ALLOW), ({**_CONTAINMENT_TAG, "aws:RequestTag/irready:containment": "isolation"}, ALLOW),
    ({"aws:RequestTag/irready:containment": "web", "aws:TagKeys": ["irready:containment"]}, IMPLICIT_DENY),
    ({"aws:RequestTag/irready:containment": "quarantine", "aws:TagKeys": ["irready:containment", "owner"]},
     IMPLICIT_DENY),
    ({}, IMPLICIT_DENY)])
def test_the_vpc_preparation_role_creates_only_tagged_containment_groups(context, expected):
    """The named parliament exception (RESOURCE_MISMATCH on CreateGroupsInVpcs): AWS authorizes the VPC and
    the new group of CreateSecurityGroup each against all statements; the group is allowed only with the
    containment tag and no other, so the VPC statement alone creates nothing
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-security-groups)."""
    assert evaluate(_PREP, Request("ec2:CreateSecurityGroup", _VPC)) == ALLOW
    assert evaluate(_PREP, Request("ec2:CreateSecurityGroup", _SG, context=context)) == expected


def test_association_with_a_shared_configuration_is_authorized_against_the_owners_arn():
    """AssociateResolverQueryLogConfig has one resource type, the configuration (``resolver-query-log-config*``,
    ARN ``arn:${Partition}:route53resolver:${Region}:${Account}:resolver-query-log-config/${ResourceId}``),
    and a configuration shared through RAM keeps its owner's ARN: the participant's call is authorized
    against the security account's ARN, which the provisioning role must name
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53resolver.html,
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html).
    Read here from parliament's copy of the Service Authorization Reference."""
    import parliament
    reference = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    [resolver] = [s for s in reference if s["prefix"] == "route53resolver"]
    [associate] = [a for a in resolver["privileges"] if a["privilege"] == "AssociateResolverQueryLogConfig"]
    assert [t["resource_type"] for t in associate["resource_types"]] == ["resolver-query-log-config*"]
    [config] = [r for r in resolver["resources"] if r["resource"] == "resolver-query-log-config"]
    assert config["arn"].split(":")[4] == "${Account}"
    [statement] = [s for s in _PREP[0]["Statement"] if "route53resolver:AssociateResolverQueryLogConfig" in s["Action"]]
    assert statement["Resource"] == f"arn:aws:route53resolver:*:{SECURITY}:resolver-query-log-config/*"


@pytest.mark.parametrize(("principal", "expected"), [
    (f"arn:aws:iam::{SECURITY}:role/irready-vpc-preparation-function", ALLOW),
    (f"arn:aws:iam::{SECURITY}:role/Admin", IMPLICIT_DENY),
    (f"arn:aws:iam::{OTHER}:role/irready-vpc-preparation-function", IMPLICIT_DENY)])
def test_only_the_preparation_function_assumes_the_vpc_preparation_role(principal, expected):
    request = Request("sts:AssumeRole", "*", principal=principal, context={"aws:PrincipalArn": principal})
    assert evaluate([DOCUMENTS["vpc_preparation_trust"]], request) == expected


# --- The security contacts function (organization mode, issue #18): the SECURITY contact of this organization's
# member accounts, and nothing else. Account Management's resources and condition key:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsaccountmanagement.html

_CONTACTS = [DOCUMENTS["security_contacts"]]
_MEMBER = f"arn:aws:account::{MANAGEMENT}:account/o-exampleorg/{WORKLOAD}"
_SECURITY_TYPE = {"account:AlternateContactTypes": ["SECURITY"]}


@pytest.mark.parametrize("request_", [
    Request("account:PutAlternateContact", _MEMBER, context=_SECURITY_TYPE),
    Request("account:GetAlternateContact", _MEMBER, context=_SECURITY_TYPE),
    Request("account:PutAlternateContact", f"arn:aws:account::{SECURITY}:account", context=_SECURITY_TYPE),
    Request("organizations:ListAccounts"), Request("organizations:DescribeOrganization")])
def test_the_security_contacts_function_can_do_every_step(request_):
    assert evaluate(_CONTACTS, request_) == ALLOW


@pytest.mark.parametrize("request_", [
    Request("account:PutAlternateContact", _MEMBER, context={"account:AlternateContactTypes": ["BILLING"]}),
    Request("account:PutAlternateContact", _MEMBER, context={"account:AlternateContactTypes": ["OPERATIONS"]}),
    Request("account:PutAlternateContact", _MEMBER, context={"account:AlternateContactTypes": ["SECURITY", "BILLING"]}),
    Request("account:PutAlternateContact", _MEMBER),  # no contact type in the request: not let through
    Request("account:PutAlternateContact", f"arn:aws:account::{MANAGEMENT}:account/o-otherorg/{WORKLOAD}",
            context=_SECURITY_TYPE),  # another organization's account
    Request("account:PutAlternateContact", f"arn:aws:account::{OTHER}:account/o-exampleorg/{WORKLOAD}",
            context=_SECURITY_TYPE),  # another management account
    Request("account:PutAlternateContact", f"arn:aws:account::{MANAGEMENT}:account",
            context=_SECURITY_TYPE),  # the management account (its own contact is Pulumi's)
    Request("account:DeleteAlternateContact", _MEMBER, context=_SECURITY_TYPE),
    Request("account:PutContactInformation", _MEMBER), Request("account:PutAccountName", _MEMBER),
    Request("account:EnableRegion", _MEMBER, context={"account:TargetRegion": "af-south-1"}),
    Request("account:DisableRegion", _MEMBER, context={"account:TargetRegion": "af-south-1"}),
    Request("account:StartPrimaryEmailUpdate", _MEMBER), Request("organizations:MoveAccount"),
    Request("organizations:RegisterDelegatedAdministrator")])
def test_the_security_contacts_function_cannot_do_more(request_):
    assert evaluate(_CONTACTS, request_) == IMPLICIT_DENY


@pytest.mark.parametrize(("resource", "expected"), [
    (f"arn:aws:events:us-east-1:{SECURITY}:event-bus/irready-member-events", ALLOW),
    (f"arn:aws:events:us-east-1:{SECURITY}:event-bus/default", IMPLICIT_DENY),
    (f"arn:aws:events:us-east-1:{OTHER}:event-bus/irready-member-events", IMPLICIT_DENY)])
def test_the_management_forwarder_puts_events_on_the_member_events_bus_only(resource, expected):
    assert evaluate([DOCUMENTS["security_contacts_forwarder"]], Request("events:PutEvents", resource)) == expected


# --- The preparation function's own role: one reconciliation request per account, on the member-events bus only --

_FUNCTION = [DOCUMENTS["vpc_preparation_function"]]
_BUS = f"arn:aws:events:us-east-1:{SECURITY}:event-bus/irready-member-events"
_REQUEST = {"events:source": "irready.vpc-preparation", "events:detail-type": "irready VPC reconciliation"}


@pytest.mark.parametrize(("request_", "expected"), [
    (Request("events:PutEvents", _BUS, context=_REQUEST), ALLOW),
    (Request("events:PutEvents", f"arn:aws:events:us-east-1:{SECURITY}:event-bus/default", context=_REQUEST),
     IMPLICIT_DENY),  # the default bus: its rules route alerts to the responders' topic
    (Request("events:PutEvents", f"arn:aws:events:eu-west-1:{SECURITY}:event-bus/irready-member-events",
             context=_REQUEST), IMPLICIT_DENY),
    # an alert or a CreateVpc of someone else's (aws.* sources are refused to customers anyway)
    (Request("events:PutEvents", _BUS, context={**_REQUEST, "events:source": "irready.alerts"}), IMPLICIT_DENY),
    (Request("events:PutEvents", _BUS, context={**_REQUEST, "events:detail-type": "AWS API Call via CloudTrail"}),
     IMPLICIT_DENY),
    (Request("events:PutEvents", _BUS), IMPLICIT_DENY),
    (Request("sts:AssumeRole", f"arn:aws:iam::{WORKLOAD}:role/irready-vpc-preparation",
             context={"aws:ResourceOrgID": "o-exampleorg"}), ALLOW),
    (Request("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/irready-vpc-preparation",
             context={"aws:ResourceOrgID": "o-another"}), IMPLICIT_DENY),
    (Request("sts:AssumeRole", f"arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole",
             context={"aws:ResourceOrgID": "o-exampleorg"}), IMPLICIT_DENY),
    (Request("events:PutRule", "*"), IMPLICIT_DENY), (Request("events:PutTargets", "*"), IMPLICIT_DENY),
])
def test_the_preparation_function_requests_reconciliations_and_nothing_else(request_, expected):
    """events:source and events:detail-type are PutEvents' condition keys
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html)."""
    assert evaluate(_FUNCTION, request_) == expected
