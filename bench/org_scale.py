"""Organization-scale benchmark: N accounts x R regions behind per-request latency.

    python -m bench.org_scale --aws canned --accounts 1000 --regions 17 --workers 64 --latency 0.05
    python -m bench.org_scale --aws moto --accounts 10 --regions 17 --workers 8,32,64 --latency 0.05

``--aws canned`` (bench/canned_aws.py) answers every call with a fixed response after the latency,
at little CPU of its own, so the figures are irready's alone; N is the number of accounts audited,
management included, each one prepared in every region. ``--aws moto`` runs the functional
emulator and creates an organization of N member accounts (plus the management account) with a
spread of trails, log groups, instances and roles; moto's own CPU bounds it at scale.

Either stand-in runs in a process of its own; for each worker count the audit runs in a fresh
process and the run prints: wall time, API requests by operation, requests per account-region,
auditor CPU per request, peak RSS of the auditor, and efficiency = (requests x latency / workers) /
wall time (1.0 = every worker always waiting on a round trip). The stand-in is stopped at the end
(killed after a grace period if it does not stop), and the figures are printed in any case.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

import boto3

from bench.call_floor import floor_table, scope_of

# The 17 regions enabled by default in every commercial account.
DEFAULT_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
                   "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
                   "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
WEB_ROLE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def seed(url: str, accounts: int, regions: list[str]) -> list[str]:
    from irready.emulated.emulator import EmulatedAWS
    from irready.emulated.seed import Seeder, trust_account

    emulator = EmulatedAWS(url)
    org = boto3.client("organizations", endpoint_url=url, region_name="us-east-1", **CREDENTIALS)
    org.create_organization(FeatureSet="ALL")
    members = [org.create_account(AccountName=f"m{n}", Email=f"m{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in range(accounts)]
    for n, account_id in enumerate(members):
        seeder = Seeder(emulator, account_id)
        seeder.audit_role("123456789012")
        for region in regions:
            seeder.vpc_ids(region)  # make the default VPC now, not during the measured audit
        seeder.log_group(regions[0], f"/aws/lambda/app-{n}", 30 if n % 3 == 0 else 400)
        seeder.log_group(regions[0], "/app/nginx", None)
        seeder.instance(regions[0], imdsv2=n % 2 == 0, role_policy=WEB_ROLE)
        if n % 2 == 0:
            seeder.trail(name="main", cloudwatch=n % 4 == 0, kms=False)
            seeder.responder_role("123456789012", trust=trust_account("123456789012"))
            seeder.guardduty(regions[0])
    return members


def audit(url: str, regions: list[str], workers: int, latency: float, processes: int | None = None) -> dict:
    """One measured audit, in this (fresh) process: collected as `irready audit` does (streamed to a
    snapshot file, ``processes`` collection processes, None: the default for the account count), then
    evaluated from that file. CPU and peak RSS are the auditor's: this process and its collection
    processes (the largest one's peak, and the sum bound parent + processes x largest)."""
    import functools
    import tempfile
    from pathlib import Path

    from irready.audit.aws import CallStats
    from irready.audit.collect.run import collect_to_file, default_processes
    from irready.audit.config import AuditConfig
    from irready.audit.evaluate import evaluate
    from irready.audit.progress import Progress

    config = AuditConfig(regions=tuple(regions), org=True, security_account_id="123456789012")
    factory = functools.partial(boto3.Session, region_name=regions[0], **CREDENTIALS)
    stats = CallStats()
    cpu, wall = _cpu_with_children(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="irready-bench-") as folder:
        snapshot = collect_to_file(config, factory(), Path(folder) / "snapshot.jsonl", endpoint_url=url,
                                   max_workers=workers, stats=stats, progress=Progress(0, enabled=False),
                                   processes=processes, session_factory=functools.partial(_session, factory))
        wall, cpu = time.perf_counter() - wall, _cpu_with_children() - cpu
        collect_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        findings = evaluate(snapshot, config)
        evaluate_seconds = time.perf_counter() - started
        accounts = len(snapshot["accounts"])
        snapshot_mib = (Path(folder) / "snapshot.jsonl").stat().st_size / 2**20
    used = processes or default_processes(accounts)
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if used > 1 else 0
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = floor_table()
    by_scope: dict[str, int] = {}
    for call, n in stats.requests.items():
        scope = scope_of(call, table) if call in table else "not in the table"
        by_scope[scope] = by_scope.get(scope, 0) + n
    regional = by_scope.pop("region", 0)
    return {
        "accounts": accounts, "regions": len(regions), "workers": workers, "processes": used, "latency_s": latency,
        "wall_s": round(wall, 2), "requests": stats.total,
        "requests_per_account_region": round(regional / (accounts * len(regions)), 2),
        "other_requests_per_account": round((stats.total - regional) / accounts, 2),
        "auditor_cpu_ms_per_request": round(cpu * 1000 / stats.total, 2),
        "ideal_s": round(stats.total * latency / workers, 2),
        "efficiency": round(stats.total * latency / workers / wall, 2),
        "peak_rss_mib": round(parent_rss, 1), "collect_rss_mib": round(collect_rss, 1),
        "process_peak_rss_mib": round(child_rss, 1),
        "total_rss_bound_mib": round(parent_rss + (used if used > 1 else 0) * child_rss, 1),
        "snapshot_mib": round(snapshot_mib, 1),
        "evaluate_s": round(evaluate_seconds, 2), "findings": len(findings),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "by_scope": dict(sorted(by_scope.items())), "by_operation": dict(sorted(stats.requests.items())),
    }


def _session(factory):
    return factory()


def _cpu_with_children() -> float:
    """CPU seconds (user + system) of this process and of its collection processes that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aws", choices=("canned", "moto"), default="canned", help="the AWS stand-in")
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--regions", type=int, default=17, help="how many of the 17 default regions")
    parser.add_argument("--workers", default="8,32,64", help="comma-separated worker counts to measure")
    parser.add_argument("--processes", type=int, help="collection processes (default: as `irready audit`)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument("--throttle-every", type=int, default=0, help="canned: throttle every Nth request")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop every run after this long")
    parser.add_argument("--json", action="store_true", help="print one JSON object per run")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # internal: one run in this process
    args = parser.parse_args()
    regions = DEFAULT_REGIONS[:args.regions]
    if args.measure:
        print(json.dumps(audit(args.measure, regions, int(args.workers), args.latency, args.processes)))
        return

    if args.aws == "canned":
        command = ["-m", "bench.canned_aws", "--accounts", str(args.accounts), "--latency", str(args.latency),
                   "--throttle-every", str(args.throttle_every), "--max-seconds", str(args.max_seconds)]
    else:
        command = ["-m", "bench.emulator_server"]
    server = subprocess.Popen([sys.executable, *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        if args.aws == "moto":
            started = time.perf_counter()
            seed(url, args.accounts, regions)
            print(f"seeded {args.accounts} accounts x {len(regions)} regions in {time.perf_counter() - started:.0f}s",
                  file=sys.stderr)
            urllib.request.urlopen(urllib.request.Request(
                f"{url}/irready-bench/latency?seconds={args.latency}", method="POST")).read()
        for workers in [int(w) for w in args.workers.split(",")]:
            emulator_cpu = _cpu_seconds(server.pid)
            try:
                result = subprocess.run([sys.executable, "-m", "bench.org_scale", "--measure", url, "--workers",
                                         str(workers), "--regions", str(args.regions), "--latency", str(args.latency),
                                         *(["--processes", str(args.processes)] if args.processes else [])],
                                        capture_output=True, text=True, check=True, timeout=args.max_seconds)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                print(f"{workers} workers: the audit did not finish ({exc}); stderr:\n{exc.stderr}", file=sys.stderr)
                continue
            measured = json.loads(result.stdout)
            # Both processes share the machine's cores: when their CPU adds up to cores x wall time,
            # the run is CPU-bound, not latency-bound, whatever the worker count.
            measured["emulator_cpu_s"] = round(_cpu_seconds(server.pid) - emulator_cpu, 2)
            measured["auditor_cpu_s"] = round(measured["auditor_cpu_ms_per_request"] * measured["requests"] / 1000, 2)
            measured["cores_busy"] = round((measured["emulator_cpu_s"] + measured["auditor_cpu_s"])
                                           / measured["wall_s"], 2)
            print(json.dumps(measured) if args.json else _describe(measured), flush=True)
    finally:
        stop(server)


def stop(server: subprocess.Popen, grace: float = 10) -> None:
    """Close the stand-in's standard input (its signal to stop); kill it if it has not stopped
    within ``grace`` seconds. Never raises: the figures already printed stand."""
    try:
        server.stdin.close()
        server.wait(timeout=grace)
    except (OSError, subprocess.TimeoutExpired):
        print(f"the AWS stand-in did not stop within {grace:.0f}s; killed", file=sys.stderr)
        server.kill()
        server.wait()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _describe(m: dict) -> str:
    top = sorted(m["by_operation"].items(), key=lambda item: -item[1])[:6]
    return (f"{m['accounts']} accounts x {m['regions']} regions, {m['workers']} workers in {m['processes']} "
            f"process(es), {m['latency_s']}s latency, load average {m['load_average']}: "
            f"wall {m['wall_s']}s (ideal {m['ideal_s']}s, efficiency {m['efficiency']}), {m['requests']} requests "
            f"({m['requests_per_account_region']}/account-region + {m['other_requests_per_account']}/account), "
            f"auditor CPU {m['auditor_cpu_ms_per_request']} ms/request, peak RSS {m['peak_rss_mib']} MiB (parent; "
            f"largest collection process {m['process_peak_rss_mib']} MiB, bound {m['total_rss_bound_mib']} MiB), "
            f"snapshot {m['snapshot_mib']} MiB, "
            f"evaluate {m['evaluate_s']}s; CPU: auditor {m['auditor_cpu_s']}s + emulator {m['emulator_cpu_s']}s = "
            f"{m['cores_busy']} cores busy of {os.cpu_count()}\n  top operations: "
            + ", ".join(f"{op} {n}" for op, n in top))


if __name__ == "__main__":
    main()
