"""The emulated apply refuses what AWS refuses and moto accepts, so the round trip fails on a
regression of the program (each rule cites the document it follows)."""

from __future__ import annotations

import json

import pytest

from irready.emulated.appliers import (
    AwsRuleViolated,
    Target,
    detector,
    ecr_registry_scanning,
    flow_log,
    organizations_policy,
    organizations_policy_attachment,
    query_log_association,
    trail,
)
from irready.emulated.apply import EmulatedApply, Provisioned
from irready.emulated.brownfield import share_vpc

REGION = "us-east-1"


@pytest.fixture
def target_for(emulator):
    mocks = EmulatedApply(emulator, Provisioned())
    return lambda account: Target(account, REGION, mocks.client, (account,), account)


def test_a_second_detector_in_an_account_and_region_is_refused(target_for, account_id):
    # https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html
    target = target_for(account_id)
    detector(target, {"enable": True})
    with pytest.raises(AwsRuleViolated, match="a detector already exists"):
        detector(target, {"enable": True})


def test_an_existing_detector_is_adopted_with_the_settings_and_an_unknown_one_is_refused(target_for, account_id):
    # One detector per account and region (API_CreateDetector.html): adoption updates it in place
    # (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html).
    target = target_for(account_id)
    existing, _ = detector(target, {"enable": True, "findingPublishingFrequency": "SIX_HOURS"})
    target.import_id = existing
    assert detector(target, {"enable": True, "findingPublishingFrequency": "FIFTEEN_MINUTES"})[0] == existing
    guardduty = target.client("guardduty")
    assert guardduty.list_detectors()["DetectorIds"] == [existing]
    assert guardduty.get_detector(DetectorId=existing)["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    target.import_id = "0123456789abcdef0123456789abcdef"
    with pytest.raises(AwsRuleViolated, match="import of GuardDuty detector"):
        detector(target, {"enable": True})


@pytest.mark.parametrize("condition", [{"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:1:trail/t"}},
                                       {"StringEquals": {"aws:SourceAccount": "111111111111"}}])
def test_cloudtrail_cannot_deliver_through_a_role_with_confused_deputy_conditions(target_for, new_account, condition):
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
    target = target_for(new_account())
    role = target.client("iam").create_role(RoleName="delivery", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Condition": condition,
                                                "Principal": {"Service": "cloudtrail.amazonaws.com"}}]}))["Role"]
    target.client("s3").create_bucket(Bucket=f"trail-{target.account_id}")
    inputs = {"name": "t", "s3BucketName": f"trail-{target.account_id}", "cloudWatchLogsRoleArn": role["Arn"],
              "cloudWatchLogsGroupArn": f"arn:aws:logs:{REGION}:{target.account_id}:log-group:g:*"}
    with pytest.raises(AwsRuleViolated, match="InvalidCloudWatchLogsRoleArnException"):
        trail(target, inputs)


def test_a_participant_cannot_log_a_vpc_shared_with_it(emulator, target_for, new_account):
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html
    owner, participant = new_account(), new_account()
    vpc_id = share_vpc(emulator, owner, participant, REGION)
    target = target_for(participant)
    assert vpc_id in [v["VpcId"] for v in target.client("ec2").describe_vpcs()["Vpcs"]]  # moto would let it
    with pytest.raises(AwsRuleViolated, match=f"owned by {owner}"):
        flow_log(target, {"vpcId": vpc_id, "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
                          "logDestination": f"arn:aws:logs:{REGION}:{participant}:log-group:g"})
    with pytest.raises(AwsRuleViolated, match=f"owned by {owner}"):
        query_log_association(target, {"resourceId": vpc_id, "resolverQueryLogConfigId": "rqlc-1"})
    # The owner can.
    owner_target = target_for(owner)
    owner_target.client("logs").create_log_group(logGroupName="g")
    assert flow_log(owner_target, {"vpcId": vpc_id, "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
                                   "logDestination": f"arn:aws:logs:{REGION}:{owner}:log-group:g",
                                   "iamRoleArn": f"arn:aws:iam::{owner}:role/delivery"})[0]


def test_an_event_bus_target_in_another_region_needs_a_role(target_for, account_id):
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html (a role on every rule
    # whose target is a bus in another account or Region); moto accepts it without one.
    from irready.emulated.appliers import event_rule, event_target

    target = target_for(account_id)
    name, _ = event_rule(target, {"name": "irready-guardduty-findings",
                                  "eventPattern": '{"source": ["aws.guardduty"]}'})
    home_bus = f"arn:aws:events:eu-west-1:{account_id}:event-bus/default"
    with pytest.raises(AwsRuleViolated, match="needs RoleArn"):
        event_target(target, {"rule": name, "arn": home_bus})
    role = f"arn:aws:iam::{account_id}:role/irready-alert-forwarder-1"
    assert event_target(target, {"rule": name, "arn": home_bus, "roleArn": role})[0].startswith(name)


def test_a_tag_policy_is_attached_only_once_its_type_is_enabled_on_the_root(target_for, new_account):
    # PolicyTypeNotEnabledException: https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
    target = target_for(new_account())
    organizations = target.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    policy_id, _ = organizations_policy(target, {"name": "tags", "type": "TAG_POLICY", "content": json.dumps(
        {"tags": {"owner": {"tag_key": {"@@assign": "owner"}}}})})
    with pytest.raises(AwsRuleViolated, match="PolicyTypeNotEnabledException"):
        organizations_policy_attachment(target, {"policyId": policy_id, "targetId": root})
    organizations.enable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    organizations_policy_attachment(target, {"policyId": policy_id, "targetId": root})
    assert organizations.list_policies_for_target(TargetId=root, Filter="TAG_POLICY")["Policies"][0]["Id"] == policy_id


def test_basic_registry_scanning_cannot_scan_continuously(target_for, new_account):
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryScanningConfiguration.html:
    # BASIC supports SCAN_ON_PUSH (and MANUAL); CONTINUOUS_SCAN needs ENHANCED.
    target = target_for(new_account())
    rules = [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
    with pytest.raises(AwsRuleViolated, match="not allowed with scan type BASIC"):
        ecr_registry_scanning(target, {"scanType": "BASIC", "rules": rules})
    ecr_registry_scanning(target, {"scanType": "ENHANCED", "rules": rules})
    assert target.client("ecr").get_registry_scanning_configuration()["scanningConfiguration"]["scanType"] == "ENHANCED"
