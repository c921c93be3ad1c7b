"""An interrupted audit keeps what finished, writes nothing half, and says what is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from irready.audit.snapshot import load as load_snapshot

from irready.cli import main
from tests.audit.emulated import REGION, SECURITY_ACCOUNT
from tests.support.faults import Fault


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_interrupted_audit_saves_finished_accounts_atomically(emulator, fresh_account, faults, tmp_path, stop):
    fast, slow, slower = fresh_account(), fresh_account(), fresh_account()
    # These accounts cannot be reached for minutes (each attempt outlasts the 30 s read time-out and is
    # retried): the stop comes first even on a loaded machine.
    for account in (slow, slower):
        faults.faults.append(Fault("sts", "AssumeRole", body_contains=account, code=None, delay=60))
    snapshot = tmp_path / "snapshot.json"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": REGION}
    process = subprocess.Popen(
        [sys.executable, "-m", "irready.cli", "-v", "audit", "--endpoint-url", emulator.url, "--regions", REGION,
         "--accounts", f"{fast},{slow},{slower}", "--security-account-id", SECURITY_ACCOUNT,
         "--max-workers", "4", "--snapshot-out", str(snapshot), "--output", str(tmp_path / "report.txt")],
        stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stderr:  # -v logs one line per finished account (no progress bars off a terminal)
        if f"account {fast} done" in line:
            break
    process.send_signal(stop)
    rest = process.stderr.read()
    assert process.wait(timeout=15) == 130, rest
    assert f"interrupted after 1 of 3 account(s); the finished ones are in {snapshot}" in rest
    assert f"not audited: {', '.join(sorted([slow, slower]))}" in rest
    saved = load_snapshot(snapshot)  # streamed: one line per finished account, then the end line
    assert list(saved["accounts"]) == [fast]
    assert saved["incomplete"] == {"reason": "interrupted", "missing_accounts": sorted([slow, slower])}
    assert not (tmp_path / "report.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.json"]  # no temporary file left behind


def test_an_incomplete_snapshot_says_so_when_evaluated(tmp_path, capsys):
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps({"schema": "irready/snapshot-v1", "config": {}, "accounts": {},
                                    "incomplete": {"reason": "interrupted", "missing_accounts": ["111111111111"]}}))
    main(["evaluate", str(snapshot)])
    assert "INCOMPLETE: the collection was interrupted; not audited: 111111111111" in capsys.readouterr().out
