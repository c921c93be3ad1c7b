"""Organizations, read once from the caller (the management account or a delegated administrator):
the SCPs with their content and targets, and each audited account's ancestors (OUs up to the root).
Anything the caller may not read is recorded as unavailable, never as "no SCP"."""

from __future__ import annotations

import json

from irready.audit.aws import Clients, guarded, paginate


def collect(clients: Clients, region: str, account_ids: list[str]) -> dict:
    """{"management_account_id", "scps": [{id, name, content, targets}], "ancestors": {account: [ids]}},
    or an unavailable marker (DescribeOrganization failed: not in an organization, or access denied)."""
    client = clients.client("organizations", region)
    with clients.acting():
        organization = guarded("DescribeOrganization", lambda: client.describe_organization()["Organization"])
        if "MasterAccountId" not in organization:
            return organization
        scps = guarded("ListPolicies", lambda: [
            {"id": summary["Id"], "name": summary["Name"],
             "content": json.loads(client.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]),
             "targets": [t["TargetId"] for t in paginate(client, "list_targets_for_policy", "Targets",
                                                          PolicyId=summary["Id"])]}
            for summary in paginate(client, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY")])
        ancestors = {account: guarded("ListParents", lambda account=account: _ancestors(client, account))
                     for account in account_ids}
    return {"management_account_id": organization["MasterAccountId"], "scps": scps, "ancestors": ancestors}


def _ancestors(client, child_id: str) -> list[str]:
    """The OUs above an account, nearest first, then the root."""
    found = []
    while True:
        (parent,) = client.list_parents(ChildId=child_id)["Parents"]
        found.append(parent["Id"])
        if parent["Type"] == "ROOT":
            return found
        child_id = parent["Id"]
