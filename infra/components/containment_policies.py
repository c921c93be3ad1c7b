"""The ready-to-attach deny policies, in every account, from the documents in policies/."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

from irready import policies


@dataclass(frozen=True)
class ContainmentPoliciesArgs:
    provider: aws.Provider
    trusted_cidrs: tuple[str, ...]
    revoke_sessions_before: str  # responders bump it at incident time with a new policy version
    deny_except_actions: tuple[str, ...]
    # In the management account: also the quarantine SCP, created but attached to nothing. Attach it
    # to a compromised member account to freeze everyone but the responders (never the management
    # account: SCPs do not apply there).
    organization_quarantine_scp: bool = False


# Documents responders change at incident time (a new version with a later cutoff): the stack sets
# them once and never reverts them, so `pulumi up --refresh` keeps the responder's value.
INCIDENT_TIME = {policies.REVOKE_OLDER_SESSIONS.name: ["policy"]}


def documents(args: ContainmentPoliciesArgs) -> dict[str, dict]:
    return {
        policies.DENY_ALL.name: policies.deny_all(),
        policies.DENY_EXCEPT.name: policies.deny_except(list(args.deny_except_actions)),
        policies.DENY_UNLESS_TRUSTED_IP.name: policies.deny_unless_trusted_ip(list(args.trusted_cidrs)),
        policies.REVOKE_OLDER_SESSIONS.name: policies.revoke_older_sessions(args.revoke_sessions_before),
    }


class ContainmentPolicies(pulumi.ComponentResource):
    def __init__(self, name: str, args: ContainmentPoliciesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:ContainmentPolicies", name, None, opts)
        purposes = {p.name: p.purpose for p in policies.CONTAINMENT_POLICIES}
        self.policies = {
            policy_name: aws.iam.Policy(f"{name}-{policy_name}", name=policy_name, description=purposes[policy_name],
                                        policy=json.dumps(document),
                                        opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                                                    ignore_changes=INCIDENT_TIME.get(policy_name)))
            for policy_name, document in documents(args).items()}
        outputs = {policy_name: policy.arn for policy_name, policy in self.policies.items()}
        if args.organization_quarantine_scp:
            self.quarantine_scp = aws.organizations.Policy(
                f"{name}-quarantine-scp", name=f"{names.NAME_PREFIX}quarantine-account", type="SERVICE_CONTROL_POLICY",
                description="Attach to a compromised member account: "
                            "denies all but IncidentResponder and irready-audit",
                content=json.dumps(policies.quarantine_scp([f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}",
                                                            f"arn:aws:iam::*:role/{names.AUDIT_ROLE_NAME}"])),
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider))
            outputs["quarantine_scp_id"] = self.quarantine_scp.id
        self.register_outputs(outputs)
