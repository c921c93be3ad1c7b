"""RDS (and Aurora, DocumentDB, Neptune, which share its API): which logs each database instance and
cluster exports to CloudWatch Logs. Two list calls a region; no per-database read.
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    """``{"instances": [{"id", "arn", "engine", "cluster", "exports"}], "clusters": [{"id", "arn", "engine",
    "exports"}] | marker}``; ``cluster`` is the Aurora cluster an instance belongs to (None if none)."""
    client = clients.client("rds", region)
    return {
        "instances": [{"id": db["DBInstanceIdentifier"], "arn": db["DBInstanceArn"], "engine": db.get("Engine", ""),
                       "cluster": db.get("DBClusterIdentifier"),
                       "exports": sorted(db.get("EnabledCloudwatchLogsExports") or [])}
                      for db in paginate(client, "describe_db_instances", "DBInstances", page_size=100)],
        "clusters": guarded("DescribeDBClusters", lambda: [
            {"id": db["DBClusterIdentifier"], "arn": db["DBClusterArn"], "engine": db.get("Engine", ""),
             "exports": sorted(db.get("EnabledCloudwatchLogsExports") or [])}
            for db in paginate(client, "describe_db_clusters", "DBClusters", page_size=100)]),
    }
