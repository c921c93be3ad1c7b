"""Regions nobody listed: the classic mining move is a launch where nobody looks. With
irready:unlistedRegions ``deny``, a region-deny SCP attached to the organization's root refuses
every regional action outside the listed regions (global services excepted, responders exempt; the
deploying principals may manage EventBridge rules, and CloudFormation stacks, in names.IAM_EVENTS_REGION
only, where the iam-tamper rules must live);
with ``monitor`` (the default) GuardDuty and the RunInstances alert cover every enabled region
instead (infra/__main__.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

from irready import policies


@dataclass(frozen=True)
class UnlistedRegionsDenyArgs:
    management_provider: aws.Provider
    root_id: str  # the organization's root: the SCP applies to every member account
    allowed_regions: tuple[str, ...]
    # The guardrail's exemptions: they deploy the iam-tamper rules in names.IAM_EVENTS_REGION, listed or not.
    deploying_principals: tuple[str, ...] = ()


class UnlistedRegionsDeny(pulumi.ComponentResource):
    def __init__(self, name: str, args: UnlistedRegionsDenyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:UnlistedRegionsDeny", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        self.policy = aws.organizations.Policy(
            f"{name}-scp", name="irready-deny-unlisted-regions", type="SERVICE_CONTROL_POLICY",
            description="Denies regional actions outside the regions irready prepares (responders exempt)",
            content=json.dumps(policies.region_deny_scp(
                list(args.allowed_regions), [f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}"],
                args.deploying_principals)), opts=child)
        aws.organizations.PolicyAttachment(f"{name}-root", policy_id=self.policy.id, target_id=args.root_id,
                                           opts=child)
        self.register_outputs({"policy_id": self.policy.id})
