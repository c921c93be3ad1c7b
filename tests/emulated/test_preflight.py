"""`irready preflight` against moto over HTTP: each condition that would make the first `pulumi up`
fail or go wrong is reported with the stack-config key or AWS setting that fixes it; it is read-only."""

from __future__ import annotations

import pytest
from irready.audit.model import Status
from irready.infra.config import StackConfigError

from irready import preflight
from irready.emulated.baseline import Organization, stack_values
from irready.emulated.brownfield import join_organization, share_vpc, stack_file
from tests.support.faults import Fault


def joined_organization(emulator, new_account, workloads: int):
    """(emulator, an organization with all features and trusted access: management, security, ``workloads``)."""
    org = Organization(management=new_account(), security=new_account(),
                       workloads=tuple(new_account() for _ in range(workloads)), regions=("us-east-1",))
    join_organization(emulator, org.management, org.accounts)
    return emulator, org


@pytest.fixture(scope="module")
def organization(_emulator_and_faults, new_account):
    """An organization with all features, SCPs and trusted access: preflight passes, until a test spoils it."""
    return joined_organization(_emulator_and_faults[0], new_account, workloads=2)


@pytest.fixture
def fresh_organization(_emulator_and_faults, new_account):
    """An organization of its own (one workload) for a test that changes it."""
    return joined_organization(_emulator_and_faults[0], new_account, workloads=1)


def organization_mode(org) -> dict:
    """Stack-config overrides for organization mode: only the management account listed, StackSets to the root."""
    return {"accounts": [{"id": org.management, "management": True, "regions": ["us-east-1"]}],
            "organization": {"units": ["root"], "regions": ["us-east-1"]}, "networkLogDestinations": ["cloudwatch"]}


def run(emulator, org, tmp_path, **overrides):
    path = tmp_path / "Pulumi.test.yaml"
    stack_file(path, stack_values(org, **overrides))
    return preflight.preflight(path, emulator.session(org.management), emulator.url)


def failures(report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in report.findings:
        if f.status is Status.FAIL:
            found.setdefault(f.check_id, []).append(f.reason)
    return found


def test_a_ready_organization_passes_every_check(organization, tmp_path):
    emulator, org = organization
    report = run(emulator, org, tmp_path)
    assert failures(report) == {}
    assert {f.check_id for f in report.findings} >= {
        "preflight.credentials", "preflight.organization", "preflight.trusted_access", "preflight.accounts",
        "preflight.member_role", "preflight.regions", "preflight.organization_trails",
        "preflight.guardduty_administrator", "preflight.guardduty_detectors", "preflight.trail_admins"}


def test_accounts_outside_the_organization_or_suspended_name_their_key(organization, tmp_path, new_account):
    # https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
    emulator, org = organization
    stranger = new_account()
    accounts = stack_values(org)["accounts"] + [{"id": stranger, "regions": ["us-east-1"]}]
    problems = failures(run(emulator, org, tmp_path, accounts=accounts))["preflight.accounts"]
    assert problems == [f"irready:accounts[4].id: {stranger} is not an account of this organization; correct the "
                        "id or remove it"]


def test_an_opt_in_region_not_enabled_names_the_accounts_regions(organization, tmp_path):
    # https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html (ap-east-1 is opt-in)
    emulator, org = organization
    accounts = stack_values(org)["accounts"]
    accounts[2] = {**accounts[2], "regions": ["us-east-1", "ap-east-1"]}
    (problem,) = failures(run(emulator, org, tmp_path, accounts=accounts))["preflight.regions"]
    assert "ap-east-1" in problem and "irready:accounts[2].regions" in problem


def test_a_member_role_that_cannot_be_assumed_names_member_role_name(organization, tmp_path, faults):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html
    emulator, org = organization
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=org.workloads[1]))
    (problem,) = failures(run(emulator, org, tmp_path))["preflight.member_role"]
    assert "irready:memberRoleName" in problem and org.workloads[1] in problem


def test_the_member_role_is_checked_in_a_security_account_not_listed_in_accounts(organization, tmp_path, faults):
    """The program builds the security account's side through irready:memberRoleName (infra/providers.py),
    listed in irready:accounts or not: preflight tries that role there too."""
    emulator, org = organization
    mode = organization_mode(org)  # only the management account listed
    passed = [f for f in run(emulator, org, tmp_path, **mode).findings
              if f.check_id == "preflight.member_role" and f.account_id == org.security]
    assert [f.status for f in passed] == [Status.PASS]
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=org.security))
    (problem,) = failures(run(emulator, org, tmp_path, **mode))["preflight.member_role"]
    assert f"in the security account {org.security}" in problem and "irready:memberRoleName" in problem


def test_another_guardduty_administrator_and_a_suspended_detector_are_reported(fresh_organization, tmp_path):
    # https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
    emulator, org = fresh_organization
    other = org.workloads[0]
    emulator.client(emulator.session(org.management), "guardduty", "us-east-1").enable_organization_admin_account(
        AdminAccountId=other)
    member = emulator.client(emulator.session(other), "guardduty", "us-east-1")
    detector = member.create_detector(Enable=False)["DetectorId"]
    found = failures(run(emulator, org, tmp_path))
    (admin,) = found["preflight.guardduty_administrator"]
    assert f"set irready:securityAccountId to {other}" in admin
    (suspended,) = found["preflight.guardduty_detectors"]
    assert f"update-detector --detector-id {detector} --enable" in suspended


def test_a_shared_vpc_listed_under_a_participant_or_owned_by_an_unlisted_account(organization, tmp_path, new_account):
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html
    emulator, org = organization
    outsider = new_account()
    vpc_id = share_vpc(emulator, outsider, org.workloads[1], "us-east-1")
    accounts = stack_values(org)["accounts"]
    accounts[3] = {**accounts[3], "vpcs": {"us-east-1": [vpc_id]}}
    (listed,) = failures(run(emulator, org, tmp_path, accounts=accounts))["preflight.shared_vpcs"]
    assert "remove it from irready:accounts[3].vpcs.us-east-1" in listed
    (unowned,) = failures(run(emulator, org, tmp_path))["preflight.shared_vpcs"]
    assert f"add {outsider} to irready:accounts" in unowned
    from moto.ec2.models import ec2_backends
    del ec2_backends[org.workloads[1]]["us-east-1"].vpcs[vpc_id]


def test_missing_trusted_access_and_scps_name_the_commands(_emulator_and_faults, new_account, tmp_path):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html
    emulator, _ = _emulator_and_faults
    org = Organization(management=new_account(), security=new_account(), workloads=(), regions=("us-east-1",))
    emulator.client(emulator.session(org.management), "organizations").create_organization(FeatureSet="ALL")
    found = failures(run(emulator, org, tmp_path))
    assert [problem.split(" is not enabled")[0] for problem in found["preflight.trusted_access"]] == [
        "trusted access for account.amazonaws.com", "trusted access for cloudtrail.amazonaws.com"]
    assert "--service-principal cloudtrail.amazonaws.com" in found["preflight.trusted_access"][1]
    assert "enable-policy-type" in found["preflight.organization"][0]
    # With irready:tagPolicy, the tag policy type too (AttachPolicy: PolicyTypeNotEnabledException,
    # https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html).
    problems = failures(run(emulator, org, tmp_path, tagPolicy=True))["preflight.organization"]
    (tags,) = [problem for problem in problems if "--policy-type TAG_POLICY" in problem]
    assert "irready:tagPolicy" in tags and len(problems) == 2


def test_a_data_events_only_trail_with_no_other_trail_is_a_gap(organization, tmp_path):
    emulator, org = organization
    (problem,) = failures(run(emulator, org, tmp_path, trailManagementEvents=False))["preflight.organization_trails"]
    assert "set irready:trailManagementEvents: true" in problem


def test_a_bad_stack_config_is_refused_before_any_call(organization, tmp_path, faults):
    emulator, org = organization
    with pytest.raises(StackConfigError, match="irready:unlistedRegions"):
        run(emulator, org, tmp_path, unlistedRegions="everywhere")
    assert [call for call in faults.calls if "irready-preflight" in call.user_agent] == []


@pytest.mark.parametrize(("scheduled_audit", "line"), [
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html: six cron fields, ? in a day field
    ({"schedule": "cron(0 6 * * *)"}, "irready:scheduledAudit.schedule: 'cron(0 6 * * *)' is not an EventBridge "
                                      "Scheduler cron expression"),
    ({"schedule": "rate(1 day)", "reportFormats": ["pdf"]}, "irready:scheduledAudit.reportFormats: 'pdf' is not a "
                                                            "report format"),
])
def test_a_scheduled_audit_that_would_fail_later_is_refused_by_preflight(organization, tmp_path, scheduled_audit,
                                                                         line):
    """What CreateSchedule or every scheduled run would refuse, preflight refuses first, in the same one line."""
    emulator, org = organization
    with pytest.raises(StackConfigError) as raised:
        run(emulator, org, tmp_path, scheduledAudit=scheduled_audit)
    assert str(raised.value).startswith(line) and "\n" not in str(raised.value)


def test_preflight_only_reads(organization, tmp_path, faults):
    emulator, org = organization
    run(emulator, org, tmp_path)
    operations = {call.operation for call in faults.calls if "irready-preflight" in call.user_agent}
    assert operations and all(op.startswith(("Describe", "Get", "List")) or op == "AssumeRole"
                              for op in operations), operations


def test_organization_mode_needs_stacksets_and_ram_trusted_access(fresh_organization, tmp_path):
    """Service-managed StackSets need trusted access for member.org.stacksets.cloudformation.amazonaws.com
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html),
    and sharing with the organization through RAM needs it for ram.amazonaws.com; explicit-accounts mode
    asks for neither."""
    emulator, org = fresh_organization
    principal = "member.org.stacksets.cloudformation.amazonaws.com"
    organizations = emulator.client(emulator.session(org.management), "organizations")
    organizations.disable_aws_service_access(ServicePrincipal=principal)
    assert principal not in str(run(emulator, org, tmp_path).findings)  # explicit mode
    (problem,) = failures(run(emulator, org, tmp_path, **organization_mode(org)))["preflight.trusted_access"]
    assert problem.startswith(f"trusted access for {principal} is not enabled")
    assert "aws cloudformation activate-organizations-access" in problem  # CloudFormation's side, as AWS recommends
    organizations.enable_aws_service_access(ServicePrincipal=principal)
    report = run(emulator, org, tmp_path, **organization_mode(org))
    assert "preflight.trusted_access" not in failures(report)
    # RAM's sharing with the organization (the shared query-logging configurations), enabled with RAM's own
    # call, which also creates its service-linked role
    # (https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html).
    organizations.disable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    assert "ram.amazonaws.com" not in str(run(emulator, org, tmp_path).findings)  # explicit mode
    (problem,) = failures(run(emulator, org, tmp_path, **organization_mode(org)))["preflight.trusted_access"]
    assert problem.startswith("trusted access for ram.amazonaws.com is not enabled")
    assert problem.endswith("run `aws ram enable-sharing-with-aws-organization`")
    organizations.enable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    # moto refuses ListDelegatedAdministrators for this principal (AWS accepts it): the fact is unavailable
    # and only the line about it is left out; with the fact as AWS returns it, the line names them.
    path = tmp_path / "Pulumi.test.yaml"
    stack_file(path, stack_values(org, **organization_mode(org)))
    stack = preflight.read_stack_config(path)
    facts = preflight.collect(stack, emulator.session(org.management), emulator.url)
    for delegated, expected in (([], "no delegated administrator is registered"),
                                (["444455556666"], "delegated administrators 444455556666 are not used")):
        facts["delegated_administrators"][principal] = delegated
        reasons = [f.reason for f in preflight.evaluate(stack, facts) if f.check_id == "preflight.trusted_access"]
        assert any(expected in reason for reason in reasons), reasons


# --- irready:trailBucketName: a landing zone's log archive bucket, in another account --------------------------
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html: an
# organization trail needs s3:GetBucketAcl and s3:PutObject under AWSLogs/<management>/ and AWSLogs/<org id>/,
# scoped with aws:SourceArn to the trail.

def _log_archive(emulator, org, new_account, policy_of) -> str:
    """A bucket in a log-archive account of its own, with the policy ``policy_of(bucket_arn, org_id, trail)``."""
    import json

    from irready.infra.components.org_trail import organization_trail_arn
    owner = new_account()
    name = f"aws-controltower-logs-{owner}-us-east-1"
    s3 = emulator.session(owner).client("s3", region_name="us-east-1", endpoint_url=emulator.url)
    s3.create_bucket(Bucket=name)
    organizations = emulator.session(org.management).client("organizations", region_name="us-east-1",
                                                             endpoint_url=emulator.url)
    org_id = organizations.describe_organization()["Organization"]["Id"]
    policy = policy_of(f"arn:aws:s3:::{name}", org_id, organization_trail_arn("us-east-1", org.management))
    if policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": policy}))
    return name


def _trail_bucket_findings(emulator, org, tmp_path, name):
    report = run(emulator, org, tmp_path, trailBucketName=name, trailManagementEvents=False)
    return [f for f in report.findings if f.check_id == "preflight.trail_bucket"]


def test_a_landing_zone_bucket_that_admits_the_trail_passes(organization, tmp_path, new_account):
    from irready.infra.components.org_trail import cloudtrail_delivery_statements
    emulator, org = organization
    name = _log_archive(emulator, org, new_account, lambda arn, org_id, trail: cloudtrail_delivery_statements(
        arn, org.management, org_id, trail))
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, name)
    assert finding.status is Status.PASS, finding.reason


def test_a_control_tower_style_policy_scoped_by_source_org_id_passes(organization, tmp_path, new_account):
    # https://docs.aws.amazon.com/controltower/latest/userguide/logging-s3-audit-bucket.html (aws:SourceOrgID)
    emulator, org = organization
    name = _log_archive(emulator, org, new_account, lambda arn, org_id, trail: [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": arn},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"{arn}/AWSLogs/*",
         "Condition": {"StringEquals": {"aws:SourceOrgID": org_id, "s3:x-amz-acl": "bucket-owner-full-control"}}}])
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, name)
    assert finding.status is Status.PASS, finding.reason


def test_a_policy_without_the_organization_prefix_prints_the_missing_statements(organization, tmp_path, new_account):
    emulator, org = organization
    name = _log_archive(emulator, org, new_account, lambda arn, org_id, trail: [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": arn, "Condition": {"StringEquals": {"aws:SourceArn": trail}}},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"{arn}/AWSLogs/{org.management}/*", "Condition": {"StringEquals": {"aws:SourceArn": trail}}}])
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, name)
    assert finding.status is Status.FAIL
    assert "does not let the irready organization trail deliver" in finding.reason
    assert f"{name}/AWSLogs/o-" in finding.reason and "aws:SourceArn" in finding.reason \
        and "s3:GetBucketAcl" in finding.reason


def test_a_policy_any_trail_may_write_to_is_a_confused_deputy(organization, tmp_path, new_account):
    emulator, org = organization
    name = _log_archive(emulator, org, new_account, lambda arn, org_id, trail: [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["s3:GetBucketAcl", "s3:PutObject"], "Resource": [arn, f"{arn}/*"]}])
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, name)
    assert finding.status is Status.FAIL and "lets any trail write" in finding.reason


def test_a_bucket_with_no_policy_or_none_at_all_names_the_fix(organization, tmp_path, new_account):
    emulator, org = organization
    name = _log_archive(emulator, org, new_account, lambda *_: None)
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, name)
    assert finding.status is Status.FAIL and "its owner adds" in finding.reason
    (finding,) = _trail_bucket_findings(emulator, org, tmp_path, "irready-no-such-log-archive")
    assert finding.status is Status.FAIL and "irready:trailBucketName" in finding.reason


# --- Organization mode: the security contacts function needs the security account as Account Management's
# delegated administrator (one per organization), which the program registers or adopts:
# https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html

def test_account_managements_delegated_administrator_is_reported_in_organization_mode(fresh_organization,
                                                                                      tmp_path):
    emulator, org = fresh_organization
    check = "preflight.account_management_administrator"

    def reasons(report) -> dict[Status, list[str]]:
        found: dict[Status, list[str]] = {}
        for f in report.findings:
            if f.check_id == check:
                found.setdefault(f.status, []).append(f.reason)
        return found

    assert reasons(run(emulator, org, tmp_path)) == {}  # explicit mode: Pulumi sets the contacts
    assert reasons(run(emulator, org, tmp_path, **organization_mode(org))) == {
        Status.PASS: ["no delegated administrator yet: registered by the program"]}
    organizations = emulator.client(emulator.session(org.management), "organizations")
    organizations.register_delegated_administrator(AccountId=org.workloads[0], ServicePrincipal="account.amazonaws.com")
    (problem,) = reasons(run(emulator, org, tmp_path, **organization_mode(org)))[Status.FAIL]
    assert problem.startswith(f"the delegated administrator for account.amazonaws.com is {org.workloads[0]}")
    assert f"deregister-delegated-administrator --account-id {org.workloads[0]}" in problem
    organizations.deregister_delegated_administrator(AccountId=org.workloads[0],
                                                     ServicePrincipal="account.amazonaws.com")
    organizations.register_delegated_administrator(AccountId=org.security, ServicePrincipal="account.amazonaws.com")
    assert reasons(run(emulator, org, tmp_path, **organization_mode(org))) == {
        Status.PASS: ["already the delegated administrator: adopted"]}


# --- irready:trailAdminPrincipals: the caller must be one, or its next `pulumi up` is refused ------------------
# The policies deny PutBucketPolicy/PutKeyPolicy to all but the admins by aws:PrincipalArn, which for a role
# session is the role's ARN, path included:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn

def test_the_caller_must_be_a_trail_admin(organization, tmp_path):
    emulator, org = organization
    role = f"arn:aws:iam::{org.management}:role/OrganizationAccountAccessRole"  # Emulator.session's role
    report = run(emulator, org, tmp_path)
    (passed,) = [f for f in report.findings if f.check_id == "preflight.trail_admins"]
    assert passed.status is Status.PASS and passed.resource_id == role
    ci = f"arn:aws:iam::{org.management}:role/ci-deployer"
    (problem,) = failures(run(emulator, org, tmp_path, trailAdminPrincipals=[ci]))["preflight.trail_admins"]
    assert problem == (f"{role} (these credentials) is not in irready:trailAdminPrincipals: the trail bucket and key "
                       "policies would refuse its s3:PutBucketPolicy and kms:PutKeyPolicy at its next `pulumi up`; "
                       f"add {role} to irready:trailAdminPrincipals, or run as one of them")
    # A pattern matching the role (ArnNotLike) admits it.
    pattern = f"arn:aws:iam::{org.management}:role/Organization*"
    assert "preflight.trail_admins" not in failures(run(emulator, org, tmp_path, trailAdminPrincipals=[ci, pattern]))


def test_a_role_sessions_principal_is_its_role_with_its_path(organization):
    """sts:GetCallerIdentity's session ARN drops the role's path; iam:GetRole gives it back."""
    emulator, org = organization
    iam = emulator.client(emulator.session(org.management), "iam")
    iam.create_role(RoleName="AWSReservedSSO_Admin_0123456789abcdef", Path="/aws-reserved/sso.amazonaws.com/",
                    AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    session = f"arn:aws:sts::{org.management}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com"
    assert preflight.principal_arn(session, iam) == (
        f"arn:aws:iam::{org.management}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef")
    user = f"arn:aws:iam::{org.management}:user/alice"
    assert preflight.principal_arn(user, iam) == user


# --- irready:accounts[n].vpcs: each listed VPC exists there (Pulumi.example.yaml's is a placeholder) ------------
# CreateFlowLogs with a VPC the account does not have fails with InvalidVpcID.NotFound
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html,
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).

def test_a_listed_vpc_that_does_not_exist_names_its_key(organization, tmp_path):
    emulator, org = organization
    member = org.workloads[0]
    real = emulator.client(emulator.session(member), "ec2").create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    accounts = stack_values(org)["accounts"]
    accounts[2] = {**accounts[2], "vpcs": {"us-east-1": [real, "vpc-0a1b2c3d4e5f60718"]}}
    report = run(emulator, org, tmp_path, accounts=accounts)
    (problem,) = failures(report)["preflight.vpcs"]
    assert problem == (f"irready:accounts[2].vpcs.us-east-1: vpc-0a1b2c3d4e5f60718 does not exist in {member} "
                       "us-east-1 (InvalidVpcID.NotFound at `pulumi up`); correct the id, or remove it (left out, "
                       "the account's VPCs are discovered)")
    assert {(f.status, f.resource_id) for f in report.findings if f.check_id == "preflight.vpcs"} == {
        (Status.FAIL, "vpc-0a1b2c3d4e5f60718"), (Status.PASS, real)}


def test_the_examples_vpc_is_marked_a_placeholder():
    from pathlib import Path
    text = (Path(__file__).parents[2] / "Pulumi.example.yaml").read_text()
    (line,) = [line for line in text.splitlines() if "vpc-0a1b2c3d4e5f60718" in line]
    assert "PLACEHOLDER" in line


# --- Lambda's concurrency quota in the security account: Lambda keeps 100 concurrent executions unreserved, so
# reserving concurrency fails where the quota (often 10 in a new account) cannot spare it
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html; GetAccountSettings:
# https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html).

def _concurrency(report) -> list:
    return [f for f in report.findings if f.check_id == "preflight.lambda_concurrency"]


def test_a_security_account_whose_lambda_quota_cannot_spare_the_reservations_names_the_quota(fresh_organization,
                                                                                              tmp_path):
    from irready.policies import lambda_concurrency
    emulator, org = fresh_organization
    assert _concurrency(run(emulator, org, tmp_path)) == []  # explicit mode, no scheduled audit: nothing reserved
    (finding,) = _concurrency(run(emulator, org, tmp_path, **organization_mode(org)))
    assert finding.status is Status.PASS and finding.account_id == org.security
    emulator.lambda_concurrency.limits[(org.security, "us-east-1")] = 10  # a new account's quota
    (finding,) = _concurrency(run(emulator, org, tmp_path, **organization_mode(org)))
    reserved = lambda_concurrency.VPC_PREPARATION + lambda_concurrency.SECURITY_CONTACTS
    assert finding.status is Status.FAIL and finding.region == "us-east-1"
    assert finding.reason.startswith(f"{org.security} allows 10 concurrent Lambda executions in us-east-1 (10 "
                                     f"unreserved); irready reserves {reserved} (")
    assert (f"--quota-code L-B99A9384 --desired-value {reserved + 100} --region us-east-1`), or set "
            "irready:reservedConcurrency: false") in finding.reason
    # With a scheduled audit the map's width is reserved too, and lowering it is named.
    (finding,) = _concurrency(run(emulator, org, tmp_path, **organization_mode(org),
                                  scheduledAudit={"schedule": "rate(1 day)", "maxConcurrency": 10}))
    assert f"--desired-value {reserved + 12 + 100} " in finding.reason
    assert finding.reason.endswith("(or lower irready:scheduledAudit.maxConcurrency)")
    assert _concurrency(run(emulator, org, tmp_path, **organization_mode(org), reservedConcurrency=False)) == []


def test_the_emulator_refuses_a_reservation_as_aws_does_and_preflight_counts_what_irready_holds(fresh_organization,
                                                                                                tmp_path):
    """What the check predicts is what PutFunctionConcurrency does; a re-run counts irready's own reservations
    as given back."""
    import io
    import zipfile

    from botocore.exceptions import ClientError
    from irready.policies import vpc_preparation
    emulator, org = fresh_organization
    session = emulator.session(org.security)
    role = emulator.client(session, "iam").create_role(RoleName="irready-test-function", AssumeRolePolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}'))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    functions = emulator.client(session, "lambda")
    functions.create_function(FunctionName=vpc_preparation.FUNCTION, Runtime="python3.12", Role=role,
                              Handler="handler.handler", Code={"ZipFile": code.getvalue()})
    emulator.lambda_concurrency.limits[(org.security, "us-east-1")] = 104
    with pytest.raises(ClientError, match="below its minimum value of \\[100\\]"):
        functions.put_function_concurrency(FunctionName=vpc_preparation.FUNCTION, ReservedConcurrentExecutions=5)
    functions.put_function_concurrency(FunctionName=vpc_preparation.FUNCTION, ReservedConcurrentExecutions=4)
    limit = functions.get_account_settings()["AccountLimit"]
    assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (104, 100)
    emulator.lambda_concurrency.limits[(org.security, "us-east-1")] = 107  # 5 + 2 + 100, 4 of them held already
    (finding,) = _concurrency(run(emulator, org, tmp_path, **organization_mode(org)))
    assert finding.status is Status.PASS, finding.reason
    emulator.lambda_concurrency.limits[(org.security, "us-east-1")] = 106
    (finding,) = _concurrency(run(emulator, org, tmp_path, **organization_mode(org)))
    assert finding.status is Status.FAIL and "--desired-value 107 " in finding.reason


def test_a_security_account_the_program_creates_cannot_be_read_yet(fresh_organization, tmp_path):
    emulator, org = fresh_organization
    values = {**organization_mode(org), "createSecurityAccount": {"name": "Security", "email": "sec@example.com"}}
    path = tmp_path / "Pulumi.test.yaml"
    stack_file(path, {k: v for k, v in stack_values(org, **values).items() if k != "securityAccountId"})
    (finding,) = _concurrency(preflight.preflight(path, emulator.session(org.management), emulator.url))
    assert finding.status is Status.UNKNOWN
    assert "set irready:reservedConcurrency: false for the first `pulumi up`, or raise quota L-B99A9384 to 107" \
        in finding.reason


def test_security_hubs_delegated_administrator_is_adopted_designated_or_reported(fresh_organization, tmp_path):
    # One Security Hub delegated administrator per organization:
    # https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html
    emulator, org = fresh_organization

    def reasons(**overrides) -> list[tuple[Status, str]]:
        return [(f.status, f.reason) for f in run(emulator, org, tmp_path, **overrides).findings
                if f.check_id == "preflight.security_hub_administrator"]

    assert reasons() == []  # irready:securityHub false: not designated, not checked
    assert reasons(securityHub=True) == [(Status.PASS, "no delegated administrator yet: designated by the program")]
    organizations = emulator.client(emulator.session(org.management), "organizations")
    organizations.register_delegated_administrator(AccountId=org.workloads[0],
                                                   ServicePrincipal="securityhub.amazonaws.com")
    assert reasons(securityHub=True) == [(Status.FAIL, (
        f"Security Hub's delegated administrator is {org.workloads[0]}; the program designates {org.security}: set "
        f"irready:securityAccountId to {org.workloads[0]}, or set irready:securityHub: false and keep the existing "
        "set-up"))]
    organizations.deregister_delegated_administrator(AccountId=org.workloads[0],
                                                     ServicePrincipal="securityhub.amazonaws.com")
    organizations.register_delegated_administrator(AccountId=org.security, ServicePrincipal="securityhub.amazonaws.com")
    assert reasons(securityHub=True) == [(Status.PASS, "already the delegated administrator: adopted")]


# --- Organization mode's regions: `all` is the regions that need no opt-in; an opt-in region is deployed when named,
# and a member that has not enabled it fails its stack instance there
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html; read with GetRegionOptStatus:
# https://docs.aws.amazon.com/accounts/latest/reference/API_GetRegionOptStatus.html).

def test_a_named_opt_in_region_lists_the_members_that_have_not_enabled_it(fresh_organization, tmp_path):
    emulator, org = fresh_organization
    check = "preflight.organization_regions"

    def findings(regions) -> list[tuple[Status, str, str]]:
        values = {**organization_mode(org), "organization": {"units": ["root"], "regions": regions}}
        return [(f.status, f.region, f.reason) for f in run(emulator, org, tmp_path, **values).findings
                if f.check_id == check]

    assert [f for f in run(emulator, org, tmp_path).findings if f.check_id == check] == []  # explicit mode
    ((status, _, reason),) = findings("all")
    assert status is Status.PASS and reason.startswith("all: the ") and reason.endswith("that need no opt-in")
    # The management account's opt-in regions are named as left out (moto's DescribeRegions never says opted-in).
    path = tmp_path / "Pulumi.all.yaml"
    stack_file(path, stack_values(org, **{**organization_mode(org), "organization": {"units": ["root"],
                                                                                     "regions": "all"}}))
    stack = preflight.read_stack_config(path)
    facts = preflight.collect(stack, emulator.session(org.management), emulator.url)
    facts["organization_regions"]["opt_in"]["me-central-1"] = "opted-in"
    (reason,) = [f.reason for f in preflight.evaluate(stack, facts) if f.check_id == check]
    assert reason.endswith("; the management account's opt-in regions me-central-1 are left out: name them to deploy "
                           "there (irready:organization.regions: [all, me-central-1])")
    assert findings(["us-east-1"]) == []  # a region every account has: nothing to check
    ((status, region, reason), ) = [f for f in findings(["all", "me-central-1"]) if f[1] == "me-central-1"]
    members = sorted((org.security, *org.workloads))
    assert status is Status.FAIL and reason.startswith(
        f"me-central-1 is an opt-in region 2 of the 2 targeted member accounts have not enabled ({', '.join(members)})")
    assert reason.endswith("or remove me-central-1 from irready:organization.regions")
    account = emulator.client(emulator.session(org.management), "account")
    for member in members:
        account.enable_region(AccountId=member, RegionName="me-central-1")
    assert findings(["eu-west-1", "me-central-1"]) == [
        (Status.PASS, "me-central-1", "an opt-in region all 2 targeted member accounts have enabled")]


def test_targeted_accounts_are_those_under_the_ous_and_below(fresh_organization):
    emulator, org = fresh_organization
    organizations = emulator.client(emulator.session(org.management), "organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    workloads = organizations.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    nested = organizations.create_organizational_unit(ParentId=workloads, Name="prod")["OrganizationalUnit"]["Id"]
    organizations.move_account(AccountId=org.workloads[0], SourceParentId=root, DestinationParentId=nested)
    assert preflight.targeted_accounts(organizations, (workloads,)) == [org.workloads[0]]
    assert preflight.targeted_accounts(organizations, ("root",)) == sorted(org.accounts)
