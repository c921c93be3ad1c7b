"""IRREADY_AWS_2: a quarantine security group (one whose name says "quarantine") has no rules, inline or
declared as rule resources attached to it.

Responders move a compromised instance into it; a single rule left in it is a way out.
"""

from __future__ import annotations

import json

from _irready import blocks, one, plain, verdict
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = "IRREADY_AWS_2"
NAME = "Quarantine security group allows no traffic in or out"
# CloudFormation adds an allow-all egress rule unless one is declared; this one reaches nothing.
_LOOPBACK_ONLY = "127.0.0.1/32"


def is_quarantine(name) -> bool:
    return isinstance(name, str) and "quarantine" in name.lower()


class QuarantineGroup(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=["aws_security_group"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if not is_quarantine(one(conf, "name") or one(conf, "name_prefix")):
            return CheckResult.UNKNOWN  # not a quarantine group: nothing to say
        self.evaluated_keys = ["ingress", "egress"]
        # Terraform removes AWS's default egress rule: no block means no rule.
        return verdict(self, [f"{len(blocks(conf, key))} {key} rule(s); a quarantine group must have none"
                              for key in ("ingress", "egress") if blocks(conf, key)])


class QuarantineGroupCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=["AWS::EC2::SecurityGroup"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        if not is_quarantine(properties.get("GroupName")):
            return CheckResult.UNKNOWN
        problems = []
        if properties.get("SecurityGroupIngress"):
            problems.append(f"{len(properties['SecurityGroupIngress'])} ingress rule(s)")
        egress = properties.get("SecurityGroupEgress")
        if egress is None:
            problems.append(f"no SecurityGroupEgress, so AWS adds allow-all egress; declare only {_LOOPBACK_ONLY}")
        elif [rule for rule in egress if rule.get("CidrIp") != _LOOPBACK_ONLY or rule.get("CidrIpv6")
              or rule.get("DestinationSecurityGroupId") or rule.get("DestinationPrefixListId")]:
            problems.append(f"egress reaches beyond {_LOOPBACK_ONLY}")
        return verdict(self, problems)


check = QuarantineGroup()
cloudformation_check = QuarantineGroupCloudFormation()


# Rules declared as resources of their own, attached to a quarantine group by reference or id.
_RULE_RESOURCES = ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                   "aws_vpc_security_group_egress_rule"]
_RULE_RESOURCES_CLOUDFORMATION = ["AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"]


def names_quarantine(value) -> bool:
    """A group reference (aws_security_group.quarantine.id, {"Ref": "QuarantineGroup"}) that says quarantine."""
    return "quarantine" in json.dumps(value).lower()


class QuarantineGroupRule(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING], supported_resources=_RULE_RESOURCES)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if not names_quarantine(conf.get("security_group_id")):
            return CheckResult.UNKNOWN
        self.evaluated_keys = ["security_group_id"]
        return verdict(self, ["a rule attached to a quarantine group; it must have none"])


class QuarantineGroupRuleCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=_RULE_RESOURCES_CLOUDFORMATION)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        if not names_quarantine(properties.get("GroupId")) and not names_quarantine(properties.get("GroupName")):
            return CheckResult.UNKNOWN
        return CheckResult.FAILED


rule_check = QuarantineGroupRule()
cloudformation_rule_check = QuarantineGroupRuleCloudFormation()
