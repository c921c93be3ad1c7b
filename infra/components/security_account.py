"""The security account as the organization's GuardDuty (and optionally Security Hub) delegated
administrator, with GuardDuty auto-enabled for every member, in every region it is listed for.

The account is adopted by id (irready:securityAccountId) or created in the organization
(irready:createSecurityAccount) by ``new_security_account``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class SecurityAccountArgs:
    management_provider: aws.Provider
    security_account_id: pulumi.Input[str]
    regions: tuple[str, ...]
    # The security account's own provider and detectors, when it is one of the listed accounts:
    # auto-enable must be set from the delegated administrator's detector.
    security_provider: aws.Provider | None = None
    security_detectors: dict[str, aws.guardduty.Detector] | None = None
    security_hub: bool = False


def new_security_account(name: str, email: str, member_role_name: str,
                         provider: aws.Provider) -> aws.organizations.Account:
    """A new member account for security. Organizations cannot read back the role name or the billing
    setting, so later runs ignore them rather than try to replace the account; it is protected, and
    closing it is never automatic."""
    return aws.organizations.Account(
        "security-account-new", name=name, email=email, role_name=member_role_name, close_on_deletion=False,
        iam_user_access_to_billing="DENY",
        opts=pulumi.ResourceOptions(provider=provider, protect=True,
                                    ignore_changes=["role_name", "iam_user_access_to_billing"]))


class SecurityAccount(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecurityAccountArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:SecurityAccount", name, None, opts)
        management = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        self.guardduty_admins = {}
        for region in args.regions:
            admin = aws.guardduty.OrganizationAdminAccount(
                f"{name}-guardduty-admin-{region}", admin_account_id=args.security_account_id, region=region,
                opts=management)
            self.guardduty_admins[region] = admin
            detector = (args.security_detectors or {}).get(region)
            if args.security_provider and detector:
                aws.guardduty.OrganizationConfiguration(
                    f"{name}-guardduty-auto-enable-{region}", detector_id=detector.id, region=region,
                    auto_enable_organization_members="ALL",
                    opts=pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=[admin]))
        if args.security_hub:
            aws.securityhub.OrganizationAdminAccount(f"{name}-security-hub-admin", region=args.regions[0],
                                                     admin_account_id=args.security_account_id, opts=management)
        self.register_outputs({"security_account_id": args.security_account_id})
