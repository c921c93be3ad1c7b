"""The two roles of incident response in every account: IncidentResponder, which can contain, and
irready-audit, which can only read (what `irready audit` assumes); with what containment needs beside
them: a permission-less quarantine instance profile, and the containment runbooks (SSM Automation
documents, in every region) with the one role they run as."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

from irready import policies

READ_ONLY_MANAGED = ("arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")


@dataclass(frozen=True)
class IncidentResponseRolesArgs:
    provider: aws.Provider
    security_account_id: pulumi.Input[str]  # known, or the id of an account created in this stack
    responder_external_id: str | None = None  # None: responders need MFA
    max_session_seconds: int = 3600
    account_id: str = ""  # this account (the runbook role's confused-deputy guard)
    regions: tuple[str, ...] = ()  # where the runbooks are created
    quarantine_scp_arn: pulumi.Input[str] | None = None  # management account: the one SCP responders attach
    audit_human_principals: tuple[str, ...] = ()  # who may assume irready-audit, with MFA
    audit_automation_principals: tuple[str, ...] = ()  # ... and without (named automation roles)


class IncidentResponseRoles(pulumi.ComponentResource):
    def __init__(self, name: str, args: IncidentResponseRolesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:IncidentResponseRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.responder = aws.iam.Role(
            f"{name}-responder", name=names.RESPONDER_ROLE_NAME, max_session_duration=args.max_session_seconds,
            assume_role_policy=pulumi.Output.from_input(args.security_account_id).apply(
                lambda security: json.dumps(policies.responder_trust_policy(security, args.responder_external_id))),
            description="Contain incidents: isolate, snapshot, disable keys, attach deny policies, lock buckets",
            opts=child)
        aws.iam.RolePolicy(f"{name}-responder-permissions", role=self.responder.id, name="containment", opts=child,
                           policy=pulumi.Output.all(args.security_account_id, args.quarantine_scp_arn).apply(
                               lambda values: json.dumps(policies.responder_permissions(*values))))

        audit_trust = pulumi.Output.from_input(args.security_account_id).apply(lambda security: json.dumps(
            policies.audit_trust_policy(security, args.audit_human_principals, args.audit_automation_principals)))
        self.audit = aws.iam.Role(f"{name}-audit", name=names.AUDIT_ROLE_NAME,
                                  max_session_duration=args.max_session_seconds, assume_role_policy=audit_trust,
                                  description="Read-only: investigators and `irready audit`", opts=child)
        # The exact reads the audit makes (the list its tests hold it to), plus AWS's read-only
        # policies for human investigators.
        aws.iam.RolePolicy(f"{name}-audit-reads", role=self.audit.id, name=f"{names.AUDIT_ROLE_NAME}-reads",
                           policy=json.dumps(policies.audit_read_policy()), opts=child)
        for arn in READ_ONLY_MANAGED:
            aws.iam.RolePolicyAttachment(f"{name}-audit-{arn.rsplit('/', 1)[-1]}", role=self.audit.name,
                                         policy_arn=arn, opts=child)

        # What a compromised instance's profile is replaced with: a role with no policy at all.
        quarantine = aws.iam.Role(f"{name}-quarantine-instance", name=policies.QUARANTINE_INSTANCE_ROLE, opts=child,
                                  description="irready: the permission-less role of a quarantined instance",
                                  assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                                      "Effect": "Allow", "Action": "sts:AssumeRole",
                                      "Principal": {"Service": "ec2.amazonaws.com"}}]}))
        self.quarantine_profile = aws.iam.InstanceProfile(f"{name}-quarantine-profile", role=quarantine.name,
                                                          name=policies.QUARANTINE_INSTANCE_ROLE, opts=child)

        runbook_role = aws.iam.Role(f"{name}-runbook-role", name=policies.RUNBOOK_ROLE, opts=child,
                                    description="irready: the containment runbooks' role (SSM Automation only)",
                                    assume_role_policy=json.dumps(policies.runbook_role_trust(args.account_id)))
        aws.iam.RolePolicy(f"{name}-runbook-permissions", role=runbook_role.id, name="containment-runbooks",
                           policy=json.dumps(policies.runbook_role_permissions()), opts=child)
        for region in args.regions:
            for runbook, content in policies.runbooks().items():
                aws.ssm.Document(f"{name}-{region}-{runbook}", name=runbook, document_type="Automation",
                                 document_format="JSON", content=json.dumps(content), region=region, opts=child)
        self.register_outputs({"responder_arn": self.responder.arn, "audit_arn": self.audit.arn})
