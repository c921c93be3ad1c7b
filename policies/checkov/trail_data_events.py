"""IRREADY_AWS_1: a trail records S3 object-level and Lambda invoke data events.

Without them, who read the stolen objects, or what ran the function, is not in any log.
"""

from __future__ import annotations

from _irready import document, plain, readiness, tf_selectors, verdict
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = "IRREADY_AWS_1"
NAME = "CloudTrail trail records S3 object-level (read and write) and Lambda invoke data events"


def missing(selectors: dict) -> list[str]:
    gaps = []
    if readiness.recorded_modes(selectors, "Data", readiness.S3_OBJECT) < {readiness.READ, readiness.WRITE}:
        gaps.append("records no S3 object-level read and write data events")
    if readiness.WRITE not in readiness.recorded_modes(selectors, "Data", readiness.LAMBDA_FUNCTION):
        gaps.append("records no Lambda invoke data events")
    return gaps


class TrailDataEvents(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.LOGGING], supported_resources=["aws_cloudtrail"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        self.evaluated_keys = ["event_selector", "advanced_event_selector"]
        return verdict(self, missing(tf_selectors(conf)))


class TrailDataEventsCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.LOGGING],
                         supported_resources=["AWS::CloudTrail::Trail"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = document(conf.get("Properties", {}))
        selectors = {"basic": plain(properties.get("EventSelectors", [])),
                     "advanced": plain(properties.get("AdvancedEventSelectors", []))}
        return verdict(self, missing(selectors))


check = TrailDataEvents()
cloudformation_check = TrailDataEventsCloudFormation()
