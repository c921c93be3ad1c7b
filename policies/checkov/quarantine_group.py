"""IRREADY_AWS_2: a quarantine security group (one whose name says "quarantine") allows no traffic in or
out, by rules inline or declared as rule resources attached to it.

Responders move a compromised instance into it; a single rule left in it is a way out. The rule is
readiness.quarantine_group_problems, the one the audit's ir.quarantine_security_group applies, on the
rules in DescribeSecurityGroups' shape.
"""

from __future__ import annotations

import json

from _irready import blocks, cfn_group_rules, names, one, plain, readiness, tf_group_rules, verdict
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = names.QUARANTINE_GROUP_CHECK
NAME = "Quarantine security group allows no traffic in or out"
# What AWS adds to a group created without egress rules; Terraform removes it, CloudFormation keeps it.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
_AWS_DEFAULT_EGRESS = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


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
        return verdict(self, readiness.quarantine_group_problems(tf_group_rules(blocks(conf, "ingress")),
                                                                 tf_group_rules(blocks(conf, "egress"))))


class QuarantineGroupCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=["AWS::EC2::SecurityGroup"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        if not is_quarantine(properties.get("GroupName")):
            return CheckResult.UNKNOWN
        # "The default rule is removed only when you specify one or more egress rules": an empty list keeps it.
        egress = properties.get("SecurityGroupEgress")
        problems = readiness.quarantine_group_problems(
            cfn_group_rules(properties.get("SecurityGroupIngress")),
            cfn_group_rules(egress) if egress else [_AWS_DEFAULT_EGRESS])
        if not egress:
            problems.append(f"no SecurityGroupEgress, so AWS adds allow-all egress; declare only {readiness.LOOPBACK}")
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


def judge_rule(check, rule: list[dict], egress: bool) -> CheckResult:
    problems = readiness.quarantine_group_problems([] if egress else rule, rule if egress else [])
    return verdict(check, [f"attached to a quarantine group: {p}" for p in problems])


class QuarantineGroupRule(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING], supported_resources=_RULE_RESOURCES)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if not names_quarantine(conf.get("security_group_id")):
            return CheckResult.UNKNOWN
        self.evaluated_keys = ["security_group_id"]
        egress = self.entity_type.endswith("egress_rule") or one(conf, "type") == "egress"
        return judge_rule(self, tf_group_rules([conf]), egress)


class QuarantineGroupRuleCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=_RULE_RESOURCES_CLOUDFORMATION)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        if not names_quarantine(properties.get("GroupId")) and not names_quarantine(properties.get("GroupName")):
            return CheckResult.UNKNOWN
        return judge_rule(self, cfn_group_rules([properties]), self.entity_type == "AWS::EC2::SecurityGroupEgress")


rule_check = QuarantineGroupRule()
cloudformation_rule_check = QuarantineGroupRuleCloudFormation()
