"""Detection routing: GuardDuty on in every region, and the findings that matter sent to people.

Two EventBridge rules per region feed one SNS topic with the IR e-mail subscription: GuardDuty
findings at or above a severity, and RunInstances by any principal not on an allow-list (the alert
that caught the incident in the source notes; it needs the management events of a trail).
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
    email: str
    min_severity: float = 7.0  # GuardDuty: 7-8.9 high, 9-10 critical
    run_instances_allowed: tuple[str, ...] = ()  # principal ARNs that may launch without an alert


def findings_pattern(min_severity: float) -> dict:
    return {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", min_severity]}]}}


def run_instances_pattern(allowed: tuple[str, ...]) -> dict:
    detail: dict = {"eventSource": ["ec2.amazonaws.com"], "eventName": ["RunInstances"]}
    if allowed:
        detail["userIdentity"] = {"arn": [{"anything-but": list(allowed)}]}
    return {"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"], "detail": detail}


class DetectionRouting(pulumi.ComponentResource):
    def __init__(self, name: str, args: DetectionRoutingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:DetectionRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.detectors, self.topics = {}, {}
        for region in args.regions:
            self.detectors[region] = aws.guardduty.Detector(f"{name}-{region}-detector", enable=True, region=region,
                                                            finding_publishing_frequency="FIFTEEN_MINUTES", opts=child)
            topic = aws.sns.Topic(f"{name}-{region}-alerts", name="irready-ir-alerts", region=region, opts=child)
            aws.sns.TopicPolicy(f"{name}-{region}-alerts-policy", arn=topic.arn, region=region, opts=child,
                                policy=topic.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [{
                                    "Sid": "EventBridgeFromThisAccount", "Effect": "Allow", "Action": "sns:Publish",
                                    "Principal": {"Service": "events.amazonaws.com"}, "Resource": arn,
                                    "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}}}]})))
            aws.sns.TopicSubscription(f"{name}-{region}-email", topic=topic.arn, protocol="email",
                                      endpoint=args.email, region=region, opts=child)
            for rule_name, pattern in (("guardduty-findings", findings_pattern(args.min_severity)),
                                       ("unexpected-run-instances", run_instances_pattern(args.run_instances_allowed))):
                rule = aws.cloudwatch.EventRule(f"{name}-{region}-{rule_name}", name=f"irready-{rule_name}",
                                                event_pattern=json.dumps(pattern), region=region, opts=child)
                aws.cloudwatch.EventTarget(f"{name}-{region}-{rule_name}-to-sns", rule=rule.name, arn=topic.arn,
                                           region=region, opts=child)
            self.topics[region] = topic
        self.register_outputs({"topics": {r: t.arn for r, t in self.topics.items()}})
