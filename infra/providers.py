"""One explicit AWS provider per account: the management account with the program's own
credentials, every other account through the member role."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from irready.infra.config import Account, StackConfig, deploying_principals
from irready.policies import names

__all__ = ["account_providers", "deploying_principals", "management_account", "resource_tags", "security_provider",
           "trail_admins"]


def account_providers(config: StackConfig) -> dict[str, aws.Provider]:
    home = config.accounts[0].regions[0]
    providers = {}
    for account in config.accounts:
        assume = [] if account.management else [aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{account.id}:role/{config.member_role_name}", session_name="irready-provision")]
        providers[account.id] = aws.Provider(
            f"account-{account.id}", region=home, assume_roles=assume, allowed_account_ids=[account.id],
            default_tags=resource_tags(config))
    return providers


def resource_tags(config: StackConfig) -> aws.ProviderDefaultTagsArgs:
    """The business context (irready:resourceTags) on every taggable resource the provider creates: the
    provider's default tags (https://www.pulumi.com/registry/packages/aws/api-docs/provider/#default_tags);
    and names.GUARDED_TAG, by which the guardrail SCP finds irready's KMS keys (their ARNs carry no name)."""
    return aws.ProviderDefaultTagsArgs(tags={**dict(config.resource_tags), names.GUARDED_TAG: names.GUARDED_TAG_VALUE})


def security_provider(config: StackConfig, security_account_id: pulumi.Input[str],
                      providers: dict[str, aws.Provider]) -> aws.Provider:
    """The security account's provider: the listed account's, or one reaching it through the member
    role (an adopted account not listed under irready:accounts, or one this stack creates)."""
    if isinstance(security_account_id, str) and security_account_id in providers:
        return providers[security_account_id]
    account = pulumi.Output.from_input(security_account_id)
    return aws.Provider("account-security", region=config.accounts[0].regions[0], allowed_account_ids=[account],
                        default_tags=resource_tags(config),
                        assume_roles=[aws.ProviderAssumeRoleArgs(
                            role_arn=account.apply(lambda a: f"arn:aws:iam::{a}:role/{config.member_role_name}"),
                            session_name="irready-provision")])


def options(provider: aws.Provider, parent: pulumi.Resource, **more) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(provider=provider, parent=parent, **more)


def management_account(config: StackConfig) -> Account:
    return next(a for a in config.accounts if a.management)  # exactly one: the config says so


def trail_admins(config: StackConfig) -> list[str]:
    """Who may change or delete the trail bucket and key in the management account: irready:trailAdminPrincipals,
    always named in the stack config (infra/config.py says why it has no default)."""
    return list(config.trail_admin_principals)
