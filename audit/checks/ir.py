"""Containment readiness: someone allowed to act, a place to put a compromised instance, and
deny policies ready to attach."""

from __future__ import annotations

import json
from collections.abc import Iterator

from irready.audit.checks._iam_docs import role_documents
from irready.audit.context import AccountContext
from irready.audit.iam_policy import role_allows, statements
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import require
from irready.policies import names
from irready.policies.escalation import escalation_paths
from irready.policies.readiness import quarantine_group_problems, responder_trust_problems

from irready import policies


def missing_capabilities(documents: list[dict], boundary: dict | None) -> list[str]:
    return [capability.name for capability in policies.RESPONDER_CAPABILITIES
            if not any(all(role_allows(documents, boundary, action) for action in actions)
                       for actions in capability.any_of)]


def _responder_role(ctx: AccountContext) -> Iterator[Result]:
    name = ctx.config.responder_role_name
    iam = ctx.service("iam")
    role = iam["roles"].get(name)
    if role is None:
        yield Result.failed(GLOBAL, name, f"there is no role {name}: nobody is set up to contain an incident here")
        return
    if not ctx.config.security_account_id:
        yield Result.unknown(GLOBAL, role["arn"], "set security_account_id in the [audit] config to check who may "
                             "assume the responder role")
        return
    documents, boundary = role_documents(iam, role)
    problems = [f"its trust policy: {p}" for p in
                responder_trust_problems(role["trust_policy"] or {}, ctx.config.security_account_id)]
    try:
        escalations = escalation_paths(documents, boundary, role["arn"])
    except ValueError as error:  # a condition operator our evaluator does not read: say so, never pass
        yield Result.unknown(GLOBAL, role["arn"], f"cannot judge whether it can escalate: {error}")
        return
    if escalations:
        problems.append("it can escalate: " + "; ".join(escalations))
    missing = missing_capabilities(documents, boundary)
    if missing:
        problems.append("it cannot " + ", ".join(missing))
    if problems:
        yield Result.failed(GLOBAL, role["arn"], "; ".join(problems))
    else:
        yield Result.passed(GLOBAL, role["arn"], f"assumable from {ctx.config.security_account_id}, can "
                            "contain (isolate, stop, snapshot and share, disable keys, attach deny policies, run "
                            "the runbooks) and cannot escalate")


ISOLATION_GROUP = names.ISOLATION_GROUP_NAME  # step 1 of the two-step swap (docs/containment.md)


def _allows_everything(rules: list[dict]) -> bool:
    return any(r.get("IpProtocol") == "-1" and any(x.get("CidrIp") == "0.0.0.0/0" for x in r.get("IpRanges", []))
               for r in rules) and any(r.get("IpProtocol") == "-1" and any(
                   x.get("CidrIpv6") == "::/0" for x in r.get("Ipv6Ranges", [])) for r in rules)


def isolation_problem(group: dict | None) -> str | None:
    """Why the isolation group cannot do step 1 (make tracked flows untracked), or None. A flow is
    untracked only while rules allow all traffic from and to anywhere, both ways, IPv4 and IPv6:
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html"""
    if group is None:
        return f"no security group {ISOLATION_GROUP} for step 1 of the swap (tracked connections survive step 2)"
    if not (_allows_everything(group["ingress"]) and _allows_everything(group["egress"])):
        return f"{ISOLATION_GROUP} does not allow all traffic both ways (IPv4 and IPv6), so tracked flows stay tracked"
    return None


def _quarantine_group(ctx: AccountContext) -> Iterator[Result]:
    group_name = ctx.config.quarantine_group_name

    def judge(region: str, data: dict) -> Iterator[Result]:
        vpcs = require(data["vpcs"], f"VPCs in {region}")
        groups = require(data["quarantine_groups"], f"security groups in {region}")
        by_vpc = {g["vpc_id"]: g for g in groups if g["name"] == group_name}
        isolation = {g["vpc_id"]: g for g in groups if g["name"] == ISOLATION_GROUP}
        for vpc in vpcs:
            group = by_vpc.get(vpc["vpc_id"])
            step_one = isolation_problem(isolation.get(vpc["vpc_id"]))
            if group is None:
                yield Result.failed(region, vpc["vpc_id"], f"no security group {group_name} to isolate instances with")
            elif problems := quarantine_group_problems(group["ingress"], group["egress"]):
                yield Result.failed(region, group["group_id"], f"{group_name} has {' and '.join(problems)}; "
                                    "it must allow no traffic")
            elif step_one:
                yield Result.failed(region, group["group_id"], f"{vpc['vpc_id']}: {step_one}")
            else:
                yield Result.passed(region, group["group_id"], f"{group_name} in {vpc['vpc_id']} allows no traffic, "
                                    f"{ISOLATION_GROUP} allows all traffic both ways")
    return ctx.per_region("ec2", judge)


def policy_shape(document: dict | None) -> list[tuple]:
    """What a policy does, without the values config fills in (CIDRs, cutoff time, allow-list)."""
    return sorted((s.get("Effect"), "NotAction" in s, json.dumps(s.get("Action")) if "Action" in s else "",
                   tuple(sorted((operator, key) for operator, keys in (s.get("Condition") or {}).items()
                                for key in keys)))
                  for s in statements(document))


def _containment_policies(ctx: AccountContext) -> Iterator[Result]:
    deployed = ctx.service("iam")["containment_policies"]
    missing, altered = [], []
    for policy in policies.REQUIRED_CONTAINMENT_POLICIES:
        if policy.name not in deployed:
            missing.append(policy.name)
        elif policy_shape(deployed[policy.name]["document"]) != policy_shape(policies.load(policy.file)):
            altered.append(policy.name)
    if missing or altered:
        reasons = ([f"missing: {', '.join(missing)}"] if missing else []) + \
                  ([f"not what policies/ defines: {', '.join(altered)}"] if altered else [])
        yield Result.failed(GLOBAL, NO_RESOURCE, "; ".join(reasons))
    else:
        yield Result.passed(GLOBAL, NO_RESOURCE, "deny-all, deny-unless-trusted-IP and revoke-older-sessions are ready")


CHECKS = (
    Check(
        id="ir.responder_role",
        categories=("access",),
        title="A responder role can contain an incident",
        severity=Severity.CRITICAL,
        rationale="In an incident there is no time to negotiate permissions. Responders from the security account "
                  "need a role, in every account, that can isolate and stop instances, snapshot volumes and share "
                  "them with the security account, disable keys, attach deny policies to users and roles, and run "
                  "the revoke-sessions and lock-bucket runbooks. A responder that can attach or put an arbitrary "
                  "policy, pass an arbitrary role or change its own trust plants an escalation path in every "
                  "account.",
        remediation="Deploy infra component IncidentResponseRoles (infra/components/ir_roles.py): IncidentResponder "
                    "trusting only the security account, with the permissions in policies/iam/responder.json, "
                    "which contain without any escalation path (no Put*Policy, CreatePolicyVersion, PassRole or "
                    "PutBucketPolicy on *; attach only irready-* policies).",
        references=("https://docs.aws.amazon.com/whitepapers/latest/aws-security-incident-response-guide/"
                    "use-iam-roles-for-incident-response.html",),
        evaluate=_responder_role,
    ),
    Check(
        id="ir.quarantine_security_group",
        categories=("containment",),
        title="Every VPC has an empty quarantine group and an all-traffic isolation group",
        severity=Severity.HIGH,
        rationale="Moving a compromised instance to a group with no rules stops new connections at once, without "
                  "touching its neighbours (a NACL would). Having it ready saves minutes; an accidental rule in it "
                  "defeats it.",
        remediation="Deploy infra component QuarantineSecurityGroups (infra/components/quarantine.py); "
                    "see docs/containment.md for the connection-tracking two-step swap.",
        references=("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html",
                    "https://docs.aws.amazon.com/security-ir/latest/userguide/source-containment.html"),
        evaluate=_quarantine_group,
    ),
    Check(
        id="ir.containment_policies",
        categories=("containment",),
        title="Deny policies are ready to attach",
        severity=Severity.MEDIUM,
        rationale="Deny-all, deny-unless-trusted-IP and revoke-older-sessions policies, created ahead of time and "
                  "reviewed, can be attached in seconds to a compromised user or role.",
        remediation="Deploy infra component ContainmentPolicies (infra/components/containment_policies.py), "
                    "which creates the documents in policies/iam/.",
        references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html",),
        evaluate=_containment_policies,
    ),
)
