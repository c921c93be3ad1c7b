"""Security groups to move a compromised instance into, in every VPC.

Swapping groups does not cut tracked connections. A flow is untracked only while the rules allow
all traffic from and to anywhere in both directions, and an untracked flow stops as soon as that
rule goes. So there are two groups: first move the instance to `irready-isolation` (all traffic,
both ways, so existing flows become untracked), then to the quarantine group (no rules at all),
which ends them. See docs/containment.md. Both carry the tag ``irready:containment`` (isolation,
quarantine): the only groups IncidentResponder may swap a network interface into.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

from irready import policies

_EVERYTHING = {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"],
               "ipv6_cidr_blocks": ["::/0"], "description": "isolation step 1 only: makes tracked flows untracked"}


@dataclass(frozen=True)
class QuarantineSecurityGroupsArgs:
    provider: aws.Provider
    vpcs: dict[str, tuple[str, ...]]  # region -> VPC ids
    group_name: str = names.QUARANTINE_GROUP_NAME


class QuarantineSecurityGroups(pulumi.ComponentResource):
    def __init__(self, name: str, args: QuarantineSecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:QuarantineSecurityGroups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.quarantine, self.isolation = {}, {}
        for region, vpc_ids in sorted(args.vpcs.items()):
            for vpc_id in vpc_ids:
                # Explicit empty lists: otherwise AWS adds its default allow-all egress rule.
                self.quarantine[vpc_id] = aws.ec2.SecurityGroup(
                    f"{name}-{vpc_id}-quarantine", name=args.group_name, vpc_id=vpc_id, region=region,
                    description="irready quarantine: no traffic in or out", ingress=[], egress=[],
                    revoke_rules_on_delete=True, tags={policies.CONTAINMENT_GROUP_TAG: "quarantine"}, opts=child)
                self.isolation[vpc_id] = aws.ec2.SecurityGroup(
                    f"{name}-{vpc_id}-isolation", name=names.ISOLATION_GROUP_NAME, vpc_id=vpc_id, region=region,
                    description="irready isolation, step 1: all traffic, so tracked flows become untracked",
                    ingress=[aws.ec2.SecurityGroupIngressArgs(**_EVERYTHING)],
                    egress=[aws.ec2.SecurityGroupEgressArgs(**_EVERYTHING)],
                    tags={policies.CONTAINMENT_GROUP_TAG: "isolation"}, opts=child)
        self.register_outputs({"quarantine_group_ids": {v: g.id for v, g in self.quarantine.items()}})
