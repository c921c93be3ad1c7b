"""CloudTrail: trails as seen from each region, then each trail's status and selectors once.

A multi-region or organization trail appears in every region (as a "shadow" trail); it is stored
once, keyed by ARN, with the regions it was seen from, and its status read in its home region.
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded

_TRAIL_FIELDS = (
    "Name", "TrailARN", "HomeRegion", "IsMultiRegionTrail", "IsOrganizationTrail", "IncludeGlobalServiceEvents",
    "LogFileValidationEnabled", "KmsKeyId", "S3BucketName", "S3KeyPrefix", "CloudWatchLogsLogGroupArn",
    "HasCustomEventSelectors", "HasInsightSelectors",
)


def collect_region(clients: Clients, region: str) -> dict:
    """The trails that apply in ``region``, shadow trails included."""
    client = clients.client("cloudtrail", region)
    trails = client.describe_trails(includeShadowTrails=True)["trailList"]
    return {"trails": [{key: trail.get(key) for key in _TRAIL_FIELDS} for trail in trails]}


def collect_details(clients: Clients, trail: dict) -> dict:
    client = clients.client("cloudtrail", trail["HomeRegion"])
    arn = trail["TrailARN"]
    return {
        "status": guarded("GetTrailStatus", lambda: _status(client, arn)),
        "event_selectors": guarded("GetEventSelectors", lambda: _selectors(client, arn)),
    }


def _status(client, arn: str) -> dict:
    status = client.get_trail_status(Name=arn)
    return {"is_logging": bool(status.get("IsLogging")),
            "latest_delivery_error": status.get("LatestDeliveryError"),
            "latest_cloudwatch_logs_delivery_error": status.get("LatestCloudWatchLogsDeliveryError")}


def _selectors(client, arn: str) -> dict:
    response = client.get_event_selectors(TrailName=arn)
    return {"basic": response.get("EventSelectors") or [], "advanced": response.get("AdvancedEventSelectors") or []}
