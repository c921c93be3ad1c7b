"""Progress of a collection, per account and per region, on standard error through rich: bars on a
terminal, silent otherwise (a scheduled or piped run logs one line per account at -v instead).

Thread-safe: accounts and regions finish on the collector's worker threads.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TextIO

log = logging.getLogger("irready")


class Progress:
    """``total`` accounts; ``region_planned`` / ``region_done`` add and tick regions as accounts find them."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool | None = None):
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = (total >= 1 if enabled is None else enabled) and self.tty
        self.done = self.failed = 0
        self._lock = threading.Lock()
        self._bars = None
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bars

            self._bars = Bars(TextColumn("irready: {task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeRemainingColumn(), console=Console(file=self.stream, force_terminal=True),
                              transient=False)
            self._accounts = self._bars.add_task("accounts", total=total)
            self._regions = self._bars.add_task("regions", total=0)
            self._bars.start()

    def region_planned(self, account_id: str, count: int) -> None:
        if self._bars:
            self._bars.update(self._regions, total=(self._bars.tasks[self._regions].total or 0) + count)

    def region_done(self, account_id: str, region: str) -> None:
        if self._bars:
            self._bars.advance(self._regions)

    def account_done(self, account_id: str, failed: bool = False) -> None:
        with self._lock:
            self.done += 1
            self.failed += failed
            done, failures = self.done, self.failed
        status = f"{done}/{self.total} accounts, {failures} could not be audited"
        if self._bars:
            self._bars.update(self._accounts, advance=1,
                              description=f"accounts ({failures} could not be audited)" if failures else "accounts")
        else:
            log.info("account %s %s; %s", account_id, "FAILED" if failed else "done", status)

    def finish(self) -> None:
        if self._bars:
            self._bars.stop()
            self._bars = None
