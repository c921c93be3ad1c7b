"""Systems Manager: the instances its agent reports as managed (responders run commands and collect
volatile data through it, without SSH).
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, paginate


def collect_region(clients: Clients, region: str) -> dict:
    """``{"managed_instances": {instance id: ping status}}`` (``Online``, ``ConnectionLost``, ``Inactive``)."""
    client = clients.client("ssm", region)
    return {"managed_instances": {
        info["InstanceId"]: info.get("PingStatus", "Online")
        for info in paginate(client, "describe_instance_information", "InstanceInformationList", page_size=50)}}
