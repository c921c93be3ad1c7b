"""Reserved concurrency on irready's functions in the security account, under Pulumi's mocks: the program
reserves exactly what policies/lambda_concurrency.py says (the sum `irready preflight` compares with the
account's limit), and irready:reservedConcurrency: false reserves nothing.

Lambda keeps at least 100 of an account's ConcurrentExecutions quota unreserved, so PutFunctionConcurrency
fails in an account whose quota is below the reservations plus 100 (a new account's is often 10):
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
"""

from __future__ import annotations

import json

import pytest
from irready.infra.config import StackConfigError, file_reader, load
from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, stack_config_file
from irready.policies import lambda_concurrency
from irready.policies import scheduled_audit as scheduled

from tests.infra.mocks import ROOT, run_program

EXAMPLE = ROOT / "Pulumi.example-org.yaml"


def example(**changes) -> dict[str, str]:
    config = stack_config_file(EXAMPLE)
    for key, value in changes.items():
        config[f"irready:{key}"] = json.dumps(value)
    return config


def reserved_by_function(config: dict[str, str]) -> dict[str, int | None]:
    program = run_program(config, ORGANIZATION_TRUSTED_SERVICES)
    return {f.inputs["name"]: f.inputs.get("reservedConcurrentExecutions")
            for f in program.of_type("aws:lambda/function:Function")}


def test_the_program_reserves_what_the_shared_sum_counts():
    config = example()
    stack = load(file_reader(EXAMPLE))
    declared = reserved_by_function(config)
    expected = stack.lambda_reservations
    assert {name: declared[name] for name in expected} == expected
    assert {name for name, value in declared.items() if value not in (None, -1)} == set(expected)
    # organization mode: the VPC preparation and security contacts; the scheduled audit's three (40 wide)
    assert sum(expected.values()) == lambda_concurrency.VPC_PREPARATION + lambda_concurrency.SECURITY_CONTACTS + 42
    assert expected[scheduled.ACCOUNT_FUNCTION] == stack.scheduled_audit.max_concurrency
    # The example's comment tells a new user the quota the account needs.
    needed = sum(expected.values()) + lambda_concurrency.UNRESERVED_MINIMUM
    assert f"the account's quota must be at least {needed} " in EXAMPLE.read_text()


def test_reserved_concurrency_false_reserves_nothing():
    declared = reserved_by_function(example(reservedConcurrency=False))
    assert declared and all(value in (None, -1) for value in declared.values()), declared


def test_reserved_concurrency_must_be_a_flag(tmp_path):
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(EXAMPLE.read_text().replace("config:\n", "config:\n  irready:reservedConcurrency: sometimes\n", 1))
    with pytest.raises(StackConfigError, match=r"^irready:reservedConcurrency: expected true or false$"):
        load(file_reader(path))


@pytest.mark.parametrize(("reserved", "unreserved", "held", "short"), [
    ({"a": 5, "b": 2}, 1000, {}, 0),     # the default quota: plenty
    ({"a": 5, "b": 2}, 10, {}, 97),      # a new account's 10: 107 needed
    ({"a": 5, "b": 2}, 107, {}, 0),      # exactly 100 left unreserved
    ({"a": 5, "b": 2}, 106, {}, 1),
    ({"a": 5, "b": 2}, 100, {"a": 5, "b": 2}, 0),  # a re-run: what irready holds is given back first
    ({}, 10, {}, 0),                     # nothing reserved: nothing needed
])
def test_shortfall_keeps_100_unreserved(reserved, unreserved, held, short):
    assert lambda_concurrency.shortfall(reserved, unreserved, held) == short
