"""The round trip, timed: the Pulumi program applied to the emulator, the audit of what it built,
and the checkov gate on its plan.

    python -m bench.round_trip --workloads 1,5,10 --regions 2

For each organization size (management + security + W workload accounts, R regions) it prints the
resources the program declares, the time to run it under mocks with every resource created in moto,
and the time to audit the result; then, once, the time to record the program, export the Terraform
plan and run checkov on it. Everything runs in this process (moto in-process, no added latency), so
the figures are the harness's own cost, not AWS's.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

from bench.org_scale import DEFAULT_REGIONS

_ACCOUNTS = (f"{n:012d}" for n in itertools.count(500000000001))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="1,5", help="comma-separated workload-account counts")
    parser.add_argument("--regions", type=int, default=2, help="regions per account (the first N default ones)")
    args = parser.parse_args()

    from irready.audit.progress import Progress
    from irready.infra.offline.program import stack_config

    from irready.emulated.apply import provision
    from irready.emulated.baseline import Organization, audit, audit_config, stack_values
    from irready.emulated.emulator import Emulator

    print(f"{'accounts':>8} {'regions':>7} {'resources':>9} {'provision':>10} {'per resource':>12} "
          f"{'audit':>7} {'FAIL':>4}")
    with Emulator() as aws:
        for workloads in (int(n) for n in args.workloads.split(",")):
            org = Organization(next(_ACCOUNTS), next(_ACCOUNTS), tuple(next(_ACCOUNTS) for _ in range(workloads)),
                               tuple(DEFAULT_REGIONS[:args.regions]))
            started = time.perf_counter()
            provisioned = provision(aws, stack_config(stack_values(org)), org.management)
            provisioning = time.perf_counter() - started
            started = time.perf_counter()
            _, report = audit(aws, audit_config(org), progress=Progress(len(org.accounts), enabled=False))
            auditing = time.perf_counter() - started
            created = len(provisioned.created)
            print(f"{len(org.accounts):>8} {len(org.regions):>7} {created:>9} {provisioning:>9.1f}s "
                  f"{provisioning / created * 1000:>10.1f}ms {auditing:>6.1f}s "
                  f"{report.summary['findings']['FAIL']:>4}")
    _gate()


def _gate() -> None:
    import json

    from irready.infra.offline.program import record, stack_config_file
    from irready.infra.offline.terraform_plan import to_plan
    from irready.policies.gate import gate_failures, run_checkov

    root = Path(__file__).parents[1]
    started = time.perf_counter()
    resources = record(stack_config_file(root / "Pulumi.example.yaml")).resources
    recorded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as directory:
        plan = Path(directory) / "plan.json"
        plan.write_text(json.dumps(to_plan(resources)))
        started = time.perf_counter()
        results = run_checkov(plan, ("terraform_plan",))
        checking = time.perf_counter() - started
    print(f"\ngate (Pulumi.example.yaml): recorded {len(resources)} resources in {recorded:.1f}s; checkov ran "
          f"{len(results)} checks in {checking:.1f}s; {len(gate_failures(results))} unexplained failures")


if __name__ == "__main__":
    main()
