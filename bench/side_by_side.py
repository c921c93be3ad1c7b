"""irready and another scanner on the same emulated account: calls, wall time and peak RSS of each.

    python -m bench.side_by_side --regions 17 --other "/tmp/prowler-venv/bin/prowler aws --no-banner ..."

Starts moto (irready's emulator) in a process of its own with its default machine images turned off
(``MOTO_AMIS_PATH`` pointing at an empty list: an empty real account has no AMIs or snapshots, and
otherwise a scanner spends most of its calls on moto's), counts every signed request it receives,
then runs ``irready audit`` and the other command, each in a fresh process with the emulator's
endpoint in ``AWS_ENDPOINT_URL``, one after the other. The other scanner is not installed by the
project: pass its command line (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.org_scale import DEFAULT_REGIONS, stop

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class Counting:
    """WSGI middleware counting signed requests (the tools run one after the other, so the count
    between two readings is one tool's)."""

    def __init__(self):
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, app):
        from irready.emulated.aws_errors import signed_scope

        def middleware(environ, start_response):
            if signed_scope(environ):
                with self._lock:
                    self.requests += 1
            return app(environ, start_response)
        return middleware


def serve() -> None:
    """The emulator process: prints its URL, then the request count for each line read, until stdin closes."""
    from irready.emulated.emulator import Emulator

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # moto prints to standard output: keep it out of the answers
    counting = Counting()
    with Emulator(middleware=counting) as emulator:
        print(emulator.url, file=answers, flush=True)
        for _ in sys.stdin:
            print(counting.requests, file=answers, flush=True)


def measure(command: list[str], env: dict[str, str], timeout: float) -> dict:
    """Wall seconds, peak RSS (MiB) and exit status of ``command`` in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    stderr = process.stderr.read()  # until the process ends (or is killed): a full pipe would block it
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(time.perf_counter() - started, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "exit": process.returncode,
            "killed_after_timeout": process.returncode == -signal.SIGKILL,
            "stderr_tail": stderr[-400:]}


def requests(server: subprocess.Popen) -> int:
    server.stdin.write("count\n")
    server.stdin.flush()
    return int(server.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", type=int, default=17)
    parser.add_argument("--other", required=True, help="the other scanner's command line")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds each tool may take")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    regions = DEFAULT_REGIONS[:args.regions]
    with tempfile.TemporaryDirectory() as directory:
        no_images = Path(directory) / "amis.json"
        no_images.write_text("[]")
        server = subprocess.Popen([sys.executable, "-m", "bench.side_by_side", "--serve", "--other", "-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "MOTO_AMIS_PATH": str(no_images)})
        results = {}
        try:
            url = server.stdout.readline().strip()
            env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": url}
            irready = [str(Path(sys.executable).with_name("irready")), "audit", "--endpoint-url", url,
                       "--regions", ",".join(regions), "--format", "json", "--output", f"{directory}/irready.json"]
            for name, command in (("irready", irready), ("other", shlex.split(args.other))):
                before = requests(server)
                results[name] = measure(command, env, args.timeout)
                results[name]["requests"] = requests(server) - before
                print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
        finally:
            stop(server)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
