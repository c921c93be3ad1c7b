"""CloudWatch Logs: every log group's name and retention (None means never expire)."""

from irready.audit.aws import Clients, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("logs", region)
    return {"log_groups": [
        {"name": group["logGroupName"], "retention_days": group.get("retentionInDays")}
        for group in paginate(client, "describe_log_groups", "logGroups", page_size=50)]}
