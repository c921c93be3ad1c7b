"""The emulator in a process of its own, so the auditor's CPU and memory are measured alone.

Prints its URL on the first line of standard output, then serves until standard input closes.
Every signed request is delayed by the current latency, which starts at 0 (for seeding) and is set
with ``POST /irready-bench/latency?seconds=0.05`` (for the measured audit), to mimic AWS round trips.
"""

from __future__ import annotations

import sys
import time
from urllib.parse import parse_qs

from irready.emulated.emulator import Emulator


class Latency:
    def __init__(self):
        self.seconds = 0.0

    def __call__(self, app):
        def middleware(environ, start_response):
            if environ.get("PATH_INFO") == "/irready-bench/latency":
                self.seconds = float(parse_qs(environ.get("QUERY_STRING", ""))["seconds"][0])
                start_response("204 No Content", [])
                return [b""]
            if self.seconds and "HTTP_AUTHORIZATION" in environ:
                time.sleep(self.seconds)
            return app(environ, start_response)
        return middleware


def main() -> None:
    with Emulator(middleware=Latency()) as emulator:
        print(emulator.url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe


if __name__ == "__main__":
    main()
