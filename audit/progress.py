"""Progress across accounts: one updating line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool | None = None):
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        # One account needs no progress report; a scheduled run over many gets one line per account.
        self.enabled = total > 1 if enabled is None else enabled
        self.done = self.failed = 0
        self.started = time.monotonic()

    def account_done(self, account_id: str, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        if not self.enabled:
            return
        status = f"{self.done}/{self.total} accounts, {self.failed} could not be audited, ETA {self._eta()}"
        if self.tty:
            self.stream.write(f"\rirready: {status}   ")
        else:
            self.stream.write(f"irready: account {account_id} {'FAILED' if failed else 'done'}; {status}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _eta(self) -> str:
        if not self.done:
            return "?"
        remaining = (time.monotonic() - self.started) / self.done * (self.total - self.done)
        minutes, seconds = divmod(int(remaining), 60)
        return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
