"""The client factory: clients shared by accounts, each call signed for the account it is made for."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.session
import pytest
from botocore.loaders import Loader
from irready.audit.aws import Clients, WriteRefused, clients_kept_out_of_gc


def session(key: str) -> boto3.Session:
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key=f"{key}-secret", region_name="us-east-1")


def signing_key(client) -> str:
    return client._request_signer._credentials.get_frozen_credentials().access_key


def test_accounts_share_clients_but_each_call_signs_for_its_own_account():
    first = Clients(session("AKIAFIRST"))
    second = first.for_session(session("AKIASECOND"))
    ec2 = first.client("ec2", "eu-west-1")
    assert second.client("ec2", "eu-west-1") is ec2  # built once per run
    assert first.client("ec2", "us-east-1") is not ec2
    with first.acting():
        assert signing_key(ec2) == "AKIAFIRST"
        with second.acting():
            assert signing_key(ec2) == "AKIASECOND"
        assert signing_key(ec2) == "AKIAFIRST"


def test_a_call_outside_any_account_is_refused_rather_than_signed_with_something_else():
    ec2 = Clients(session("AKIAFIRST")).client("ec2", "us-east-1")
    with pytest.raises(RuntimeError, match="outside Clients.acting"):
        signing_key(ec2)


def test_threads_acting_for_different_accounts_do_not_see_each_other():
    base = Clients(session("AKIA0"))
    accounts = [base.for_session(session(f"AKIA{n}")) for n in range(8)]
    ec2 = base.client("ec2", "us-east-1")
    barrier, seen, errors = threading.Barrier(len(accounts)), {}, []

    def work(n: int) -> None:
        with accounts[n].acting():
            barrier.wait()  # all eight threads inside their own acting() at once
            for _ in range(200):
                if signing_key(ec2) != f"AKIA{n}":
                    errors.append(n)
            seen[n] = signing_key(ec2)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(accounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen == {n: f"AKIA{n}" for n in range(len(accounts))}


def test_a_service_s_client_class_is_built_once_for_every_region_and_only_for_the_audit():
    """Building a client's class (a method per operation) is most of a client's construction: the audit's
    clients of one service share it across regions, each keeps its own region, endpoint and handlers;
    a session that is not the audit's gets botocore's own per-client classes."""
    clients = Clients(session("AKIAFIRST"))
    west, east = clients.client("ec2", "eu-west-1"), clients.client("ec2", "us-east-1")
    assert type(west) is type(east)
    assert (west.meta.region_name, east.meta.region_name) == ("eu-west-1", "us-east-1")
    assert west.meta.events is not east.meta.events
    assert type(clients.client("logs", "eu-west-1")) is not type(west)
    other = Clients(session("AKIAOTHER"))  # another run: its own classes
    assert type(other.client("ec2", "eu-west-1")) is not type(west)
    plain = session("AKIAPLAIN")
    assert type(plain.client("ec2", "eu-west-1")) is not type(plain.client("ec2", "us-east-1"))
    with pytest.raises(WriteRefused):  # the refusal is each client's handler, not the shared class's
        east.terminate_instances(InstanceIds=["i-1"])


def test_writes_are_refused_before_signing():
    with pytest.raises(WriteRefused):
        Clients(session("AKIAFIRST")).client("ec2", "us-east-1").terminate_instances(InstanceIds=["i-1"])


def test_services_are_skipped_only_where_botocore_knows_they_are_absent():
    clients = Clients(session("AKIAFIRST"))
    assert clients.offers("guardduty", "eu-west-1")
    assert not clients.offers("guardduty", "us-isob-west-1")  # an isolated-partition region without GuardDuty
    emulated = Clients(session("AKIAFIRST"), "http://127.0.0.1:1")
    assert emulated.offers("eks", "not-a-region-1")  # an emulator answers for every service


class _HeldLoader(Loader):
    """botocore's own loader, except that reading ``held``'s service model waits for ``release``:
    a client of that service is then stuck mid-construction for as long as the test wants."""

    def __init__(self, held: str):
        super().__init__()
        self.held, self.entered, self.release = held, threading.Event(), threading.Event()

    def load_service_model(self, service_name, type_name, api_version=None):
        if service_name == self.held and type_name == "service-2":
            self.entered.set()
            assert self.release.wait(60), "the test never released the held construction"
        return super().load_service_model(service_name, type_name, api_version)


def test_a_client_being_built_holds_up_neither_other_clients_nor_cache_hits():
    """Under one lock for the whole cache, the two lookups below would wait for the held guardduty
    client forever, and ``result(timeout=...)`` would fail the test."""
    loader = _HeldLoader("guardduty")
    core = botocore.session.Session()
    core.register_component("data_loader", loader)
    clients = Clients(boto3.Session(botocore_session=core, aws_access_key_id="AKIA0", aws_secret_access_key="s"))
    built = clients.client("ec2", "us-east-1")
    with ThreadPoolExecutor(4) as pool:
        held = pool.submit(clients.client, "guardduty", "eu-west-1")
        waiting = pool.submit(clients.client, "guardduty", "eu-west-1")  # same key: waits for the first
        assert loader.entered.wait(60)
        try:
            assert pool.submit(clients.client, "ec2", "us-east-1").result(timeout=60) is built  # a cache hit
            other = pool.submit(clients.client, "ec2", "eu-west-1").result(timeout=60)  # another key, built now
            assert other is not built and other.meta.region_name == "eu-west-1"
            assert not held.done() and not waiting.done()
        finally:
            loader.release.set()
        assert held.result(timeout=60) is waiting.result(timeout=60)  # built once, for both
    assert held.result().meta.region_name == "eu-west-1"


def test_renewed_credentials_are_used_within_seconds_of_their_renewal():
    """Signing reuses an account's frozen keys for a few seconds only, so renewed keys take over at once."""
    from botocore.credentials import Credentials

    keys = Credentials("AKIAOLD", "old-secret")
    account = Clients(session("AKIABASE"))
    account.credentials = keys
    ec2 = account.client("ec2", "us-east-1")
    with account.acting():
        assert signing_key(ec2) == "AKIAOLD"
        keys.access_key = "AKIANEW"  # as a refresh would
        assert signing_key(ec2) == "AKIAOLD"  # frozen a moment ago
        until, frozen = keys._irready_frozen
        keys._irready_frozen = (until - ec2._request_signer._credentials.FREEZE_SECONDS - 1, frozen)
        assert signing_key(ec2) == "AKIANEW"


def test_while_collecting_built_clients_are_kept_out_of_full_collections_and_let_go_after():
    """Service models are alive for the whole run: frozen after each construction, so CPython's full
    collections do not traverse them again and again; the last collection to end unfreezes, and a
    collection ending inside another leaves the other's freeze in place."""
    assert gc.get_freeze_count() == 0
    clients = Clients(session("AKIAFIRST"))
    clients.client("sts", "us-east-1")  # outside a collection: nothing frozen
    assert gc.get_freeze_count() == 0
    with clients_kept_out_of_gc():
        clients.client("cloudtrail", "us-east-1")
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the client, its service model and everything alive with them
        with clients_kept_out_of_gc():
            clients.client("cloudtrail", "eu-west-1")
        assert gc.get_freeze_count() >= frozen  # the inner collection's end did not unfreeze
        clients.client("cloudtrail", "us-east-1")  # a cache hit builds nothing
    assert gc.get_freeze_count() == 0
