"""The whole program under Pulumi's mocks with Pulumi.example.yaml: 3 accounts x 2 regions."""

from __future__ import annotations

import json
import runpy
from collections import Counter

import pulumi
import pytest

import policies
from tests.infra.mocks import DISCOVERED_VPC, ROOT, Recorder, example_config

ACCOUNTS = ["123456789012", "111111111111", "222222222222"]
SECURITY = "210987654321"


@pytest.fixture(scope="module")
def program():
    recorder = Recorder()
    pulumi.runtime.set_all_config(example_config())
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def run():
        runpy.run_path(str(ROOT / "infra" / "__main__.py"))
        return pulumi.Output.from_input(None)

    run()
    return recorder


def test_resource_counts_for_three_accounts_in_two_regions(program):
    counts = Counter(r.type for r in program.resources)
    # One VPC listed for 111111111111 in us-east-1; one discovered in each of the other five account-regions.
    vpcs = 6
    assert counts == {
        "pulumi:providers:aws": 3,
        "irready:index:SecurityContacts": 1,
        "aws:account/alternativeContact:AlternativeContact": 3,
        "irready:index:IncidentResponseRoles": 3,
        "aws:iam/role:Role": 6,
        "aws:iam/rolePolicy:RolePolicy": 6,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 6,
        "irready:index:ContainmentPolicies": 3,
        "aws:iam/policy:Policy": 12,
        "irready:index:QuarantineSecurityGroups": 3,
        "aws:ec2/securityGroup:SecurityGroup": 2 * vpcs,
    }


def provider_inputs(program, name: str) -> dict:
    """A provider's inputs; the SDK passes its nested values as JSON text."""
    provider = next(r for r in program.of_type("pulumi:providers:aws") if r.name == name)
    return {key: json.loads(value) if key in ("assumeRoles", "allowedAccountIds") else value
            for key, value in provider.inputs.items()}


def provider_account(program, declared) -> str:
    return provider_inputs(program, declared.provider.split("::")[-2])["allowedAccountIds"][0]


def test_every_account_gets_its_resources_through_its_own_provider(program):
    assert provider_inputs(program, "account-123456789012")["assumeRoles"] == []  # management: own credentials
    assert provider_inputs(program, "account-111111111111")["assumeRoles"] == [{
        "roleArn": "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", "sessionName": "irready-provision"}]
    for role in program.of_type("aws:iam/role:Role"):
        assert role.name.split("-")[2] == provider_account(program, role)  # ir-roles-<account>-...
    for group in program.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert group.name.split("-")[1] == provider_account(program, group)  # quarantine-<account>-...


def test_quarantine_groups_have_no_rules_and_isolation_groups_allow_all_both_ways(program):
    groups = program.of_type("aws:ec2/securityGroup:SecurityGroup")
    quarantine = [g for g in groups if g.inputs["name"] == "irready-quarantine"]
    isolation = [g for g in groups if g.inputs["name"] == "irready-isolation"]
    assert len(quarantine) == len(isolation) == 6
    for group in quarantine:
        assert group.inputs["ingress"] == [] and group.inputs["egress"] == []
    for group in isolation:
        for rules in (group.inputs["ingress"], group.inputs["egress"]):
            assert rules[0]["cidrBlocks"] == ["0.0.0.0/0"] and rules[0]["ipv6CidrBlocks"] == ["::/0"]
    assert {g.inputs["vpcId"] for g in quarantine} == {"vpc-0a1b2c3d4e5f60718", DISCOVERED_VPC}
    assert {g.inputs["region"] for g in quarantine} == {"us-east-1", "eu-west-1"}


def test_the_responder_role_trusts_only_the_security_account_with_mfa(program):
    responders = [r for r in program.of_type("aws:iam/role:Role") if r.inputs["name"] == "IncidentResponder"]
    assert len(responders) == 3
    for role in responders:
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust == policies.responder_trust_policy(SECURITY)
        assert role.inputs["maxSessionDuration"] == 3600


def test_the_audit_role_carries_exactly_the_reads_the_audit_makes(program):
    reads = [p for p in program.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["name"] == "irready-audit-reads"]
    assert len(reads) == 3
    assert all(json.loads(p.inputs["policy"]) == policies.audit_read_policy() for p in reads)
    attached = {a.inputs["policyArn"] for a in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert attached == {"arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}


def test_containment_policies_equal_the_documents_in_policies(program):
    created = {(p.name.split("-")[1], p.inputs["name"]): json.loads(p.inputs["policy"])
               for p in program.of_type("aws:iam/policy:Policy")}
    for account in ACCOUNTS:
        assert created[(account, "irready-deny-all")] == policies.deny_all()
        assert created[(account, "irready-deny-unless-trusted-ip")] == policies.deny_unless_trusted_ip(
            ["192.0.2.0/24", "203.0.113.19/32"])
        assert created[(account, "irready-revoke-older-sessions")] == policies.revoke_older_sessions(
            "2026-01-01T00:00:00Z")
        assert created[(account, "irready-deny-except")] == policies.deny_except(
            ["sts:GetCallerIdentity", "logs:PutLogEvents"])


def test_security_contacts_are_set_from_the_management_account(program):
    contacts = program.of_type("aws:account/alternativeContact:AlternativeContact")
    assert sorted(c.inputs.get("accountId", "management") for c in contacts) == [
        "111111111111", "222222222222", "management"]
    assert {c.inputs["emailAddress"] for c in contacts} == {"cloud-security-alerts@example.com"}
    assert {provider_account(program, c) for c in contacts} == {"123456789012"}
