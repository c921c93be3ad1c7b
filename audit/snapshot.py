"""The snapshot: everything the collectors saw, as plain JSON-serializable data.

Layout::

    {"schema": "irready/snapshot-v1", "tool_version": ..., "collected_at": ...,
     "config": {...the AuditConfig used...},
     "accounts": {"<account id>": {
         "account_id": ..., "regions": [...],
         "unavailable": {...}            # only when the account could not be reached at all
         "services": {
             "<global service>": {...},  # account, iam, s3
             "<regional service>": {"<region>": {...}},
         }}}}

Wherever a call failed, the value collected there is an *unavailable marker*,
``{"unavailable": {"operation", "code", "message", "reason"}}``, instead of the data, so that
"could not look" is never mistaken for "nothing there". Checks meet markers through
``AccountContext``, which turns them into ``Unavailable`` and then UNKNOWN findings.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from irready.audit.errors import UsageError
from irready.audit.files import write_atomically

SCHEMA = "irready/snapshot-v1"
MARKER = "unavailable"


class Unavailable(Exception):  # noqa: N818 - it is a state of the data, raised to skip to UNKNOWN
    """Raised when a check needs data that could not be collected."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def unavailable(operation: str, code: str, message: str, reason: str) -> dict:
    return {MARKER: {"operation": operation, "code": code, "message": message, "reason": reason}}


def is_unavailable(value: Any) -> bool:
    return isinstance(value, dict) and MARKER in value and len(value) == 1


def require(value: Any, what: str, *, none_means_unset: bool = False) -> Any:
    """The value itself, or ``Unavailable`` saying why ``what`` could not be read.

    None is "not collected" unless ``none_means_unset``: for settings whose API answers
    "not configured" (a bucket without a public access block), None is that answer.
    """
    if value is None and not none_means_unset:
        raise Unavailable(f"{what} was not collected")
    if is_unavailable(value):
        marker = value[MARKER]
        raise Unavailable(f"{what}: {marker['reason']} ({marker['operation']}: {marker['code']})")
    return value


def iter_unavailable(snapshot: dict):
    """Every marker in the snapshot, as (account id, path, marker): the audit's coverage gaps."""
    for account_id, account in snapshot.get("accounts", {}).items():
        for path, marker in iter_account_unavailable(account):
            yield account_id, path, marker


def iter_account_unavailable(account, where: tuple[str, ...] = ()):
    """Every marker in one account's entry (or in a value found at ``where`` inside it), as (path, marker)."""
    def walk(value, path):
        if is_unavailable(value):
            yield path, value[MARKER]
        elif isinstance(value, dict):
            for key, child in value.items():
                yield from walk(child, (*path, str(key)))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from walk(child, (*path, str(index)))

    if not where and isinstance(account, dict) and MARKER in account:  # the account itself could not be reached
        yield "account", account[MARKER]
        return
    for path, marker in walk(account, where):
        yield "/".join(path), marker


def dumps(snapshot: dict) -> str:
    """The snapshot as saved: its SHA-256 is the one a report built from it states."""
    return json.dumps(snapshot, indent=1, sort_keys=True, default=str) + "\n"


def sha256(snapshot: dict) -> str:
    """The SHA-256 of the snapshot as saved (a streamed snapshot's is its file's, audit/parts.py)."""
    streamed = getattr(snapshot.get("accounts"), "sha256", None)
    return streamed or hashlib.sha256(dumps(snapshot).encode()).hexdigest()


def save(snapshot: dict, path: Path) -> None:
    write_atomically(path, dumps(snapshot))


def load(path: Path) -> dict:
    """A saved snapshot: snapshot-v1 (one JSON document, read whole) or snapshot-v2 (per-account parts,
    audit/parts.py, whose accounts are read from the file one at a time). Raises UsageError naming the
    field when the file is not a snapshot or is damaged."""
    from irready.audit import parts

    if parts.is_parts_file(path):
        return parts.load(path)
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"snapshot {path}: no such file; pass a file written by `irready audit --snapshot-out`")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"snapshot {path}: cannot read it ({exc})")
    except json.JSONDecodeError as exc:
        raise UsageError(f"snapshot {path}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                         "pass a file written by `irready audit --snapshot-out`")
    except (RecursionError, ValueError) as exc:  # nested past the parser's depth; an integer of 4,300+ digits
        raise UsageError(f"snapshot {path}: cannot be read as a snapshot ({str(exc)[:120]}); "
                         "pass a file written by `irready audit --snapshot-out`")
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise UsageError(f"snapshot {path}: field 'schema' is {found!r}, expected {SCHEMA!r} (or a JSON-lines "
                         f"{parts.SCHEMA} file); "
                         "pass a file written by `irready audit --snapshot-out`")
    if not isinstance(data.get("accounts"), dict):
        raise UsageError(f"snapshot {path}: field 'accounts' must be an object keyed by account id")
    for account_id, account in data["accounts"].items():
        check_account(path, account_id, account)
    if not isinstance(data.get("config", {}), dict):
        raise UsageError(f"snapshot {path}: field 'config' must be an object")
    return data


def check_account(path, account_id: str, account) -> None:
    """UsageError naming the field when one account's entry is not what checks can read."""
    if not isinstance(account, dict) or not isinstance(account.get("services", {}), dict):
        raise UsageError(f"snapshot {path}: accounts.{account_id} must be an object with a 'services' "
                         "object; the file is damaged or was not written by irready")
    regions = account.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise UsageError(f"snapshot {path}: accounts.{account_id}.regions must be a list of region names")
    for where in _malformed_markers(account, (str(account_id),)):
        raise UsageError(f"snapshot {path}: accounts.{where}.{MARKER} must be an object with a text 'reason' "
                         "(and 'operation', 'code', 'message'); the file is damaged or was not written by irready")


def _malformed_markers(value, path=()):
    """The paths of unavailable markers that are not {"reason": str, ...}: checks would trip on them."""
    stack = [(value, path)]
    while stack:  # iterative: a snapshot may be nested deeper than Python's recursion limit allows
        value, path = stack.pop()
        if isinstance(value, dict):
            if MARKER in value and (len(value) == 1 or len(path) == 1):
                marker = value[MARKER]
                if not isinstance(marker, dict) or not isinstance(marker.get("reason"), str) or not all(
                        isinstance(marker.get(key, ""), str) for key in ("operation", "code", "message")):
                    yield ".".join(path)
                    continue
            stack.extend((child, (*path, str(key))) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*path, str(index))) for index, child in enumerate(value))
