"""Route 53 Resolver: which VPCs have DNS query logging."""

from audit.aws import Clients, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("route53resolver", region)
    return {"query_log_associations": [
        {"vpc_id": association["ResourceId"], "status": association.get("Status"),
         "config_id": association.get("ResolverQueryLogConfigId")}
        for association in paginate(client, "list_resolver_query_log_config_associations",
                                    "ResolverQueryLogConfigAssociations", page_size=100)]}
