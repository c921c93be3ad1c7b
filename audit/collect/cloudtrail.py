"""CloudTrail: trails as seen from each region, then each trail's status and selectors once.

A multi-region or organization trail appears in every region (as a "shadow" trail); it is stored
once, keyed by ARN, with the regions it was seen from, and its status read in its home region.
"""

from __future__ import annotations

from collections.abc import Callable

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


def detail_reads(trail: dict) -> dict[str, Callable[[Clients], dict]]:
    """A trail's status and event selectors, each read by one call of its own in the trail's home region:
    ``{"status": read, "event_selectors": read}``; ``read(clients)`` returns the value or an unavailable
    marker, never raises an API error (run.py makes the two reads at once)."""
    arn = trail["TrailARN"]

    def client(clients: Clients):
        return clients.client("cloudtrail", trail["HomeRegion"])

    return {"status": lambda clients: guarded("GetTrailStatus", lambda: _status(client(clients), arn)),
            "event_selectors": lambda clients: guarded("GetEventSelectors", lambda: _selectors(client(clients), arn))}


def _status(client, arn: str) -> dict:
    status = client.get_trail_status(Name=arn)
    return {"is_logging": bool(status.get("IsLogging")),
            "latest_delivery_error": status.get("LatestDeliveryError"),
            "latest_cloudwatch_logs_delivery_error": status.get("LatestCloudWatchLogsDeliveryError")}


def _selectors(client, arn: str) -> dict:
    response = client.get_event_selectors(TrailName=arn)
    return {"basic": response.get("EventSelectors") or [], "advanced": response.get("AdvancedEventSelectors") or []}
