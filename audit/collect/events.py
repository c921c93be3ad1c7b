"""EventBridge: rules on the default bus, where GuardDuty publishes findings, their targets, and
for an SNS topic of this account and region, whether anyone is subscribed to it."""

from irready.audit.aws import Clients, guarded, paginate
from irready.audit.event_patterns import matches_guardduty


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("events", region)
    rules, topics = [], set()
    for rule in paginate(client, "list_rules", "Rules", page_size=100):
        entry = {"name": rule["Name"], "state": rule.get("State"), "event_pattern": rule.get("EventPattern")}
        # Targets cost a call per rule; the rules guardduty.findings_routed can credit need them, found
        # by the same predicate the check uses.
        if entry["state"] == "ENABLED" and matches_guardduty(entry["event_pattern"]):
            entry["targets"] = guarded("ListTargetsByRule", lambda name=rule["Name"]: [
                target["Arn"]
                for target in paginate(client, "list_targets_by_rule", "Targets", page_size=100, Rule=name)])
            if isinstance(entry["targets"], list):
                account = _account(rule.get("Arn", ""))
                topics |= {t for t in entry["targets"] if _is_topic(t) and _account(t) == account
                           and t.split(":")[3] == region}
        rules.append(entry)
    sns = clients.client("sns", region)
    return {"rules": rules, "topics": {
        arn: guarded("ListSubscriptionsByTopic", lambda a=arn: _subscriptions(sns, a)) for arn in sorted(topics)}}


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _is_topic(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2:3] == ["sns"]


def _subscriptions(client, topic_arn: str) -> dict:
    """How many subscriptions of the topic are confirmed, and how many still pending: a pending one
    (SubscriptionArn "PendingConfirmation") delivers nothing.
    https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html"""
    subscriptions = paginate(client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic_arn)
    pending = [s for s in subscriptions if not str(s.get("SubscriptionArn", "")).startswith("arn:")]
    return {"confirmed": len(subscriptions) - len(pending), "pending": len(pending)}


def topics_read_elsewhere(accounts: dict) -> dict[str, set[str]]:
    """Owner account -> the SNS topics other audited accounts' GuardDuty rules target in it that the
    owner's own collection did not read (a member's rule sending to the security account's topic).
    ``accounts`` is the snapshot's accounts; only owners among them are named."""
    return topics_wanted({account_id: topic_refs(account_id, account) for account_id, account in accounts.items()})


def topic_refs(account_id: str, account: dict) -> tuple[set[str], set[str]]:
    """What one account's entry says about topics: (the topics of other accounts its GuardDuty rules
    target, the topics read in it). Small, so a streamed collection keeps it for every account."""
    targeted, read = set(), set()
    for section in ((account.get("services") or {}).get("events") or {}).values():
        if not isinstance(section, dict):
            continue
        read |= set(section.get("topics") or {})
        for rule in section.get("rules", []):
            targets = rule.get("targets")
            targeted |= {arn for arn in (targets if isinstance(targets, list) else [])
                         if _is_topic(arn) and _account(arn) != account_id}
    return targeted, read


def topics_wanted(refs: dict[str, tuple[set[str], set[str]]]) -> dict[str, set[str]]:
    """Owner -> topics to read there, from every audited account's ``topic_refs``."""
    wanted: dict[str, set[str]] = {}
    for targeted, _ in refs.values():
        for arn in targeted:
            owner = _account(arn)
            if owner in refs and arn not in refs[owner][1]:
                wanted.setdefault(owner, set()).add(arn)
    return wanted


def collect_topics(clients: Clients, topic_arns: set[str]) -> dict[str, dict]:
    """The subscriptions of each topic, read with its owner's ``clients``, keyed by ARN."""
    return {arn: guarded("ListSubscriptionsByTopic", lambda a=arn: _subscriptions(
        clients.client("sns", a.split(":")[3]), a)) for arn in sorted(topic_arns)}
