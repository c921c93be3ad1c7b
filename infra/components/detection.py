"""Detection routing: findings and alerts reach people through one place, the security account.

GuardDuty delivers every member's findings to the delegated administrator's EventBridge in the same
region, so the findings rule lives there once per region (``SecurityAccount``). What only a member
account sees — a RunInstances by a principal not on the allow-list, the alert that caught the
incident in the source notes (it needs the management events of a trail) — is forwarded from each
account and region by this component to the security account's default event bus in its home region,
where one rule sends it to the one alert topic: a cross-account (and cross-Region) event bus target
needs an execution role in the sending account and the receiving bus's resource policy
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DetectionRoutingArgs:
    provider: aws.Provider
    account_id: str
    regions: tuple[str, ...]
    security_bus_arn: pulumi.Input[str]  # the security account's default event bus in its home region
    run_instances_allowed: tuple[str, ...] = ()  # principal ARNs that may launch without an alert


def findings_pattern(min_severity: float) -> dict:
    return {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", min_severity]}]}}


def run_instances_pattern(allowed: tuple[str, ...]) -> dict:
    """RunInstances by anyone not allowed. An allowed role is matched on the role that issued the
    session (``userIdentity.sessionContext.sessionIssuer.arn``): its ``userIdentity.arn`` is the
    session's ``arn:aws:sts::…:assumed-role/Role/Session``; an allowed user on ``userIdentity.arn``
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html)."""
    detail: dict = {"eventSource": ["ec2.amazonaws.com"], "eventName": ["RunInstances"]}
    roles = [arn for arn in allowed if ":role/" in arn]
    users = [arn for arn in allowed if ":role/" not in arn]
    if allowed:
        # An event is alerted unless its principal is allowed: a role session whose issuer is not
        # an allowed role, or any other identity whose ARN is not an allowed user.
        detail["$or"] = [
            {"userIdentity": {"type": ["AssumedRole"],
                              "sessionContext": {"sessionIssuer": {"arn": [{"anything-but": roles}] if roles
                                                                   else [{"exists": True}]}}}},
            {"userIdentity": {"type": [{"anything-but": ["AssumedRole"]}],
                              "arn": [{"anything-but": users}] if users else [{"exists": True}]}}]
    return {"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"], "detail": detail}


class DetectionRouting(pulumi.ComponentResource):
    def __init__(self, name: str, args: DetectionRoutingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:DetectionRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.forwarder = aws.iam.Role(f"{name}-forwarder", name_prefix="irready-alert-forwarder-", opts=child,
                                      assume_role_policy=json.dumps(forwarder_trust(args.account_id)))
        aws.iam.RolePolicy(f"{name}-forwarder-policy", role=self.forwarder.id, opts=child,
                           policy=pulumi.Output.from_input(args.security_bus_arn).apply(lambda bus: json.dumps({
                               "Version": "2012-10-17", "Statement": [{
                                   "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]})))
        self.rules = {}
        for region in args.regions:
            rule = aws.cloudwatch.EventRule(f"{name}-{region}-unexpected-run-instances",
                                            name="irready-unexpected-run-instances", region=region, opts=child,
                                            event_pattern=json.dumps(run_instances_pattern(args.run_instances_allowed)))
            aws.cloudwatch.EventTarget(f"{name}-{region}-unexpected-run-instances-to-security", rule=rule.name,
                                       arn=args.security_bus_arn, role_arn=self.forwarder.arn, region=region,
                                       opts=child)
            self.rules[region] = rule
        self.register_outputs({"run_instances_rules": {r: rule.arn for r, rule in self.rules.items()},
                               "forwarder": self.forwarder.arn})


def forwarder_trust(account_id: str) -> dict:
    """EventBridge of ``account_id`` (only) assumes the role that puts events on another bus."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "events.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}
