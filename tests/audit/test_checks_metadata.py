"""The check list is the public contract: stable ids, full metadata, nothing registered by accident."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from irready.audit.checks import ALL_CHECKS, CHECKS_BY_ID
from irready.audit.model import Severity

ROOT = Path(__file__).parents[2]
CONTRACT = [
    "account.security_contact", "cloudtrail.multi_region_logging", "cloudtrail.management_events_rw",
    "cloudtrail.log_file_validation", "cloudtrail.kms_encryption", "cloudtrail.s3_data_events",
    "cloudtrail.lambda_data_events", "cloudtrail.bucket_retention", "cloudtrail.bucket_not_public",
    "cloudtrail.cloudwatch_logs", "vpc.flow_logs", "logs.retention", "guardduty.enabled",
    "guardduty.findings_routed", "ir.responder_role", "ir.quarantine_security_group", "ir.containment_policies",
    "dns.resolver_query_logging", "dns.firewall_block_ready",
    "ec2.imdsv2_required", "iam.instance_profile_escalation", "eks.audit_logging", "investigation.queries_ready",
    "org.guardrail_scp",  # issue #12
    "ecs.task_logging", "ecr.image_scanning", "lambda.code_history", "s3.access_evidence", "rds.log_exports",
    "cloudfront.access_logging", "elb.access_logging", "ec2.ssm_managed", "guardduty.protection_plans",
    "inventory.business_context",  # issue #19
]


def test_the_ids_are_the_published_ones_and_unique():
    assert sorted(CHECKS_BY_ID) == sorted(CONTRACT)
    assert len(ALL_CHECKS) == len(CONTRACT)


def test_every_check_carries_its_metadata():
    for check in ALL_CHECKS:
        assert isinstance(check.severity, Severity)
        assert check.title and check.rationale.endswith(".") and len(check.rationale) > 60, check.id
        assert check.references and all(r.startswith("https://") for r in check.references), check.id
        assert check.categories, check.id


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


_COMPONENT = re.compile(r"(\w+) \((infra/components/\w+\.py)\)")


@pytest.mark.parametrize("check", ALL_CHECKS, ids=[c.id for c in ALL_CHECKS])
def test_each_fix_names_infra_components_that_exist_or_says_none_is_provisioned(check):
    """``infra component X (infra/components/y.py)``: X is a ComponentResource defined in y.py. A check with no
    provisioned fix says "not provisioned by infra/" instead, and then names no component."""
    import pulumi

    named = _COMPONENT.findall(check.remediation)
    if "not provisioned by infra/" in check.remediation:
        assert named == [] and "infra/components/" not in check.remediation
        return
    assert named, f"{check.id}: name the infra component and its file, or say 'not provisioned by infra/'"
    assert check.remediation.count("infra/components/") == len(named)  # every file mentioned is in the pattern
    assert "infra component" in check.remediation
    for class_name, path in named:
        file = ROOT / path
        assert file.is_file(), f"{check.id}: {path} does not exist"
        module = importlib.import_module("irready." + path.removesuffix(".py").replace("/", "."))
        component = getattr(module, class_name, None)
        assert isinstance(component, type) and issubclass(component, pulumi.ComponentResource), \
            f"{check.id}: {class_name} is not a ComponentResource in {path}"
        assert component.__module__ == module.__name__, f"{check.id}: {class_name} is defined elsewhere"
