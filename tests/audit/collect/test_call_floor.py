"""The call floor of docs/audit.md, held: a prepared account is audited over HTTP, every request
counted by operation, and each count must equal what the table there says for this account.
A change that adds a call (or a retry that cannot succeed) fails here until the table says why."""

from __future__ import annotations

import threading

import pytest
from irready.audit.aws import CallStats
from irready.audit.collect import COLLECTORS
from irready.audit.collect import run as collect_run
from irready.audit.collect.run import collect_snapshot
from irready.audit.progress import Progress

from bench.call_floor import DOCS, floor_table, scope_of
from irready.emulated.seed import Seeder, prepare_account
from tests.audit.emulated import SECURITY_ACCOUNT, audit_config, caller_session, firewall
from tests.support.faults import Fault

REGIONS = ("us-east-1", "eu-west-1")
PER_REGION = 20  # the figure docs/audit.md states


# How many times each scope of the table occurs in the prepared account: one member account, audited
# alone (not --org), in two regions, with one multi-region trail (one bucket), and in each region a
# detector, a GuardDuty rule and a DNS Firewall rule group with one BLOCK rule; one EKS cluster.
SCOPES = {
    "organization": 0, "member account": 1, "account": 1, "region": len(REGIONS), "trail": 1, "trail bucket": 1,
    "detector": len(REGIONS), "rule whose pattern can match GuardDuty": len(REGIONS), "cluster": 1,
    "DNS Firewall rule group": len(REGIONS), "domain list a BLOCK rule uses": len(REGIONS),
    "SNS topic a GuardDuty rule targets": len(REGIONS),
    # Organizations is read once, from the caller; the caller is in no organization (answered so below,
    # whatever other modules made in the shared emulator), so the first read ends it.
    "run": 1, "readable organization": 0, "SCP": 0, "OU level above an audited account": 0,
    # Issue #19: one of each workload in the first region (prepare_account), and two buckets (the trail's and
    # the load balancer's log bucket).
    "region with ECR repositories": 1, "ECS cluster": 1, "ECS cluster with running tasks": 1,
    "task definition in use": 1, "function with published versions": 1, "bucket": 2, "load balancer": 1,
    "distribution": 1, "account with distributions": 1, "account with a CloudFront delivery source": 1,
}




@pytest.fixture(scope="module")
def measured(new_account, _emulator_and_faults):
    emulator, faults = _emulator_and_faults
    account_id = new_account()
    prepare_account(Seeder(emulator, account_id), list(REGIONS), SECURITY_ACCOUNT)
    faults.clear()
    faults.faults.extend(firewall(["*"]))  # moto has no DNS Firewall
    # What AWS answers a caller in no organization (the emulator's default account may be in one by now).
    faults.faults.append(Fault("organizations", "DescribeOrganization", code="AWSOrganizationsNotInUseException",
                               status=400))
    stats = ChainStats()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(collect_run, "_safely", stats.measuring(collect_run._safely))
            snapshot = collect_snapshot(audit_config(account_id, regions=REGIONS), caller_session(),
                                        endpoint_url=emulator.url, max_workers=4, stats=stats,
                                        progress=Progress(1, enabled=False))
    finally:
        faults.clear()
    assert snapshot["accounts"][account_id]["regions"] == list(REGIONS)
    return stats


class ChainStats(CallStats):
    """The requests counted as ``CallStats`` counts them, and the longest chain of each collector: the
    requests one task (one collector in one region, run on one thread) sent one after another."""

    def __init__(self):
        super().__init__()
        self.thread = threading.local()
        self.chains: dict[str, int] = {}

    def record(self, event_name: str, **kwargs) -> None:
        self.thread.sent = getattr(self.thread, "sent", 0) + 1
        super().record(event_name, **kwargs)

    def measuring(self, safely):
        names = {collector.collect: collector.name for collector in COLLECTORS}

        def measured(operation, collect, clients, *args):
            self.thread.sent = 0
            try:
                return safely(operation, collect, clients, *args)
            finally:
                name = names.get(collect, operation)
                self.chains[name] = max(self.chains.get(name, 0), self.thread.sent)
        return measured


@pytest.fixture(scope="module")
def requests(measured):
    return measured.requests


def test_every_call_is_in_the_table_and_made_as_often_as_it_says(requests):
    table = floor_table()
    assert set(requests) <= set(table), f"calls the table does not list: {sorted(set(requests) - set(table))}"
    assert {call: requests.get(call, 0) for call in table} == {call: SCOPES[scope_of(call, table)] for call in table}


def test_calls_per_account_region_are_the_stated_floor(requests):
    table = floor_table()
    regional = sum(n for call, n in requests.items() if scope_of(call, table) == "region")
    assert regional / len(REGIONS) == PER_REGION
    assert f"**{PER_REGION} calls per region**" in DOCS.read_text()


def test_each_collector_s_chain_is_what_it_states(measured):
    """Each account's longest chains of calls (each waiting for the one before) are started first, by the
    ``chain`` each collector states; held here to the chains the prepared account measures, so a change
    that lengthens a chain updates the order too."""
    assert {c.name: measured.chains[c.name] for c in COLLECTORS} == {c.name: c.chain for c in COLLECTORS}
