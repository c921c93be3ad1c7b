"""Every document in policies/, filled in as deployed with example values, by name: the set the linter,
the analysers and the semantic tests all run over (a new document must be added here)."""

from __future__ import annotations

from irready.policies import alternate_contacts, investigation, vpc_preparation

from irready import policies

SECURITY, MANAGEMENT, WORKLOAD = "210987654321", "111111111111", "123456789012"
FORENSIC_KEY = f"arn:aws:kms:us-east-1:{SECURITY}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EVIDENCE_BUCKET = f"irready-evidence-{SECURITY}-us-east-1"
QUARANTINE_SCP = f"arn:aws:organizations::{MANAGEMENT}:policy/o-exampleorg/service_control_policy/p-examplep"
DEPLOYERS = ["arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*"]


def responder(management: bool = False) -> dict:
    return policies.responder_permissions(SECURITY, QUARANTINE_SCP if management else None)


DOCUMENTS = {
    "deny_all": policies.deny_all(),
    "deny_except": policies.deny_except(["s3:GetObject", "logs:PutLogEvents"]),
    "deny_unless_trusted_ip": policies.deny_unless_trusted_ip(["192.0.2.0/24"]),
    "revoke_older_sessions": policies.revoke_older_sessions("2026-11-22T10:00:00Z"),
    "quarantine_scp": policies.quarantine_scp(["arn:aws:iam::*:role/IncidentResponder",
                                               "arn:aws:iam::*:role/irready-audit"]),
    "guardrail_scp": policies.guardrail_scp(DEPLOYERS),
    "responder": responder(),
    "responder_management": responder(management=True),
    "responder_trust_mfa": policies.responder_trust_policy(SECURITY),
    "responder_trust_external_id": policies.responder_trust_policy(SECURITY, "x"),
    "audit_read": policies.audit_read_policy(),
    "audit_trust": policies.audit_trust_policy(SECURITY, (f"arn:aws:iam::{SECURITY}:role/Investigators",),
                                               (f"arn:aws:iam::{SECURITY}:role/irready-scheduled-audit",)),
    "runbook_role": policies.runbook_role_permissions(),
    "runbook_role_trust": policies.runbook_role_trust(WORKLOAD),
    "bucket_lockdown": policies.bucket_lockdown_policy("payroll-exports", WORKLOAD),
    "investigator": investigation.investigator_policy(
        region="us-east-1", account_id=SECURITY, results_bucket="results",
        results_key_arn=f"arn:aws:kms:us-east-1:{SECURITY}:key/1", log_buckets=["trail", "network"],
        log_key_arns=[f"arn:aws:kms:us-east-1:{MANAGEMENT}:key/2"]),
    "investigator_trust": investigation.investigator_trust_policy(SECURITY),
    "vpc_preparation": vpc_preparation.provisioning_role_permissions(WORKLOAD, SECURITY),
    "vpc_preparation_trust": vpc_preparation.provisioning_role_trust(SECURITY),
    "flow_log_delivery": vpc_preparation.flow_log_delivery_permissions(
        vpc_preparation.flow_log_group_arns(WORKLOAD)),
    "security_contacts": alternate_contacts.function_permissions("us-east-1", SECURITY, MANAGEMENT, "o-exampleorg"),
    "security_contacts_forwarder": alternate_contacts.forwarder_permissions(
        f"arn:aws:events:us-east-1:{SECURITY}:event-bus/irready-member-events"),
    "vpc_preparation_function": vpc_preparation.function_permissions("us-east-1", SECURITY, "o-exampleorg"),
}
# The documents a principal holds (identity policies with Allow statements): what the analysers judge.
IDENTITY_POLICIES = ("responder", "responder_management", "audit_read", "runbook_role", "vpc_preparation",
                     "security_contacts", "security_contacts_forwarder", "vpc_preparation_function",
                     "flow_log_delivery")
