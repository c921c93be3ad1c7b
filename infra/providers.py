"""One explicit AWS provider per account: the management account with the program's own
credentials, every other account through the member role."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from irready.infra.config import Account, StackConfig


def account_providers(config: StackConfig) -> dict[str, aws.Provider]:
    home = config.accounts[0].regions[0]
    providers = {}
    for account in config.accounts:
        assume = [] if account.management else [aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{account.id}:role/{config.member_role_name}", session_name="irready-provision")]
        providers[account.id] = aws.Provider(
            f"account-{account.id}", region=home, assume_roles=assume, allowed_account_ids=[account.id])
    return providers


def security_provider(config: StackConfig, providers: dict[str, aws.Provider],
                      security_account_id: pulumi.Input[str]) -> aws.Provider:
    """The security account's provider: its own if it is listed in irready:accounts, else one that
    assumes memberRoleName there (also in an account this stack creates)."""
    if isinstance(security_account_id, str) and security_account_id in providers:
        return providers[security_account_id]
    role = pulumi.Output.from_input(security_account_id).apply(
        lambda account: f"arn:aws:iam::{account}:role/{config.member_role_name}")
    return aws.Provider("account-security", region=config.accounts[0].regions[0],
                        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=role, session_name="irready-provision")],
                        allowed_account_ids=[security_account_id])


def options(provider: aws.Provider, parent: pulumi.Resource, **more) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(provider=provider, parent=parent, **more)


def management_account(config: StackConfig) -> Account:
    return next(a for a in config.accounts if a.management)  # exactly one: the config says so
