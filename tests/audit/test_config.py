"""Config: every key optional, every bad value one clear line naming the key and the fix."""

from __future__ import annotations

import re

import pytest
from irready.audit import config
from irready.audit.config import ALL_REGIONS, AuditConfig
from irready.audit.errors import UsageError
from irready.policies import names


def test_defaults_audit_every_enabled_region_with_the_provisioned_names():
    assert config.build({}) == AuditConfig()
    assert AuditConfig().regions == ALL_REGIONS
    assert (AuditConfig().responder_role_name, AuditConfig().quarantine_group_name) == (
        "IncidentResponder", "irready-quarantine")
    assert AuditConfig().min_log_retention_days == 365


def test_a_full_file_is_read(tmp_path):
    path = tmp_path / "irready.toml"
    path.write_text('[audit]\nregions = ["us-east-1", "eu-west-1"]\nsecurity_account_id = "210987654321"\n'
                    'responder_role_name = "IR"\nquarantine_group_name = "q"\nmin_log_retention_days = 400\n')
    built = config.build(config.load_file(path))
    assert built == AuditConfig(regions=("us-east-1", "eu-west-1"), security_account_id="210987654321",
                                responder_role_name="IR", quarantine_group_name="q", min_log_retention_days=400)


@pytest.mark.parametrize(("values", "message"), [
    ({"region": ["us-east-1"]}, "unknown key audit.region; known keys: regions,"),
    ({"regions": ["us-east-9"]}, "audit.regions: unknown region 'us-east-9'; use names like us-east-1"),
    ({"regions": "mars-north-1"}, "unknown region 'mars-north-1'"),
    ({"regions": []}, "audit.regions: expected region names like us-east-1,eu-west-1 or 'all'"),
    ({"regions": [1]}, "audit.regions: expected region names"),
    ({"security_account_id": 12345}, "audit.security_account_id: 12345 is not a 12-digit AWS account id; quote it"),
    ({"security_account_id": "21098765432x"}, "is not a 12-digit AWS account id"),
    ({"min_log_retention_days": 0}, "audit.min_log_retention_days: expected a whole number of days, at least 1"),
    ({"min_log_retention_days": "a year"}, "expected a whole number of days"),
    ({"min_log_retention_days": True}, "expected a whole number of days"),
    ({"responder_role_name": "has space"}, "audit.responder_role_name: 'has space' is not a valid IAM role name"),
    ({"quarantine_group_name": ""}, "audit.quarantine_group_name: '' is not a valid security group name"),
    ({"accounts": ["123"]}, "audit.accounts: '123' is not a 12-digit AWS account id"),
    # \d matches full-width digits, and $ a trailing newline: account ids are 12 ASCII digits, nothing more
    ({"accounts": ["\uff11" * 12]}, "is not a 12-digit AWS account id"),
    ({"security_account_id": "210987654321\n"}, "is not a 12-digit AWS account id"),
    ({"fail_on_unknown": "sometimes"}, "audit.fail_on_unknown: expected one of critical, high, medium, low, none"),
])
def test_bad_values_fail_with_one_line_naming_the_key(values, message):
    with pytest.raises(UsageError) as error:
        config.build(values, "config irready.toml")
    text = str(error.value)
    assert message in text
    assert "\n" not in text


def test_regions_all_and_duplicates():
    assert config.build({"regions": "all"}).regions == ALL_REGIONS
    assert config.build({"regions": "us-east-1, eu-west-1,us-east-1"}).regions == ("us-east-1", "eu-west-1")
    assert "us-gov-west-1" in names.known_regions()  # every partition is known


@pytest.mark.parametrize(("text", "message"), [
    ("[audit\nregions = 1", "not valid TOML"),
    ("[audits]\nregions = []", "unknown table [audits]; the only table is [audit]"),
    ("audit = 3", "'audit' must be a table"),
])
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=re.escape(message)):
        config.load_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        config.load_file(tmp_path / "nope.toml")


def test_flags_override_the_file_and_are_validated():
    base = config.build({"min_log_retention_days": 400})
    flags = {"min_log_retention_days": 90, "regions": None}
    assert config.merge(base, flags, "options", flags=True).min_log_retention_days == 90
    with pytest.raises(UsageError, match="option --regions: unknown region 'moon-1'"):
        config.merge(base, {"regions": "moon-1"}, "options", flags=True)


def test_the_external_id_never_reaches_a_snapshot():
    assert "external_id" not in AuditConfig(external_id="s3cr3t").to_dict()
    assert "s3cr3t" not in repr(AuditConfig(external_id="s3cr3t"))
