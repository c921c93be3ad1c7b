"""The `irready` command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import NoReturn

from botocore.exceptions import BotoCoreError

from irready.audit import config as config_module
from irready.audit import output
from irready.audit.checks import ALL_CHECKS
from irready.audit.errors import IrreadyError, UnreachableError, UsageError
from irready.audit.evaluate import exceeds, report, unknown_exceeds
from irready.audit.model import Severity
from irready.audit.report import FORMATS, markdown
from irready.audit.snapshot import load as load_snapshot
from irready.audit.snapshot import sha256 as snapshot_sha256
from irready.policies import names

EXIT_OK, EXIT_GAPS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141

_EPILOG = """exit codes:
  0  no unwaived FAIL at or above --fail-on (a WAIVED finding is not a FAIL; an expired waiver's is),
     and no UNKNOWN at or above --fail-on-unknown
  1  gaps found (a FAIL at or above --fail-on)
  2  usage, config or input error
  3  could not look: AWS unreachable, nothing read, no account audited, or (without a
     FAIL at or above --fail-on) an incomplete snapshot (accounts not audited) or an UNKNOWN
     at or above --fail-on-unknown (default high)
  4  internal error (a bug in irready; run again with -v and report it)
  130  interrupted (Ctrl-C or SIGTERM); with --snapshot-out, the accounts that finished are saved
  141  the output pipe was closed (e.g. piped to head)
"""
_PREFLIGHT_EPILOG = """exit codes:
  0  no FAIL at or above --fail-on
  1  something would fail or be wrong (a FAIL at or above --fail-on)
  2  usage or stack-config error (one line naming the key)
  3  could not look: AWS unreachable as the management account, or nothing read
  4  internal error (a bug in irready; run again with -v and report it)
  130  interrupted (Ctrl-C or SIGTERM)
"""
# --output FILE with one of these extensions picks the format, unless --format says otherwise.
_FORMAT_BY_SUFFIX = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                     ".sarif": "sarif", ".csv": "csv", ".xml": "junit"}


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with an [audit] table (see the Configuration section "
                                                    "of docs/audit.md)")
    parser.add_argument("--format", choices=list(FORMATS), help="report format (default: from the --output "
                        "extension .json/.md/.html/.sarif/.csv/.xml, else table)")
    parser.add_argument("--output", type=Path, help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity], default="low",
                        help="exit 1 when a check of at least this severity FAILs (default: low, i.e. any FAIL)")
    parser.add_argument("--fail-on-unknown", choices=[*[s.value for s in Severity], "none"],
                        help="exit 3 when a check of at least this severity is UNKNOWN, i.e. could not look "
                             "(default: high; config key fail_on_unknown; 'none' to never)")
    parser.add_argument("--min-log-retention-days", type=int, metavar="DAYS",
                        help=f"shortest acceptable log retention (default: {names.MIN_LOG_RETENTION_DAYS})")
    parser.add_argument("--security-account-id", metavar="ID",
                        help="the account responders come from; ir.responder_role needs it")
    output.add_report_options(parser)


def _collection_options(parser: argparse.ArgumentParser) -> None:
    """The credential, account and region options `audit` and `inventory` share."""
    parser.add_argument("--profile", help="AWS named profile (default: the standard credential chain)")
    parser.add_argument("--regions", help="comma-separated regions, or 'all' for each account's enabled regions "
                                           "(default: all)")
    parser.add_argument("--endpoint-url", help="send every AWS call here (moto, LocalStack) instead of AWS")
    parser.add_argument("--org", action="store_true", default=None,
                        help="audit every active account of the organization (run from the management or a "
                             "delegated administrator account); suspended accounts are skipped")
    parser.add_argument("--accounts", help="comma-separated account ids to audit by assuming --role-name in each "
                                            "(default: the caller's own account; with --org, a filter)")
    parser.add_argument("--exclude-accounts", help="comma-separated account ids to leave out")
    parser.add_argument("--role-name", help=f"role to assume in each of --accounts (default: {names.AUDIT_ROLE_NAME})")
    parser.add_argument("--external-id", help="ExternalId to pass when assuming --role-name")
    parser.add_argument("--max-workers", type=int, default=16,
                        help="API calls in flight at once, across all accounts and regions (default: 16), "
                             "plus a quarter as many Organizations reads of the caller while collection starts")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (argparse's message names the option and, for a choice, the
    allowed values) with the usage-error exit code, instead of the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (exit {EXIT_USAGE}, a usage error; "
                              f"`{self.prog} --help` lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="irready", description="Is this AWS organization ready for a security incident? A read-only audit of the "
                                    "accounts (audit, evaluate), of Terraform or CloudFormation before deploy "
                                    "(iac-scan), and of an organization before the first `pulumi up` (preflight).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to standard error")
    commands = parser.add_subparsers(dest="command", required=True)
    # -v is also accepted after the subcommand (`irready audit -v`); SUPPRESS keeps either place working.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log progress to standard error")

    audit = commands.add_parser(
        "audit", parents=[verbose],
        help="collect account state with read-only calls, evaluate the checks, report the gaps",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _collection_options(audit)
    audit.add_argument("--processes", type=int, metavar="N",
                       help="collection processes, sharing the accounts and the --max-workers calls in flight "
                            "(default: one per CPU for 8 or more accounts, else 1)")
    audit.add_argument("--snapshot-out", type=Path, help="also save the collected snapshot for `irready evaluate` "
                       "and as evidence: JSON Lines, one line per account, written as accounts finish "
                       "(FILE.partial until complete or interrupted; see docs/audit.md)")
    _report_options(audit)

    offline = commands.add_parser(
        "evaluate", parents=[verbose], help="re-evaluate a saved snapshot offline, without calling AWS",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    offline.add_argument("snapshot", type=Path, help="a file written by `irready audit --snapshot-out`")
    _report_options(offline)

    listing = commands.add_parser("checks", help="list the checks with their metadata")
    listing.add_argument("--format", choices=["table", "json", "markdown"], default="table")

    # issue #19: the resources the audit sees, with their business context, for a SIEM or CMDB
    inventory = commands.add_parser(
        "inventory", parents=[verbose], help="list the resources the audit sees (account, region, type, ARN, "
                                             "context tags) as CSV or JSON, with read-only calls")
    _collection_options(inventory)
    inventory.add_argument("--config", type=Path, help="TOML file with an [audit] table (context_tags, regions...)")
    inventory.add_argument("--snapshot", type=Path, help="list from a file written by `irready audit "
                                                         "--snapshot-out` instead of calling AWS")
    inventory.add_argument("--format", choices=["csv", "json"], help="default: from the --output extension, else csv")
    inventory.add_argument("--output", type=Path, help="write to FILE instead of standard output")

    iac = commands.add_parser(
        "iac-scan", parents=[verbose],
        help="run the readiness checks on Terraform (.tf or plan JSON) or CloudFormation before deploy "
             "(checkov, from its own virtualenv)",
        epilog="exit codes:\n  0  no FAIL at or above --fail-on\n  1  gaps found\n  2  usage or input error, "
               "checkov not found, a file checkov could not parse, or nothing to scan\n  4  internal error",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    iac.add_argument("path", type=Path, help="a .tf file, a Terraform plan (terraform show -json), a CloudFormation "
                                             "template, or a directory of them")
    iac.add_argument("--format", choices=list(FORMATS),
                     help="report format (default: from the --output extension, else table)")
    iac.add_argument("--output", type=Path, help="write the report to FILE instead of standard output")
    iac.add_argument("--fail-on", choices=[s.value for s in Severity], default="low",
                     help="exit 1 when a check of at least this severity FAILs (default: low, i.e. any FAIL)")

    diff = commands.add_parser(
        "diff", help="compare two runs (JSON reports or snapshots): new, regressed, fixed, still failing, "
                     "newly waived, expiring",
        epilog="exit codes:\n  0  nothing regressed\n  1  something regressed (new FAIL, or PASS/WAIVED to FAIL)\n"
               "  2  usage or input error", formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("old", type=Path, help="the earlier JSON report (--format json) or snapshot")
    diff.add_argument("new", type=Path, help="the later JSON report or snapshot")
    diff.add_argument("--format", choices=["table", "markdown", "json"], default="table")
    diff.add_argument("--output", type=Path, help="write the comparison to FILE instead of standard output")
    diff.add_argument("--expiring-within", type=int, default=30, metavar="DAYS",
                      help="list waivers that expire within DAYS days of the new run (default: 30)")
    schedule = commands.add_parser(
        "schedule", help="the scheduled audit (docs/scheduled-audits.md): run-local runs its steps here")
    schedule_commands = schedule.add_subparsers(dest="schedule_command", required=True)
    local = schedule_commands.add_parser(
        "run-local", help="run the state machine's steps in order in this process: list the accounts, audit each "
                          "into a part, merge, report to the bucket and compare with the previous run")
    local.add_argument("--bucket", required=True, help="the reports bucket (it must exist)")
    local.add_argument("--profile", help="AWS named profile (default: the standard credential chain)")
    local.add_argument("--endpoint-url", help="send every AWS call here (moto, LocalStack) instead of AWS")
    local.add_argument("--region", default="us-east-1", help="the bucket's and topic's region (default: us-east-1)")
    local.add_argument("--config", type=Path, help="TOML file with an [audit] table (see the Configuration "
                                                        "section of docs/audit.md)")
    local.add_argument("--topic-arn", help="publish the run's summary to this SNS topic")
    local.add_argument("--security-hub", action="store_true", help="import the findings into Security Hub")
    local.add_argument("--formats", help="comma-separated report formats (default: every format)")
    local.add_argument("--max-concurrency", type=int, default=8, help="accounts audited at once (default: 8)")
    preflight = commands.add_parser(
        "preflight", help="before `pulumi up`: read the stack config and the organization (read-only, management "
                          "account credentials) and report what would fail or be wrong, each with the stack-config "
                          "key or AWS setting that fixes it", epilog=_PREFLIGHT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    preflight.add_argument("--stack-config", type=Path, required=True, metavar="Pulumi.<stack>.yaml",
                           help="the stack config `pulumi up` will use")
    preflight.add_argument("--profile", help="AWS named profile of the management account (default: the standard "
                                             "credential chain)")
    preflight.add_argument("--endpoint-url", help="send every AWS call here (moto, LocalStack) instead of AWS")
    preflight.add_argument("--format", choices=list(FORMATS), default="table",
                           help="report format (default: table)")
    preflight.add_argument("--output", type=Path, help="write the report to FILE instead of standard output")
    preflight.add_argument("--fail-on", choices=[s.value for s in Severity], default="low",
                           help="exit 1 when a check of at least this severity FAILs (default: low, i.e. any FAIL)")

    demo = commands.add_parser("demo", help="audit an untouched emulated organization, prepare it with the Pulumi "
                                            "program, audit again (moto, in-process; no credentials)")
    demo.add_argument("--output-dir", type=Path, default=Path("reports"), help="where to write the reports "
                                                                                 "(default: reports/)")
    return parser


def _interrupt_once(signum, frame) -> NoReturn:
    """The first Ctrl-C (or SIGTERM) stops the run; later ones are ignored, so that saving what
    finished is not itself interrupted and lost."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # A scheduler's stop (SIGTERM) is handled like Ctrl-C: keep what finished, write nothing half.
        signal.signal(signal.SIGINT, _interrupt_once)
        signal.signal(signal.SIGTERM, _interrupt_once)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="irready: %(message)s", stream=sys.stderr)
    try:
        return _run(args)
    except IrreadyError as exc:
        print(f"irready: error: {_redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("irready: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`irready audit | head`): say nothing more, and let no flush at exit raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, a distinct code, no traceback
        logging.getLogger("irready").info("internal error", exc_info=True)  # shown with -v
        print(f"irready: internal error: {type(exc).__name__}: {_redact(str(exc))[:300]} (a bug in irready; run "
              "again with -v for details and report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _redact(text: str) -> str:
    from irready.audit.aws import redact
    return redact(text)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "audit":
            return _audit(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "checks":
            return _list_checks(args)
        if args.command == "inventory":
            return _inventory(args)
        if args.command == "iac-scan":
            return _iac_scan(args)
        if args.command == "diff":
            from irready.audit import diff
            return diff.main(args.old, args.new, args.format, args.output, args.expiring_within)
        if args.command == "schedule":
            return _schedule_run_local(args)
        if args.command == "preflight":
            return _preflight(args)
        from irready.emulated.demo import run_demo  # the emulator is only needed here
        return run_demo(args.output_dir)
    except RecursionError as exc:  # a hostile input nested beyond what Python can walk
        raise UsageError(f"input nested too deeply to read ({exc})") from None


def _schedule_run_local(args: argparse.Namespace) -> int:
    from irready.audit import scheduled
    from irready.audit.aws import base_session

    if args.max_concurrency < 1:
        raise UsageError(f"--max-concurrency must be at least 1, got {args.max_concurrency}")
    config = config_module.merge(config_module.AuditConfig(), config_module.load_file(args.config),
                                 f"config {args.config}") if args.config else config_module.AuditConfig()
    settings = scheduled.Settings(
        bucket=args.bucket, config=config, topic_arn=args.topic_arn, security_hub=args.security_hub,
        formats=scheduled.parse_formats(args.formats, "--formats"), endpoint_url=args.endpoint_url, region=args.region)
    session = base_session(args.profile)
    scheduled.check_bucket(settings, session, "--bucket")
    summary = scheduled.run_local(settings, session, max_concurrency=args.max_concurrency)
    text = scheduled.alert_text(summary)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_GAPS if summary["findings"]["FAIL"] else EXIT_OK


def _iac_scan(args: argparse.Namespace) -> int:
    from irready.audit import iac_scan

    outcome = iac_scan.scan_path(args.path)
    output.write(outcome.report, _format(args), args.output)
    if outcome.unparsed:  # checkov skips what it cannot parse: a file not read is not a file that passed
        raise UsageError(f"checkov could not parse {len(outcome.unparsed)} file(s), which were not scanned: "
                         f"{', '.join(outcome.unparsed)}; fix them or leave them out")
    return EXIT_GAPS if exceeds(outcome.report.findings, Severity(args.fail_on)) else EXIT_OK


def _preflight(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from irready import preflight
    from irready.audit.aws import base_session
    from irready.infra.config import StackConfigError

    try:
        result = preflight.preflight(args.stack_config, base_session(args.profile), args.endpoint_url)
    except StackConfigError as exc:
        raise UsageError(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:
        raise UnreachableError(f"cannot reach AWS as the management account: {exc}") from None
    output.write(result, args.format, args.output)
    if preflight.nothing_reached(result):
        raise UnreachableError("nothing could be read (see the report for why)")
    return EXIT_GAPS if exceeds(result.findings, Severity(args.fail_on)) else EXIT_OK


def _flag_overrides(args: argparse.Namespace) -> dict:
    flags = {"min_log_retention_days": getattr(args, "min_log_retention_days", None),
             "security_account_id": getattr(args, "security_account_id", None)}
    for name in ("regions", "org", "accounts", "exclude_accounts", "role_name", "external_id", "fail_on_unknown"):
        flags[name] = getattr(args, name, None)
    return flags


def _config(args: argparse.Namespace, base: config_module.AuditConfig | None = None) -> config_module.AuditConfig:
    if base is None:
        base = config_module.AuditConfig()
    if args.config:
        file_values = config_module.load_file(args.config)
        if base != config_module.AuditConfig():
            _refuse_collection_changes(base, file_values, str(args.config))
        base = config_module.merge(base, file_values, f"config {args.config}")
    return config_module.merge(base, _flag_overrides(args), "options", flags=True)


def _refuse_collection_changes(snapshot_config, values: dict, source: str) -> None:
    """A config file may repeat what decided the collection, not change it."""
    recorded = snapshot_config.to_dict()
    for key in config_module.COLLECTION_KEYS:
        if key in values and config_module.build({key: values[key]}, source) != \
                config_module.build({key: recorded[key]}, "snapshot"):
            raise UsageError(f"{source}: audit.{key} = {values[key]!r} differs from the snapshot's "
                             f"{recorded[key]!r}; what is collected is fixed when the snapshot is taken: remove "
                             "the key, or run `irready audit` again with the new value")


def _audit(args: argparse.Namespace) -> int:
    from irready.audit.aws import base_session  # boto3 session set-up is not needed by `evaluate`
    from irready.audit.collect import nothing_read
    from irready.audit.collect.run import Interrupted, collect_to_file
    from irready.audit.parts import SnapshotWriteError

    if args.max_workers < 1:
        raise UsageError(f"--max-workers must be at least 1, got {args.max_workers}")
    if args.processes is not None and not 1 <= args.processes <= args.max_workers:
        raise UsageError(f"--processes must be from 1 to --max-workers ({args.max_workers}), got {args.processes}")
    config = _config(args)
    options = output.options(args)  # bad filters, framework or waivers fail before collecting
    # Everything that could stop the run after collecting is checked before: a collection is never lost.
    if args.output and args.snapshot_out and args.output.resolve() == args.snapshot_out.resolve():
        raise UsageError(f"--output and --snapshot-out both name {args.output}: the report would overwrite the "
                         "evidence; give them different files")
    for option, path in (("--output", args.output), ("--snapshot-out", args.snapshot_out)):
        _require_writable(option, path)
    try:
        session = base_session(args.profile)
    except BotoCoreError as exc:  # ProfileNotFound and other credential-file errors
        raise UsageError(f"--profile: {exc}; name a profile of your AWS config (aws configure list-profiles)") \
            from None
    # The snapshot streams to disk account by account (audit/parts.py): to --snapshot-out, or to a temporary
    # file removed once the report is written.
    path = args.snapshot_out or _temporary_snapshot()
    try:
        snapshot = collect_to_file(config, session, path, args.endpoint_url, args.max_workers,
                                   processes=args.processes, session_factory=partial(base_session, args.profile))
    except Interrupted as stop:
        _save_what_finished(args, stop.snapshot, path)
    except SnapshotWriteError as exc:  # the snapshot could not be written on (disk full): what was written is kept
        raise UsageError(f"{'--snapshot-out ' if args.snapshot_out else ''}{path}: cannot write the snapshot "
                         f"({exc.strerror or exc}); the accounts written before are in {path}.partial "
                         f"(`irready evaluate {path}.partial` reports them, marked incomplete)") from None
    except BaseException:
        kept = path.with_name(path.name + ".partial")
        if args.snapshot_out and kept.exists():
            print(f"irready: the accounts collected before the error are in {kept}", file=sys.stderr)
        else:
            kept.unlink(missing_ok=True)
        _forget(args, path)
        raise
    if not snapshot["accounts"]:
        skipped = "; ".join(f"{a}: {why}" for a, why in snapshot.get("skipped_accounts", {}).items())
        _report(args, snapshot, config, options)
        _forget(args, path)
        raise UnreachableError("no account was audited" + (f" ({skipped})" if skipped else "") +
                               "; check --accounts, --exclude-accounts and --org")
    if nothing_read(snapshot):
        _report(args, snapshot, config, options)
        _forget(args, path)
        raise UnreachableError("nothing could be read: every account or every call failed "
                               "(see the coverage section of the report for why)")
    try:
        status = _report(args, snapshot, config, options)
    except OSError as exc:  # the disk filled up, the folder went away: keep the collection, say so
        if not args.snapshot_out:
            print(f"irready: the collected snapshot is saved in {path}; `irready evaluate {path}` reports it",
                  file=sys.stderr)
        raise UsageError(f"--output {args.output}: cannot write the report ({exc.strerror or exc})") from None
    _forget(args, path)
    return status


def _temporary_snapshot() -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(prefix="irready-snapshot-", suffix=".jsonl")
    os.close(fd)
    return Path(name)


def _forget(args: argparse.Namespace, path: Path) -> None:
    """Remove the temporary snapshot (never the one --snapshot-out asked for)."""
    if not args.snapshot_out:
        path.unlink(missing_ok=True)


def _inventory(args: argparse.Namespace) -> int:
    """`irready inventory`: collect (or load) a snapshot and write its resources; exit 3 if nothing was read."""
    from irready.audit.inventory import write_export

    if args.snapshot:
        snapshot = load_snapshot(args.snapshot)
        config = _config(args, config_module.build(_recorded(snapshot), f"snapshot {args.snapshot}"))
    else:
        from irready.audit.aws import base_session
        from irready.audit.collect import nothing_read
        from irready.audit.collect.run import Interrupted, collect_snapshot

        if args.max_workers < 1:
            raise UsageError(f"--max-workers must be at least 1, got {args.max_workers}")
        config = _config(args)
        _require_writable("--output", args.output)
        try:
            session = base_session(args.profile)
        except BotoCoreError as exc:
            raise UsageError(f"--profile: {exc}; name a profile of your AWS config (aws configure list-profiles)") \
                from None
        try:
            snapshot = collect_snapshot(config, session, args.endpoint_url, args.max_workers)
        except Interrupted:
            raise KeyboardInterrupt from None
        if not snapshot["accounts"] or nothing_read(snapshot):
            raise UnreachableError("nothing could be read: no account or no call succeeded; check the credentials, "
                                   "--accounts and --org")
    suffix = args.output.suffix.lower() if args.output else ""
    fmt = args.format or ("json" if suffix == ".json" else "csv")
    text = write_export(snapshot, config.context_tags, fmt)
    if args.output:
        from irready.audit.files import write_atomically
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _recorded(snapshot: dict) -> dict:
    """The snapshot's recorded config, minus keys this version does not know (an older or newer snapshot)."""
    return {k: v for k, v in (snapshot.get("config") or {}).items() if k in config_module.KEYS and v is not None}


def _require_writable(option: str, path: Path | None) -> None:
    """UsageError unless ``path`` can be written (its folder exists or can be made, and is writable)."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; name a file")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not
                                                                             os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: cannot write there; choose a writable path")


def _save_what_finished(args: argparse.Namespace, snapshot: dict, path: Path) -> NoReturn:
    """The finished accounts are already on disk, marked incomplete: keep them (--snapshot-out) or remove
    the temporary file, say so, and leave at once: calls still in flight are abandoned."""
    done, missing = len(snapshot["accounts"]), snapshot["incomplete"]["missing_accounts"]
    message = f"irready: interrupted after {done} of {done + len(missing)} account(s)"
    if args.snapshot_out:
        message += f"; the finished ones are in {args.snapshot_out} (marked incomplete)"
    _forget(args, path)
    message += "; no report was written"
    if missing:
        message += f"; not audited: {', '.join(missing)}"
    print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(EXIT_INTERRUPTED)  # worker threads may be blocked in calls; do not wait for them


def _evaluate(args: argparse.Namespace) -> int:
    snapshot = load_snapshot(args.snapshot)
    recorded = dict(snapshot.get("config") or {})
    recorded.pop("external_id", None)
    base = config_module.build(recorded, f"snapshot {args.snapshot} config")
    options = output.options(args, snapshot_sha256=_file_sha256(args.snapshot))
    status = _report(args, snapshot, _config(args, base), options)
    if not snapshot["accounts"]:
        raise UnreachableError(f"snapshot {args.snapshot} holds no account: nothing was audited")
    return status


def _file_sha256(path: Path) -> str:
    import hashlib
    with open(path, "rb") as file:  # in chunks: a snapshot of a large organization is not read whole
        return hashlib.file_digest(file, "sha256").hexdigest()


def _format(args: argparse.Namespace) -> str:
    """--format if given, else the one the --output extension names, else table."""
    if args.format:
        return args.format
    return _FORMAT_BY_SUFFIX.get(args.output.suffix.lower(), "table") if args.output else "table"


def _report(args: argparse.Namespace, snapshot: dict, config: config_module.AuditConfig, options) -> int:
    if options.snapshot_sha256 is None:
        options = replace(options, snapshot_sha256=snapshot_sha256(snapshot))
    result = report(snapshot, config, options)
    output.write(result, _format(args), args.output)
    if not args.output:
        sys.stdout.flush()  # a closed pipe is met here, inside main's handling, not at interpreter exit
    if exceeds(result.findings, Severity(args.fail_on)):
        return EXIT_GAPS
    if snapshot.get("incomplete"):  # accounts not audited: a run that could not look is never clean
        missing = snapshot["incomplete"].get("missing_accounts")
        print(f"irready: the snapshot is incomplete ({snapshot['incomplete'].get('reason')}); not audited: "
              f"{'unknown' if missing is None else ', '.join(missing) or 'none'}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if unknown_exceeds(result.findings, config.fail_on_unknown):
        print(f"irready: a check of severity {config.fail_on_unknown} or above is UNKNOWN (could not look); "
              "see the report for why, or set --fail-on-unknown", file=sys.stderr)
        return EXIT_UNREACHABLE
    return EXIT_OK


def _list_checks(args: argparse.Namespace) -> int:
    if args.format == "json":
        import json
        print(json.dumps([check.metadata() for check in ALL_CHECKS], indent=2))
        return EXIT_OK
    if args.format == "markdown":
        sys.stdout.write(markdown.render_catalogue(ALL_CHECKS))
        return EXIT_OK
    from tabulate import tabulate
    print(tabulate([[c.id, c.severity.value, ", ".join(c.categories), c.title] for c in ALL_CHECKS],
                   headers=["id", "severity", "categories", "title"]))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
