"""Stack size and mocked preview time: explicit-accounts mode vs organization-wide mode (issue #18).

    python -m bench.stack_size --accounts 10,100,1000

For each organization size N (management account included), the program runs under Pulumi's mocks
in preview mode (no engine, no cloud: irready.infra.offline.program's recording mocks) twice:

- explicit mode: Pulumi.example.yaml with N accounts listed (each in the example's two regions, one
  VPC discovered per account and region);
- organization mode: Pulumi.example-org.yaml (OUs, every enabled region), with Organizations listing
  N accounts.

It prints the resources declared (components and providers included, as `pulumi preview` counts them)
and the wall time of the mocked preview. The engine, the providers and AWS are not in the figure: a
real preview adds a round trip per resource read, so the ratio between the modes is what carries over.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pulumi
from irready.infra.offline import program as offline

ROOT = Path(__file__).parents[1]


def explicit_config(accounts: int) -> dict[str, str]:
    config = offline.stack_config_file(ROOT / "Pulumi.example.yaml")
    listed = json.loads(config["irready:accounts"])
    members = [{"id": f"{n:012d}", "regions": listed[1]["regions"]} for n in range(400000000001,
                                                                                   400000000001 + accounts - 1)]
    config["irready:accounts"] = json.dumps([listed[0], *members])
    return config


def preview(config: dict[str, str], trusted: list[str]) -> tuple[int, float]:
    """(resources declared, seconds) of one mocked preview."""
    recorder = offline.Recorder(trusted)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(recorder, preview=True)
    started = time.perf_counter()

    @pulumi.runtime.test
    def run():
        import runpy
        runpy.run_path(str(offline.PROGRAM))
        return pulumi.Output.from_input(None)

    run()
    return len(recorder.resources), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="10,100,1000", help="organization sizes, comma-separated")
    parser.add_argument("--explicit-up-to", type=int, default=100,
                        help="skip explicit mode above this size (it grows faster than linearly: 100 accounts "
                             "took minutes)")
    args = parser.parse_args()
    organization = offline.stack_config_file(ROOT / "Pulumi.example-org.yaml")
    preview(organization, offline.ORGANIZATION_TRUSTED_SERVICES)  # imports and the SDK's start, not measured
    print("| accounts | explicit: resources | explicit: preview (s) | organization: resources | "
          "organization: preview (s) |")
    print("|---:|---:|---:|---:|---:|")
    for accounts in (int(n) for n in args.accounts.split(",")):
        explicit = (preview(explicit_config(accounts), offline.TRUSTED_SERVICES) if accounts <= args.explicit_up_to
                    else None)
        offline.ORGANIZATION_ACCOUNTS = ("123456789012", "210987654321",
                                         *(f"{n:012d}" for n in range(400000000001, 400000000001 + accounts - 2)))
        org = preview(organization, offline.ORGANIZATION_TRUSTED_SERVICES)
        shown = f"{explicit[0]:,} | {explicit[1]:.1f}" if explicit else "not run | not run"
        print(f"| {accounts:,} | {shown} | {org[0]:,} | {org[1]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
