"""Elastic Load Balancing (v2): whether each application and network load balancer writes access logs.
The attribute is only in DescribeLoadBalancerAttributes, one call per load balancer; gateway load
balancers have no access logs and are not read.
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate

_LOGGED_TYPES = ("application", "network")


def collect_region(clients: Clients, region: str) -> dict:
    """``{"load_balancers": [{"name", "arn", "type", "access_logs": {"enabled", "bucket"} | marker}]}``."""
    client = clients.client("elbv2", region)
    return {"load_balancers": [
        {"name": lb["LoadBalancerName"], "arn": lb["LoadBalancerArn"], "type": lb.get("Type", "application"),
         "access_logs": guarded("DescribeLoadBalancerAttributes", lambda a=lb["LoadBalancerArn"]: _access_logs(
             client, a))}
        for lb in paginate(client, "describe_load_balancers", "LoadBalancers", page_size=400)
        if lb.get("Type", "application") in _LOGGED_TYPES]}


def _access_logs(client, arn: str) -> dict:
    attributes = {a["Key"]: a.get("Value") for a in
                  client.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    return {"enabled": attributes.get("access_logs.s3.enabled") == "true",
            "bucket": attributes.get("access_logs.s3.bucket") or None}
