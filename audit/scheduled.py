"""The scheduled audit's three steps, as Lambda handlers and as plain functions a local driver calls.

The state machine (``irready.policies.scheduled_audit.definition``) runs them in this order:

1. ``start_run`` (``list_handler``): the accounts to audit, written to ``accounts.json`` for the
   Distributed Map's item reader; those left out (suspended, excluded) to ``skipped.json``.
2. ``audit_account`` (``account_handler``), once per account: ``collect_account``, the same collection
   as ``irready audit``, written as that account's part of the snapshot.
3. ``merge_run`` (``merge_handler``): the parts merged into one snapshot, evaluated by the same
   ``evaluate.report`` as the CLI, every report format written, compared with the previous run, the
   summary published to the alert topic, and (optionally) the findings imported into Security Hub.

``run_local`` runs the three in order in this process (``irready schedule run-local``, the demo).
The collection is read-only as always; the only writes are to the reports bucket, the topic and
Security Hub, through clients of their own (never the audit's read-only ones).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from irready.audit import config as config_module
from irready.audit import parts
from irready.audit import snapshot as snapshot_file
from irready.audit.aws import CallStats, Clients, assumed_session, marker_for
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.collect.run import collect_account, list_targets, new_snapshot
from irready.audit.config import AuditConfig
from irready.audit.errors import UsageError
from irready.audit.evaluate import report
from irready.audit.history import Changes, compare
from irready.audit.model import Finding, Report, Status
from irready.audit.report import EXTENSIONS, FORMATS, asff
from irready.audit.report import write as write_format
from irready.audit.snapshot import MARKER, unavailable
from irready.policies import scheduled_audit as layout

log = logging.getLogger("irready")
_WRITER = Config(user_agent_extra="irready-scheduled", retries={"mode": "standard", "max_attempts": 5})


@dataclass(frozen=True)
class Settings:
    """What a run needs besides credentials; in Lambda, read from the environment the component sets."""
    bucket: str
    config: AuditConfig
    formats: tuple[str, ...] = tuple(FORMATS)
    topic_arn: str | None = None
    security_hub: bool = False
    organization_role_arn: str | None = None  # assume it to list the organization's accounts
    endpoint_url: str | None = None  # an emulator; None: AWS
    max_workers: int = 16  # API calls in flight per account
    region: str = field(default_factory=lambda: os.environ.get("AWS_REGION", "us-east-1"))

    def __post_init__(self):
        unknown = [name for name in self.formats if name not in FORMATS]
        if unknown:
            raise UsageError(f"{layout.ENV_FORMATS}: unknown report format {unknown[0]!r}; known: "
                             f"{', '.join(FORMATS)}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Raises UsageError naming the variable when one is missing or wrong."""
        if not environ.get(layout.ENV_BUCKET):
            raise UsageError(f"{layout.ENV_BUCKET} is not set: the reports bucket's name")
        try:
            values = json.loads(environ.get(layout.ENV_AUDIT_CONFIG) or "{}")
        except json.JSONDecodeError as exc:
            raise UsageError(f"{layout.ENV_AUDIT_CONFIG}: not valid JSON ({exc.msg})")
        formats = parse_formats(environ.get(layout.ENV_FORMATS), layout.ENV_FORMATS)
        return cls(bucket=environ[layout.ENV_BUCKET], config=config_module.build(values, layout.ENV_AUDIT_CONFIG),
                   formats=formats, topic_arn=environ.get(layout.ENV_TOPIC) or None,
                   security_hub=environ.get(layout.ENV_SECURITY_HUB, "").lower() == "true",
                   organization_role_arn=environ.get(layout.ENV_ORGANIZATION_ROLE) or None,
                   endpoint_url=environ.get("AWS_ENDPOINT_URL") or None,
                   max_workers=int(environ.get(layout.ENV_MAX_WORKERS) or 16),
                   region=environ.get("AWS_REGION", "us-east-1"))

    def client(self, session: boto3.Session, service: str, region: str | None = None):
        """A client that may write (S3, SNS, Security Hub): never one of the audit's read-only clients.
        ``region``: where the resource lives when not in the run's region (the alert topic of the security
        account's home region)."""
        return session.client(service, region_name=region or self.region, endpoint_url=self.endpoint_url,
                              config=_WRITER)


def parse_formats(text: str | None, source: str) -> tuple[str, ...]:
    """Comma-separated report formats (empty: every format); UsageError naming ``source`` (the flag or the
    environment variable they came from) on an unknown one."""
    formats = tuple(f.strip() for f in (text or "").split(",") if f.strip()) or tuple(FORMATS)
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise UsageError(f"{source}: unknown report format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    return formats


def check_bucket(settings: Settings, session: boto3.Session, source: str) -> None:
    """UsageError naming ``source`` (the flag or variable that named the bucket) when the reports bucket does
    not exist or cannot be reached with these credentials (s3:HeadBucket: 404, 403); before any step runs,
    so a wrong name is a usage error, not a failed run."""
    try:
        settings.client(session, "s3").head_bucket(Bucket=settings.bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in ("404", "NoSuchBucket"):
            raise UsageError(f"{source} {settings.bucket}: no such bucket; name the reports bucket the stack "
                             "created (its reportsBucket output) or create one") from None
        if code in ("403", "AccessDenied"):
            raise UsageError(f"{source} {settings.bucket}: access denied (s3:HeadBucket); use credentials that may "
                             "read and write the reports bucket") from None
        raise


# --- the three steps -------------------------------------------------------------------------------------

def start_run(settings: Settings, session: boto3.Session, started: datetime) -> dict:
    """Step 1. Returns the run: ``{run_id, started_at, accounts_key, accounts, skipped}``
    (counts), the input of the map and of the merge. Raises UsageError when the organization cannot
    be listed."""
    run = layout.run_id(started)
    lister = session
    if settings.organization_role_arn:
        lister = assumed_session(Clients(session, settings.endpoint_url), settings.organization_role_arn, None,
                                 settings.region)
    _, targets, skipped = list_targets(settings.config, lister, settings.endpoint_url)
    s3 = settings.client(session, "s3")
    _put_json(s3, settings.bucket, layout.accounts_key(run), [{"account_id": a} for a in targets])
    _put_json(s3, settings.bucket, layout.skipped_key(run), skipped)
    log.info("run %s: %d accounts to audit, %d left out", run, len(targets), len(skipped))
    return {"run_id": run, "started_at": started.astimezone(UTC).isoformat(timespec="seconds"),
            "accounts_key": layout.accounts_key(run),
            "accounts": len(targets), "skipped": len(skipped)}


def audit_account(settings: Settings, session: boto3.Session, run_id: str, account_id: str,
                  stats: CallStats | None = None) -> dict:
    """Step 2, for one account: its part of the snapshot, written to ``part_key``. An account that
    cannot be reached is a part with an unavailable marker (reported by the merge), not an error."""
    part = collect_account(settings.config, session, account_id, settings.endpoint_url, settings.max_workers, stats,
                           assume_own_account=True)  # the function's role holds no read permission itself
    key = layout.part_key(run_id, account_id)
    _put_json(settings.client(session, "s3"), settings.bucket, key, part)
    return {"account_id": account_id, "key": key, "reachable": MARKER not in part}


def merge_run(settings: Settings, session: boto3.Session, run: dict, map_output: dict | None = None,
              map_error: dict | None = None, failures: Mapping[str, str] | None = None) -> dict:
    """Step 3. ``run``: what ``start_run`` returned; ``map_output``: the map's result (its
    ResultWriterDetails name the manifest of failed items); ``map_error``: the map's own failure, when
    more accounts failed than it tolerates; ``failures``: account -> cause, from a local driver.
    Writes the reports under ``reports/<run_id>/`` and returns the summary that is also published."""
    s3 = settings.client(session, "s3")
    run_id = run["run_id"]
    targets = [item["account_id"] for item in _get_json(s3, settings.bucket, run["accounts_key"])]
    skipped = _get_json(s3, settings.bucket, layout.skipped_key(run_id))
    failed = {**_failed_items(s3, map_output), **(failures or {})}
    caller = session.client("sts", region_name=settings.region, endpoint_url=settings.endpoint_url,
                            config=_WRITER).get_caller_identity()["Account"]
    header = new_snapshot(settings.config, caller, skipped, collected_at=datetime.fromisoformat(run["started_at"]))
    del header["accounts"]
    header["target_accounts"] = sorted(targets)
    with tempfile.TemporaryDirectory(prefix="irready-merge-") as folder:
        # The parts streamed into one snapshot-v2 file and evaluated from it, a few accounts in memory at a time.
        path = Path(folder) / layout.SNAPSHOT
        writer = parts.PartWriter(path, header)
        unreadable: dict[str, str] = {}
        try:
            for account_id, part in _in_order(lambda a: _part(s3, settings.bucket, run_id, a, failed, map_error),
                                              targets, settings.max_workers):
                if MARKER in part:
                    unreadable[account_id] = part[MARKER]["reason"]
                writer.add(account_id, part)
        except BaseException:
            writer.discard()
            raise
        snapshot = parts.load_written(writer, writer.close(datetime.now(UTC).isoformat(timespec="seconds")))
        current = report(snapshot, settings.config)
        previous_run, previous = _previous(s3, settings, run_id, Path(folder))
        changes = compare(previous.findings if previous else None, current.findings, previous_run)

        keys = {"snapshot": layout.report_key(run_id, layout.SNAPSHOT)}
        s3.upload_file(str(path), settings.bucket, keys["snapshot"],  # in parts when large, never read whole
                       ExtraArgs={"ContentType": "application/x-ndjson; charset=utf-8"})
        for name in settings.formats:  # each written to a file a finding at a time where it can be, then uploaded
            keys[name] = layout.report_key(run_id, f"audit.{EXTENSIONS[name]}")
            written = Path(folder) / f"audit.{EXTENSIONS[name]}"
            with written.open("w", encoding="utf-8") as out:
                write_format(name, current, out)
            s3.upload_file(str(written), settings.bucket, keys[name],
                           ExtraArgs={"ContentType": _content_type(keys[name])})
            written.unlink()
    keys["changes"] = layout.report_key(run_id, "changes.json")
    _put_json(s3, settings.bucket, keys["changes"], changes.to_dict())

    summary = _summary(run_id, current, changes, len(targets), unreadable, skipped, keys, settings.bucket)
    if settings.security_hub:
        summary["security_hub"] = _import_findings(settings, session, caller, current, changes, run["started_at"])
    if settings.topic_arn:
        sns = settings.client(session, "sns", settings.topic_arn.split(":")[3])
        sns.publish(TopicArn=settings.topic_arn, Subject=_subject(summary)[:100], Message=alert_text(summary))
    return summary


def run_local(settings: Settings, session: boto3.Session, started: datetime | None = None,
              max_concurrency: int = layout.MAX_CONCURRENCY) -> dict:
    """The state machine's steps in order, in this process: the list, every account (``max_concurrency``
    at once; an account whose step raises is reported, as the map would), the merge. The summary."""
    run = start_run(settings, session, started or datetime.now(UTC))
    targets = [item["account_id"] for item in _get_json(settings.client(session, "s3"), settings.bucket,
                                                        run["accounts_key"])]
    failures: dict[str, str] = {}

    def one(account_id: str) -> None:
        try:
            audit_account(settings, session, run["run_id"], account_id)
        except Exception as exc:  # the map records a failed item and goes on; so does the driver
            log.warning("account %s: the per-account step failed: %s", account_id, exc)
            failures[account_id] = f"{type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max(1, min(max_concurrency, len(targets) or 1))) as pool:
        list(pool.map(one, targets))
    return merge_run(settings, session, run, failures=failures)


# --- Lambda entry points (policies.scheduled_audit.HANDLERS) ---------------------------------------------

def list_handler(event: dict, _context=None) -> dict:
    """``event``: the execution's context object (``$$.Execution``), whose StartTime names the run."""
    start = str(event.get("StartTime") or datetime.now(UTC).isoformat())
    started = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return start_run(Settings.from_environment(), boto3.Session(), started)


def account_handler(event: dict, _context=None) -> dict:
    """``event``: ``{account_id, run_id}`` (the map's ItemSelector)."""
    return audit_account(Settings.from_environment(), boto3.Session(), event["run_id"], event["account_id"])


def merge_handler(event: dict, _context=None) -> dict:
    """``event``: the run (``start_run``'s result) with ``map`` (the map's output) or ``map_error``."""
    return merge_run(Settings.from_environment(), boto3.Session(), event, event.get("map"), event.get("map_error"))


# --- the merge's parts -----------------------------------------------------------------------------------

def _part(s3, bucket: str, run_id: str, account_id: str, failed: Mapping[str, str], map_error: dict | None) -> dict:
    try:
        return _get_json(s3, bucket, layout.part_key(run_id, account_id))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            return {"account_id": account_id, "regions": [], **marker_for(exc, "GetObject"), "services": {}}
    cause = failed.get(account_id) or (f"the map stopped: {map_error.get('Error')}" if map_error else
                                       "no part was written")
    return {"account_id": account_id, "regions": [], "services": {},
            **unavailable("AuditAccount", "AccountStepFailed", cause[:300],
                          "the per-account function failed (see the map run)")}


def _failed_items(s3, map_output: dict | None) -> dict[str, str]:
    """account -> cause, from the result writer's manifest and FAILED_*.json files."""
    details = (map_output or {}).get("ResultWriterDetails") or {}
    if not details.get("Key"):
        return {}
    manifest = _get_json(s3, details["Bucket"], details["Key"])
    failed = {}
    for entry in (manifest.get("ResultFiles") or {}).get("FAILED", []):
        for item in _get_json(s3, details["Bucket"], entry["Key"]):
            account = json.loads(item.get("Input") or "{}").get("account_id")
            if account:
                failed[account] = f"{item.get('Error', 'Failed')}: {item.get('Cause', '')}"
    return failed


def _previous(s3, settings: Settings, run_id: str, folder: Path) -> tuple[str | None, Report | None]:
    """The latest earlier run with a snapshot, re-evaluated with today's checks (so a check added
    since is not reported as a change), read from a copy in ``folder`` one account at a time."""
    runs = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket, Prefix=layout.REPORTS,
                                                             Delimiter="/"):
        runs.extend(p["Prefix"][len(layout.REPORTS):-1] for p in page.get("CommonPrefixes", []))
    for earlier in sorted((r for r in runs if r < run_id), reverse=True):
        for name in layout.EARLIER_SNAPSHOTS:
            copy = folder / f"previous-{name}"
            try:
                s3.download_file(settings.bucket, layout.report_key(earlier, name), str(copy))
                snapshot = snapshot_file.load(copy)
            except (ClientError, UsageError) as exc:
                log.info("run %s: no readable %s (%s)", earlier, name, exc)
                continue
            return earlier, report(snapshot, settings.config)
    return None, None


def _in_order(fetch: Callable[[str], dict], items: list[str], window: int) -> Iterator[tuple[str, dict]]:
    """(item, fetch(item)) in the order of ``items``, ``window`` fetches in flight, no more held."""
    with ThreadPoolExecutor(max(1, window)) as pool:
        pending: deque = deque()
        for item in items:
            pending.append((item, pool.submit(fetch, item)))
            if len(pending) >= window:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()


def _summary(run_id: str, current: Report, changes: Changes, accounts: int, unreadable: dict[str, str],
             skipped: dict[str, str], keys: dict, bucket: str) -> dict:
    def brief(findings: list[Finding]) -> list[dict]:
        return [{"check_id": f.check_id, "severity": f.severity.value, "account_id": f.account_id,
                 "region": f.region, "resource_id": f.resource_id, "reason": f.reason} for f in findings]

    return {"run_id": run_id, "bucket": bucket, "reports": keys,
            "accounts": accounts, "findings": current.summary["findings"],
            "failures_by_severity": current.summary["failures_by_severity"],
            "previous_run": changes.previous_run,
            "new": brief(changes.new), "regressed": brief(changes.regressed),
            "resolved": len(changes.resolved), "newly_unreadable": len(changes.unreadable),
            "unreadable_accounts": unreadable, "skipped_accounts": skipped}


def _subject(summary: dict) -> str:
    worse = len(summary["new"]) + len(summary["regressed"])
    head = f"{worse} new or regressed gap(s)" if worse else "no new gaps"
    return f"irready audit {summary['run_id']}: {head}, {summary['findings']['FAIL']} FAIL"


def alert_text(summary: dict, shown: int = 20) -> str:
    """The alert's body: counts, what is new or regressed, what could not be read, where the reports are."""
    counts = summary["findings"]
    lines = [_subject(summary), "",
             f"{summary['accounts']} account(s): {counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, "
             f"{counts['PASS']} PASS.",
             (f"Since {summary['previous_run']}: " if summary["previous_run"] else
              "First run, nothing to compare with (every FAIL counts as new): ")
             + f"{len(summary['new'])} new, {len(summary['regressed'])} regressed, {summary['resolved']} resolved, "
             f"{summary['newly_unreadable']} no longer readable."]
    for title in ("regressed", "new"):
        for f in summary[title][:shown]:
            lines.append(f"  {title.upper()} {f['severity']} {f['check_id']} {f['account_id']}/{f['region']}"
                         f"/{f['resource_id']}: {f['reason']}")
        if len(summary[title]) > shown:
            lines.append(f"  ... and {len(summary[title]) - shown} more {title}")
    if summary["unreadable_accounts"]:
        lines.append("Accounts that could not be read:")
        lines += [f"  {a}: {reason}" for a, reason in sorted(summary["unreadable_accounts"].items())]
    lines.append(f"Reports: s3://{summary['bucket']}/{layout.REPORTS}{summary['run_id']}/")
    return "\n".join(lines) + "\n"


def _import_findings(settings: Settings, session: boto3.Session, importer: str, current: Report,
                     changes: Changes, at: str) -> dict:
    items = asff.findings(current.findings, changes.resolved, CHECKS_BY_ID, importer=importer,
                          region=settings.region, at=at.replace("+00:00", "Z"))
    hub = settings.client(session, "securityhub")
    imported = failed = 0
    for start in range(0, len(items), asff.BATCH):
        answer = hub.batch_import_findings(Findings=items[start:start + asff.BATCH])
        imported += answer.get("SuccessCount", 0)
        failed += answer.get("FailedCount", 0)
    return {"imported": imported, "failed": failed,
            "active": sum(1 for f in current.findings if f.status is Status.FAIL), "archived": len(changes.resolved)}


# --- the bucket ------------------------------------------------------------------------------------------

def _put_json(s3, bucket: str, key: str, value) -> None:
    _put_text(s3, bucket, key, json.dumps(value, sort_keys=True, default=str), "application/json")


def _put_text(s3, bucket: str, key: str, text: str, content_type: str | None = None) -> None:
    """Encrypted by the bucket's default (its KMS key): the functions never name the key."""
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType=content_type or _content_type(key))


def _get_json(s3, bucket: str, key: str):
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _content_type(key: str) -> str:
    return {"html": "text/html", "md": "text/markdown", "json": "application/json"}.get(
        key.rsplit(".", 1)[-1], "text/plain") + "; charset=utf-8"
