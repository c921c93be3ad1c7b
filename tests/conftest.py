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


# `make test` runs the suite in several processes (pytest-xdist, --dist loadfile: a module's tests on one
# worker). A worker takes the next module when it is done with its own; a module of a minute or more taken
# last keeps one worker busy while the others have nothing left. These (the longest by `--durations`, the
# longest first) are handed out first; the rest follow in their usual order. One process: order unchanged.
LONG_MODULES = (
    "tests/audit/test_checks_emulated.py",
    "tests/emulated/test_demo.py",
    "tests/emulated/test_apply.py",
    "tests/emulated/test_vpc_preparation.py",
    "tests/emulated/test_brownfield.py",
    "tests/audit/test_iac_scan.py",
    "tests/emulated/test_preflight.py",
    "tests/bench/test_canned_aws.py",
)


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: its collection order is the order modules go out in
        def rank(item):
            module = item.path.relative_to(config.rootpath).as_posix()
            return LONG_MODULES.index(module) if module in LONG_MODULES else len(LONG_MODULES)
        items.sort(key=rank)  # stable: each module's tests keep their order


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
