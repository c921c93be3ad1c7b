"""Resource Groups Tagging API: the tags of a region's resources, for the business context AWS cannot
give (is it production, does it hold personal data, who owns it).

GetResources returns only resources that are or were tagged, so it supplies tags, never the list of
resources: the inventory's denominator comes from the other collectors (audit/inventory.py).
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, paginate


def collect_region(clients: Clients, region: str) -> dict:
    """``{"tags": {ARN: {key: value}}}``: every tagged resource of the region with all its tags."""
    client = clients.client("resourcegroupstaggingapi", region)
    return {"tags": {
        item["ResourceARN"]: {tag["Key"]: tag.get("Value", "") for tag in item.get("Tags", [])}
        for item in paginate(client, "get_resources", "ResourceTagMappingList", page_size=100)}}
