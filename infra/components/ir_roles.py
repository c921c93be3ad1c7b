"""The two roles of incident response in every account: IncidentResponder, which can contain, and
irready-audit, which can only read (what `irready audit` assumes)."""

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
        aws.iam.RolePolicy(f"{name}-responder-permissions", role=self.responder.id, name="containment",
                           policy=json.dumps(policies.responder_permissions()), opts=child)

        audit_trust = pulumi.Output.from_input(args.security_account_id).apply(lambda security: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": f"arn:aws:iam::{security}:root"}}]}))
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
        self.register_outputs({"responder_arn": self.responder.arn, "audit_arn": self.audit.arn})
