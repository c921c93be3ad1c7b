"""One vocabulary: the names both halves use come from policies/names.py, both configs take their
defaults from it, and a value both configs hold has one key name (snake_case in the audit's TOML,
camelCase of the same words in the Pulumi stack config; docs/provisioning.md lists them)."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from irready.audit.config import AuditConfig
from irready.infra.components.quarantine import QuarantineSecurityGroupsArgs
from irready.infra.config import StackConfig
from irready.policies import CONTAINMENT_POLICIES, names

from irready.emulated.seed import Seeder

ROOT = Path(__file__).parents[2]
EXAMPLE = {key.removeprefix("irready:"): value
           for key, value in yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"].items()
           if key.startswith("irready:")}


def camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(word.title() for word in rest)


def test_the_audit_looks_by_default_for_the_names_the_program_creates():
    audit = AuditConfig()
    assert audit.responder_role_name == names.RESPONDER_ROLE_NAME
    assert audit.role_name == names.AUDIT_ROLE_NAME
    assert audit.quarantine_group_name == names.QUARANTINE_GROUP_NAME == EXAMPLE["quarantineGroupName"]
    assert audit.min_log_retention_days == names.MIN_LOG_RETENTION_DAYS


def test_a_value_both_configs_hold_has_one_key_name_and_one_default():
    shared = {f.name for f in fields(AuditConfig)} & {f.name for f in fields(StackConfig)}
    # accounts: the ones to audit (ids) and the ones to prepare (ids with their regions): the same accounts.
    assert shared == {"security_account_id", "quarantine_group_name", "accounts"}
    for key in shared:
        assert camel(key) in EXAMPLE, f"Pulumi.example.yaml spells {key} as irready:{camel(key)}"
    assert AuditConfig().quarantine_group_name == StackConfig.quarantine_group_name
    assert StackConfig.trail_retention_days >= AuditConfig().min_log_retention_days
    assert EXAMPLE["trailRetentionDays"] >= AuditConfig().min_log_retention_days


def test_the_documented_mapping_lists_every_shared_key():
    doc = (ROOT / "docs" / "provisioning.md").read_text()
    for key in ("security_account_id", "quarantine_group_name", "accounts"):
        assert f"| `{key}` | `irready:{camel(key)}` |" in doc


def test_demo_seeding_and_components_default_to_the_same_names():
    seed = {name: inspect.signature(getattr(Seeder, name)).parameters["name"].default
            for name in ("responder_role", "audit_role", "quarantine_group")}
    assert seed == {"responder_role": names.RESPONDER_ROLE_NAME, "audit_role": names.AUDIT_ROLE_NAME,
                    "quarantine_group": names.QUARANTINE_GROUP_NAME}
    assert QuarantineSecurityGroupsArgs.__dataclass_fields__["group_name"].default == names.QUARANTINE_GROUP_NAME
    assert all(policy.name.startswith(names.NAME_PREFIX) for policy in CONTAINMENT_POLICIES)


def test_no_module_spells_a_name_of_the_vocabulary_itself():
    """The literal names live in policies/names.py only (docs, tests and JSON documents may quote them)."""
    literals = [names.RESPONDER_ROLE_NAME, names.AUDIT_ROLE_NAME, names.QUARANTINE_GROUP_NAME,
                names.ISOLATION_GROUP_NAME, names.CLOUDTRAIL_PREFIX, *names.CHECKOV_CHECKS]
    # The user agent and session name "irready-audit" name the tool in CloudTrail, not the role.
    allowed = {"audit/aws.py: irready-audit"}
    offenders = []
    for folder in ("audit", "infra", "policies", "irready"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "names.py" and path.parent.name == "policies":
                continue
            code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
            code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings may name them
            offenders += [f"{path.relative_to(ROOT)}: {literal}" for literal in literals
                          if f'"{literal}' in code or f"'{literal}" in code]
    assert sorted(set(offenders) - allowed) == []


@pytest.mark.parametrize(("value", "valid"), [
    ("012345678901", True), ("12345678901", False), ("1234567890123", False), (123456789012, False),
    ("１２３４５６７８９０１２", False),  # full-width digits are digits to Python's \d, not to AWS
    ("12345678901\n", False),
])
def test_account_ids_are_twelve_ascii_digits(value, valid):
    assert names.is_account_id(value) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("IncidentResponder", True), ("a" * 64, True), ("a" * 65, False), ("has space", False), ("é", False),
    ("ok+=,.@_-", True),
])
def test_role_names_follow_create_role(value, valid):
    assert names.is_role_name(value) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("irready-quarantine", True), ("a b:c/(d)#,@[e]+=&;{f}!$*", True), ("", False), ("x" * 256, False),
    ("sg-quarantine", False), ("quarantine\n", False),
])
def test_security_group_names_follow_create_security_group(value, valid):
    assert names.is_security_group_name(value) is valid


def test_regions_of_every_partition_are_known():
    assert {"us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1"} <= names.known_regions()
