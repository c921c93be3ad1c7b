"""The one list of collectors: every collector module is in it, and "nothing was read" is decided
from it (a snapshot section no collector writes does not count)."""

from __future__ import annotations

from pathlib import Path

import pytest
from irready.audit import collect
from irready.audit.collect import COLLECTORS, Scope, nothing_read

from tests.audit.checks.fragments import DENIED, snapshot

REGIONS = ("us-east-1", "eu-west-1")


def test_every_collector_module_is_in_the_list_once():
    # s3 reads the trail buckets the cloudtrail collector found; investigation reads the security
    # account only (run.py), which no collector scope expresses; organizations is read once, from the caller;
    # fanout runs run.py's collection in several processes.
    modules = {p.stem for p in Path(collect.__file__).parent.glob("*.py")} - {
        "__init__", "run", "fanout", "s3", "investigation", "organizations"}
    names = [c.name for c in COLLECTORS]
    assert sorted(names) == sorted(modules)


def test_every_collector_is_labelled_with_an_api_operation():
    for collector in COLLECTORS:
        assert collector.operation[:1].isupper() and collector.operation.isalnum(), collector


def denied_everywhere() -> dict:
    return {c.name: DENIED if c.scope is Scope.GLOBAL else {r: DENIED for r in REGIONS} for c in COLLECTORS}


def test_a_snapshot_of_markers_read_nothing():
    assert nothing_read(snapshot(denied_everywhere(), regions=REGIONS))
    unreachable = {"accounts": {"111111111111": {"account_id": "111111111111", "regions": [], "services": {},
                                                  **DENIED}}}
    assert nothing_read(unreachable)


@pytest.mark.parametrize("collector", COLLECTORS, ids=[c.name for c in COLLECTORS])
def test_any_one_collector_having_read_something_is_enough(collector):
    services = denied_everywhere()
    services[collector.name] = {} if collector.scope is Scope.GLOBAL else {"us-east-1": {}, "eu-west-1": DENIED}
    assert not nothing_read(snapshot(services, regions=REGIONS))


def test_sections_no_collector_writes_do_not_count():
    services = denied_everywhere() | {"cloudtrail_trails": {}, "s3": {"buckets": {}}}
    assert nothing_read(snapshot(services, regions=REGIONS))
