"""Run the real audit (collectors over HTTP, then the checks) against the test emulator."""

from __future__ import annotations

import json
from functools import cache

import boto3
from irready.audit.aws import DEFAULT_PATIENCE, Patience
from irready.audit.collect.run import collect_snapshot
from irready.audit.config import AuditConfig
from irready.audit.evaluate import evaluate
from irready.audit.model import Finding

from irready import policies
from irready.emulated.emulator import DEFAULT_ACCOUNT, Emulator
from tests.support.faults import Fault

SECURITY_ACCOUNT = DEFAULT_ACCOUNT  # the caller: audits and responds from here
REGION = "us-east-1"


@cache
def caller_session() -> boto3.Session:
    """The security account's session; one for the run, so service models load once."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def audit_config(account_id: str, **overrides) -> AuditConfig:
    values = {"regions": (REGION,), "accounts": (account_id,), "security_account_id": SECURITY_ACCOUNT}
    return AuditConfig(**values | overrides)


def collect(emulator: Emulator, account_id: str, patience: Patience = DEFAULT_PATIENCE, **overrides) -> dict:
    return collect_snapshot(audit_config(account_id, **overrides), caller_session(), endpoint_url=emulator.url,
                            max_workers=4, patience=patience)


def audit(emulator: Emulator, account_id: str, **overrides) -> list[Finding]:
    config = audit_config(account_id, **overrides)
    return evaluate(collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=4), config)


def of_check(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.check_id == check_id]


def firewall(domains: list[str] | None) -> list[Fault]:
    """Answers for the DNS Firewall reads: one rule group blocking ``domains`` (None: no group)."""
    groups = [] if domains is None else [{"Id": "rslvr-frg-1", "Name": "irready-block-all-dns"}]
    return [Fault("route53resolver", "ListFirewallRuleGroups", answer={"FirewallRuleGroups": groups}),
            Fault("route53resolver", "ListFirewallRules", answer={"FirewallRules": [
                {"Name": "block-every-domain", "Action": "BLOCK", "Priority": 100,
                 "FirewallDomainListId": "rslvr-fdl-1", "FirewallRuleGroupId": "rslvr-frg-1"}]}),
            Fault("route53resolver", "ListFirewallDomains", answer={"Domains": domains or []})]


def organization(guardrail_on: str | None, management: str = "999999999999") -> list[Fault]:
    """Organizations' answers (the audit reads them from the caller): one SCP, the guardrail, attached to
    ``guardrail_on`` (or nothing); every account directly under the root r-root."""
    scp = json.dumps(policies.guardrail_scp(["arn:aws:iam::*:role/OrganizationAccountAccessRole"]))
    return [Fault("organizations", "DescribeOrganization", answer={"Organization": {
                "Id": "o-exampleorg1", "MasterAccountId": management, "FeatureSet": "ALL"}}),
            Fault("organizations", "ListPolicies", answer={"Policies": [{"Id": "p-guardrl", "Name": "irready-guardrail",
                                                                        "Type": "SERVICE_CONTROL_POLICY"}]}),
            Fault("organizations", "DescribePolicy", answer={"Policy": {"PolicySummary": {"Id": "p-guardrl"},
                                                                        "Content": scp}}),
            Fault("organizations", "ListTargetsForPolicy", answer={"Targets": [
                {"TargetId": guardrail_on, "Type": "ROOT", "Name": "Root"}] if guardrail_on else []}),
            Fault("organizations", "ListParents", answer={"Parents": [{"Id": "r-root", "Type": "ROOT"}]})]


def use_standard_credentials(monkeypatch) -> None:
    """The standard credential chain (environment variables), pointed at the emulator's default account in
    REGION; no profile."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
