"""Lambda: which functions keep published versions of their code, and what their aliases point to.

One ``ListFunctions(FunctionVersion=ALL)`` returns every version of every function, so no per-function
version listing is needed; aliases are read only for functions that have published versions (a function
with none has no alias that could point to one).
https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    """``{"functions": [{"name", "arn", "versions": [str], "aliases": [{"name", "version"}] | marker}]}``;
    ``versions`` are the published ones (``$LATEST`` left out)."""
    client = clients.client("lambda", region)
    functions: dict[str, dict] = {}
    for version in paginate(client, "list_functions", "Functions", page_size=50, FunctionVersion="ALL"):
        number, arn = version.get("Version", "$LATEST"), version["FunctionArn"]
        unqualified = arn.rsplit(":", 1)[0] if arn.count(":") > 6 else arn  # a version's ARN ends in :N
        entry = functions.setdefault(version["FunctionName"],
                                     {"name": version["FunctionName"], "arn": unqualified, "versions": []})
        if number != "$LATEST":
            entry["versions"].append(number)
    for entry in functions.values():
        entry["aliases"] = guarded("ListAliases", lambda n=entry["name"]: [
            {"name": alias["Name"], "version": alias["FunctionVersion"]}
            for alias in paginate(client, "list_aliases", "Aliases", page_size=50, FunctionName=n)
        ]) if entry["versions"] else []
    return {"functions": sorted(functions.values(), key=lambda f: f["name"])}
