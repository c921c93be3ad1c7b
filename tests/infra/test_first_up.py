"""The first `pulumi up` on a real organization (issue #13): the AWS rules the mocks never enforced.

Each test holds the program to what an AWS user guide or API reference requires, cited beside it.
The emulated apply enforces the rules moto does not (tests/emulated/test_aws_rules.py).
"""

from __future__ import annotations

import json

import pulumi
import pytest
from irready.infra.offline.program import ENABLED_REGIONS, ROOT_ID, admin_detector, record, stack_config
from moto.events.models import EventPattern

from tests.infra.mocks import example_config, example_values

SECURITY = "210987654321"
LISTED = [a["id"] for a in example_values()["accounts"]]  # the security account among them, as docs advise


@pytest.fixture(scope="module")
def options():
    """The program with Pulumi.example.yaml, and every resource's options (name -> ResourceOptions)."""
    seen: dict[str, pulumi.ResourceOptions] = {}

    def remember(args: pulumi.ResourceTransformationArgs):
        seen[args.name] = args.opts
        return None

    return record(example_config(), transformation=remember), seen


def declared(program, type_: str) -> list:
    return program.of_type(type_)


def test_1_cloudtrail_delivery_role_trust_is_plain_and_the_trail_waits_for_its_policy(options):
    # "Confused deputy prevention conditions are not supported" in the role CloudTrail assumes for
    # CloudWatch Logs: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
    program, opts = options
    (role,) = [r for r in declared(program, "aws:iam/role:Role") if r.name == "organization-trail-to-cloudwatch"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"} and "Condition" not in statement
    depends = {resource._name for resource in opts["organization-trail-trail"].depends_on}
    assert {"organization-trail-to-cloudwatch-policy", "organization-trail-bucket-policy"} <= depends


def test_2_and_10_only_the_administrators_detector_is_declared_adopted_with_the_frequency(options):
    # Designating the delegated administrator enables GuardDuty there itself
    # (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html); CreateDetector in an
    # account that has one fails (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html):
    # the administrator's existing detector is imported. Members' finding_publishing_frequency is the
    # administrator's to set (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html),
    # so no member detector is declared.
    program, opts = options
    detectors = declared(program, "aws:guardduty/detector:Detector")
    assert {(d.inputs["region"], d.import_id, d.inputs["findingPublishingFrequency"]) for d in detectors} == {
        (region, admin_detector(region), "FIFTEEN_MINUTES") for region in ENABLED_REGIONS}
    assert all(f"account-{SECURITY}" in d.provider for d in detectors)  # the administrator's (listed) provider
    lookups = [args for token, args in program.calls if token == "aws:guardduty/getDetector:getDetector"]
    assert sorted(args["region"] for args in lookups) == ENABLED_REGIONS


def test_3_members_are_enrolled_although_not_every_account_is_listed(options):
    # Auto-enable ALL: every account of the organization, existing and new
    # (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html).
    program, _ = options
    assert "333333333333" not in LISTED  # in the organization (the mocks' ORGANIZATION_ACCOUNTS), not in the stack
    configs = declared(program, "aws:guardduty/organizationConfiguration:OrganizationConfiguration")
    assert {(c.inputs["region"], c.inputs["autoEnableOrganizationMembers"]) for c in configs} == {
        (region, "ALL") for region in ENABLED_REGIONS}


def test_4_missing_trusted_access_stops_before_any_resource_with_the_command_that_fixes_it():
    # PutAlternateContact with an AccountId needs trusted access for account.amazonaws.com
    # (https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-trusted-access.html).
    from irready.infra.offline.program import Recorder, run_program

    recorder = Recorder(trusted_services=["cloudtrail.amazonaws.com"])
    with pytest.raises(Exception, match="account.amazonaws.com.*enable-aws-service-access --service-principal "
                                        "account.amazonaws.com"):
        run_program(recorder, example_config())
    assert [r.type for r in recorder.resources if r.type.startswith("aws:")] == []


def test_5_only_vpcs_the_account_owns_are_discovered(options):
    # Participants cannot create flow logs for a shared VPC: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html
    program, _ = options
    lookups = [args for token, args in program.calls if token == "aws:ec2/getVpcs:getVpcs"]
    owned = [args for args in lookups if args.get("filters")]
    assert len(owned) == 2 * len(LISTED) - 1  # every listed account in two regions; one lists its VPCs
    assert all([f["name"] for f in args["filters"]] == ["owner-id"] for args in owned)
    assert {args["filters"][0]["values"][0] for args in owned} == set(LISTED)
    # Quarantine groups also go into shared VPCs: participants create security groups there for their
    # own instances (same guide); so the other lookups take every VPC.
    assert len(lookups) == 2 * len(owned)


# userIdentity of an assumed role and of an IAM user, as CloudTrail records them
# (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
CI_SESSION = {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/ci-deployer/build-42",
              "sessionContext": {"sessionIssuer": {"type": "Role",
                                                   "arn": "arn:aws:iam::111111111111:role/ci-deployer"}}}
OTHER_SESSION = {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/web/i-0abc",
                 "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111111111111:role/web"}}}
ALLOWED_USER = {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/packer"}
OTHER_USER = {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/mallory"}


@pytest.mark.parametrize(("identity", "alerted"), [
    (CI_SESSION, False), (OTHER_SESSION, True), (ALLOWED_USER, False), (OTHER_USER, True)])
def test_6_the_run_instances_alert_spares_allowed_roles_by_their_session_issuer(identity, alerted):
    from irready.infra.components.detection import run_instances_pattern

    pattern = EventPattern.load(json.dumps(run_instances_pattern((
        "arn:aws:iam::111111111111:role/ci-deployer", "arn:aws:iam::111111111111:user/packer"))))
    event = {"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail",
             "detail": {"eventSource": "ec2.amazonaws.com", "eventName": "RunInstances", "userIdentity": identity}}
    assert pattern.matches_event(event) is alerted


@pytest.mark.parametrize("name", [
    "organization-trail-key", "organization-trail-bucket", "organization-trail-trail", "organization-trail-log-group",
    "flow-logs-111111111111-us-east-1", "dns-111111111111-us-east-1-queries"])
def test_7_evidence_stores_are_protected_and_outlive_the_stack(options, name):
    # Deleting a KMS key makes every log it encrypted unreadable:
    # https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
    _, opts = options
    assert opts[name].protect is True and opts[name].retain_on_delete is True


def test_8_the_security_account_may_list_and_read_the_trail_logs(options):
    # Cross-account reads need the bucket policy as well as the key policy:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
    program, _ = options
    (policy,) = [p for p in declared(program, "aws:s3/bucketPolicy:BucketPolicy")
                 if p.name.startswith("organization-trail")]  # not the reports, archive or results buckets
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    security_root = {"AWS": f"arn:aws:iam::{SECURITY}:root"}
    assert statements["SecurityAccountListsTrailLogs"]["Principal"] == security_root
    assert statements["SecurityAccountListsTrailLogs"]["Action"] == "s3:ListBucket"
    assert statements["SecurityAccountReadsTrailLogs"]["Principal"] == security_root
    assert "s3:GetObject" in statements["SecurityAccountReadsTrailLogs"]["Action"]


def test_11_flow_log_delivery_trust_names_the_account_and_its_flow_logs(options):
    # https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html (confused deputy prevention)
    program, _ = options
    roles = [r for r in declared(program, "aws:iam/role:Role") if r.name.startswith("flow-logs-")]
    assert len(roles) == len(LISTED)
    for role in roles:
        account = role.name.split("-")[2]
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account},
                                          "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:*:{account}:vpc-flow-log/*"}}


def test_12_alerts_reach_one_place_one_topic_and_one_subscription_in_the_security_account(options):
    # Unconfirmed e-mail subscriptions are deleted by SNS; one per account and region would leave most
    # unconfirmed: https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html. Everything goes to
    # the home region's bus: cross-account and cross-Region bus targets with a role
    # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
    program, _ = options
    (subscription,) = declared(program, "aws:sns/topicSubscription:TopicSubscription")  # the scheduled audit's too
    (topic,) = declared(program, "aws:sns/topic:Topic")
    assert subscription.inputs["region"] == topic.inputs["region"] == "us-east-1" and topic.inputs["kmsMasterKeyId"]
    home_bus = f"arn:aws:events:us-east-1:{SECURITY}:event-bus/default"
    forwards = [t for t in declared(program, "aws:cloudwatch/eventTarget:EventTarget")
                if "unexpected-run-instances" in t.name and not t.name.startswith("security-account")]
    # every listed account in the three enabled regions, but the security account's home region (its own bus)
    assert len(forwards) == len(LISTED) * 3 - 1
    assert all(t.inputs["roleArn"] and t.inputs["arn"] == home_bus for t in forwards)
    functions = declared(program, "aws:lambda/function:Function")
    assert {f.inputs["environment"]["variables"].get("IRREADY_ALERT_TOPIC_ARN", topic.outputs["arn"])
            for f in functions} == {topic.outputs["arn"]}


def test_13_by_default_every_enabled_region_is_watched_though_nobody_listed_it(options):
    # Attackers launch where nobody looks; GuardDuty is regional
    # (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_regions.html).
    program, _ = options
    unlisted = "ap-southeast-2"
    admins = declared(program, "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount")
    assert unlisted in {a.inputs["region"] for a in admins}
    alerts = [r for r in declared(program, "aws:cloudwatch/eventRule:EventRule")
              if r.inputs["name"] == "irready-unexpected-run-instances"]
    assert sorted(r.name.split("-")[1] for r in alerts if r.inputs["region"] == unlisted) == sorted(LISTED)
    # No region-deny SCP attached (the guardrail SCP of issue #12 is attached either way).
    assert [a for a in declared(program, "aws:organizations/policyAttachment:PolicyAttachment")
            if not a.name.startswith("guardrail-scp")] == []


def test_13_or_every_other_region_is_denied_by_an_scp_on_the_root():
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
    from irready import policies

    program = record(stack_config(example_values() | {"unlistedRegions": "deny"}))
    (attachment,) = [a for a in program.of_type("aws:organizations/policyAttachment:PolicyAttachment")
                     if not a.name.startswith("guardrail-scp")]  # the guardrail SCP (issue #12) is attached too
    assert attachment.inputs["targetId"] == ROOT_ID
    (scp,) = [p for p in program.of_type("aws:organizations/policy:Policy")
              if p.inputs["name"] == "irready-deny-unlisted-regions"]
    assert json.loads(scp.inputs["content"]) == policies.region_deny_scp(
        ["us-east-1", "eu-west-1"], ["arn:aws:iam::*:role/IncidentResponder"])
    statement = json.loads(scp.inputs["content"])["Statement"][0]
    assert {"iam:*", "sts:*", "organizations:*"} <= set(statement["NotAction"])  # global services keep working
    assert {a.inputs["region"] for a in program.of_type(
        "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount")} == {"us-east-1", "eu-west-1"}


def test_14_a_data_events_only_trail_records_no_management_events():
    # A second copy of management events is billed: https://aws.amazon.com/cloudtrail/pricing/
    values = example_values() | {"trailManagementEvents": False}
    program = record(stack_config(values))
    (trail,) = program.of_type("aws:cloudtrail/trail:Trail")
    names = [s["name"] for s in trail.inputs["advancedEventSelectors"]]
    assert names == ["S3 object-level events", "Lambda invocations"]


def test_14_a_data_events_only_trail_needs_some_data_events():
    from irready.infra.config import StackConfigError, load

    values = example_values() | {"trailManagementEvents": False, "dataEvents": {"s3": "none", "lambda": "none"}}
    with pytest.raises(StackConfigError, match="irready:trailManagementEvents"):
        load(values.get)


LOG_ARCHIVE = "aws-controltower-logs-444455556666-us-east-1"


def test_14_a_landing_zones_log_archive_bucket_is_reused_and_nothing_of_ours_stores_the_trail():
    # The organization trail may write to a bucket of another account whose policy admits it:
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    values = example_values() | {"trailManagementEvents": False, "trailBucketName": LOG_ARCHIVE,
                                 "investigation": {"enabled": True}}
    program = record(stack_config(values))
    (trail,) = program.of_type("aws:cloudtrail/trail:Trail")
    assert trail.inputs["s3BucketName"] == LOG_ARCHIVE and "kmsKeyId" not in trail.inputs
    assert not [r for r in program.resources if r.name.startswith("organization-trail-") and
                r.type.startswith(("aws:s3/", "aws:kms/"))]
    assert [r.name for r in program.of_type("aws:kms/key:Key") if "trail" in r.name] == []
    (investigator,) = [r for r in program.of_type("aws:iam/rolePolicy:RolePolicy")
                       if r.name == "investigation-investigator-permissions"]
    assert LOG_ARCHIVE in investigator.inputs["policy"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"trailBucketName": "Not_A_Bucket"}, "irready:trailBucketName: 'Not_A_Bucket' is not an S3 bucket name"),
    ({"trailBucketName": "192.168.1.1"}, "irready:trailBucketName: '192.168.1.1' is not an S3 bucket name"),
    ({"trailBucketName": LOG_ARCHIVE, "trailObjectLock": True}, "irready:trailObjectLock: Object Lock is set on a"),
])
def test_14_a_bad_trail_bucket_name_names_the_key_and_the_fix(changes, message):
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    from irready.infra.config import StackConfigError, load

    with pytest.raises(StackConfigError, match=message.replace(".", r"\.")):
        load((example_values() | changes).get)


def test_15_the_revoke_sessions_cutoff_a_responder_moved_is_never_reverted(options):
    # Responders bump the cutoff at incident time (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html);
    # `pulumi up --refresh` must not put the old one back.
    _, opts = options
    assert opts["containment-111111111111-irready-revoke-older-sessions"].ignore_changes == ["policy"]
    assert not opts["containment-111111111111-irready-deny-all"].ignore_changes
