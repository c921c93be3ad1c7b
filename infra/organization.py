"""What the organization must already allow before the program can run, read from
``organizations.get_organization`` at `pulumi up` and by `irready preflight` before it."""

from __future__ import annotations

from irready.infra.config import StackConfig

# Trusted access the program cannot do without, and why. Each names the Organizations setting to turn on.
TRUSTED_ACCESS = {
    # PutAlternateContact with an AccountId, from the management account or (organization mode) the delegated
    # administrator: https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-trusted-access.html
    "account.amazonaws.com": "the SECURITY alternate contact of member accounts (SecurityContacts, "
                             "OrganizationSecurityContacts)",
    # An organization trail created through the API needs it first:
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html
    "cloudtrail.amazonaws.com": "the organization trail (OrganizationTrail)",
    # Organization mode only: service-managed StackSets need it before they can be created:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
    "member.org.stacksets.cloudformation.amazonaws.com": "the organization-wide StackSets (OrganizationBaseline, "
                                                         "irready:organization)",
    # Organization mode only: sharing with the organization's ARN needs RAM's sharing with AWS Organizations,
    # enabled with RAM's own call (which also creates RAM's service-linked role; Organizations' call does not):
    # https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html
    "ram.amazonaws.com": "the security account's query-logging configurations shared with the organization "
                         "(OrganizationQueryLogging, irready:organization)",
}
# Enabled by the delegated-administrator designation itself; preflight reports them, the program
# does not stop for them.
ENABLED_BY_DESIGNATION = {
    "guardduty.amazonaws.com": "GuardDuty's delegated administrator (SecurityAccount)",
    "securityhub.amazonaws.com": "Security Hub's delegated administrator (SecurityAccount, irready:securityHub)",
}


STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
RAM_PRINCIPAL = "ram.amazonaws.com"
ORGANIZATION_MODE_ONLY = (STACKSETS_PRINCIPAL, RAM_PRINCIPAL)


def enable_command(principal: str) -> str:
    """The management account's command that enables trusted access for ``principal``."""
    if principal == RAM_PRINCIPAL:
        return "aws ram enable-sharing-with-aws-organization"
    if principal == STACKSETS_PRINCIPAL:
        # From CloudFormation's side, which also creates StackSets' roles in the management account; AWS
        # recommends it over Organizations' own call:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
        return "aws cloudformation activate-organizations-access"
    return f"aws organizations enable-aws-service-access --service-principal {principal}"


def needed_trusted_access(config: StackConfig) -> dict[str, str]:
    """The principals of ``TRUSTED_ACCESS`` this stack config needs, with why: contacts only if member
    accounts are listed or in organization mode (every member's), StackSets and RAM only in organization mode."""
    needed = dict(TRUSTED_ACCESS)
    if config.organization is None and not any(not account.management for account in config.accounts):
        needed.pop("account.amazonaws.com")
    if config.organization is None:
        for principal in ORGANIZATION_MODE_ONLY:
            needed.pop(principal)
    return needed


def missing_trusted_access(config: StackConfig, enabled: list[str] | tuple[str, ...]) -> list[str]:
    """The principals of ``needed_trusted_access`` the organization has not enabled."""
    return [principal for principal in needed_trusted_access(config) if principal not in enabled]


def trusted_access_error(missing: list[str]) -> str:
    """The one line that stops `pulumi up` before any resource is declared."""
    return ("trusted access not enabled in AWS Organizations for " + ", ".join(missing)
            + " (needed for " + "; ".join(TRUSTED_ACCESS[p] for p in missing) + "); run "
            + " and ".join(f"`{enable_command(p)}`" for p in missing)
            + " from the management account, or see `irready preflight`")
