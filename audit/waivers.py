"""Waivers: accepted risks with an owner and an expiry, read from a TOML file.

    [[waiver]]
    check = "vpc.flow_logs"          # required: a check id
    account = "111111111111"         # optional scope: one account id
    region = "eu-west-1"             # optional scope: one region (or "global")
    resource = "vpc-0abc*"           # optional scope: resource id pattern (shell-style: * ? [..])
    reason = "sandbox VPC, no data"  # required
    owner = "alice@example.com"      # required
    ticket = "SEC-1234"              # required
    expires = 2027-03-31             # required: a TOML date; the waiver holds through that day (UTC)

A live waiver turns a matching FAIL into WAIVED, with its reason. An expired one leaves the FAIL and
says so in the reason. An UNKNOWN is never waived: what could not be seen cannot be accepted.
Waivers that expire within the warning window are listed in the report.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from irready.audit.errors import UsageError
from irready.audit.model import Finding, Status

_REQUIRED = ("check", "reason", "owner", "ticket", "expires")
_OPTIONAL = ("account", "region", "resource")
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    owner: str
    ticket: str
    expires: date
    account: str | None = None
    region: str | None = None
    resource: str | None = None

    def matches(self, finding: Finding) -> bool:
        return (finding.check_id == self.check
                and self.account in (None, finding.account_id)
                and self.region in (None, finding.region)
                and (self.resource is None or fnmatch.fnmatchcase(finding.resource_id, self.resource)))

    def expired(self, today: date) -> bool:
        return today > self.expires

    def record(self, today: date) -> dict:
        return {"reason": self.reason, "owner": self.owner, "ticket": self.ticket,
                "expires": self.expires.isoformat(), "expired": self.expired(today)}


@dataclass(frozen=True)
class Waivers:
    path: str
    sha256: str
    entries: tuple[Waiver, ...]


def load(path: Path, check_ids: set[str]) -> Waivers:
    """The waivers in ``path``; UsageError (one line naming the entry, the field and the fix) otherwise."""
    where = f"waivers {path}"
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file; check the path given to --waivers, or write one as "
                         "the Waivers section of docs/reports.md shows") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror or exc}); make it readable or fix the "
                         "--waivers path") from None
    try:
        data = tomllib.loads(raw.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{where}: not valid TOML ({exc}); see the Waivers section of docs/reports.md")
    unknown = set(data) - {"waiver"}
    if unknown:
        raise UsageError(f"{where}: unknown table {sorted(unknown)[0]!r}; the file holds [[waiver]] entries only")
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise UsageError(f"{where}: 'waiver' must be an array of tables ([[waiver]])")
    return Waivers(str(path), hashlib.sha256(raw).hexdigest(),
                   tuple(_entry(item, f"{where}: waiver {n}", check_ids) for n, item in enumerate(entries, 1)))


def _entry(item: dict, where: str, check_ids: set[str]) -> Waiver:
    extra = set(item) - set(_REQUIRED) - set(_OPTIONAL)
    if extra:
        raise UsageError(f"{where}: unknown field {sorted(extra)[0]!r}; fields are {', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        if key not in item:
            raise UsageError(f"{where}: field {key!r} is required")
    for key in ("check", "reason", "owner", "ticket", *_OPTIONAL):
        if key in item and (not isinstance(item[key], str) or not item[key].strip()):
            raise UsageError(f"{where}: field {key!r} must be a non-empty string")
    if item["check"] not in check_ids:
        raise UsageError(f"{where}: field 'check' names no check: {item['check']!r}; see `irready checks`")
    expires = item["expires"]
    if isinstance(expires, datetime) or not isinstance(expires, date):
        raise UsageError(f"{where}: field 'expires' must be a TOML date such as 2027-03-31 (no quotes, no time)")
    if "account" in item and not _ACCOUNT.fullmatch(item["account"]):
        raise UsageError(f"{where}: field 'account' must be a 12-digit account id, got {item['account']!r}")
    return Waiver(**{key: item.get(key) for key in _REQUIRED + _OPTIONAL})


def apply(findings: list[Finding], waivers: Waivers, today: date | None = None) -> list[Finding]:
    """``findings`` with each FAIL that a waiver matches marked: WAIVED under a live waiver; still FAIL,
    saying the waiver expired, when only expired ones match. PASS and UNKNOWN are left as they are."""
    today = today or datetime.now(UTC).date()
    result = []
    for finding in findings:
        matching = [w for w in waivers.entries if w.matches(finding)] if finding.status is Status.FAIL else []
        live = [w for w in matching if not w.expired(today)]
        if live:
            finding = dataclasses.replace(finding, status=Status.WAIVED, waiver=live[0].record(today))
        elif matching:
            w = max(matching, key=lambda m: m.expires)
            finding = dataclasses.replace(
                finding, waiver=w.record(today),
                reason=f"{finding.reason} (waiver expired on {w.expires.isoformat()}: {w.reason}; owner {w.owner}, "
                       f"{w.ticket})")
        result.append(finding)
    return result


def expiring(waivers: Waivers, within_days: int, today: date | None = None) -> list[dict]:
    """Live waivers that expire within ``within_days`` days, soonest first."""
    today = today or datetime.now(UTC).date()
    soon = [w for w in waivers.entries if not w.expired(today) and (w.expires - today).days <= within_days]
    return [{"check_id": w.check, "account": w.account, "region": w.region, "resource": w.resource,
             "owner": w.owner, "ticket": w.ticket, "reason": w.reason, "expires": w.expires.isoformat(),
             "days_left": (w.expires - today).days} for w in sorted(soon, key=lambda w: w.expires)]
