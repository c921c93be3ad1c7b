"""rds.*: database logs exported to CloudWatch Logs, out of reach of whoever controls the database."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity

# The log types that record who connected and what failed, per engine family, any one of which is enough:
# audit logs where the engine has them, else its error (or alert/diagnostic) log. From each engine's
# "publishing logs to CloudWatch Logs" page:
# MySQL/MariaDB https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQLDB.PublishtoCloudWatchLogs.html
# PostgreSQL https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html
# Oracle https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.Oracle.html
# SQL Server https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.SQLServer.html
# Db2 https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.Db2.html
# Aurora MySQL https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.CloudWatch.html
# Aurora PostgreSQL https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html
# DocumentDB https://docs.aws.amazon.com/documentdb/latest/developerguide/event-auditing.html
# Neptune https://docs.aws.amazon.com/neptune/latest/userguide/cloudwatch-logs.html
EVIDENCE_LOG_TYPES = {
    "mysql": ("audit", "error"), "mariadb": ("audit", "error"), "aurora-mysql": ("audit", "error"),
    "aurora": ("audit", "error"), "postgres": ("postgresql",), "aurora-postgresql": ("postgresql",),
    "oracle": ("audit", "alert"), "sqlserver": ("error",), "db2": ("diag.log",), "docdb": ("audit",),
    "neptune": ("audit",),
}


def evidence_log_types(engine: str) -> tuple[str, ...] | None:
    """The log types of ``engine`` (``oracle-ee``, ``sqlserver-se``, ``aurora-mysql``...) that count, or None."""
    if engine in EVIDENCE_LOG_TYPES:
        return EVIDENCE_LOG_TYPES[engine]
    family = engine.split("-")[0]
    return EVIDENCE_LOG_TYPES.get(family)


def _judge(region: str, kind: str, database: dict) -> Result:
    wanted = evidence_log_types(database["engine"])
    name = database["id"]
    if wanted is None:
        return Result.unknown(region, name, f"engine {database['engine']!r}: irready does not know its log types")
    exported = [t for t in wanted if t in database["exports"]]
    if exported:
        return Result.passed(region, name, f"{kind} exports {', '.join(exported)} logs to CloudWatch Logs")
    return Result.failed(region, name, f"{kind} ({database['engine']}) exports none of its {' or '.join(wanted)} "
                         "logs to CloudWatch Logs")


def _log_exports(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        # An Aurora (or DocumentDB, Neptune) instance's logs are exported by its cluster: judged there.
        for instance in data["instances"]:
            if not instance.get("cluster"):
                yield _judge(region, "instance", instance)
        clustered = {i["cluster"] for i in data["instances"] if i.get("cluster")}
        if isinstance(data["clusters"], list):
            for cluster in data["clusters"]:
                yield _judge(region, "cluster", cluster)
        elif clustered:
            reason = data["clusters"]["unavailable"]["reason"]
            for name in sorted(clustered):
                yield Result.unknown(region, name, f"DB clusters in {region}: {reason}")
    return ctx.per_region("rds", judge)


CHECKS = (
    Check(
        id="rds.log_exports",
        categories=("logging", "forensics-ready"),
        title="Databases export their audit or error logs to CloudWatch Logs",
        severity=Severity.MEDIUM,
        rationale="Database logs show who connected, from where, and what failed; kept only on the instance they "
                  "rotate away within days and go with the instance, so a breach of the data cannot be scoped.",
        remediation="Enable log exports on each instance or cluster (aws rds modify-db-instance / modify-db-cluster "
                    "--cloudwatch-logs-export-configuration EnableLogTypes=...; audit logs also need the engine's "
                    "audit plugin or pgaudit in the parameter or option group); not provisioned by infra/.",
        references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html",),
        evaluate=_log_exports,
    ),
)
