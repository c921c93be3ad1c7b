"""IRREADY_AWS_4: the incident responder role (a role whose name says "responder") trusts one
account only, and never any principal, organization, service or federated identity.

The rule is readiness.responder_trust_problems, the one the audit's ir.responder_role applies; before
deploy the security account's id is not known, so "one account" is all that can be asked.
"""

from __future__ import annotations

from _irready import document, names, one, plain, readiness, verdict
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = names.RESPONDER_TRUST_CHECK
NAME = "Incident responder role is assumable from one account only"


def is_responder(name) -> bool:
    return isinstance(name, str) and "responder" in name.lower()


def judge(check, trust) -> CheckResult:
    return verdict(check, readiness.responder_trust_problems(document(trust)))


class ResponderTrust(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.IAM], supported_resources=["aws_iam_role"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if not is_responder(one(conf, "name") or one(conf, "name_prefix")):
            return CheckResult.UNKNOWN
        self.evaluated_keys = ["assume_role_policy"]
        return judge(self, conf.get("assume_role_policy"))


class ResponderTrustCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.IAM], supported_resources=["AWS::IAM::Role"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = plain(conf.get("Properties", {}))
        if not is_responder(properties.get("RoleName")):
            return CheckResult.UNKNOWN
        return judge(self, properties.get("AssumeRolePolicyDocument"))


check = ResponderTrust()
cloudformation_check = ResponderTrustCloudFormation()
