"""investigation.*: the organization's logs queryable in minutes, with the responder's pivots saved."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.collect.investigation import workspace_account
from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import Unavailable, require
from irready.policies import investigation as workspace

FIX = ("Deploy infra component InvestigationWorkspace (infra/components/investigation.py): set irready:investigation "
       "and irready:networkLogDestinations [cloudwatch, s3] in the stack config, then `pulumi up`.")


def _reporting_account(ctx: AccountContext) -> str:
    """The account whose findings carry the verdict: the security account when audited, else the caller's
    (or the first audited) account, which says why it could not look."""
    accounts = ctx.snapshot["accounts"]
    security = ctx.config.security_account_id
    if security in accounts:
        return security
    caller = ctx.snapshot.get("caller_account_id")
    return caller if caller in accounts else min(accounts)


def _queries_ready(ctx: AccountContext) -> Iterator[Result]:
    if ctx.account_id != _reporting_account(ctx):
        return
    security = ctx.config.security_account_id
    if not security:
        yield Result.unknown(GLOBAL, NO_RESOURCE, "set security_account_id in the [audit] config: the investigation "
                             "workspace is looked for there")
        return
    if not workspace_account(ctx.config, ctx.account_id):
        yield Result.unknown(GLOBAL, NO_RESOURCE, f"the security account {security} was not audited; add it to "
                             "--accounts to check its investigation workspace")
        return
    by_region = ctx.account.get("services", {}).get("investigation")
    if by_region is None:
        yield Result.unknown(GLOBAL, NO_RESOURCE, "not in this snapshot (an older irready); audit again")
        return
    unknown, verdicts = [], []
    for region, data in sorted(require(by_region, "investigation workspace").items()):
        try:
            workgroup = _absent_or(require(data, f"investigation workspace in {region}")["workgroup"],
                                   f"Athena workgroup in {region}")
            if workgroup is None:
                continue
            verdicts.append((region, _problems(ctx, region, workgroup, data)))
        except Unavailable as exc:
            unknown.append((region, exc.reason))
    ready = [(region, problems) for region, problems in verdicts if not problems]
    if ready:
        region = ready[0][0]
        yield Result.passed(region, workspace.WORKGROUP, f"workgroup with enforced limits, {len(workspace.TABLES)} "
                            f"partition-projected tables covering the {len(ctx.snapshot['accounts'])} audited "
                            f"accounts, and {len(workspace.queries())} saved queries")
    elif verdicts:
        region, problems = verdicts[0]
        yield Result.failed(region, workspace.WORKGROUP, "; ".join(problems))
    elif unknown:
        for region, reason in unknown:
            yield Result.unknown(region, workspace.WORKGROUP, reason)
    else:
        yield Result.failed(GLOBAL, NO_RESOURCE, f"no Athena workgroup {workspace.WORKGROUP} in the audited regions of "
                            f"{security}: nobody can search the organization's logs without building tables first")


def _absent_or(value, what: str):
    """None for a resource the collector found absent; the value; or Unavailable when it could not look."""
    return None if value is None else require(value, what)


def _problems(ctx: AccountContext, region: str, workgroup: dict, data: dict) -> list[str]:
    """What keeps the workspace in ``region`` from being ready; raises Unavailable when a part could not be read."""
    problems = []
    if workgroup.get("state") != "ENABLED":
        problems.append(f"the workgroup is {workgroup.get('state')}")
    if not workgroup.get("enforce_workgroup_configuration"):
        problems.append("the workgroup does not enforce its settings (a client can lift the limits)")
    if not workgroup.get("bytes_scanned_cutoff_per_query"):
        problems.append("no bytes-scanned limit per query")
    if not workgroup.get("encryption"):
        problems.append("query results are not encrypted")
    if _absent_or(data["database"], f"Glue database in {region}") is None:
        return [*problems, f"no Glue database {workspace.DATABASE}"]
    tables = _absent_or(data["tables"], f"Glue tables in {region}") or {}
    missing = [t.name for t in workspace.TABLES if t.name not in tables]
    if missing:
        problems.append(f"no table {', '.join(missing)}" + (" (send flow and DNS query logs to S3)"
                                                             if set(missing) - {"cloudtrail"} else ""))
    audited, unreachable = set(ctx.snapshot["accounts"]), set()
    for name, table in sorted(tables.items()):
        if name not in workspace.TABLES_BY_NAME:
            continue
        parameters = table.get("parameters") or {}
        if parameters.get("projection.enabled") != "true":
            problems.append(f"table {name} has no partition projection (a crawler or MSCK REPAIR would be needed)")
            continue
        unreachable |= audited - set((parameters.get("projection.account.values") or "").split(","))
    if unreachable:
        problems.append(f"the tables cannot reach the logs of {', '.join(sorted(unreachable))}: not in their "
                        "partition projection (joined after the last `pulumi up`, which re-reads the organization's "
                        "accounts)")
    saved = {q["name"]: q for q in require(data["named_queries"], f"saved queries in {region}")}
    absent = [q.named_query_name for q in workspace.queries() if q.named_query_name not in saved]
    changed = [q.named_query_name for q in workspace.queries()
               if q.named_query_name in saved and saved[q.named_query_name]["query"] != q.sql]
    if absent:
        problems.append(f"saved queries missing: {', '.join(absent)}")
    if changed:
        problems.append(f"saved queries not what policies/queries defines: {', '.join(changed)}")
    return problems


CHECKS = (
    Check(
        id="investigation.queries_ready",
        title="The organization's logs are queryable, with the responder's pivots saved",
        severity=Severity.MEDIUM,
        rationale="A log nobody can search at 3 a.m. is a log lost. Tables over the trail, flow logs and DNS query "
                  "logs of every account, with the pivots saved (an instance's calls, an identity's, an address's, "
                  "lateral movement, RunInstances by instance roles, object reads), turn the first hour of an "
                  "incident into minutes of queries instead of hours of building tables.",
        remediation=FIX,
        references=("https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html",
                    "https://docs.aws.amazon.com/athena/latest/ug/cloudtrail-logs.html"),
        evaluate=_queries_ready,
        categories=("logging", "forensics-ready"),
    ),
)

