"""Collection across processes, so that the audit's CPU (signing requests, parsing responses: a few
milliseconds a call, under one interpreter lock per process) scales past one core.

The parent lists the accounts and reads Organizations (run.py), then starts ``processes`` collection
processes. Each builds its own session (``Job.session_factory``) and clients, and runs the same
collection as a single process (run.py's ``_AccountCollector``: a few account threads, one pool of
``Job.max_workers`` API threads), taking account ids from a shared queue until it is empty. Each
finished account comes back encoded (the line the snapshot file holds) with its part of the
organization's index, so the parent only writes and merges; region ticks come back for the progress
display. The calls in flight stay bounded: the processes' pools add up to ``--max-workers``.

Ctrl-C: the collection processes ignore SIGINT; the parent stops them (by their process ids) and keeps
what finished. A process that dies (out of memory, killed) stops the run with an error naming it.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import boto3
from irready.audit import parts
from irready.audit.aws import CallStats, Clients, Patience, clients_kept_out_of_gc, redact
from irready.audit.collect import events
from irready.audit.config import AuditConfig
from irready.audit.context import OrgIndex
from irready.audit.progress import Progress
from irready.audit.snapshot import MARKER

_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """What a collection process needs (picklable: processes are spawned, not forked)."""
    config: AuditConfig
    session_factory: Callable[[], boto3.Session]
    endpoint_url: str | None
    max_workers: int  # API calls in flight in this process
    patience: Patience
    caller: str
    home: str


def collect(job: Job, targets: list[str], processes: int, progress: Progress,
            stats: CallStats | None) -> Iterator:
    """None once the processes have started, then run.Finished for each account as it finishes, from
    ``processes`` collection processes. Closing the generator (Ctrl-C) stops the processes. Raises
    RuntimeError when a process dies."""
    from irready.audit.collect.run import Finished

    context = multiprocessing.get_context("spawn")  # no fork of a parent holding threads and locks
    tasks, results = context.Queue(), context.Queue()
    account_threads = max(1, min(len(targets), max(2, job.max_workers // 4)))
    for account_id in targets:
        tasks.put(account_id)
    for _ in range(processes * account_threads):
        tasks.put(None)  # one stop per account thread
    workers = [context.Process(target=_work, args=(job, account_threads, tasks, results), daemon=True,
                               name=f"irready-collect-{n}") for n in range(processes)]
    for worker in workers:
        worker.start()
    pending, reported = set(targets), 0
    try:
        yield None
        while pending or reported < len(workers):
            try:
                message = results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead or all(w.exitcode is not None for w in workers):
                    raise RuntimeError(f"collection process {dead[0].name if dead else ''} stopped "
                                       f"(exit code {dead[0].exitcode if dead else 0}) with {len(pending)} "
                                       "account(s) not collected") from None
                continue
            kind = message[0]
            if kind == "account":
                _, account_id, line, index, refs, failed = message
                pending.discard(account_id)
                yield Finished(account_id, None, refs, failed, line, index)
            elif kind == "planned":
                progress.region_planned(message[1], message[2])
            elif kind == "region":
                progress.region_done(message[1], message[2])
            elif kind == "stats":
                reported += 1
                if stats is not None:
                    stats.add(message[1])
            elif kind == "failed":
                raise RuntimeError(f"a collection process failed: {message[1]}")
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        raise
    finally:
        for worker in workers:
            worker.join(timeout=10)
        for channel in (tasks, results):
            channel.cancel_join_thread()
            channel.close()


class _Ticks(Progress):
    """The progress of a collection process: region ticks sent to the parent's display."""

    def __init__(self, results):
        super().__init__(0, enabled=False)
        self.results = results

    def region_planned(self, account_id: str, count: int) -> None:
        self.results.put(("planned", account_id, count))

    def region_done(self, account_id: str, region: str) -> None:
        self.results.put(("region", account_id, region))


@clients_kept_out_of_gc()
def _work(job: Job, account_threads: int, tasks, results) -> None:
    """A collection process: take account ids until a stop, send each account back encoded."""
    from irready.audit.collect.run import _AccountCollector

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt stops
    try:
        stats = CallStats()
        clients = Clients(job.session_factory(), job.endpoint_url, max_pool_connections=job.max_workers,
                          stats=stats, patience=job.patience)
        failures: list[str] = []
        with ThreadPoolExecutor(job.max_workers, thread_name_prefix="api") as api_pool:
            collector = _AccountCollector(job.config, clients, job.caller, job.home, api_pool, _Ticks(results))

            def accounts() -> None:
                try:
                    while (account_id := tasks.get()) is not None:
                        account = collector.collect(account_id)
                        index = OrgIndex()
                        index.add(account_id, account)
                        results.put(("account", account_id, parts.encode_account(account), index,
                                     events.topic_refs(account_id, account), MARKER in account))
                except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the run
                    failures.append(f"{type(exc).__name__}: {redact(str(exc))[:300]}")

            threads = [threading.Thread(target=accounts, name=f"account-{n}") for n in range(account_threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if failures:
            results.put(("failed", failures[0]))
        results.put(("stats", dict(stats.requests)))
    except Exception as exc:  # noqa: BLE001 - as above
        results.put(("failed", f"{type(exc).__name__}: {redact(str(exc))[:300]}"))
