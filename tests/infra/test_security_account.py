"""SecurityAccount: the delegated administrator in every region, members enrolled, one routing point."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from irready.infra.offline.program import admin_detector

from tests.infra.mocks import Recorder


def declare(existing_detectors: bool = True, transformation=None, **overrides) -> Recorder:
    from irready.infra.components.security_account import SecurityAccount, SecurityAccountArgs

    recorder = Recorder(existing_detectors=existing_detectors)
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def run():
        if transformation is not None:
            pulumi.runtime.register_stack_transformation(transformation)
        management = aws.Provider("management", region="us-east-1")
        security = aws.Provider("security", region="us-east-1")
        args = {"management_provider": management, "security_provider": security,
                "security_account_id": "210987654321", "organization_id": "o-exampleorg1",
                "home_region": "us-east-1", "regions": ("us-east-1", "eu-west-1"),
                "email": "ir@example.com", "security_hub": True} | overrides
        component = SecurityAccount("security", SecurityAccountArgs(**args))
        return component.urn

    run()
    return recorder


def test_auto_enable_all_is_set_from_the_administrators_own_detector_in_every_region():
    # Members are enrolled whether or not the security account is listed among irready:accounts
    # (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html).
    recorder = declare()
    auto_enable = recorder.of_type("aws:guardduty/organizationConfiguration:OrganizationConfiguration")
    assert {(c.inputs["region"], c.inputs["autoEnableOrganizationMembers"], c.inputs["detectorId"])
            for c in auto_enable} == {(r, "ALL", admin_detector(r)) for r in ("us-east-1", "eu-west-1")}
    assert all("security" in c.provider for c in auto_enable)
    lookups = [args for token, args in recorder.calls if token == "aws:guardduty/getDetector:getDetector"]
    assert sorted(args["region"] for args in lookups) == ["eu-west-1", "us-east-1"]


# Only the administrator sets the finding publishing frequency; members inherit it
# (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html). CreateDetector where
# the account has one fails (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html).

def test_the_administrators_existing_detector_is_adopted_and_given_the_frequency():
    recorder = declare(finding_publishing_frequency="ONE_HOUR")
    detectors = recorder.of_type("aws:guardduty/detector:Detector")
    assert {(d.inputs["region"], d.import_id, d.inputs["findingPublishingFrequency"], d.inputs["enable"])
            for d in detectors} == {(region, admin_detector(region), "ONE_HOUR", True)
                                                       for region in ("us-east-1", "eu-west-1")}
    assert all("security" in d.provider for d in detectors)  # the administrator's, never a member's


def test_without_one_the_detector_is_created_before_the_designation():
    seen: dict[str, pulumi.ResourceOptions] = {}

    def remember(args: pulumi.ResourceTransformationArgs):
        seen[args.name] = args.opts

    recorder = declare(existing_detectors=False, transformation=remember)
    detectors = recorder.of_type("aws:guardduty/detector:Detector")
    assert {(d.inputs["region"], d.import_id, d.inputs["findingPublishingFrequency"]) for d in detectors} == {
        ("us-east-1", "", "FIFTEEN_MINUTES"), ("eu-west-1", "", "FIFTEEN_MINUTES")}
    for region in ("us-east-1", "eu-west-1"):
        detector = f"security-guardduty-detector-{region}"
        assert detector in {r._name for r in seen[f"security-guardduty-admin-{region}"].depends_on}
        assert seen[detector].protect and seen[detector].retain_on_delete  # deleting it deletes its findings
    auto_enable = recorder.of_type("aws:guardduty/organizationConfiguration:OrganizationConfiguration")
    assert {c.inputs["detectorId"] for c in auto_enable} == {f"security-guardduty-detector-{r}-id"
                                                             for r in ("us-east-1", "eu-west-1")}


def test_a_failed_lookup_other_than_none_found_stops_the_program():
    from irready.infra.components import security_account

    assert security_account._NO_DETECTOR.search("reading this account's single GuardDuty Detector: empty result")
    assert security_account._NO_DETECTOR.search("no GuardDuty Detectors found")
    assert not security_account._NO_DETECTOR.search("AccessDeniedException: not authorized to perform ListDetectors")


def test_security_hub_is_designated_in_every_region_auto_enabled_and_aggregated_home():
    # https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html
    # https://docs.aws.amazon.com/securityhub/latest/userguide/finding-aggregation.html
    recorder = declare()
    admins = recorder.of_type("aws:securityhub/organizationAdminAccount:OrganizationAdminAccount")
    assert {(a.inputs["region"], a.inputs["adminAccountId"]) for a in admins} == {
        ("us-east-1", "210987654321"), ("eu-west-1", "210987654321")}
    assert all("management" in a.provider for a in admins)
    configs = recorder.of_type("aws:securityhub/organizationConfiguration:OrganizationConfiguration")
    assert {(c.inputs["region"], c.inputs["autoEnable"]) for c in configs} == {("us-east-1", True),
                                                                                ("eu-west-1", True)}
    (aggregator,) = recorder.of_type("aws:securityhub/findingAggregator:FindingAggregator")
    assert (aggregator.inputs["region"], aggregator.inputs["linkingMode"], aggregator.inputs["specifiedRegions"]) \
        == ("us-east-1", "SPECIFIED_REGIONS", ["eu-west-1"])


def test_alerts_reach_one_encrypted_topic_with_one_subscription_in_the_home_region():
    # Findings of every region reach the home region's default bus through a cross-Region bus target with a
    # role (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html); the topic is
    # encrypted with a key EventBridge may use (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
    import json

    recorder = declare(forwarded_patterns=(("tamper", {"source": ["aws.cloudtrail"]}),),
                       forwarding_accounts=("111111111111",))
    (topic,) = recorder.of_type("aws:sns/topic:Topic")
    (key,) = recorder.of_type("aws:kms/key:Key")
    assert (topic.inputs["region"], topic.inputs["kmsMasterKeyId"]) == ("us-east-1", key.outputs["arn"])
    key_policy = json.loads(key.inputs["policy"])
    (eventbridge,) = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert set(eventbridge["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert eventbridge["Condition"] == {"StringEquals": {"aws:SourceAccount": "210987654321"}}
    (subscription,) = recorder.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert (subscription.inputs["region"], subscription.inputs["protocol"]) == ("us-east-1", "email")
    targets = {t.name: t.inputs for t in recorder.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    home_bus = "arn:aws:events:us-east-1:210987654321:event-bus/default"
    assert targets["security-eu-west-1-guardduty-findings-to-home"]["arn"] == home_bus
    assert targets["security-eu-west-1-guardduty-findings-to-home"]["roleArn"]
    assert {name for name, target in targets.items() if target["arn"] == topic.outputs["arn"]} == {
        "security-us-east-1-guardduty-findings-to-sns", "security-us-east-1-tamper-to-sns"}
    (bus_policy,) = recorder.of_type("aws:cloudwatch/eventBusPolicy:EventBusPolicy")
    (statement,) = json.loads(bus_policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::111111111111:root"]}  # named accounts, never *
    assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::111111111111:role/irready-alert-forwarder-*"]
    roles = recorder.of_type("aws:iam/rolePolicy:RolePolicy")
    assert [json.loads(r.inputs["policy"])["Statement"][0]["Resource"] for r in roles] == [home_bus]


def test_protection_plans_on_the_administrator_and_auto_enabled_for_every_member_in_every_region():
    # The organization configuration applies to members; the administrator's own detector is set with
    # UpdateDetector (DetectorFeature):
    # https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-features-activation-model.html
    # https://docs.aws.amazon.com/guardduty/latest/APIReference/API_OrganizationFeatureConfiguration.html
    plans = ("S3_DATA_EVENTS", "RUNTIME_MONITORING")
    recorder = declare(protection_plans=plans)
    own = recorder.of_type("aws:guardduty/detectorFeature:DetectorFeature")
    detector_of = {c.inputs["region"]: c.inputs["detectorId"]  # the administrator's detector, as auto-enable names it
                   for c in recorder.of_type("aws:guardduty/organizationConfiguration:OrganizationConfiguration")}
    assert {(f.inputs["region"], f.inputs["name"], f.inputs["status"], f.inputs["detectorId"]) for f in own} == {
        (region, plan, "ENABLED", detector_of[region]) for region in ("us-east-1", "eu-west-1") for plan in plans}
    members = recorder.of_type("aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature")
    assert {(f.inputs["region"], f.inputs["name"], f.inputs["autoEnable"]) for f in members} == {
        (region, plan, "ALL") for region in ("us-east-1", "eu-west-1") for plan in plans}
    assert all("security" in f.provider for f in [*own, *members])


def test_no_protection_plan_unless_chosen():
    recorder = declare()
    assert recorder.of_type("aws:guardduty/detectorFeature:DetectorFeature") == []
    assert recorder.of_type("aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature") == []
