"""The round trip: the Pulumi program, applied to moto, then `irready audit` against it.

What the program builds must come out of the audit with no FAIL, and UNKNOWN only where moto lacks
the API (never PASS there); an account it did not touch must show the gaps.
"""

from __future__ import annotations

import json

import boto3
import botocore.exceptions
import pulumi
import pytest
from irready.audit.config import AuditConfig
from irready.audit.model import Status
from irready.infra.offline.program import stack_config
from irready.infra.organization import TRUSTED_ACCESS
from irready.policies import names

from irready import policies
from irready.emulated.appliers import APPLIERS, NOT_EMULATED
from irready.emulated.apply import EmulatedApply, Provisioned, UnknownResourceType, aws_managed_policies, provision
from irready.emulated.baseline import Organization, audit, audit_config, stack_values
from irready.emulated.respond import emulated_copy, enforced

# Checks that read an API moto lacks: UNKNOWN is the right answer there, and the only one allowed.
MOTO_GAP_CHECKS = {"dns.firewall_block_ready": "API not available here",
                   # The audit reads Organizations from its caller, the security account, which moto does not make
                   # a member of the organization; test_the_guardrail_covers_every_member reads it from the
                   # management account instead.
                   "org.guardrail_scp": "AWSOrganizationsNotInUseException"}


@pytest.fixture(scope="module")
def round_trip(_emulator_and_faults, new_account):
    emulator, _ = _emulator_and_faults
    org = Organization(management=new_account(), security=new_account(), workloads=(new_account(),))
    untouched = new_account()
    provisioned = provision(emulator, stack_config(stack_values(org)), org.management)
    _, report = audit(emulator, audit_config(org, extra_accounts=(untouched,)))
    return org, untouched, provisioned, report.findings


def test_provisioned_accounts_have_no_fail(round_trip):
    org, untouched, _, findings = round_trip
    failed = {(f.account_id, f.check_id, f.region) for f in findings
              if f.account_id in org.accounts and f.status is Status.FAIL}
    # The workspace's tables cannot reach the audited account the stack never knew of.
    workspace = (org.security, "investigation.queries_ready", org.regions[0])
    assert failed == {workspace}
    assert next(f.reason for f in findings if (f.account_id, f.check_id, f.region) == workspace
                and f.status is Status.FAIL) == (
        f"the tables cannot reach the logs of {untouched}: not in their partition projection (joined "
        "after the last `pulumi up`, which re-reads the organization's accounts)")


def test_provisioned_accounts_are_unknown_only_where_moto_lacks_the_api(round_trip):
    org, _, _, findings = round_trip
    unknown = {(f.check_id, f.reason) for f in findings if f.account_id in org.accounts and f.status is Status.UNKNOWN}
    assert {check for check, _ in unknown} <= set(MOTO_GAP_CHECKS)
    for check_id, reason in unknown:
        assert MOTO_GAP_CHECKS[check_id] in reason


def test_every_readiness_check_passes_in_every_provisioned_account_and_region(round_trip):
    org, _, _, findings = round_trip
    passed = {(f.account_id, f.check_id, f.region) for f in findings if f.status is Status.PASS}
    for account in org.accounts:
        assert (account, "account.security_contact", "global") in passed
        assert (account, "ir.responder_role", "global") in passed
        assert (account, "ir.containment_policies", "global") in passed
        assert (account, "cloudtrail.multi_region_logging", "global") in passed
        for region in org.regions:
            for check_id in ("cloudtrail.management_events_rw", "cloudtrail.s3_data_events",
                             "cloudtrail.lambda_data_events", "cloudtrail.cloudwatch_logs", "vpc.flow_logs",
                             "dns.resolver_query_logging", "guardduty.enabled", "ir.quarantine_security_group"):
                assert (account, check_id, region) in passed, (account, check_id, region)
            # Members' findings reach the delegated administrator's EventBridge, whose rule the audit credits
            # to a member whose administrator GuardDuty reports (auto-enable ALL enrolled it).
            assert (account, "guardduty.findings_routed", region) in passed, (account, region)


def test_the_untouched_account_shows_the_gaps(round_trip):
    _, untouched, _, findings = round_trip
    failed = {f.check_id for f in findings if f.account_id == untouched and f.status is Status.FAIL}
    assert failed >= {"account.security_contact", "cloudtrail.multi_region_logging", "cloudtrail.s3_data_events",
                      "vpc.flow_logs", "dns.resolver_query_logging", "guardduty.enabled", "ir.responder_role",
                      "ir.quarantine_security_group", "ir.containment_policies"}
    assert not [f for f in findings if f.account_id == untouched and f.status is Status.PASS
                and f.check_id in failed]


def test_every_declared_resource_was_created_or_skipped_for_a_stated_gap(round_trip):
    org, _, provisioned, _ = round_trip
    assert {type_ for type_, *_ in provisioned.created} <= set(APPLIERS)
    assert {(type_, reason) for type_, _, reason in provisioned.skipped} <= set(NOT_EMULATED.items())
    created_in = {account for _, _, account, _ in provisioned.created}
    assert created_in == set(org.accounts)
    counts = provisioned.counts()
    regions, accounts = len(org.regions), len(org.accounts)
    assert counts["aws:cloudtrail/trail:Trail"] == 1
    # The administrator's detector only, created before the designation (members': auto-enable, as in AWS).
    detectors = [(account, id_) for type_, _, account, id_ in provisioned.created
                 if type_ == "aws:guardduty/detector:Detector"]
    assert {account for account, _ in detectors} == {org.security}
    assert len(detectors) == counts["aws:guardduty/organizationAdminAccount:OrganizationAdminAccount"]
    # Every region enabled in the emulator, listed or not (irready:unlistedRegions monitor, the default).
    assert counts["aws:guardduty/organizationConfiguration:OrganizationConfiguration"] == \
        counts["aws:guardduty/organizationAdminAccount:OrganizationAdminAccount"] > regions
    assert counts["aws:account/alternativeContact:AlternativeContact"] == accounts


def test_a_weaker_program_is_caught_by_the_audit(emulator, new_account):
    """The round trip can fail: with data events switched off, the audit reports exactly that."""
    org = Organization(management=new_account(), security=new_account(), workloads=(), regions=("us-east-1",))
    values = stack_values(org, dataEvents={"s3": "none", "lambda": "none"}, unlistedRegions="deny")
    provision(emulator, stack_config(values), org.management)
    _, report = audit(emulator, audit_config(org))
    failed = {(f.account_id, f.check_id) for f in report.findings if f.status is Status.FAIL}
    # Without S3 data events, no bucket's object access is recorded either (s3.access_evidence, issue #19).
    assert failed == {(account, check) for account in org.accounts
                      for check in ("cloudtrail.s3_data_events", "cloudtrail.lambda_data_events", "s3.access_evidence")}


def test_a_resource_type_without_an_applier_stops_the_run(emulator):
    mocks = EmulatedApply(emulator, Provisioned())
    args = pulumi.runtime.MockResourceArgs("aws:ec2/instance:Instance", "web", {}, "provider::provider-1")
    with pytest.raises(UnknownResourceType, match="aws:ec2/instance:Instance .*NOT_EMULATED") as raised:
        mocks.new_resource(args)
    # The file it names is the one that holds the appliers (it once named infra/emulated/, which does not exist).
    from pathlib import Path

    from irready.emulated import appliers
    named = "irready/emulated/appliers.py"
    assert f"no applier in {named};" in str(raised.value)
    assert Path(appliers.__file__).as_posix().endswith(named) and (Path(__file__).parents[2] / named).is_file()


@pytest.fixture(scope="module")
def created_security_account(_emulator_and_faults, new_account):
    """The other way to configure the stack: the program creates the security account, with Security Hub,
    Object Lock on the trail bucket and an ExternalId for responders instead of MFA."""
    emulator, _ = _emulator_and_faults
    management, workload = new_account(), new_account()
    org = Organization(management=management, security="", workloads=(workload,), regions=("us-east-1",))
    values = {key: value for key, value in stack_values(org).items() if key != "securityAccountId"}
    values |= {"accounts": [{"id": management, "management": True, "regions": ["us-east-1"]},
                            {"id": workload, "regions": ["us-east-1"]}],
               "createSecurityAccount": {"name": "Security", "email": "aws-security@example.com"},
               "securityHub": True, "trailObjectLock": True, "responderExternalId": "ir-automation-7f3",
               "unlistedRegions": "deny", "tagPolicy": True, "ecrRegistryScanning": "basic"}
    with aws_managed_policies():  # the accounts' first use: moto loads AWS's managed policies then
        # A workload's repository (tagged, but no scan on push of its own): the registry rule covers it.
        emulator.client(emulator.session(workload), "ecr", "us-east-1").create_repository(
            repositoryName="shop/api", tags=[{"Key": key, "Value": "shop"} for key in names.CONTEXT_TAGS])
        # What `irready preflight` asks before the first `pulumi up` with irready:tagPolicy (preflight.organization).
        organizations = emulator.client(emulator.session(management), "organizations")
        organizations.create_organization(FeatureSet="ALL")
        for principal in TRUSTED_ACCESS:
            organizations.enable_aws_service_access(ServicePrincipal=principal)
        organizations.enable_policy_type(RootId=organizations.list_roots()["Roots"][0]["Id"], PolicyType="TAG_POLICY")
    provisioned = provision(emulator, stack_config(values), management)
    (security,) = [id_ for type_, _, _, id_ in provisioned.created if type_ == "aws:organizations/account:Account"]
    config = AuditConfig(regions=("us-east-1",), accounts=(management, workload), security_account_id=security)
    _, report = audit(emulator, config)
    return emulator, management, security, provisioned, report.findings


def test_a_created_security_account_is_trusted_everywhere_and_the_audit_passes(created_security_account):
    _, management, security, provisioned, findings = created_security_account
    members = {f.account_id for f in findings} - {security}
    # By design besides: no SCP reaches the management account (here the caller can read Organizations).
    assert {(f.account_id, f.check_id) for f in findings if f.status is Status.FAIL} == {
        (management, "org.guardrail_scp")}
    # Members' findings go to the new account, GuardDuty's administrator (auto-enable ALL enrolled them), which
    # this audit leaves out: whether its rule routes them cannot be read, so UNKNOWN, never FAIL or PASS.
    routed = [f for f in findings if f.check_id == "guardduty.findings_routed"]
    assert {f.account_id for f in routed} == members and {f.status for f in routed} == {Status.UNKNOWN}
    assert all(f"delegated administrator {security}, which is not in this audit" in f.reason for f in routed)
    responders = [f for f in findings if f.check_id == "ir.responder_role"]
    assert {f.status for f in responders} == {Status.PASS} and all(security in f.reason for f in responders)
    retention = [f for f in findings if f.check_id == "cloudtrail.bucket_retention"]
    assert retention and all("Object Lock" in f.reason for f in retention)
    # moto accepts a Security Hub administrator only from the management account, and only a member.
    assert [(account, id_) for type_, _, account, id_ in provisioned.created
            if type_ == "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount"] == [(management, security)]


def test_registry_scanning_makes_the_workloads_repository_pass(created_security_account):
    # irready:ecrRegistryScanning basic: scan on push for every repository of every listed account and region.
    _, management, _, provisioned, findings = created_security_account
    scanning = [f for f in findings if f.check_id == "ecr.image_scanning"]
    assert [(f.resource_id, f.status) for f in scanning] == [("shop/api", Status.PASS)]
    assert "basic registry scanning (SCAN_ON_PUSH)" in scanning[0].reason
    assert provisioned.counts()["aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"] == 2


def test_the_context_tag_policy_is_attached_to_the_root(created_security_account):
    emulator, management, *_ = created_security_account
    organizations = emulator.client(emulator.session(management), "organizations")
    (summary,) = [p for p in organizations.list_policies(Filter="TAG_POLICY")["Policies"]
                  if p["Name"] == "irready-context-tags"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    assert [t["TargetId"] for t in organizations.list_targets_for_policy(PolicyId=summary["Id"])["Targets"]] == [root]
    content = organizations.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
    assert json.loads(content) == policies.context_tag_policy()


def test_between_the_two_stacks_every_applier_runs(round_trip, created_security_account):
    created = {type_ for stack in (round_trip[2], created_security_account[3]) for type_, *_ in stack.created}
    assert created == set(APPLIERS)


# --- issue #12: the containment steps, performed as IncidentResponder on what the program built ----------------

@pytest.fixture(scope="module")
def contained(round_trip, _emulator_and_faults):
    """In the workload account: an instance with a profile, a user with a key; then, as IncidentResponder with
    moto's IAM enforcement on (irready/emulated/respond.py lists what moto does not enforce), every step of
    docs/containment.md that moto has. Returns what the responder did, read back as the admin."""
    emulator, _ = _emulator_and_faults
    org = round_trip[0]
    (workload,) = org.workloads
    admin = emulator.session(workload)
    ec2, iam = emulator.client(admin, "ec2"), emulator.client(admin, "iam")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    groups = {g["GroupName"]: g["GroupId"] for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]}
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": "web"}, InstanceId=instance["InstanceId"])
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]["AccessKeyId"]
    volume = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id",
                                            "Values": [instance["InstanceId"]]}])["Volumes"][0]["VolumeId"]
    # The emulated copy of the responder's policy (only here, after the audit judged the deployed one).
    document = iam.get_role_policy(RoleName="IncidentResponder", PolicyName="containment")["PolicyDocument"]
    deployed = document if isinstance(document, dict) else json.loads(document)
    iam.put_role_policy(RoleName="IncidentResponder", PolicyName="containment",
                        PolicyDocument=json.dumps(emulated_copy(deployed)))
    sts = emulator.client(emulator.session(org.security), "sts")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{workload}:role/IncidentResponder",
                                  RoleSessionName="ir-2026-001")["Credentials"]
    responder = boto3.Session(aws_access_key_id=credentials["AccessKeyId"], region_name="us-east-1",
                              aws_secret_access_key=credentials["SecretAccessKey"],
                              aws_session_token=credentials["SessionToken"])
    as_responder = {service: emulator.client(responder, service) for service in ("ec2", "iam")}
    forensic_key = f"arn:aws:kms:us-east-1:{org.security}:alias/irready-forensics"
    with enforced():
        r_ec2, r_iam = as_responder["ec2"], as_responder["iam"]
        (eni,) = [i["NetworkInterfaceId"] for i in r_ec2.describe_instances(InstanceIds=[instance["InstanceId"]])[
            "Reservations"][0]["Instances"][0]["NetworkInterfaces"]]
        r_ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[groups["irready-isolation"]])
        r_ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[groups["irready-quarantine"]])
        (association,) = r_ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [instance["InstanceId"]]}])["IamInstanceProfileAssociations"]
        r_ec2.replace_iam_instance_profile_association(
            AssociationId=association["AssociationId"],
            IamInstanceProfile={"Name": policies.QUARANTINE_INSTANCE_ROLE})
        r_ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
        snapshot = r_ec2.create_snapshot(VolumeId=volume, Description="IR-2026-001")["SnapshotId"]
        r_ec2.create_tags(Resources=[snapshot], Tags=[{"Key": "irready:case", "Value": "IR-2026-001"}])
        copied = r_ec2.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=snapshot, Encrypted=True,
                                     KmsKeyId=forensic_key, Description="IR-2026-001 for the security account")[
            "SnapshotId"]
        r_ec2.modify_snapshot_attribute(SnapshotId=copied, Attribute="createVolumePermission",
                                        OperationType="add", UserIds=[org.security])
        r_iam.attach_role_policy(RoleName="web", PolicyArn=f"arn:aws:iam::{workload}:policy/irready-deny-all")
        r_iam.update_access_key(UserName="ci", AccessKeyId=key, Status="Inactive")
        refused = []
        for attempt in (lambda: r_iam.put_role_policy(RoleName="web", PolicyName="x", PolicyDocument="{}"),
                        lambda: r_ec2.terminate_instances(InstanceIds=[instance["InstanceId"]]),
                        lambda: r_iam.create_user(UserName="backdoor")):
            with pytest.raises(botocore.exceptions.ClientError) as error:
                attempt()
            refused.append(error.value.response["Error"]["Code"])
    iam.put_role_policy(RoleName="IncidentResponder", PolicyName="containment", PolicyDocument=json.dumps(deployed))
    described = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    return {
        "groups": [g["GroupId"] for g in described["NetworkInterfaces"][0]["Groups"]],
        "quarantine_group": groups["irready-quarantine"],
        "state": described["State"]["Name"],
        "profile": ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [instance["InstanceId"]]}])["IamInstanceProfileAssociations"],
        "shared_with": [p.get("UserId") for p in ec2.describe_snapshot_attribute(
            SnapshotId=copied, Attribute="createVolumePermission")["CreateVolumePermissions"]],
        "attached": [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="web")["AttachedPolicies"]],
        "key_status": iam.list_access_keys(UserName="ci")["AccessKeyMetadata"][0]["Status"],
        "refused": refused,
    }


def test_the_responder_contains_an_instance_on_what_the_program_built(contained):
    assert contained["groups"] == [contained["quarantine_group"]]
    assert contained["state"] in ("stopping", "stopped")
    (association,) = contained["profile"]
    assert association["IamInstanceProfile"]["Arn"].endswith(f"instance-profile/{policies.QUARANTINE_INSTANCE_ROLE}")


def test_the_responder_preserves_and_shares_evidence_with_the_security_account_only(contained, round_trip):
    assert contained["shared_with"] == [round_trip[0].security]


def test_the_responder_contains_identities_with_irready_policies(contained):
    assert contained["attached"] == ["irready-deny-all"]
    assert contained["key_status"] == "Inactive"


def test_moto_still_refuses_what_the_responder_has_no_action_for(contained):
    """The enforcement was on: actions outside the role's are refused even in the widened copy."""
    assert set(contained["refused"]) <= {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
    assert len(contained["refused"]) == 3


def test_the_guardrail_is_attached_to_the_root_and_the_management_account_is_reported(round_trip,
                                                                                      _emulator_and_faults):
    """org.guardrail_scp on what Organizations says from the management account, where moto keeps the
    organization. moto knows as members only the accounts it created itself, so the round trip's accounts
    have no parents there (UNKNOWN); tests/audit/checks/test_org.py judges members on fragments."""
    from irready.audit.aws import Clients
    from irready.audit.checks import CHECKS_BY_ID
    from irready.audit.collect import organizations
    from irready.audit.context import AccountContext
    from irready.audit.snapshot import Unavailable

    emulator, _ = _emulator_and_faults
    org = round_trip[0]
    clients = Clients(emulator.session(org.management), emulator.url)
    collected = organizations.collect(clients, "us-east-1", list(org.accounts))
    (guardrail,) = [scp for scp in collected["scps"] if scp["name"] == "irready-guardrail"]
    root = emulator.client(emulator.session(org.management), "organizations").list_roots()["Roots"][0]["Id"]
    assert guardrail["targets"] == [root] and policies.guardrail_gaps(guardrail["content"]) == []
    snapshot = {"accounts": {a: {"account_id": a, "regions": [], "services": {}} for a in org.accounts},
                "organization": collected}
    check = CHECKS_BY_ID["org.guardrail_scp"]
    assert [r.status for r in check.evaluate(AccountContext(snapshot, org.management, audit_config(org)))] == [
        Status.FAIL]
    with pytest.raises(Unavailable, match="AccountNotFoundException"):
        list(check.evaluate(AccountContext(snapshot, org.security, audit_config(org))))
