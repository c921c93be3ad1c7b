"""The scheduled audit's steps at organization scale: N accounts x 17 regions behind per-request latency.

    python -m bench.scheduled_audit --accounts 10 --latency 0.05
    python -m bench.scheduled_audit --accounts 100 --latency 0.05

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
from datetime import UTC, datetime

import boto3

from bench.org_scale import CREDENTIALS, DEFAULT_REGIONS, seed

# Prices in us-east-1 (2026): https://aws.amazon.com/lambda/pricing/ (Arm), https://aws.amazon.com/step-functions/pricing/,
# https://aws.amazon.com/s3/pricing/
LAMBDA_GB_SECOND_ARM = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
STATE_TRANSITION = 0.025 / 1_000
S3_PUT, S3_GET = 0.005 / 1_000, 0.0004 / 1_000
SAMPLED = 3  # account steps run again under tracemalloc for their memory


def measure(url: str, regions: list[str], concurrency: int) -> dict:
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
        _, seconds, _ = timed(lambda a=account, s=stats: scheduled.audit_account(settings, session, run["run_id"],
                                                                                  a, stats=s), trace=False)
        per_account.append({"seconds": seconds, "requests": stats.total})
    heap = [timed(lambda a=account: scheduled.audit_account(settings, session, run["run_id"], a), trace=True)[2]
            for account in accounts[:SAMPLED]]
    summary, merge_s, _ = timed(lambda: scheduled.merge_run(settings, session, run), trace=False)
    _, _, merge_mib = timed(lambda: scheduled.merge_run(settings, session, run), trace=True)
    seconds = [a["seconds"] for a in per_account]
    requests = [a["requests"] for a in per_account]
    result = {
        "accounts": len(accounts), "regions": len(regions), "baseline_rss_mib": round(baseline_rss, 1),
        "list_s": round(list_s, 2), "list_heap_mib": round(list_mib, 1),
        "account_s_mean": round(statistics.mean(seconds), 2), "account_s_max": round(max(seconds), 2),
        f"account_heap_mib_max_of_{len(heap)}": round(max(heap), 1),
        "account_requests_mean": round(statistics.mean(requests), 1),
        "merge_s": round(merge_s, 2), "merge_heap_mib": round(merge_mib, 1),
        "findings": sum(summary["findings"].values()),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    result["estimate_1000"] = estimate(result, concurrency, SIZES, layout)
    return result


def estimate(m: dict, concurrency: int, sizes: dict, layout) -> dict:
    """1,000 accounts: the map runs ``concurrency`` account steps at once; the merge grows with the
    accounts (linear from the measured run)."""
    accounts = 1000
    waves = math.ceil(accounts / concurrency)
    merge_s = m["merge_s"] * accounts / m["accounts"]
    merge_mib = m["merge_heap_mib"] * accounts / m["accounts"]
    wall_s = m["list_s"] + waves * m["account_s_max"] + merge_s
    memory_gb = {name: mb / 1024 for name, (mb, _) in sizes.items()}
    gb_s = (accounts * m["account_s_mean"] * memory_gb[layout.ACCOUNT_FUNCTION]
            + m["list_s"] * memory_gb[layout.LIST_FUNCTION] + merge_s * memory_gb[layout.MERGE_FUNCTION])
    lambda_usd = gb_s * LAMBDA_GB_SECOND_ARM + (accounts + 2) * LAMBDA_REQUEST
    # Parent: ~6 transitions; each child workflow: start, the task, end (~3).
    states_usd = (6 + 3 * accounts) * STATE_TRANSITION
    s3_usd = (accounts * 2 + 10) * S3_PUT + (accounts * 2 + 10) * S3_GET  # parts, map results, reports
    return {"concurrency": concurrency, "wall_min": round(wall_s / 60, 1), "merge_s": round(merge_s, 1),
            "merge_heap_mib": round(merge_mib), "lambda_gb_s": round(gb_s), "lambda_usd": round(lambda_usd, 3),
            "step_functions_usd": round(states_usd, 3), "s3_usd": round(s3_usd, 3),
            "total_usd_per_run": round(lambda_usd + states_usd + s3_usd, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--regions", type=int, default=17, help="how many of the 17 default regions")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=40, help="the map's MaxConcurrency, for the estimate")
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
        print(json.dumps(measure(url, regions, args.concurrency), indent=1), flush=True)
    finally:
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
