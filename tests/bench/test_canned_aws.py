"""The benchmark's AWS stand-in stays a valid AWS for the audit (every call answered, every check
judged), throttles when asked, and the benchmark always stops it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from irready.audit.aws import CallStats
from irready.audit.collect.run import collect_snapshot
from irready.audit.config import AuditConfig
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from irready.audit.progress import Progress
from irready.audit.snapshot import iter_unavailable

from bench.canned_aws import REGIONS
from bench.org_scale import stop

ROOT = Path(__file__).parents[2]  # where `python -m bench...` finds the bench package
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def stand_in():
    """Starts canned stand-ins (``stand_in(throttle_every=0)`` -> URL) and stops each at the end."""
    servers = []

    def start(throttle_every: int = 0) -> str:
        server = subprocess.Popen([sys.executable, "-m", "bench.canned_aws", "--accounts", "3", "--latency", "0",
                                   "--throttle-every", str(throttle_every), "--max-seconds", "120"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        servers.append(server)
        return server.stdout.readline().strip()

    yield start
    for server in servers:
        stop(server)
        assert server.returncode == 0  # stopped by closing its input, not killed


def audit(url: str, regions=tuple(REGIONS[:2])) -> tuple[dict, list, CallStats]:
    config = AuditConfig(regions=regions, org=True, security_account_id="123456789012")
    stats = CallStats()
    snapshot = collect_snapshot(config, boto3.Session(region_name=regions[0], **CREDENTIALS), endpoint_url=url,
                                max_workers=8, stats=stats, progress=Progress(0, enabled=False))
    return snapshot, evaluate(snapshot, config), stats


def test_every_call_of_an_organization_audit_is_answered_and_every_check_passes(stand_in):
    snapshot, findings, _ = audit(stand_in())
    assert len(snapshot["accounts"]) == 3
    assert list(iter_unavailable(snapshot)) == []
    assert _all_pass_but_the_management_accounts_guardrail(findings)


def _all_pass_but_the_management_accounts_guardrail(findings) -> bool:
    """No SCP reaches the management account (the caller here): org.guardrail_scp FAILs there by design."""
    return {(f.account_id, f.check_id) for f in findings if f.status is not Status.PASS} == {
        ("123456789012", "org.guardrail_scp")}


def test_throttled_calls_are_retried_through(stand_in):
    _, _, unthrottled = audit(stand_in(), regions=(REGIONS[0],))
    snapshot, findings, throttled = audit(stand_in(throttle_every=7), regions=(REGIONS[0],))
    assert list(iter_unavailable(snapshot)) == []
    assert _all_pass_but_the_management_accounts_guardrail(findings)
    # Every 7th request was throttled and sent again: one in seven requests is a retry.
    assert throttled.total - throttled.total // 7 == unthrottled.total


def test_a_stand_in_that_does_not_stop_is_killed_after_the_grace_period():
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time; time.sleep(120)"],
                                stdin=subprocess.PIPE, text=True)
    stop(stubborn, grace=0.5)
    assert stubborn.returncode is not None and stubborn.returncode < 0  # ended by a signal
