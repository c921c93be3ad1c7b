"""Organizations, read once from the caller (the management account or a delegated administrator):
the SCPs with their content and targets, and each audited account's ancestors (OUs up to the root).
Anything the caller may not read is recorded as unavailable, never as "no SCP"."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from irready.audit.aws import Clients, guarded, paginate


def collect(clients: Clients, region: str, account_ids: list[str], max_workers: int = 8) -> dict:
    """{"management_account_id", "scps": [{id, name, content, targets}], "ancestors": {account: [ids]}},
    or an unavailable marker (DescribeOrganization failed: not in an organization, or access denied).
    Each account's ancestors are read by ``max_workers`` threads at once (one ListParents per level: a
    thousand accounts one after another would wait a thousand round trips before collection starts)."""
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

    def ancestors_of(account: str):
        with clients.acting():
            return guarded("ListParents", lambda: _ancestors(client, account))

    with ThreadPoolExecutor(max(1, min(max_workers, len(account_ids))), thread_name_prefix="organizations") as pool:
        ancestors = dict(zip(account_ids, pool.map(ancestors_of, account_ids), strict=True))
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
