"""The emulated organization of the demo and of the round-trip tests, and the stack config that
prepares it with the Pulumi program (the same program `pulumi up` runs)."""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from irready.audit.collect.run import collect_snapshot
from irready.audit.config import AuditConfig
from irready.audit.evaluate import report
from irready.audit.model import Report
from irready.emulated.emulator import Emulator
from irready.policies import names

REGIONS = ("us-east-1", "eu-west-1")


@dataclass(frozen=True)
class Organization:
    management: str
    security: str
    workloads: tuple[str, ...]
    regions: tuple[str, ...] = REGIONS

    @property
    def accounts(self) -> tuple[str, ...]:
        return (self.management, self.security, *self.workloads)


def stack_values(org: Organization, **overrides) -> dict:
    """irready: stack config for the organization, as a user would write it in Pulumi.<stack>.yaml."""
    regions = list(org.regions)
    values = {
        "securityAccountId": org.security,
        "accounts": [{"id": org.management, "management": True, "regions": regions}]
        + [{"id": account, "regions": regions} for account in (org.security, *org.workloads)],
        "memberRoleName": "OrganizationAccountAccessRole",
        "securityContact": {"name": "Cloud Security", "title": "Security operations",
                            "email": "cloud-security-alerts@example.com", "phone": "+1-555-0100"},
        "trustedCidrs": ["192.0.2.0/24"],
        "revokeSessionsBefore": "2026-01-01T00:00:00Z",
        "denyExceptActions": ["sts:GetCallerIdentity"],
        "logRetentionDays": 400,
        "trailRetentionDays": 400,
        "dataEvents": {"s3": "all", "lambda": "all"},
        "networkLogDestinations": ["cloudwatch", "s3"],
        "investigation": {"enabled": True},
        "guardDutyProtectionPlans": list(names.GUARDDUTY_REQUIRED_FEATURES),
        # The role the emulated `pulumi up` runs as (Emulator.session: the member role, in moto's management account).
        "trailAdminPrincipals": [f"arn:aws:iam::{org.management}:role/OrganizationAccountAccessRole"],
    }
    return {**values, **overrides}


def audit_config(org: Organization, extra_accounts: tuple[str, ...] = ()) -> AuditConfig:
    return AuditConfig(regions=org.regions, accounts=(*org.accounts, *extra_accounts),
                       security_account_id=org.security)


def audit(aws: Emulator, config: AuditConfig, progress=None) -> tuple[dict, Report]:
    """`irready audit` from the security account, through the irready-audit role in each account."""
    session: boto3.Session = aws.session(config.security_account_id)
    snapshot = collect_snapshot(config, session, endpoint_url=aws.url, progress=progress)
    return snapshot, report(snapshot, config)
