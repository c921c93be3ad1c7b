"""The security account's member-events bus (organization-wide mode): every member account's alert
and ``CreateVpc`` rules (the regional StackSet's) send here, from any region, and the alerts go on to
the security account's alert topic of the bus's region.

An API event reaches EventBridge only in the account and region of the call, so each member account
and region has its own rules; a bus in another account (and region) is a documented target, through a
role in the sending account, and the receiving bus's policy may admit the whole organization with
``aws:PrincipalOrgID``
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.detection import run_instances_pattern
from irready.infra.components.guardrails import tamper_patterns
from irready.infra.stackset_templates import FORWARDER_ROLE, MEMBER_EVENTS_BUS


def bus_policy(bus_arn: str, organization_id: str) -> dict:
    """PutEvents by the organization's forwarder roles only (the role the member rules send through)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ForwardersOfTheOrganization", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
        "Resource": bus_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id},
                      "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{FORWARDER_ROLE}"}}}]}


def alert_patterns(run_instances_allowed: tuple[str, ...], deploying_principals: tuple[str, ...]) -> dict[str, dict]:
    """The member rules' alert patterns, matched again on the bus (the same functions)."""
    return {"unexpected-run-instances": run_instances_pattern(run_instances_allowed),
            **tamper_patterns(deploying_principals)}


@dataclass(frozen=True)
class MemberEventBusArgs:
    provider: aws.Provider  # the security account's
    region: str  # the security account's home region
    organization_id: str
    alert_topic_arn: pulumi.Input[str]  # the security account's alert topic of ``region``
    deploying_principals: tuple[str, ...]  # the guardrail's exemptions (the iam-tamper pattern watches them)
    run_instances_allowed: tuple[str, ...] = ()


class MemberEventBus(pulumi.ComponentResource):
    """The bus, its organization-wide policy, and one rule per alert pattern to the alert topic.
    Outputs: ``bus_arn``."""

    def __init__(self, name: str, args: MemberEventBusArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:MemberEventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=MEMBER_EVENTS_BUS, region=args.region, opts=child)
        aws.cloudwatch.EventBusPolicy(f"{name}-bus-policy", event_bus_name=self.bus.name, region=args.region,
                                      policy=self.bus.arn.apply(lambda arn: json.dumps(
                                          bus_policy(arn, args.organization_id))), opts=child)
        self.rules = {}
        for rule_name, pattern in alert_patterns(args.run_instances_allowed, args.deploying_principals).items():
            rule = aws.cloudwatch.EventRule(f"{name}-{rule_name}", name=f"irready-member-{rule_name}",
                                            event_bus_name=self.bus.name, event_pattern=json.dumps(pattern),
                                            region=args.region, opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{rule_name}-to-alerts", rule=rule.name, event_bus_name=self.bus.name,
                                       arn=args.alert_topic_arn, region=args.region, opts=child)
            self.rules[rule_name] = rule
        self.register_outputs({"bus_arn": self.bus.arn})
