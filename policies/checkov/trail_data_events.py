"""IRREADY_AWS_1: a trail records S3 object-level (read and write) and Lambda invoke data events.

Without them, who read the stolen objects, or what ran the function, is not in any log. The rule is
readiness.data_event_gaps, the one the audit's cloudtrail.s3_data_events and
cloudtrail.lambda_data_events apply.
"""

from __future__ import annotations

from _irready import document, names, plain, readiness, tf_selectors, verdict
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

ID = names.TRAIL_DATA_EVENTS_CHECK
NAME = "CloudTrail trail records S3 object-level (read and write) and Lambda invoke data events"


class TrailDataEvents(TerraformCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.LOGGING], supported_resources=["aws_cloudtrail"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        self.evaluated_keys = ["event_selector", "advanced_event_selector"]
        return verdict(self, readiness.data_event_gaps(tf_selectors(conf)))


class TrailDataEventsCloudFormation(CloudFormationCheck):
    def __init__(self) -> None:
        super().__init__(name=NAME, id=ID, categories=[CheckCategories.LOGGING],
                         supported_resources=["AWS::CloudTrail::Trail"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        properties = document(conf.get("Properties", {}))
        selectors = {"basic": plain(properties.get("EventSelectors", [])),
                     "advanced": plain(properties.get("AdvancedEventSelectors", []))}
        return verdict(self, readiness.data_event_gaps(selectors))


check = TrailDataEvents()
cloudformation_check = TrailDataEventsCloudFormation()
