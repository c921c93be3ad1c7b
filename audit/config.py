"""Audit configuration: a TOML file's ``[audit]`` table, overridden by command-line flags.

Every key is optional. Unknown keys are rejected, since a misspelt key that is silently ignored
would quietly weaken the audit.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from irready.audit.errors import UsageError
from irready.policies import names

ALL_REGIONS = "all"


@dataclass(frozen=True)
class AuditConfig:
    regions: tuple[str, ...] | str = ALL_REGIONS  # region names, or "all": each account's enabled regions
    security_account_id: str | None = None  # where responders come from; ir.responder_role needs it
    responder_role_name: str = names.RESPONDER_ROLE_NAME
    quarantine_group_name: str = names.QUARANTINE_GROUP_NAME
    min_log_retention_days: int = names.MIN_LOG_RETENTION_DAYS
    # Other accounts to audit, by assuming `role_name` in each (the caller's own account when empty).
    # With `org`, the organization's active accounts, narrowed to `accounts` when given.
    org: bool = False
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    role_name: str = names.AUDIT_ROLE_NAME
    external_id: str | None = field(default=None, repr=False)
    # UNKNOWN on a check of at least this severity makes the run exit 3 ("none": never).
    fail_on_unknown: str = "high"
    # --- workload evidence and business context (issue #19) ---
    # GuardDuty protection plans (GetDetector feature names) guardduty.protection_plans requires.
    guardduty_required_features: tuple[str, ...] = names.GUARDDUTY_REQUIRED_FEATURES
    # The tags that give the business context; inventory.business_context wants them on this share of resources.
    context_tags: tuple[str, ...] = names.CONTEXT_TAGS
    context_tags_min_percent: int = 90
    # Values of the data-classification tag (the last of context_tags) that mean personal data (case-insensitive).
    personal_data_values: tuple[str, ...] = ("personal", "pii", "personal-data")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["regions"] = self.regions if isinstance(self.regions, str) else list(self.regions)
        data["accounts"] = list(self.accounts)
        data["exclude_accounts"] = list(self.exclude_accounts)
        for key in ("guardduty_required_features", "context_tags", "personal_data_values"):
            data[key] = list(getattr(self, key))
        data.pop("external_id")  # a shared secret: not written to snapshots
        return data


KEYS = tuple(f.name for f in fields(AuditConfig))
# Keys that decide what is collected; a snapshot fixes them, so `evaluate` cannot change them.
COLLECTION_KEYS = ("regions", "responder_role_name", "quarantine_group_name", "org", "accounts", "exclude_accounts",
                   "role_name")


def load_file(path: Path) -> dict:
    """The ``[audit]`` table of a TOML file, unvalidated."""
    try:
        document = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"config {path}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"config {path}: cannot read it ({exc})")
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path}: not valid TOML ({exc})")
    unknown_tables = sorted(set(document) - {"audit"})
    if unknown_tables:
        raise UsageError(f"config {path}: unknown table [{unknown_tables[0]}]; the only table is [audit]")
    table = document.get("audit", {})
    if not isinstance(table, dict):
        raise UsageError(f"config {path}: 'audit' must be a table, e.g. [audit]")
    return table


def build(values: dict, source: str = "config") -> AuditConfig:
    """Validate raw values (from TOML) into an AuditConfig; one clear error per bad key."""
    return merge(AuditConfig(), values, source)


def merge(base: AuditConfig, values: dict, source: str, *, flags: bool = False) -> AuditConfig:
    """``base`` with ``values`` validated and applied; None values (flags not given) are skipped.

    Errors name the key as the user wrote it: ``audit.key`` in a file, ``--key`` on the command line.
    """
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise UsageError(f"{source}: unknown key audit.{unknown[0]}; known keys: {', '.join(KEYS)}")

    def label(key: str) -> str:
        return f"option --{key.replace('_', '-')}" if flags else f"{source}: audit.{key}"

    parsed = {key: _VALIDATORS[key](value, label(key)) for key, value in values.items() if value is not None}
    return replace(base, **parsed)


# --- validators: each returns the clean value or raises UsageError naming the key and the fix -----------

def _regions(value, where: str):
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: expected region names like us-east-1,eu-west-1 or 'all'")
    if value == [ALL_REGIONS]:
        return ALL_REGIONS
    known = names.known_regions()
    for name in value:
        if name not in known:
            hint = ", ".join(r for r in sorted(known) if r.split("-")[0] == name.split("-")[0])[:120]
            raise UsageError(f"{where}: unknown region {name!r}; use names like "
                             f"{hint or 'us-east-1, eu-west-1'}, or 'all'")
    return tuple(dict.fromkeys(value))


def _account_id(value, where: str) -> str:
    text = str(value)
    if not names.is_account_id(text):
        raise UsageError(f"{where}: {value!r} is not a 12-digit AWS account id; quote it, e.g. \"123456789012\"")
    return text


def _account_ids(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise UsageError(f"{where}: expected a list of 12-digit account ids")
    return tuple(dict.fromkeys(_account_id(v, where) for v in value))


def _name(is_valid, what: str):
    def validate(value, where: str) -> str:
        if not is_valid(value):
            raise UsageError(f"{where}: {value!r} is not a valid {what}")
        return value
    return validate


def _days(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() or int(value) < 1:
        raise UsageError(f"{where}: expected a whole number of days, at least 1 (e.g. 365), got {value!r}")
    return int(value)


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{where}: expected true or false, got {value!r}")
    return value


def _severity_or_none(value, where: str) -> str:
    choices = ("critical", "high", "medium", "low", "none")
    if value not in choices:
        raise UsageError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where}: expected a non-empty string")
    return value


def _names(choices: tuple[str, ...] | None = None):
    def validate(value, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise UsageError(f"{where}: expected a non-empty list of names")
        unknown = [v for v in value if choices is not None and v not in choices]
        if unknown:
            raise UsageError(f"{where}: unknown name {unknown[0]!r}; choose from {', '.join(choices)}")
        return tuple(dict.fromkeys(value))
    return validate


def _percent(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise UsageError(f"{where}: expected a whole percentage from 0 to 100, got {value!r}")
    return value


_VALIDATORS = {
    "regions": _regions,
    "security_account_id": _account_id,
    "responder_role_name": _name(names.is_role_name, "IAM role name"),
    "quarantine_group_name": _name(names.is_security_group_name, "security group name"),
    "min_log_retention_days": _days,
    "org": _flag,
    "accounts": _account_ids,
    "exclude_accounts": _account_ids,
    "role_name": _name(names.is_role_name, "IAM role name"),
    "external_id": _text,
    "fail_on_unknown": _severity_or_none,
    "guardduty_required_features": _names(names.GUARDDUTY_FEATURES),
    "context_tags": _names(),
    "context_tags_min_percent": _percent,
    "personal_data_values": _names(),
}

