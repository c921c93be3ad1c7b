"""The IAM and SCP documents that both halves of irready use.

`infra/` creates these documents in every account; `audit/` checks that they are there and that
they still say what they should. Both read them from here, so the two cannot drift apart.
The JSON files are the documents as deployed, with the parts that depend on stack config left empty;
the functions below fill those parts in.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import names

_HERE = Path(__file__).parent


@cache
def _load(relative_path: str) -> dict:
    return json.loads((_HERE / relative_path).read_text())


def load(relative_path: str) -> dict:
    """A fresh copy of a document in this folder, e.g. ``load("iam/deny_all.json")``."""
    return copy.deepcopy(_load(relative_path))


# --- Ready-to-attach containment policies (customer managed, in every account) ---------------------

@dataclass(frozen=True)
class ContainmentPolicy:
    name: str  # the IAM policy name in every account; the audit looks for exactly this name
    file: str
    purpose: str


DENY_ALL = ContainmentPolicy(
    names.NAME_PREFIX + "deny-all", "iam/deny_all.json",
    "Deny every action. Attach to a compromised user or role to stop it outright.")
DENY_EXCEPT = ContainmentPolicy(
    names.NAME_PREFIX + "deny-except", "iam/deny_except.json",
    "Deny every action but an allow-list, for when denying all would break production.")
DENY_UNLESS_TRUSTED_IP = ContainmentPolicy(
    names.NAME_PREFIX + "deny-unless-trusted-ip", "iam/deny_unless_trusted_ip.json",
    "Deny calls from outside the trusted CIDRs, except calls AWS services make on the principal's behalf.")
REVOKE_OLDER_SESSIONS = ContainmentPolicy(
    names.NAME_PREFIX + "revoke-older-sessions", "iam/revoke_older_sessions.json",
    "Deny temporary credentials issued before a cutoff. Does not stop long-term access keys: disable those.")

CONTAINMENT_POLICIES = (DENY_ALL, DENY_EXCEPT, DENY_UNLESS_TRUSTED_IP, REVOKE_OLDER_SESSIONS)
# The three the readiness audit requires (`ir.containment_policies`); deny-except is optional
# because its allow-list is specific to each workload.
REQUIRED_CONTAINMENT_POLICIES = (DENY_ALL, DENY_UNLESS_TRUSTED_IP, REVOKE_OLDER_SESSIONS)


def deny_all() -> dict:
    return load(DENY_ALL.file)


def deny_except(allowed_actions: list[str]) -> dict:
    if not allowed_actions:
        raise ValueError("deny_except needs at least one allowed action")
    doc = load(DENY_EXCEPT.file)
    doc["Statement"][0]["NotAction"] = list(allowed_actions)
    return doc


def deny_unless_trusted_ip(trusted_cidrs: list[str]) -> dict:
    if not trusted_cidrs:
        raise ValueError("deny_unless_trusted_ip needs at least one trusted CIDR")
    doc = load(DENY_UNLESS_TRUSTED_IP.file)
    doc["Statement"][0]["Condition"]["NotIpAddress"]["aws:SourceIp"] = list(trusted_cidrs)
    return doc


def revoke_older_sessions(issued_before: str) -> dict:
    """``issued_before`` is an ISO 8601 UTC time, e.g. ``2026-01-01T00:00:00Z``."""
    doc = load(REVOKE_OLDER_SESSIONS.file)
    doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"] = issued_before
    return doc


def quarantine_scp(exempt_principal_arns: list[str]) -> dict:
    """Deny everything in a quarantined account except to the responders' roles.

    SCPs never apply to the organization's management account.
    """
    if not exempt_principal_arns:
        raise ValueError("quarantine_scp needs the responder role ARN pattern(s) to exempt")
    doc = load("scp/quarantine.json")
    doc["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = list(exempt_principal_arns)
    return doc


def region_deny_scp(allowed_regions: list[str], exempt_principal_arns: list[str]) -> dict:
    """Deny every regional action outside ``allowed_regions``, global services excepted, for everyone
    but the exempt principals (the responders act in every region). Follows the Organizations example
    "Deny access to AWS based on the requested AWS Region"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html)."""
    if not allowed_regions:
        raise ValueError("region_deny_scp needs at least one allowed region")
    doc = load("scp/region_deny.json")
    condition = doc["Statement"][0]["Condition"]
    condition["StringNotEquals"]["aws:RequestedRegion"] = sorted(allowed_regions)
    condition["ArnNotLike"]["aws:PrincipalARN"] = list(exempt_principal_arns)
    return doc


# --- The audit role ------------------------------------------------------------------------------------

def audit_read_policy() -> dict:
    """Every action `irready audit` performs, and nothing else: the audit role's policy, and the
    allow-list the tests hold every recorded audit call to."""
    return load("iam/audit_read.json")


# --- The responder role -------------------------------------------------------------------------------

def responder_trust_policy(security_account_id: str, external_id: str | None = None) -> dict:
    """Who may assume the responder role (``names.RESPONDER_ROLE_NAME``): principals of the security
    account, with MFA, or with the ExternalId when responders come through automation that cannot do MFA."""
    doc = load("iam/responder_trust.json")
    statement = doc["Statement"][0]
    statement["Principal"]["AWS"] = f"arn:aws:iam::{security_account_id}:root"
    statement["Condition"] = ({"StringEquals": {"sts:ExternalId": external_id}} if external_id
                              else {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    return doc


def responder_permissions() -> dict:
    """The containment permissions of the responder role, as deployed."""
    return load("iam/responder.json")


@dataclass(frozen=True)
class Capability:
    """Something a responder must be able to do; any one of ``any_of`` action sets is enough,
    and every action of that set is needed."""
    name: str
    any_of: tuple[tuple[str, ...], ...]


# What `ir.responder_role` requires of the role. A deny policy must reach both users and roles,
# since either may hold the stolen credentials.
RESPONDER_CAPABILITIES = (
    Capability("isolate an instance", (("ec2:ModifyInstanceAttribute",), ("ec2:ModifyNetworkInterfaceAttribute",))),
    Capability("snapshot volumes", (("ec2:CreateSnapshot",),)),
    Capability("disable access keys", (("iam:UpdateAccessKey",),)),
    Capability("attach a deny policy to users and roles", (
        ("iam:PutRolePolicy", "iam:PutUserPolicy"),
        ("iam:AttachRolePolicy", "iam:AttachUserPolicy"),
        ("iam:PutRolePolicy", "iam:AttachUserPolicy"),
        ("iam:AttachRolePolicy", "iam:PutUserPolicy"),
    )),
    Capability("lock a bucket", (("s3:PutBucketPolicy",), ("s3:PutBucketPublicAccessBlock",))),
)
