"""An emulated organization that already runs security tooling, as most real ones do before irready:
a landing zone's organization trail (Control Tower's, recording management events), GuardDuty
detectors in every account with the security account already its delegated administrator, and a
VPC one account shares with another through RAM.

moto lacks parts of this (member accounts with chosen ids, RAM-shared VPCs seen by participants), so
``join_organization`` and ``share_vpc`` put the objects into moto's backends directly, as AWS would
show them (the harness runs moto in this process).
"""

from __future__ import annotations

import contextlib
import json

from irready.emulated.apply import aws_managed_policies
from irready.emulated.baseline import Organization
from irready.emulated.emulator import Emulator
from irready.emulated.seed import Seeder
from irready.infra.organization import TRUSTED_ACCESS

LANDING_ZONE_TRAIL = "aws-controltower-BaselineCloudTrail"


def join_organization(emulator: Emulator, management: str, account_ids: tuple[str, ...]) -> None:
    """Make the emulator's accounts active members of ``management``'s organization (created if
    needed, with all features, SCPs and the trusted access preflight asks for). The role the emulator's
    sessions run as in the management account exists there, as a caller's role does in AWS (preflight
    reads its ARN with iam:GetRole)."""
    from moto.organizations.models import FakeAccount, organizations_backends

    organizations = emulator.client(emulator.session(management), "organizations")
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        organizations.create_organization(FeatureSet="ALL")
        iam = emulator.client(emulator.session(management), "iam")
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName="OrganizationAccountAccessRole",
                            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                                 "Action": "sts:AssumeRole"}]}))
        root = organizations.list_roots()["Roots"][0]["Id"]
        if not any(t["Type"] == "SERVICE_CONTROL_POLICY" for t in organizations.list_roots()["Roots"][0]
                   .get("PolicyTypes", []) if t.get("Status") == "ENABLED"):
            organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        for principal in TRUSTED_ACCESS:
            organizations.enable_aws_service_access(ServicePrincipal=principal)
    backend = organizations_backends[management]["aws"]
    for account_id in account_ids:
        if account_id == management or any(a.id == account_id for a in backend.accounts):
            continue
        account = FakeAccount(backend.org, AccountName=f"member-{account_id}", Email=f"{account_id}@example.com")
        account.id = account_id
        backend.accounts.append(account)
        organizations_backends.master_accounts[account_id] = (management, "aws")


def share_vpc(emulator: Emulator, owner: str, participant: str, region: str) -> str:
    """A VPC of ``owner``, shared with ``participant`` as a RAM share of its subnets shows it: listed
    by the participant's DescribeVpcs with the owner's OwnerId."""
    from moto.ec2.models import ec2_backends

    ec2 = emulator.client(emulator.session(owner), "ec2", region)
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24")
    ec2_backends[participant][region].vpcs[vpc_id] = ec2_backends[owner][region].vpcs[vpc_id]
    return vpc_id


def landing_zone_trail(emulator: Emulator, management: str, region: str, members: tuple[str, ...]) -> str:
    """A Control Tower-style organization trail: multi-region, management events, validated, KMS, a
    retained and private bucket, CloudWatch Logs delivery. Shown in every member account, as AWS shows
    an organization trail (moto keeps it in the management account)."""
    from moto.cloudtrail.models import cloudtrail_backends

    arn = Seeder(emulator, management).trail(LANDING_ZONE_TRAIL, region, basic_selectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True}])
    emulator.client(emulator.session(management), "cloudtrail", region).update_trail(
        Name=LANDING_ZONE_TRAIL, IsOrganizationTrail=True)
    created = cloudtrail_backends[management][region].trails[LANDING_ZONE_TRAIL]
    for member in members:
        if member != management:
            cloudtrail_backends[member][region].trails[LANDING_ZONE_TRAIL] = created
    return arn


def existing_guardduty(emulator: Emulator, org: Organization) -> dict[tuple[str, str], str]:
    """GuardDuty already on: a detector in every account and region, the security account already the
    delegated administrator. Returns (account, region) -> detector id."""
    detectors = {}
    for region in org.regions:
        for account in org.accounts:
            guardduty = emulator.client(emulator.session(account), "guardduty", region)
            detectors[account, region] = guardduty.create_detector(
                Enable=True, FindingPublishingFrequency="SIX_HOURS")["DetectorId"]
        emulator.client(emulator.session(org.management), "guardduty", region).enable_organization_admin_account(
            AdminAccountId=org.security)
    return detectors


def seed_brownfield(emulator: Emulator, org: Organization, vpc_owner: str, vpc_participant: str) -> dict:
    """The whole brownfield organization; what was seeded, for the tests to find again."""
    with aws_managed_policies():  # these accounts are provisioned later: IAM with AWS's managed policies
        seeded = {"trail": landing_zone_trail(emulator, org.management, org.regions[0], org.accounts),
                  "detectors": existing_guardduty(emulator, org),
                  "shared_vpc": share_vpc(emulator, vpc_owner, vpc_participant, org.regions[0])}
        for account in org.accounts:
            emulator.client(emulator.session(account), "iam").list_roles()
    # Outside: moto gives each account it creates an IAM of its own, which needs no managed policies.
    join_organization(emulator, org.management, org.accounts)
    return seeded


def stack_file(path, values: dict) -> None:
    """Write a Pulumi.<stack>.yaml with these irready: values."""
    import yaml

    path.write_text(yaml.safe_dump({"config": {f"irready:{key}": value for key, value in values.items()}}))
