"""The call floor as docs/audit.md states it, read from its table, for the benchmark and the test
that holds the audit to it (tests/audit/collect/test_call_floor.py)."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).parents[1] / "docs" / "audit.md"


def floor_table() -> dict[str, str]:
    """``{"service:Operation": "made once per ..."}``, e.g. ``{"ec2:DescribeVpcs": "region, per 1,000 VPCs"}``;
    the service is botocore's event name for it (what ``CallStats`` counts)."""
    rows = re.findall(r"^\| `([\w-]+:\w+)` \| ([^|]+) \|", DOCS.read_text(), re.MULTILINE)
    if not rows:
        raise ValueError(f"{DOCS} has no call table")
    return {call: scope.strip() for call, scope in rows}


def scope_of(call: str, table: dict[str, str]) -> str:
    """"region", "account", "member account", "organization" or the resource a call is made once per."""
    return table[call].split(",")[0].split(" (")[0]
