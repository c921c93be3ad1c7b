"""SecurityAccount when the security account is itself listed: GuardDuty auto-enable from its detector."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tests.infra.mocks import Recorder


def test_auto_enable_is_set_from_the_security_accounts_own_detector():
    from irready.infra.components.security_account import SecurityAccount, SecurityAccountArgs

    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def declare():
        management = aws.Provider("management", region="us-east-1")
        security = aws.Provider("security", region="us-east-1")
        detector = aws.guardduty.Detector("detector", enable=True, region="eu-west-1",
                                          opts=pulumi.ResourceOptions(provider=security))
        SecurityAccount("security", SecurityAccountArgs(
            management_provider=management, security_account_id="210987654321", regions=("eu-west-1",),
            security_provider=security, security_detectors={"eu-west-1": detector}, security_hub=True))
        return detector.id

    declare()
    (auto_enable,) = recorder.of_type("aws:guardduty/organizationConfiguration:OrganizationConfiguration")
    assert auto_enable.inputs["autoEnableOrganizationMembers"] == "ALL"
    assert auto_enable.inputs["detectorId"] == "detector-id"
    assert "security" in auto_enable.provider
    (hub,) = recorder.of_type("aws:securityhub/organizationAdminAccount:OrganizationAdminAccount")
    assert hub.inputs["adminAccountId"] == "210987654321" and "management" in hub.provider
