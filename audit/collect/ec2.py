"""EC2/VPC: VPCs, their flow logs, the quarantine group in each, and running instances."""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate
from irready.policies import names


def collect_region(clients: Clients, region: str, quarantine_group_name: str) -> dict:
    client = clients.client("ec2", region)
    return {
        "vpcs": guarded("DescribeVpcs", lambda: [
            {"vpc_id": vpc["VpcId"], "is_default": vpc.get("IsDefault", False), "cidr": vpc.get("CidrBlock"),
             "owner_id": vpc.get("OwnerId")}
            for vpc in paginate(client, "describe_vpcs", "Vpcs", page_size=1000)]),
        "flow_logs": guarded("DescribeFlowLogs", lambda: [
            _flow_log(flow_log) for flow_log in paginate(client, "describe_flow_logs", "FlowLogs", page_size=1000)]),
        # Only the quarantine and isolation groups: an account may have thousands of groups.
        "quarantine_groups": guarded("DescribeSecurityGroups", lambda: [
            {"group_id": group["GroupId"], "name": group["GroupName"], "vpc_id": group.get("VpcId"),
             "ingress": group.get("IpPermissions", []), "egress": group.get("IpPermissionsEgress", [])}
            for group in paginate(client, "describe_security_groups", "SecurityGroups", page_size=1000,
                                  Filters=[{"Name": "group-name",
                                           "Values": [quarantine_group_name, names.ISOLATION_GROUP_NAME]}])]),
        "instances": guarded("DescribeInstances", lambda: [
            _instance(instance)
            for reservation in paginate(client, "describe_instances", "Reservations", page_size=1000,
                                        Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
            for instance in reservation.get("Instances", [])]),
    }


def _flow_log(flow_log: dict) -> dict:
    return {
        "flow_log_id": flow_log["FlowLogId"],
        "resource_id": flow_log.get("ResourceId"),
        "traffic_type": flow_log.get("TrafficType"),
        "status": flow_log.get("FlowLogStatus"),
        "deliver_logs_status": flow_log.get("DeliverLogsStatus"),
        "destination_type": flow_log.get("LogDestinationType", "cloud-watch-logs"),
        "destination": flow_log.get("LogDestination"),
        "log_group_name": flow_log.get("LogGroupName"),
    }


def _instance(instance: dict) -> dict:
    metadata = instance.get("MetadataOptions", {})
    return {
        "instance_id": instance["InstanceId"],
        "vpc_id": instance.get("VpcId"),
        "http_tokens": metadata.get("HttpTokens", "optional"),
        "http_endpoint": metadata.get("HttpEndpoint", "enabled"),
        "instance_profile_arn": (instance.get("IamInstanceProfile") or {}).get("Arn"),
    }
