"""The investigation workspace in the security account: the Athena workgroup, the Glue tables and the
saved queries irready names (policies/investigation.py), read with Get/List calls only.

A workgroup or database that does not exist is recorded as absent (``None``); any other failure is
recorded as an unavailable marker, which the check turns into UNKNOWN.
"""

from __future__ import annotations

from functools import partial

from botocore.exceptions import ClientError
from irready.audit.aws import Clients, error_code, guarded, paginate
from irready.audit.config import AuditConfig
from irready.policies.investigation import DATABASE, WORKGROUP


def workspace_account(config: AuditConfig, account_id: str) -> bool:
    """Where the workspace lives and is looked for: the security account (the collector and the check
    both ask this)."""
    return config.security_account_id is not None and account_id == config.security_account_id


def collect_region(clients: Clients, region: str) -> dict:
    athena, glue = clients.client("athena", region), clients.client("glue", region)
    workgroup = guarded("GetWorkGroup", partial(_workgroup, athena))
    found = isinstance(workgroup, dict) and workgroup.get("name")
    return {
        "workgroup": workgroup,
        "named_queries": guarded("ListNamedQueries", partial(_named_queries, athena)) if found else [],
        "database": guarded("GetDatabase", partial(_database, glue)),
        "tables": guarded("GetTables", partial(_tables, glue)),
    }


def _workgroup(athena) -> dict | None:
    try:
        group = athena.get_work_group(WorkGroup=WORKGROUP).get("WorkGroup")
    except ClientError as exc:
        if error_code(exc) == "InvalidRequestException" and "not found" in str(exc).lower():
            return None
        raise
    if not group:
        return None
    settings = group.get("Configuration") or {}
    results = settings.get("ResultConfiguration") or {}
    return {"name": group.get("Name"), "state": group.get("State"),
            "enforce_workgroup_configuration": bool(settings.get("EnforceWorkGroupConfiguration")),
            "bytes_scanned_cutoff_per_query": settings.get("BytesScannedCutoffPerQuery"),
            "engine_version": (settings.get("EngineVersion") or {}).get("SelectedEngineVersion"),
            "output_location": results.get("OutputLocation"),
            "encryption": (results.get("EncryptionConfiguration") or {}).get("EncryptionOption")}


def _named_queries(athena) -> list[dict]:
    """The workgroup's saved queries, read 50 at a time (BatchGetNamedQuery's limit). An id AWS could
    not return makes the whole list unreadable: a query missing from it would read as "not saved"."""
    ids = paginate(athena, "list_named_queries", "NamedQueryIds", page_size=50, WorkGroup=WORKGROUP)
    queries = []
    for start in range(0, len(ids), 50):
        answer = athena.batch_get_named_query(NamedQueryIds=ids[start:start + 50])
        if answer.get("UnprocessedNamedQueryIds"):
            failed = answer["UnprocessedNamedQueryIds"][0]
            raise ClientError({"Error": {"Code": failed.get("ErrorCode") or "UnprocessedNamedQuery",
                                         "Message": failed.get("ErrorMessage") or failed.get("NamedQueryId")}},
                              "BatchGetNamedQuery")
        queries += answer.get("NamedQueries") or []
    return [{"name": q.get("Name"), "database": q.get("Database"), "query": q.get("QueryString")} for q in queries]


def _database(glue) -> dict | None:
    try:
        return {"name": glue.get_database(Name=DATABASE)["Database"]["Name"]}
    except ClientError as exc:
        if error_code(exc) == "EntityNotFoundException":
            return None
        raise


def _tables(glue) -> dict | None:
    try:
        tables = paginate(glue, "get_tables", "TableList", page_size=100, DatabaseName=DATABASE)
    except ClientError as exc:
        if error_code(exc) == "EntityNotFoundException":
            return None
        raise
    return {table["Name"]: {"partition_keys": [key["Name"] for key in table.get("PartitionKeys", [])],
                            "parameters": {key: value for key, value in (table.get("Parameters") or {}).items()
                                           if key.startswith(("projection.", "storage.location"))}}
            for table in tables}
