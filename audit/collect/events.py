"""EventBridge: rules on the default bus, where GuardDuty publishes findings, and their targets."""

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("events", region)
    rules = []
    for rule in paginate(client, "list_rules", "Rules", page_size=100):
        entry = {"name": rule["Name"], "state": rule.get("State"), "event_pattern": rule.get("EventPattern")}
        # Targets cost a call per rule; only rules that can match GuardDuty need them.
        if "aws.guardduty" in (entry["event_pattern"] or ""):
            entry["targets"] = guarded("ListTargetsByRule", lambda name=rule["Name"]: [
                target["Arn"]
                for target in paginate(client, "list_targets_by_rule", "Targets", page_size=100, Rule=name)])
        rules.append(entry)
    return {"rules": rules}
