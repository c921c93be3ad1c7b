"""The scheduled audit's steps at organization scale: N accounts x 17 regions behind per-request latency.

    python -m bench.scheduled_audit --accounts 10 --merge-scales 100,1000
    python -m bench.scheduled_audit --accounts 100

Starts the emulator in its own process, seeds an organization (bench.org_scale.seed), then runs, in
this process, the same functions the Lambda handlers run: the list step, every account's step one
after the other (as each Lambda invocation runs alone), and the merge. For each it measures wall
time and, for the account step, the API requests it sent; the Python heap's peak (tracemalloc) is
measured on a second, traced run of the list, of the first accounts' steps and of the merge. From
the per-account figures it estimates a 1,000-account run: wall time at the map's concurrency and
the Lambda, Step Functions and S3 cost.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from datetime import UTC, datetime, timedelta

import boto3

from bench.org_scale import CREDENTIALS, DEFAULT_REGIONS, seed

# Prices in us-east-1 (2026): https://aws.amazon.com/lambda/pricing/ (Arm), https://aws.amazon.com/step-functions/pricing/,
# https://aws.amazon.com/s3/pricing/
LAMBDA_GB_SECOND_ARM = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
STATE_TRANSITION = 0.025 / 1_000
S3_PUT, S3_GET = 0.005 / 1_000, 0.0004 / 1_000
SAMPLED = 3  # account steps run again under tracemalloc for their memory
LATENCY = 0.05  # seconds per AWS round trip, for the model


def measure(url: str, regions: list[str], concurrency: int, merge_scales: tuple[int, ...] = ()) -> dict:
    from irready.audit import scheduled
    from irready.audit.aws import CallStats
    from irready.audit.config import AuditConfig
    from irready.infra.components.scheduled_audit import SIZES
    from irready.policies import scheduled_audit as layout

    session = boto3.Session(region_name=regions[0], **CREDENTIALS)
    bucket = f"bench-{int(time.time())}"
    session.client("s3", endpoint_url=url).create_bucket(Bucket=bucket)
    settings = scheduled.Settings(bucket=bucket, config=AuditConfig(regions=tuple(regions), org=True,
                                                                   security_account_id="123456789012"),
                                  endpoint_url=url, region=regions[0])
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def timed(step, trace: bool):
        """(result, seconds, heap peak MiB or None). tracemalloc slows Python several times over, so a
        step is timed untraced and, where its memory is wanted, run again traced."""
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        if trace:
            tracemalloc.stop()
        return result, seconds, peak

    run, list_s, list_mib = timed(lambda: scheduled.start_run(settings, session, datetime.now(UTC)), trace=True)
    accounts = [i["account_id"] for i in json.loads(session.client("s3", endpoint_url=url).get_object(
        Bucket=bucket, Key=run["accounts_key"])["Body"].read())]
    per_account = []
    for account in accounts:
        stats = CallStats()
        cpu = time.process_time()
        _, seconds, _ = timed(lambda a=account, s=stats: scheduled.audit_account(settings, session, run["run_id"],
                                                                                  a, stats=s), trace=False)
        per_account.append({"seconds": seconds, "requests": stats.total, "cpu_s": time.process_time() - cpu})
    heap = [timed(lambda a=account: scheduled.audit_account(settings, session, run["run_id"], a), trace=True)[2]
            for account in accounts[:SAMPLED]]
    cpu = time.process_time()
    summary, merge_s, _ = timed(lambda: scheduled.merge_run(settings, session, run), trace=False)
    merge_cpu_s = time.process_time() - cpu
    _, _, merge_mib = timed(lambda: scheduled.merge_run(settings, session, run), trace=True)
    seconds = [a["seconds"] for a in per_account]
    requests = [a["requests"] for a in per_account]
    result = {
        "accounts": len(accounts), "regions": len(regions), "baseline_rss_mib": round(baseline_rss, 1),
        "list_s": round(list_s, 2), "list_heap_mib": round(list_mib, 1),
        "account_s_mean": round(statistics.mean(seconds), 2), "account_s_max": round(max(seconds), 2),
        f"account_heap_mib_max_of_{len(heap)}": round(max(heap), 1),
        "account_requests_mean": round(statistics.mean(requests), 1),
        "account_cpu_s_mean": round(statistics.mean(a["cpu_s"] for a in per_account), 2),
        "merge_cpu_s": round(merge_cpu_s, 2),
        "merge_s": round(merge_s, 2), "merge_heap_mib": round(merge_mib, 1),
        "findings": sum(summary["findings"].values()),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    result["merge_at_scale"] = [merge_at(scale, settings, session, run, accounts, timed) for scale in merge_scales]
    result["estimate_1000"] = estimate(result, concurrency, SIZES, layout)
    return result


def merge_at(scale: int, settings, session, run: dict, accounts: list[str], timed) -> dict:
    """The merge of ``scale`` accounts: a run whose parts are the measured accounts' parts, copied
    under new account ids (the merge's cost grows with the parts' number and size, not with who they
    belong to)."""
    import copy

    from irready.audit import scheduled
    from irready.policies import scheduled_audit as layout

    s3 = session.client("s3", endpoint_url=settings.endpoint_url)
    parts = [json.loads(s3.get_object(Bucket=settings.bucket, Key=layout.part_key(run["run_id"], a))["Body"].read())
             for a in accounts]
    started = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=scale)
    run_id = layout.run_id(started)
    ids = [f"{900000000000 + n:012d}" for n in range(scale)]
    for n, account_id in enumerate(ids):
        part = copy.deepcopy(parts[n % len(parts)])
        part["account_id"] = account_id
        s3.put_object(Bucket=settings.bucket, Key=layout.part_key(run_id, account_id), Body=json.dumps(part).encode())
    s3.put_object(Bucket=settings.bucket, Key=layout.accounts_key(run_id),
                  Body=json.dumps([{"account_id": a} for a in ids]).encode())
    s3.put_object(Bucket=settings.bucket, Key=layout.skipped_key(run_id), Body=b"{}")
    cloned = {"run_id": run_id, "started_at": started.isoformat(), "accounts_key": layout.accounts_key(run_id)}
    cpu = time.process_time()
    _, seconds, _ = timed(lambda: scheduled.merge_run(settings, session, cloned), trace=False)
    cpu = time.process_time() - cpu
    _, _, heap = timed(lambda: scheduled.merge_run(settings, session, cloned), trace=True)
    snapshot = s3.head_object(Bucket=settings.bucket, Key=layout.report_key(run_id, layout.SNAPSHOT))
    return {"accounts": scale, "merge_s": round(seconds, 2), "merge_cpu_s": round(cpu, 2),
            "merge_heap_mib": round(heap, 1),
            "snapshot_mib": round(snapshot["ContentLength"] / 2**20, 1)}


def estimate(m: dict, concurrency: int, sizes: dict, layout) -> dict:
    """1,000 accounts: the map runs ``concurrency`` account steps at once; the merge grows with the
    accounts (linear from the measured run)."""
    accounts = 1000
    waves = math.ceil(accounts / concurrency)
    measured = {s["accounts"]: s for s in m["merge_at_scale"]}
    if accounts in measured:  # measured on cloned parts
        merge_s, merge_mib = measured[accounts]["merge_s"], measured[accounts]["merge_heap_mib"]
    else:  # linear from the measured run
        merge_s = m["merge_s"] * accounts / m["accounts"]
        merge_mib = m["merge_heap_mib"] * accounts / m["accounts"]
    # In Lambda a function gets CPU in proportion to its memory (1,769 MB = one vCPU,
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); this machine was shared, so
    # wall times are inflated: model each step as its CPU at the function's share, or its round trips
    # (requests x latency / 16 calls in flight), whichever is longer.
    memory_gb = {name: mb / 1024 for name, (mb, _) in sizes.items()}
    share = {name: min(1.0, mb / 1769) for name, (mb, _) in sizes.items()}
    account_s = max(m["account_cpu_s_mean"] / share[layout.ACCOUNT_FUNCTION],
                    m["account_requests_mean"] * LATENCY / 16)
    merge_cpu = measured[accounts]["merge_cpu_s"] if accounts in measured else m["merge_cpu_s"] * accounts / m[
        "accounts"]
    merge_s = merge_cpu / share[layout.MERGE_FUNCTION]
    wall_s = m["list_s"] + waves * account_s + merge_s
    gb_s = (accounts * account_s * memory_gb[layout.ACCOUNT_FUNCTION]
            + m["list_s"] * memory_gb[layout.LIST_FUNCTION] + merge_s * memory_gb[layout.MERGE_FUNCTION])
    lambda_usd = gb_s * LAMBDA_GB_SECOND_ARM + (accounts + 2) * LAMBDA_REQUEST
    # Parent: ~6 transitions; each child workflow: start, the task, end (~3).
    states_usd = (6 + 3 * accounts) * STATE_TRANSITION
    s3_usd = (accounts * 2 + 10) * S3_PUT + (accounts * 2 + 10) * S3_GET  # parts, map results, reports
    return {"concurrency": concurrency, "account_s": round(account_s, 1), "wall_min": round(wall_s / 60, 1),
            "merge_s": round(merge_s, 1),
            "merge_heap_mib": round(merge_mib), "lambda_gb_s": round(gb_s), "lambda_usd": round(lambda_usd, 3),
            "step_functions_usd": round(states_usd, 3), "s3_usd": round(s3_usd, 3),
            "total_usd_per_run": round(lambda_usd + states_usd + s3_usd, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--regions", type=int, default=17, help="how many of the 17 default regions")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=40, help="the map's MaxConcurrency, for the estimate")
    parser.add_argument("--merge-scales", default="", help="also merge this many accounts' parts, copied from "
                                                          "the measured ones (comma-separated, e.g. 100,1000)")
    args = parser.parse_args()
    regions = DEFAULT_REGIONS[:args.regions]
    server = subprocess.Popen([sys.executable, "-m", "bench.emulator_server"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        started = time.perf_counter()
        seed(url, args.accounts, regions)
        print(f"seeded {args.accounts} accounts x {len(regions)} regions in {time.perf_counter() - started:.0f}s",
              file=sys.stderr)
        urllib.request.urlopen(urllib.request.Request(
            f"{url}/irready-bench/latency?seconds={args.latency}", method="POST")).read()
        scales = tuple(int(n) for n in args.merge_scales.split(",") if n)
        print(json.dumps(measure(url, regions, args.concurrency, scales), indent=1), flush=True)
    finally:
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
