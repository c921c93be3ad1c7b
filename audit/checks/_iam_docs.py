"""The policy documents in force for a role in the snapshot."""

from __future__ import annotations

from irready.audit.snapshot import Unavailable


def role_documents(iam: dict, role: dict) -> tuple[list[dict], dict | None]:
    """(identity policy documents, permissions boundary document or None)."""
    managed = iam["managed_policies"]
    documents = list(role["inline_policies"].values())
    for arn in role["attached_policies"]:
        if arn not in managed or managed[arn]["document"] is None:
            raise Unavailable(f"the document of policy {arn} (attached to {role['arn']}) was not collected")
        documents.append(managed[arn]["document"])
    boundary = None
    if role.get("permissions_boundary"):
        arn = role["permissions_boundary"]
        if arn not in managed or managed[arn]["document"] is None:
            raise Unavailable(f"the permissions boundary {arn} of {role['arn']} was not collected")
        boundary = managed[arn]["document"]
    return documents, boundary
