"""Route 53 Resolver: which VPCs have DNS query logging, and the DNS Firewall rule groups ready to
block a compromised VPC's lookups."""

from functools import partial

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("route53resolver", region)
    return {
        "query_log_associations": guarded("ListResolverQueryLogConfigAssociations", lambda: [
            {"vpc_id": association["ResourceId"], "status": association.get("Status"),
             "config_id": association.get("ResolverQueryLogConfigId")}
            for association in paginate(client, "list_resolver_query_log_config_associations",
                                        "ResolverQueryLogConfigAssociations", page_size=100)]),
        # The configs this account may use, its own and those shared with it through RAM (OwnerId,
        # ShareStatus): an association names only the config's id.
        # https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListResolverQueryLogConfigs.html
        "query_log_configs": guarded("ListResolverQueryLogConfigs", lambda: {
            config["Id"]: {"arn": config.get("Arn"), "owner_id": config.get("OwnerId"),
                           "share_status": config.get("ShareStatus"), "destination_arn": config.get("DestinationArn")}
            for config in paginate(client, "list_resolver_query_log_configs", "ResolverQueryLogConfigs",
                                   page_size=100)}),
        "firewall_rule_groups": guarded("ListFirewallRuleGroups", partial(_firewall_rule_groups, client)),
    }


def _firewall_rule_groups(client) -> list[dict]:
    """Each rule group with its rules; a BLOCK rule also with the domains it blocks."""
    groups = [{"id": group["Id"], "name": group.get("Name"),
               "rules": guarded("ListFirewallRules", partial(_rules, client, group["Id"]))}
              for group in paginate(client, "list_firewall_rule_groups", "FirewallRuleGroups", page_size=100)]
    blocking = [rule for group in groups if isinstance(group["rules"], list)
                for rule in group["rules"] if rule["action"] == "BLOCK"]
    domains = {list_id: guarded("ListFirewallDomains", partial(_domains, client, list_id))
               for list_id in sorted({rule["domain_list_id"] for rule in blocking})}
    for rule in blocking:
        rule["domains"] = domains[rule["domain_list_id"]]
    return groups


def _rules(client, group_id: str) -> list[dict]:
    return [{"name": rule.get("Name"), "action": rule.get("Action"), "priority": rule.get("Priority"),
             "domain_list_id": rule.get("FirewallDomainListId")}
            for rule in paginate(client, "list_firewall_rules", "FirewallRules", page_size=100,
                                 FirewallRuleGroupId=group_id)]


def _domains(client, list_id: str) -> list[str]:
    return paginate(client, "list_firewall_domains", "Domains", page_size=1000, FirewallDomainListId=list_id)
