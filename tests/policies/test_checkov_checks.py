"""The checks in policies/checkov, run by checkov itself on small Terraform and CloudFormation fixtures:
each check has resources that must pass, resources that must fail, and resources it must leave alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from irready.policies.gate import CUSTOM_CHECK_IDS, run_checkov

FIXTURES = Path(__file__).parent / "fixtures" / "checkov"
_DECLARED = re.compile(r'^resource "(\w+)" "(\w+)"|^  (\w+):\n    Type: (\S+)', re.MULTILINE)


def declared(check_id: str) -> dict[str, str]:
    """Resource address -> expected outcome (passes/fails/ignored), from the fixtures' resource names."""
    expected = {}
    for path in (FIXTURES / check_id).rglob("*"):
        if path.suffix not in (".tf", ".yaml"):
            continue
        for tf_type, tf_name, cfn_name, cfn_type in _DECLARED.findall(path.read_text()):
            address = f"{tf_type}.{tf_name}" if tf_type else f"{cfn_type}.{cfn_name}"
            outcome = re.match(r"(passes|fails|ignored)", (tf_name or cfn_name).lower())
            if outcome:
                expected[address] = outcome.group(1)
    return expected


@pytest.fixture(scope="module")
def results():
    return run_checkov(FIXTURES, ("terraform", "cloudformation"), CUSTOM_CHECK_IDS)


@pytest.mark.parametrize("check_id", CUSTOM_CHECK_IDS)
def test_each_check_passes_and_fails_the_fixtures_it_should(results, check_id):
    expected = declared(check_id)
    outcomes = {r.resource: ("passes" if r.passed else "fails") for r in results if r.check_id == check_id}
    assert {a: o for a, o in expected.items() if o != "ignored"} == outcomes
    for kind in ("terraform", "cloudformation"):
        files = {r.file for r in results if r.check_id == check_id and kind in r.file}
        assert files, f"{check_id} has no {kind} result"
    assert {"passes", "fails"} <= set(outcomes.values())
