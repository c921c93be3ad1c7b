"""Collect a snapshot: find the accounts, reach each one, run every collector, keep failures as data.

Concurrency: one pool of ``max_workers`` threads makes every API call, shared by all accounts, so
the number of calls in flight is bounded however many accounts there are. A few account threads
only orchestrate: each submits one account's calls to that pool and waits for them. Every task runs
inside its account's ``Clients.acting()``, which decides the credentials its requests are signed with.
With several collection processes (fanout.py) each process runs this with its share of the pool.

Each account is handed to a sink as soon as it finishes: ``collect_snapshot`` keeps it in memory,
``collect_to_file`` writes it to the snapshot file (audit/parts.py) and lets it go.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from irready.audit import parts
from irready.audit.aws import (
    AWS_ERRORS,
    DEFAULT_PATIENCE,
    CallStats,
    Clients,
    Patience,
    assumed_credentials,
    caller_account,
    caller_identity,
    clients_kept_out_of_gc,
    guarded,
    marker_for,
    paginate,
    redact,
)
from irready.audit.collect import COLLECTORS, Collector, Scope, cloudtrail, events, organizations, s3
from irready.audit.collect import investigation as workspace
from irready.audit.config import ALL_REGIONS, AuditConfig
from irready.audit.context import OrgIndex
from irready.audit.errors import UnreachableError, UsageError
from irready.audit.progress import Progress
from irready.audit.snapshot import MARKER, SCHEMA, is_unavailable, unavailable

from irready import __version__

log = logging.getLogger("irready")

_ENABLED = {"opt-in-not-required", "opted-in"}
_INACTIVE = {"SUSPENDED", "PENDING_CLOSURE", "CLOSED"}


def collect_snapshot(config: AuditConfig, session: boto3.Session, endpoint_url: str | None = None,
                     max_workers: int = 8, progress: Progress | None = None, stats: CallStats | None = None,
                     patience: Patience = DEFAULT_PATIENCE) -> dict:
    """The snapshot, every account held in memory (see ``collect_to_file`` for an organization of any size).

    Raises UnreachableError when the credentials cannot reach AWS, UsageError for an organization that
    cannot be listed, Interrupted (holding the finished accounts) on KeyboardInterrupt.
    """
    snapshot: dict = {}

    def in_memory(header: dict) -> _InMemory:
        snapshot.update(header, accounts={})
        return _InMemory(snapshot["accounts"])

    try:
        _, finished_at = _collect(config, session, in_memory, endpoint_url, max_workers, progress, stats, patience)
    except _Stopped as stop:
        snapshot["incomplete"] = stop.incomplete
        snapshot["accounts"] = dict(sorted(snapshot["accounts"].items()))
        raise Interrupted(snapshot) from None
    snapshot["accounts"] = dict(sorted(snapshot["accounts"].items()))
    snapshot["collection"]["finished_at"] = finished_at
    return snapshot


def collect_to_file(config: AuditConfig, session: boto3.Session, path: Path, endpoint_url: str | None = None,
                    max_workers: int = 8, progress: Progress | None = None, stats: CallStats | None = None,
                    patience: Patience = DEFAULT_PATIENCE, *, processes: int | None = None,
                    session_factory: Callable[[], boto3.Session] | None = None) -> dict:
    """Collect as ``collect_snapshot`` does, streaming each account's part to ``path`` (a snapshot-v2 file,
    audit/parts.py) as it finishes: memory holds the accounts in flight and the organization's index, not
    the organization. Returns the snapshot with ``accounts`` read back from the file one at a time.

    The file is written as ``<path>.partial`` and renamed when complete or interrupted (then marked
    incomplete, raised as Interrupted); on any other error the partial file is left when it holds an
    account (it loads as a snapshot cut short), else removed. Raises as
    ``collect_snapshot`` does, and parts.SnapshotWriteError when the file cannot be written.
    """
    writers: list[parts.PartWriter] = []

    def to_file(header: dict) -> parts.PartWriter:
        writers.append(parts.PartWriter(path, header))
        return writers[0]

    def streamed(writer: parts.PartWriter, incomplete: dict | None, finished_at: str | None) -> dict:
        sha = writer.close(finished_at, incomplete)
        return parts.load_written(writer, sha)

    try:
        writer, finished_at = _collect(config, session, to_file, endpoint_url, max_workers, progress, stats,
                                       patience, processes if session_factory else 1, session_factory)
    except _Stopped as stop:
        raise Interrupted(streamed(writers[0], stop.incomplete, None)) from None
    except BaseException:  # a full disk, a dead collection process: the accounts written so far stay in .partial
        for writer in writers:
            writer.abandon() if writer.offsets else writer.discard()
        raise
    return streamed(writer, None, finished_at)


class _InMemory:
    """The sink of ``collect_snapshot``: accounts kept in the snapshot's map."""

    def __init__(self, accounts: dict):
        self.accounts = accounts

    def add(self, account_id: str, account: dict, _line=None, _index=None) -> None:
        self.accounts[account_id] = account

    def add_topics(self, owner: str, topics: dict) -> None:
        parts.merge_topics(self.accounts[owner], topics)


class _Stopped(Exception):  # noqa: N818 - a signal between _collect and its callers
    def __init__(self, incomplete: dict):
        super().__init__("interrupted")
        self.incomplete = incomplete


@clients_kept_out_of_gc()
def _collect(config: AuditConfig, session: boto3.Session, open_sink: Callable, endpoint_url: str | None,
             max_workers: int, progress: Progress | None, stats: CallStats | None, patience: Patience,
             processes: int = 1, session_factory: Callable[[], boto3.Session] | None = None):
    """Collect every target account into the sink ``open_sink(header)`` returns (``add`` each account's
    entry as it finishes, then ``add_topics`` for topics read in their owners); (the sink, finished_at).
    Only small per-account facts (the SNS topics its rules target) are kept across accounts."""
    home = _home_region(config, session)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        identity = caller_identity(session, endpoint_url, home)
        caller = identity["Account"]
    except AWS_ERRORS as exc:
        raise UnreachableError(f"cannot reach AWS: {exc}. Check credentials (--profile, environment, SSO login) "
                               "and --endpoint-url") from exc
    caller_clients = Clients(session, endpoint_url, max_pool_connections=max_workers, stats=stats, patience=patience)
    targets, skipped = _targets(config, caller_clients, caller, home)
    header = new_snapshot(config, caller, skipped, caller_arn=identity.get("Arn"), started_at=started_at)
    del header["accounts"]
    header["target_accounts"] = sorted(targets)  # a file cut short names the accounts it lacks (audit/parts.py)
    progress = progress or Progress(len(targets))
    processes = processes or default_processes(len(targets))
    if processes > 1:
        from irready.audit.collect import fanout

        collector = _AccountCollector(config, caller_clients, caller, home, None, progress)
        job = fanout.Job(config, session_factory, endpoint_url, max(1, max_workers // processes), patience, caller,
                         home)
        finished = fanout.collect(job, targets, processes, progress, stats)
    else:
        api_pool = ThreadPoolExecutor(max_workers, thread_name_prefix="api")
        collector = _AccountCollector(config, caller_clients, caller, home, api_pool, progress)
        finished = _in_threads(collector, targets, api_pool, max_workers)
    next(finished)  # starts the collection (both generators yield None once started)
    refs: dict[str, tuple[set[str], set[str]]] = {}
    sink = None
    try:
        # Organizations once, from the caller, while the accounts are collected: the guardrail SCP check
        # needs the SCPs and each account's ancestors; the snapshot's header holds them.
        header["organization"] = organizations.collect(caller_clients, home, targets, max(1, max_workers // 4))
        sink = open_sink(header)
        for done in finished:
            sink.add(done.account_id, done.account, done.line, done.index)
            refs[done.account_id] = done.topic_refs
            progress.account_done(done.account_id, failed=done.failed)
        _read_topics_for_other_accounts(refs, collector, sink)
    except KeyboardInterrupt:  # also SIGTERM, which the CLI turns into KeyboardInterrupt
        finished.close()
        progress.finish()
        if sink is None:  # nothing written yet
            raise
        raise _Stopped({"reason": "interrupted", "missing_accounts": sorted(set(targets) - set(refs))}) from None
    except BaseException:
        finished.close()
        raise
    progress.finish()
    return sink, datetime.now(UTC).isoformat(timespec="seconds")


def default_processes(accounts: int) -> int:
    """Collection processes for ``accounts`` accounts: one per CPU for an organization (each process's
    Python parses its own responses, so CPU scales past one core), one for a few accounts (starting a
    process costs about a second)."""
    return 1 if accounts < 8 else max(1, min(os.cpu_count() or 1, accounts // 4))


@dataclass
class Finished:
    """One account collected: its entry (in this process) or its encoded line and index (from another)."""
    account_id: str
    account: dict | None
    topic_refs: tuple[set[str], set[str]]
    failed: bool
    line: bytes | None = None
    index: OrgIndex | None = None

    @classmethod
    def of(cls, account_id: str, account: dict) -> Finished:
        return cls(account_id, account, events.topic_refs(account_id, account), MARKER in account)


def _in_threads(collector: _AccountCollector, targets: list[str], api_pool: ThreadPoolExecutor,
                max_workers: int) -> Iterator[Finished | None]:
    """None once the collection has started, then each account as it finishes, collected in this
    process: a few account threads submit their calls to ``api_pool``. Closing the generator (Ctrl-C)
    abandons the calls in flight."""
    # Enough accounts in flight to keep the API pool busy while each waits for its slowest call.
    account_threads = max(1, min(len(targets), max(2, max_workers // 4)))
    account_pool = ThreadPoolExecutor(account_threads, thread_name_prefix="account")
    futures = {account_pool.submit(collector.collect, account_id): account_id for account_id in targets}
    try:
        yield None
        for future in as_completed(futures):
            account_id = futures.pop(future)  # the future holds the entry: let it go once handed on
            yield Finished.of(account_id, future.result())
    except BaseException:
        for pool in (account_pool, api_pool):
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    for pool in (account_pool, api_pool):
        pool.shutdown()


def _read_topics_for_other_accounts(refs: dict, collector: _AccountCollector, sink) -> None:
    """A topic another audited account's rule targets is read in the account that owns it (only the
    owner may list its subscriptions), and recorded there, beside the owner's own topics."""
    for owner, arns in sorted(events.topics_wanted(refs).items()):
        clients = collector.clients_for(owner)
        if clients is None:
            continue
        read = _safely("ListSubscriptionsByTopic", events.collect_topics, clients, arns)
        sink.add_topics(owner, {arn: read if is_unavailable(read) else read[arn] for arn in sorted(arns)})


def new_snapshot(config: AuditConfig, caller: str, skipped: dict[str, str],
                 collected_at: datetime | None = None, *, caller_arn: str | None = None,
                 started_at: str | None = None) -> dict:
    """A snapshot with no accounts yet: the header every snapshot carries (see ``snapshot`` for the layout)."""
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "collected_at": (collected_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "caller_account_id": caller,
        "caller_arn": caller_arn,
        "collection": {"started_at": started_at, "finished_at": None},
        "config": config.to_dict(),
        "skipped_accounts": skipped,
        "accounts": {},
    }


# --- one step at a time: the scheduled audit's functions (audit/scheduled.py) run these separately ----------

def list_targets(config: AuditConfig, session: boto3.Session, endpoint_url: str | None = None,
                 patience: Patience = DEFAULT_PATIENCE) -> tuple[str, list[str], dict[str, str]]:
    """(the caller's account, the accounts ``collect_snapshot`` would audit, those it would leave out
    with the reason): the same selection, for a caller that collects each account elsewhere.

    Raises UnreachableError when the credentials cannot reach AWS, UsageError when ``config.org`` is
    set and the caller may not call organizations:ListAccounts.
    """
    home = _home_region(config, session)
    try:
        caller = caller_account(session, endpoint_url, home)
    except AWS_ERRORS as exc:
        raise UnreachableError(f"cannot reach AWS: {exc}") from exc
    targets, skipped = _targets(config, Clients(session, endpoint_url, patience=patience), caller, home)
    return caller, targets, skipped


@clients_kept_out_of_gc()
def collect_account(config: AuditConfig, session: boto3.Session, account_id: str, endpoint_url: str | None = None,
                    max_workers: int = 16, stats: CallStats | None = None,
                    patience: Patience = DEFAULT_PATIENCE, *, assume_own_account: bool = False) -> dict:
    """One account's entry of ``snapshot["accounts"]``, collected exactly as ``collect_snapshot`` collects
    it: from ``session``'s own account directly (or, with ``assume_own_account``, through
    ``config.role_name`` there too: a caller whose own role may not read), from any other by assuming
    ``config.role_name``. A failure is recorded in the entry (an unavailable marker), never raised;
    ``max_workers`` API calls are in flight at once.
    """
    home = _home_region(config, session)
    caller_clients = Clients(session, endpoint_url, max_pool_connections=max_workers, stats=stats, patience=patience)
    caller = guarded("GetCallerIdentity", lambda: caller_account(session, endpoint_url, home))
    if is_unavailable(caller):
        return {"account_id": account_id, "regions": [], **caller, "services": {}}
    with ThreadPoolExecutor(max_workers, thread_name_prefix="api") as pool:
        return _AccountCollector(config, caller_clients, caller, home, pool,
                                 assume_own_account=assume_own_account).collect(account_id)


class Interrupted(Exception):  # noqa: N818 - named for what happened, like KeyboardInterrupt
    """Collection was stopped; ``snapshot`` holds the accounts that finished."""

    def __init__(self, snapshot: dict):
        super().__init__("interrupted")
        self.snapshot = snapshot


def _targets(config: AuditConfig, clients: Clients, caller: str, home: str) -> tuple[list[str], dict[str, str]]:
    """The accounts to audit, and those left out with the reason."""
    excluded = set(config.exclude_accounts)
    skipped = {account_id: "excluded by exclude_accounts" for account_id in sorted(excluded)}
    if not config.org:
        return [a for a in (config.accounts or (caller,)) if a not in excluded], skipped
    try:
        with clients.acting():
            members = paginate(clients.client("organizations", home), "list_accounts", "Accounts", page_size=20)
    except (ClientError, BotoCoreError) as exc:
        code = marker_for(exc, "ListAccounts")[MARKER]["code"]
        raise UsageError(f"--org: cannot list the organization's accounts ({code}); run from the management "
                         "account or a delegated administrator, or name --accounts instead")
    wanted = set(config.accounts)
    targets = []
    for member in sorted(members, key=lambda m: m["Id"]):
        account_id, state = member["Id"], member.get("State") or member.get("Status", "ACTIVE")
        if (wanted and account_id not in wanted) or account_id in excluded:
            continue
        if state in _INACTIVE:
            skipped[account_id] = f"account is {state.lower()}"
        else:
            targets.append(account_id)
    for account_id in sorted(wanted - {m["Id"] for m in members}):
        skipped[account_id] = "not a member of the organization"
    return targets, dict(sorted(skipped.items()))


_CLOUDTRAIL = next(c for c in COLLECTORS if c.name == "cloudtrail")


class _AccountCollector:
    def __init__(self, config: AuditConfig, caller_clients: Clients, caller: str, home: str, pool: Executor,
                 progress: Progress | None = None, assume_own_account: bool = False):
        self.config, self.caller_clients, self.caller, self.home = config, caller_clients, caller, home
        self.pool, self.progress, self.assume_own_account = pool, progress, assume_own_account

    def collect(self, account_id: str) -> dict:
        log.info("collecting account %s", account_id)
        try:
            clients = self._reach(account_id)
        except (ClientError, BotoCoreError) as exc:
            log.warning("account %s: cannot assume %s: %s", account_id, self._role_arn(account_id), redact(str(exc)))
            return {"account_id": account_id, "regions": [], **marker_for(exc, "AssumeRole"), "services": {}}
        return self._collect_account(clients, account_id)

    def clients_for(self, account_id: str) -> Clients | None:
        """Clients for a read after collection (an account's session and credentials are not kept past its
        collection, so memory does not grow with the accounts); None when the account cannot be reached."""
        try:
            return self._reach(account_id)
        except (ClientError, BotoCoreError):
            return None

    def _role_arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{self.config.role_name}"

    def _reach(self, account_id: str) -> Clients:
        if account_id == self.caller and not self.assume_own_account:
            return self.caller_clients
        credentials = assumed_credentials(self.caller_clients, self._role_arn(account_id), self.config.external_id,
                                          self.home)
        return self.caller_clients.for_credentials(credentials)

    def _collect_account(self, clients: Clients, account_id: str) -> dict:
        regions, disabled = _regions(clients, self.config, self.home)
        if is_unavailable(regions):
            return {"account_id": account_id, "regions": [], **regions, "services": {}}
        global_region = regions[0] if regions else self.home
        submit = self.pool.submit

        # The investigation workspace is looked for in the security account only (a chain of five reads).
        workspace_futures = {region: submit(_safely, "GetWorkGroup", workspace.collect_region, clients, region)
                             for region in regions if region not in disabled
                             and workspace.workspace_account(self.config, account_id)}
        futures = {
            (collector.name, region): submit(_safely, collector.operation, collector.collect, clients, region,
                                             self.config)
            for collector in sorted(COLLECTORS, key=lambda c: -c.chain)  # the longest chains first
            for region in ([global_region] if collector.scope is Scope.GLOBAL else regions)
            if collector.scope is Scope.GLOBAL or (region not in disabled and clients.offers(collector.service, region))
        }
        regional = {c.name for c in COLLECTORS if c.scope is not Scope.GLOBAL}
        self._track_regions(account_id, {key: f for key, f in futures.items() if key[0] in regional})

        def section(collector: Collector):
            if collector.scope is Scope.GLOBAL:
                return futures[(collector.name, global_region)].result()
            by_region = {}
            for region in regions:
                if region in disabled:
                    by_region[region] = unavailable(
                        "DescribeRegions", "OptInRequired", f"{region} is not enabled in account {account_id}",
                        "region not enabled for this account")
                elif (collector.name, region) not in futures:
                    by_region[region] = unavailable(
                        collector.operation, "ServiceNotInRegion", f"{collector.service} is not offered in {region}",
                        "API not available here")
                else:
                    by_region[region] = futures[(collector.name, region)].result()
            return by_region

        # Each trail's status and selectors, and its bucket's settings, each an independent read, asked as
        # soon as DescribeTrails has answered everywhere.
        services: dict = dict.fromkeys(c.name for c in COLLECTORS)
        services["cloudtrail"] = section(_CLOUDTRAIL)
        trails = _unique_trails(services["cloudtrail"])
        detail_futures = {(arn, key): submit(_safely, "GetTrailStatus", read, clients)
                          for arn, trail in trails.items() for key, read in cloudtrail.detail_reads(trail).items()}
        buckets = {t["S3BucketName"]: t["HomeRegion"] for t in trails.values() if t.get("S3BucketName")}
        bucket_futures = {(name, key): submit(_safely, "GetBucketVersioning", read, clients)
                          for name, region in buckets.items() for key, read in s3.bucket_reads(name, region).items()}
        account_block = submit(_safely, "GetPublicAccessBlock", s3.collect_account_public_access_block,
                               clients, account_id, global_region)
        for collector in COLLECTORS:
            if collector is not _CLOUDTRAIL:
                services[collector.name] = section(collector)
        if workspace_futures:
            services["investigation"] = {region: future.result() for region, future in workspace_futures.items()}
        for (arn, key), future in detail_futures.items():
            trails[arn][key] = future.result()
        services["cloudtrail_trails"] = trails
        bucket_settings: dict[str, dict] = {name: {} for name in buckets}
        for (name, key), future in bucket_futures.items():
            bucket_settings[name][key] = future.result()
        services["s3"] = {"buckets": bucket_settings, "account_public_access_block": account_block.result()}
        return {"account_id": account_id, "regions": regions, "services": services}

    def _track_regions(self, account_id: str, futures: dict) -> None:
        """Tick the progress of a region when the last of its regional calls finishes."""
        if self.progress is None:
            return
        pending: dict[str, int] = {}
        for _, region in futures:
            pending[region] = pending.get(region, 0) + 1
        self.progress.region_planned(account_id, len(pending))
        lock = threading.Lock()

        def one_done(region: str) -> None:
            with lock:
                pending[region] -= 1
                last = pending[region] == 0
            if last:
                self.progress.region_done(account_id, region)
        for (_, region), future in futures.items():
            future.add_done_callback(lambda _f, region=region: one_done(region))


def _unique_trails(by_region: dict) -> dict[str, dict]:
    """Each trail once, keyed by ARN, with the audited regions it was seen from."""
    trails: dict[str, dict] = {}
    for region, seen in by_region.items():
        if is_unavailable(seen):
            continue
        for trail in seen["trails"]:
            entry = trails.setdefault(trail["TrailARN"], dict(trail, seen_in=[]))
            entry["seen_in"].append(region)
    return trails


def _regions(clients: Clients, config: AuditConfig, home: str):
    """(regions to audit, the named ones not enabled in this account) or an unavailable marker."""
    with clients.acting():
        described = guarded("DescribeRegions", lambda: clients.client("ec2", home).describe_regions(
            AllRegions=True)["Regions"])
    if is_unavailable(described):
        if config.regions == ALL_REGIONS:
            return described, set()
        return list(config.regions), set()  # audit what was named; failures will show per service
    enabled = sorted(r["RegionName"] for r in described if r.get("OptInStatus", "opt-in-not-required") in _ENABLED)
    if config.regions == ALL_REGIONS:
        return enabled, set()
    return list(config.regions), set(config.regions) - set(enabled)


def _home_region(config: AuditConfig, session: boto3.Session) -> str:
    if config.regions != ALL_REGIONS:
        return config.regions[0]
    return session.region_name or "us-east-1"


def _safely(operation: str, collect: Callable, clients: Clients, *args):
    """A collector's data, or a marker: a failed call is recorded, never raised and never 'empty'."""
    try:
        with clients.acting():
            return collect(clients, *args)
    except AWS_ERRORS as exc:
        return marker_for(exc, operation)
    except Exception as exc:  # a collector bug must not cost the other accounts' results
        log.exception("collector %s failed", operation)
        return unavailable(operation, type(exc).__name__, redact(str(exc))[:300], "collector error (a bug in irready)")
