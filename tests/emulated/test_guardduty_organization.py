"""The emulator's GuardDuty organization layer (irready/emulated/guardduty_organization.py): what moto
lacks, answered over HTTP as AWS answers it, so the round trip records members as AWS would.

- Auto-enable and the organization's members are the delegated administrator's to manage:
  https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
- A member's GetAdministratorAccount names the administrator, relationship Enabled:
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetAdministratorAccount.html
- CreateMembers / ListMembers: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateMembers.html
"""

from __future__ import annotations

import botocore.exceptions
import pytest

REGION = "eu-west-1"


def _guardduty(emulator, account):
    return emulator.client(emulator.session(account), "guardduty", REGION)


@pytest.fixture
def organization(emulator, new_account):
    management, admin, member = new_account(), new_account(), new_account()
    detectors = {a: _guardduty(emulator, a).create_detector(Enable=True)["DetectorId"] for a in (admin, member)}
    _guardduty(emulator, management).enable_organization_admin_account(AdminAccountId=admin)
    return management, admin, member, detectors


def test_a_member_enrolled_by_the_administrator_reports_it(emulator, organization):
    _, admin, member, detectors = organization
    assert "Administrator" not in _guardduty(emulator, member).get_administrator_account(DetectorId=detectors[member])
    guardduty = _guardduty(emulator, admin)
    guardduty.update_organization_configuration(DetectorId=detectors[admin], AutoEnableOrganizationMembers="ALL")
    guardduty.create_members(DetectorId=detectors[admin], AccountDetails=[{"AccountId": member, "Email": "m@x.io"}])
    administrator = _guardduty(emulator, member).get_administrator_account(
        DetectorId=detectors[member])["Administrator"]
    assert (administrator["AccountId"], administrator["RelationshipStatus"]) == (admin, "Enabled")
    (listed,) = guardduty.list_members(DetectorId=detectors[admin])["Members"]
    assert (listed["AccountId"], listed["DetectorId"], listed["AdministratorId"]) == (member, detectors[member], admin)
    assert guardduty.describe_organization_configuration(
        DetectorId=detectors[admin])["AutoEnableOrganizationMembers"] == "ALL"
    # The administrator itself has no administrator; another region knows nothing of this one.
    assert "Administrator" not in guardduty.get_administrator_account(DetectorId=detectors[admin])
    other = emulator.client(emulator.session(member), "guardduty", "us-west-2")
    assert "Administrator" not in other.get_administrator_account(DetectorId=other.create_detector(Enable=True)[
        "DetectorId"])


def test_only_the_delegated_administrator_manages_the_organization(emulator, organization):
    _, _, member, detectors = organization
    with pytest.raises(botocore.exceptions.ClientError, match="not the GuardDuty delegated administrator"):
        _guardduty(emulator, member).update_organization_configuration(
            DetectorId=detectors[member], AutoEnableOrganizationMembers="ALL")


def test_a_detector_of_another_account_is_refused(emulator, organization):
    _, admin, member, detectors = organization
    with pytest.raises(botocore.exceptions.ClientError, match="BadRequestException.*not owned"):
        _guardduty(emulator, admin).list_members(DetectorId=detectors[member])
