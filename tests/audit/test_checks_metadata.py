"""The check list is the public contract: stable ids, full metadata, nothing registered by accident."""

from __future__ import annotations

from irready.audit.checks import ALL_CHECKS, CHECKS_BY_ID
from irready.audit.model import Severity

CONTRACT = [
    "account.security_contact", "cloudtrail.multi_region_logging", "cloudtrail.management_events_rw",
    "cloudtrail.log_file_validation", "cloudtrail.kms_encryption", "cloudtrail.s3_data_events",
    "cloudtrail.lambda_data_events", "cloudtrail.bucket_retention", "cloudtrail.bucket_not_public",
    "cloudtrail.cloudwatch_logs", "vpc.flow_logs", "logs.retention", "guardduty.enabled",
    "guardduty.findings_routed", "ir.responder_role", "ir.quarantine_security_group", "ir.containment_policies",
    "dns.resolver_query_logging", "dns.firewall_block_ready",
    "ec2.imdsv2_required", "iam.instance_profile_escalation", "eks.audit_logging",
]


def test_the_ids_are_the_published_ones_and_unique():
    assert sorted(CHECKS_BY_ID) == sorted(CONTRACT)
    assert len(ALL_CHECKS) == len(CONTRACT)


def test_every_check_carries_its_metadata():
    for check in ALL_CHECKS:
        assert isinstance(check.severity, Severity)
        assert check.title and check.rationale.endswith(".") and len(check.rationale) > 60, check.id
        assert check.references and all(r.startswith(("http", "CIS", "AWS")) for r in check.references), check.id
        # The fix names the infra component that provides it, or says plainly that infra/ does not.
        assert "infra/components/" in check.remediation or "not provisioned by infra/" in check.remediation, check.id


def test_docs_checks_md_is_the_generated_catalogue(capsys):
    from pathlib import Path

    from irready.cli import main
    main(["checks", "--format", "markdown"])
    generated = capsys.readouterr().out
    assert Path(__file__).parents[2].joinpath("docs", "checks.md").read_text() == generated, (
        "docs/checks.md is stale: run `irready checks --format markdown > docs/checks.md`")


def test_each_check_lives_in_the_module_of_its_id_prefix():
    for check in ALL_CHECKS:
        module = check.evaluate.__module__
        assert module == f"irready.audit.checks.{check.id.split('.')[0]}", (check.id, module)
