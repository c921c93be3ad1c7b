"""CPython's cyclic garbage collector's share of the audit's CPU, with and without keeping the built
clients out of full collections (audit/aws.py ``clients_kept_out_of_gc``).

    python -m bench.gc_share --accounts 1,60 --workers 8,32

Each run collects the canned stand-in's organization (bench/canned_aws.py, no latency: CPU is what is
measured) in one process of its own, with a ``gc.callbacks`` hook timing every collection by
generation (thread CPU time); "frozen: off" replaces ``gc.freeze`` with a no-op, the audit as it was.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time


def measure(url: str, accounts: int, workers: int, freeze: bool) -> dict:
    """One collection in this process: {"cpu_s", "requests", "gc_s": {generation: seconds}, "collections"}."""
    import functools
    import gc
    import tempfile
    from pathlib import Path

    import boto3
    from irready.audit import aws
    from irready.audit.aws import CallStats
    from irready.audit.collect.run import collect_to_file
    from irready.audit.config import AuditConfig
    from irready.audit.progress import Progress

    from bench.org_scale import CREDENTIALS, DEFAULT_REGIONS

    if not freeze:
        aws.gc = type("NoFreeze", (), {"freeze": staticmethod(lambda: None), "unfreeze": staticmethod(gc.unfreeze)})
    spent: dict[int, float] = {}
    counts: dict[int, int] = {}
    started: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.thread_time())
        elif started:
            generation = info["generation"]
            spent[generation] = spent.get(generation, 0.0) + time.thread_time() - started.pop()
            counts[generation] = counts.get(generation, 0) + 1

    gc.callbacks.append(timed)
    config = AuditConfig(regions=tuple(DEFAULT_REGIONS), org=True, security_account_id="123456789012")
    factory = functools.partial(boto3.Session, region_name=DEFAULT_REGIONS[0], **CREDENTIALS)
    stats = CallStats()
    cpu = time.process_time()
    with tempfile.TemporaryDirectory(prefix="irready-bench-") as folder:
        collect_to_file(config, factory(), Path(folder) / "snapshot.jsonl", endpoint_url=url, max_workers=workers,
                        stats=stats, progress=Progress(0, enabled=False), processes=1)
    cpu = time.process_time() - cpu
    gc.callbacks.remove(timed)
    return {"accounts": accounts, "workers": workers, "frozen": freeze, "requests": stats.total,
            "cpu_s": round(cpu, 2), "gc_s": {str(g): round(s, 3) for g, s in sorted(spent.items())},
            "collections": {str(g): n for g, n in sorted(counts.items())},
            "gc_share": round(sum(spent.values()) / cpu, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default="1,60", help="comma-separated organization sizes")
    parser.add_argument("--workers", default="8,32", help="worker count for each size, comma-separated")
    parser.add_argument("--measure", nargs=4, metavar=("URL", "ACCOUNTS", "WORKERS", "FREEZE"),
                        help=argparse.SUPPRESS)  # internal: one run in this process
    args = parser.parse_args()
    if args.measure:
        url, accounts, workers, freeze = args.measure
        print(json.dumps(measure(url, int(accounts), int(workers), freeze == "on")))
        return
    from bench.org_scale import stop

    for accounts, workers in zip(args.accounts.split(","), args.workers.split(","), strict=True):
        server = subprocess.Popen([sys.executable, "-m", "bench.canned_aws", "--accounts", accounts, "--latency", "0",
                                   "--max-seconds", "3600"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            for freeze in ("off", "on"):
                result = subprocess.run([sys.executable, "-m", "bench.gc_share", "--measure", url, accounts, workers,
                                         freeze], capture_output=True, text=True, check=True)
                print(result.stdout.strip(), flush=True)
        finally:
            stop(server)


if __name__ == "__main__":
    main()
