"""IAM: the responder role, the roles behind instance profiles, and the containment policies.

One paginated GetAccountAuthorizationDetails call returns every role with its inline policies,
attached policies and instance profiles, and every managed policy's versions; only what the checks
need is kept, so the snapshot stays small in accounts with thousands of roles.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from irready.audit.aws import Clients, paginator
from irready.policies import CONTAINMENT_POLICIES

_CONTAINMENT_NAMES = {policy.name for policy in CONTAINMENT_POLICIES}


def collect(clients: Clients, region: str, responder_role_name: str) -> dict:
    client = clients.client("iam", region)
    roles, policies = [], []
    pages = paginator(client, "get_account_authorization_details").paginate(
        Filter=["Role", "LocalManagedPolicy", "AWSManagedPolicy"], PaginationConfig={"PageSize": 1000})
    for page in pages:
        roles.extend(page.get("RoleDetailList", []))
        policies.extend(page.get("Policies", []))

    instance_profiles: dict[str, dict] = {}
    kept_roles: dict[str, dict] = {}
    for role in roles:
        profiles = role.get("InstanceProfileList", [])
        for profile in profiles:
            entry = instance_profiles.setdefault(profile["InstanceProfileName"], {"arn": profile["Arn"], "roles": []})
            entry["roles"].append(role["RoleName"])
        if profiles or role["RoleName"] == responder_role_name:
            kept_roles[role["RoleName"]] = _role(role)

    needed_arns = {arn for role in kept_roles.values() for arn in role["attached_policies"]}
    needed_arns |= {role["permissions_boundary"] for role in kept_roles.values() if role["permissions_boundary"]}
    managed_policies, containment_policies = {}, {}
    for policy in policies:
        name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]
        document = _default_document(policy)
        if policy["Arn"] in needed_arns:
            managed_policies[policy["Arn"]] = {"name": name, "document": document}
        if name in _CONTAINMENT_NAMES and ":aws:policy/" not in policy["Arn"]:
            containment_policies[name] = {"arn": policy["Arn"], "document": document}

    return {
        "roles": kept_roles,
        "instance_profiles": instance_profiles,
        "managed_policies": managed_policies,
        "containment_policies": containment_policies,
    }


def _role(role: dict) -> dict:
    boundary = role.get("PermissionsBoundary") or {}
    return {
        "arn": role["Arn"],
        "trust_policy": _document(role.get("AssumeRolePolicyDocument")),
        "inline_policies": {p["PolicyName"]: _document(p["PolicyDocument"]) for p in role.get("RolePolicyList", [])},
        "attached_policies": [p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
        "permissions_boundary": boundary.get("PermissionsBoundaryArn"),
        "max_session_duration": role.get("MaxSessionDuration"),
    }


def _default_document(policy: dict) -> dict | None:
    for version in policy.get("PolicyVersionList", []):
        if version.get("IsDefaultVersion"):
            return _document(version.get("Document"))
    return None


def _document(value) -> dict | None:
    """Policy documents arrive decoded from boto3, but URL-encoded JSON from some endpoints."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value
