"""Shared fixtures: one emulated AWS (moto over real HTTP) for the whole run.

Resetting moto costs most of a second, so instead every test gets accounts of its own:
``account_id`` is an account nobody else has touched.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import settings

from irready.emulated.emulator import Emulator
from tests.support.faults import FaultInjector

_fresh_accounts = (f"{n:012d}" for n in itertools.count(300000000001))

# CI replays the same examples every run, so a submission never fails on a new random draw; local runs
# keep exploring (and remember what they found in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def _emulator_and_faults():
    faults = FaultInjector()
    with Emulator(middleware=faults) as emulator:
        yield emulator, faults
    # The read-only promise, over every audit call of the whole run (see tests/audit/test_read_only.py).
    from tests.audit.test_read_only import check_operations
    problems = check_operations(faults.audit_operations)
    assert not problems, f"the audit sent calls outside its read-only policy: {problems}"


@pytest.fixture
def emulator(_emulator_and_faults) -> Emulator:
    return _emulator_and_faults[0]


@pytest.fixture
def faults(_emulator_and_faults) -> FaultInjector:
    faults = _emulator_and_faults[1]
    faults.clear()
    yield faults
    faults.clear()


@pytest.fixture
def account_id() -> str:
    return next(_fresh_accounts)


@pytest.fixture(scope="session")
def new_account():
    """A factory of untouched account ids, for tests (and module fixtures) that need several."""
    return lambda: next(_fresh_accounts)


@pytest.fixture
def fresh_account(new_account):
    return new_account
