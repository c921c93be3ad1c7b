"""The policy gate: the program's planned resources, exported to a Terraform plan, pass checkov's
built-in checks and ours, apart from the documented skips; a weaker program fails it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from irready.infra.offline.program import record
from irready.infra.offline.terraform_plan import to_plan
from irready.policies.gate import (
    BASELINE_SKIPS,
    CUSTOM_CHECK_IDS,
    ORGANIZATION_MODE_SKIPS,
    gate_failures,
    run_checkov,
    skips_markdown,
)

from tests.infra.mocks import example_config

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """Checkov's results for the baseline plan and for one without data events, in one run."""
    directory = tmp_path_factory.mktemp("plans")
    weaker = {**example_config(), "irready:dataEvents": json.dumps({"s3": "none", "lambda": "none"})}
    for name, config in (("baseline", example_config()), ("weaker", weaker)):
        (directory / f"{name}.tfplan.json").write_text(json.dumps(to_plan(record(config).resources)))
    results = run_checkov(directory, ("terraform_plan",))
    return ({r for r in results if r.file.endswith("baseline.tfplan.json")},
            {r for r in results if r.file.endswith("weaker.tfplan.json")})


def test_the_baseline_passes_every_check_but_the_documented_skips(plans):
    baseline, _ = plans
    assert len(baseline) > 300
    assert [(r.check_id, r.resource) for r in gate_failures(list(baseline))] == []


def test_our_readiness_checks_ran_on_the_baseline_and_passed(plans):
    baseline, _ = plans
    for check_id in CUSTOM_CHECK_IDS:
        outcomes = {r.passed for r in baseline if r.check_id == check_id}
        assert outcomes == {True}, check_id


def test_every_skip_is_still_needed(plans):
    baseline, _ = plans
    # Organization mode's skips are proven needed by tests/policies/test_stackset_templates.py.
    unused = [s.check_id for s in BASELINE_SKIPS if s not in ORGANIZATION_MODE_SKIPS
              and not any(s.covers(r) for r in baseline if not r.passed)]
    assert unused == []


def test_a_program_without_data_events_fails_the_gate(plans):
    _, weaker = plans
    assert {(r.check_id, r.resource) for r in gate_failures(list(weaker))} == {
        ("IRREADY_AWS_1", "aws_cloudtrail.organization_trail_trail")}


def test_docs_list_every_skip_with_its_reason():
    assert skips_markdown() in (ROOT / "docs" / "policy-gate.md").read_text(), \
        "regenerate the table: python -c 'from policies.gate import skips_markdown; print(skips_markdown())'"


def test_checkovs_privilege_escalation_check_passes_on_every_responder_without_a_skip(plans):
    """CKV_AWS_286 (and 287, 289) once had to be skipped for the responder; not any more (issue #12)."""
    baseline, _ = plans
    for check_id in ("CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_289"):
        results = [r for r in baseline if r.check_id == check_id and r.resource.endswith("_responder_permissions")]
        # one responder per listed account of Pulumi.example.yaml (the security account among them)
        assert len(results) == 4 and all(r.passed for r in results), check_id
        assert not any(skip.check_id == check_id for skip in BASELINE_SKIPS)


# Fixed for every irready function and schedule by infra/components/signed_functions.py, never skipped again.
SIGNED_FUNCTION_CHECKS = {"CKV_AWS_272": "aws_lambda_function.", "CKV_AWS_173": "aws_lambda_function.",
                          "CKV_AWS_50": "aws_lambda_function.", "CKV_AWS_297": "aws_scheduler_schedule.",
                          "CKV_AWS_284": "aws_sfn_state_machine."}


def test_code_signing_keys_and_tracing_pass_on_irreadys_functions_and_schedules_without_a_skip(plans):
    """Code signing (272), the environment's key (173), X-Ray (50, 284) and the schedule's key (297)."""
    baseline, _ = plans
    expected = {"aws_lambda_function.": 3, "aws_scheduler_schedule.": 1, "aws_sfn_state_machine.": 1}
    for check_id, prefix in SIGNED_FUNCTION_CHECKS.items():
        results = [r for r in baseline if r.check_id == check_id and r.resource.startswith(prefix)]
        assert len(results) == expected[prefix] and all(r.passed for r in results), check_id
        assert not any(skip.check_id == check_id for skip in BASELINE_SKIPS)
