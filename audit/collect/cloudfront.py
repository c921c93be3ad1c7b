"""CloudFront: whether each distribution writes access logs, by standard logging (legacy, in the
distribution's config) or by standard logging v2 (a CloudWatch Logs delivery from the distribution).
CloudFront is global: read once per account; its v2 deliveries live in us-east-1.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate, paginator

_V2_REGION = "us-east-1"


def collect(clients: Clients, region: str) -> dict:
    """``{"distributions": [{"id", "arn", "legacy_logging": {"enabled", "bucket"} | marker}],
    "v2_delivered": [distribution ARN] | marker}``."""
    client = clients.client("cloudfront", region)
    summaries = [d for page in paginator(client, "list_distributions").paginate(
        PaginationConfig={"PageSize": 1000}) for d in (page.get("DistributionList") or {}).get("Items") or []]
    distributions = [{"id": d["Id"], "arn": d["ARN"],
                      "legacy_logging": guarded("GetDistributionConfig", lambda i=d["Id"]: _legacy(client, i))}
                     for d in summaries]
    data = {"distributions": distributions}
    if distributions:
        data["v2_delivered"] = guarded("DescribeDeliverySources", lambda: _v2_delivered(clients))
    return data


def _legacy(client, distribution_id: str) -> dict:
    logging = client.get_distribution_config(Id=distribution_id)["DistributionConfig"].get("Logging") or {}
    return {"enabled": bool(logging.get("Enabled")), "bucket": logging.get("Bucket") or None}


def _v2_delivered(clients: Clients) -> list[str]:
    """The distributions whose ACCESS_LOGS delivery source has a delivery (a source alone sends nothing)."""
    logs = clients.client("logs", _V2_REGION)
    sources = [s for s in paginate(logs, "describe_delivery_sources", "deliverySources", page_size=50)
               if s.get("service") == "cloudfront" and s.get("logType") == "ACCESS_LOGS"]
    if not sources:
        return []
    delivering = {d.get("deliverySourceName") for d in paginate(logs, "describe_deliveries", "deliveries",
                                                                 page_size=50)}
    return sorted({arn for s in sources if s.get("name") in delivering for arn in s.get("resourceArns") or []})
