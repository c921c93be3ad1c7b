"""A snapshot as per-account parts, streamed to disk as accounts finish, so that neither collection nor
evaluation holds more than a few accounts at once, however large the organization.

The file (schema ``irready/snapshot-v2``) is JSON Lines, UTF-8, one object per line with one key naming
what the line is::

    {"header": {...}}      the snapshot's top-level fields (schema, tool_version, collected_at, caller,
                           collection, config, skipped_accounts, organization), as in snapshot-v1, and
                           ``target_accounts``: the ids of every account the collection set out to read
    {"account": {...}}     one account's entry, exactly as in snapshot-v1's ``accounts`` map; in the
                           order accounts finished
    {"topics": {"account_id": ..., "topics": {arn: subscriptions}}}
                           SNS topics read in their owner's account after collection, for other accounts'
                           rules (merged into the owner's ``events`` section when the part is loaded)
    {"end": {"finished_at": ..., "incomplete": null | {"reason", "missing_accounts"}}}

A file without its end line was cut short (the process was killed, the file was truncated); it loads
as incomplete, its missing accounts being the header's ``target_accounts`` that have no account line
(unknown for a file whose header predates that field). A last line without its newline that is not
JSON is the cut itself, not damage. The SHA-256 a report states is that of the file's bytes.
snapshot-v1 files (one JSON document) still load (``snapshot.load`` reads both).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from irready.audit.context import OrgIndex
from irready.audit.errors import UsageError
from irready.audit.snapshot import check_account, is_unavailable

SCHEMA = "irready/snapshot-v2"
_KINDS = ("header", "account", "topics", "end")


class SnapshotWriteError(OSError):
    """The snapshot file could not be written on (disk full, folder gone): what was written stays in
    ``<path>.partial``."""


def _line(kind: str, value: Any) -> bytes:
    return (json.dumps({kind: value}, sort_keys=True, default=str, separators=(",", ":")) + "\n").encode()


def merge_topics(account: dict, topics: dict[str, Any]) -> None:
    """Record topics read in their owner's account beside the owner's own, in the region's ``events``
    section (where that section was read at all)."""
    for arn, read in topics.items():
        section = ((account.get("services") or {}).get("events") or {}).get(arn.split(":")[3])
        if isinstance(section, dict) and not is_unavailable(section):
            section.setdefault("topics", {})[arn] = read


def topic_gaps(index: OrgIndex, owner: str, topics: dict[str, Any]) -> None:
    """The coverage gaps of topics read for others, where ``merge_topics`` puts them."""
    for arn, read in topics.items():
        index.add_gaps(owner, read, ("services", "events", arn.split(":")[3], "topics", arn))


class PartWriter:
    """Writes a snapshot-v2 file: the header at once, each account's part as it finishes, the end line on
    ``close``. The file is written beside ``path`` as ``<path>.partial`` and renamed into place when closed,
    so ``path`` never holds half a snapshot. ``index`` gathers the organization-wide index as parts go by.

    Raises OSError when the file cannot be written.
    """

    def __init__(self, path: Path, header: dict):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.index = OrgIndex()
        self.offsets: dict[str, int] = {}
        self.topics: dict[str, dict] = {}
        self._digest = hashlib.sha256()
        self.header = {**header, "schema": SCHEMA}
        self.end: dict | None = None
        try:
            self._file = open(self.partial, "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise SnapshotWriteError(exc.errno, exc.strerror or str(exc)) from exc
        self._write("header", self.header)

    def _write(self, kind: str, value: Any) -> int:
        return self._write_line(_line(kind, value))

    def _write_line(self, data: bytes) -> int:
        try:
            offset = self._file.tell()
            self._file.write(data)
        except OSError as exc:
            raise SnapshotWriteError(exc.errno, exc.strerror or str(exc)) from exc
        self._digest.update(data)
        return offset

    def add(self, account_id: str, account: dict | None, line: bytes | None = None,
            index: OrgIndex | None = None) -> None:
        """One account's entry; or, from a collection process, the entry already encoded (``line``, as
        ``encode_account`` makes it) and its index (``index``), so the entry is never decoded here."""
        self.offsets[account_id] = self._write_line(line if line is not None else _line("account", account))
        if index is not None:
            self.index.merge(index)
        else:
            self.index.add(account_id, account)

    def add_topics(self, owner: str, topics: dict[str, Any]) -> None:
        self._write("topics", {"account_id": owner, "topics": topics})
        self.topics.setdefault(owner, {}).update(topics)
        topic_gaps(self.index, owner, topics)

    def close(self, finished_at: str | None, incomplete: dict | None = None) -> str:
        """Write the end line, move the file into place; the file's SHA-256."""
        self.end = {"finished_at": finished_at, "incomplete": incomplete}
        self._write("end", self.end)
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self.partial, self.path)
        except OSError as exc:
            raise SnapshotWriteError(exc.errno, exc.strerror or str(exc)) from exc
        return self._digest.hexdigest()

    def discard(self) -> None:
        """Remove the partial file (the collection failed before any account was worth keeping)."""
        self.abandon()
        self.partial.unlink(missing_ok=True)

    def abandon(self) -> None:
        """Close the partial file and leave it: it loads as a snapshot cut short."""
        with contextlib.suppress(OSError):
            self._file.close()


def encode_account(account: dict) -> bytes:
    """An account's line, as ``PartWriter.add`` writes it (for a worker process to encode off the parent)."""
    return _line("account", account)


class Parts(Mapping):
    """A snapshot-v2 file's accounts: a read-only mapping account id -> entry that reads each entry from
    the file when asked, keeping the ``cache`` most recently used (a delegated administrator's or a topic
    owner's entry, asked for by every member, stays loaded). ``loads`` counts entries read from the file;
    ``index`` is the organization's index, ``sha256`` the file's."""

    def __init__(self, path: Path, offsets: dict[str, int], topics: dict[str, dict], index: OrgIndex,
                 sha256: str, cache: int = 8):
        self.path, self.index, self.sha256 = Path(path), index, sha256
        self._offsets = dict(sorted(offsets.items()))
        self._topics = topics
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._size = cache
        self.loads = 0

    def __getitem__(self, account_id: str) -> dict:
        if account_id in self._cache:
            self._cache.move_to_end(account_id)
            return self._cache[account_id]
        offset = self._offsets[account_id]  # KeyError, as a dict would
        with open(self.path, "rb") as file:
            file.seek(offset)
            account = json.loads(file.readline())["account"]
        merge_topics(account, self._topics.get(account_id, {}))
        self.loads += 1
        self._cache[account_id] = account
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return account

    def __iter__(self) -> Iterator[str]:
        return iter(self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._offsets

    @property
    def live(self) -> int:
        """Entries held in memory now (at most ``cache``)."""
        return len(self._cache)


def is_parts_file(path: Path) -> bool:
    """True when ``path`` starts like a snapshot-v2 file (its first line is a header object)."""
    try:
        with open(path, "rb") as file:
            return file.read(11) == b'{"header":{'
    except OSError:
        return False


def load(path: Path) -> dict:
    """A snapshot-v2 file as a snapshot whose ``accounts`` is ``Parts``: one pass reads each line once
    (checking each account as ``snapshot.load`` does, gathering the index), holding one at a time.

    Raises UsageError naming the line and the field when the file is not a snapshot-v2 or is damaged.
    """
    offsets: dict[str, int] = {}
    topics: dict[str, dict] = {}
    index = OrgIndex()
    digest = hashlib.sha256()
    header: dict | None = None
    end: dict | None = None
    try:
        with open(path, "rb") as file:
            number = 0
            while True:
                offset = file.tell()
                raw = file.readline()
                if not raw:
                    break
                number += 1
                digest.update(raw)
                try:
                    line = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as exc:
                    if not raw.endswith(b"\n") and number > 1:  # the last line, cut in the middle
                        break
                    raise UsageError(f"snapshot {path}: line {number} is not a JSON object ({str(exc)[:120]}); "
                                     "the file is damaged or was not written by irready")
                if not isinstance(line, dict) or len(line) != 1 or next(iter(line)) not in _KINDS:
                    raise UsageError(f"snapshot {path}: line {number} must be an object with one key of "
                                     f"{', '.join(_KINDS)}; the file is damaged or was not written by irready")
                (kind, value), = line.items()
                if (kind == "header") != (number == 1):
                    raise UsageError(f"snapshot {path}: line {number}: the header must be the first line and only it")
                if kind == "header":
                    header = value
                    if not isinstance(header, dict) or header.get("schema") != SCHEMA:
                        raise UsageError(f"snapshot {path}: header field 'schema' must be {SCHEMA!r}")
                elif kind == "account":
                    account_id = value.get("account_id") if isinstance(value, dict) else None
                    if not isinstance(account_id, str):
                        raise UsageError(f"snapshot {path}: line {number}: field 'account_id' must be a text")
                    check_account(path, account_id, value)
                    offsets[account_id] = offset
                    index.add(account_id, value)
                elif kind == "topics":
                    if not isinstance(value, dict) or not isinstance(value.get("account_id"), str) or \
                            not isinstance(value.get("topics"), dict):
                        raise UsageError(f"snapshot {path}: line {number}: 'topics' must be an object with "
                                         "'account_id' and 'topics'")
                    topics.setdefault(value["account_id"], {}).update(value["topics"])
                    topic_gaps(index, value["account_id"], value["topics"])
                else:
                    end = value if isinstance(value, dict) else {}
    except FileNotFoundError:
        raise UsageError(f"snapshot {path}: no such file; pass a file written by `irready audit --snapshot-out`")
    except OSError as exc:
        raise UsageError(f"snapshot {path}: cannot read it ({exc})")
    if header is None:
        raise UsageError(f"snapshot {path}: empty; pass a file written by `irready audit --snapshot-out`")
    if not isinstance(header.get("config", {}), dict):
        raise UsageError(f"snapshot {path}: field 'config' must be an object")
    return _snapshot(header, end, Parts(path, offsets, topics, index, digest.hexdigest()))


def load_written(writer: PartWriter, sha256: str) -> dict:
    """The snapshot a closed ``writer`` wrote, from what it kept (the file is not read again)."""
    return _snapshot(writer.header, writer.end, Parts(writer.path, writer.offsets, writer.topics, writer.index,
                                                      sha256))


def _snapshot(header: dict, end: dict | None, accounts: Parts) -> dict:
    incomplete = end.get("incomplete") if end is not None else cut_short(header, accounts)
    snapshot = dict(header)
    snapshot["collection"] = {**(header.get("collection") or {}), "finished_at": (end or {}).get("finished_at")}
    snapshot["accounts"] = accounts
    if incomplete:
        snapshot["incomplete"] = incomplete
    return snapshot


def cut_short(header: dict, accounts: Mapping) -> dict:
    """The ``incomplete`` entry of a file without its end line: the header's ``target_accounts`` not in
    ``accounts``; ``missing_accounts`` is None (unknown) when the header does not list its targets."""
    targets = header.get("target_accounts")
    if not isinstance(targets, list):
        return {"reason": "cut short (no end line; this snapshot does not list the accounts it targeted)",
                "missing_accounts": None}
    return {"reason": "cut short (no end line)",
            "missing_accounts": sorted(str(a) for a in set(targets) - set(accounts))}


def in_memory(snapshot: dict) -> dict:
    """A snapshot-v1 copy of any snapshot, every account in memory (for small ones: tests, conversions)."""
    from irready.audit.snapshot import SCHEMA as V1

    return {**snapshot, "schema": V1, "accounts": {a: snapshot["accounts"][a] for a in snapshot["accounts"]}}
