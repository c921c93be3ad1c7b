"""The `irready` command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from irready.audit import config as config_module
from irready.audit.checks import ALL_CHECKS
from irready.audit.errors import IrreadyError, UnreachableError, UsageError
from irready.audit.evaluate import exceeds, report
from irready.audit.files import write_atomically
from irready.audit.model import Severity
from irready.audit.report import markdown
from irready.audit.report.formats import RENDERERS
from irready.audit.snapshot import load as load_snapshot
from irready.audit.snapshot import save as save_snapshot
from irready.policies import names

EXIT_OK, EXIT_GAPS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

_EPILOG = """exit codes:
  0  no FAIL at or above --fail-on
  1  gaps found (a FAIL at or above --fail-on)
  2  usage, config or input error
  3  the audit could not reach AWS at all (or read nothing at all)
  130  interrupted (Ctrl-C or SIGTERM); with --snapshot-out, the accounts that finished are saved
"""


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with an [audit] table (see docs/configuration.md)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="table", help="report format (default: table)")
    parser.add_argument("--output", type=Path, help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity], default="low",
                        help="exit 1 when a check of at least this severity FAILs (default: low, i.e. any FAIL)")
    parser.add_argument("--min-log-retention-days", type=int, metavar="DAYS",
                        help=f"shortest acceptable log retention (default: {names.MIN_LOG_RETENTION_DAYS})")
    parser.add_argument("--security-account-id", metavar="ID",
                        help="the account responders come from; ir.responder_role needs it")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="irready", description="Is this AWS organization ready for a security incident? A read-only audit of the "
                                    "accounts (audit, evaluate), and of Terraform or CloudFormation before deploy "
                                    "(iac-scan).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to standard error")
    commands = parser.add_subparsers(dest="command", required=True)

    audit = commands.add_parser(
        "audit", help="collect account state with read-only calls, evaluate the checks, report the gaps",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    audit.add_argument("--profile", help="AWS named profile (default: the standard credential chain)")
    audit.add_argument("--regions", help="comma-separated regions, or 'all' for each account's enabled regions "
                                         "(default: all)")
    audit.add_argument("--endpoint-url", help="send every AWS call here (moto, LocalStack) instead of AWS")
    audit.add_argument("--org", action="store_true", default=None,
                       help="audit every active account of the organization (run from the management or a "
                            "delegated administrator account); suspended accounts are skipped")
    audit.add_argument("--accounts", help="comma-separated account ids to audit by assuming --role-name in each "
                                          "(default: the caller's own account; with --org, a filter)")
    audit.add_argument("--exclude-accounts", help="comma-separated account ids to leave out")
    audit.add_argument("--role-name", help=f"role to assume in each of --accounts (default: {names.AUDIT_ROLE_NAME})")
    audit.add_argument("--external-id", help="ExternalId to pass when assuming --role-name")
    audit.add_argument("--max-workers", type=int, default=16,
                       help="API calls in flight at once, across all accounts and regions (default: 16)")
    audit.add_argument("--snapshot-out", type=Path, help="also save the collected snapshot (JSON) for "
                                                         "`irready evaluate` and as evidence")
    _report_options(audit)

    offline = commands.add_parser(
        "evaluate", help="re-evaluate a saved snapshot offline, without calling AWS",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    offline.add_argument("snapshot", type=Path, help="a file written by `irready audit --snapshot-out`")
    _report_options(offline)

    listing = commands.add_parser("checks", help="list the checks with their metadata")
    listing.add_argument("--format", choices=["table", "json", "markdown"], default="table")

    iac = commands.add_parser(
        "iac-scan", help="run the readiness checks on Terraform (.tf or plan JSON) or CloudFormation before deploy "
                         "(checkov, from its own virtualenv)",
        epilog="exit codes:\n  0  no FAIL at or above --fail-on\n  1  gaps found\n  2  usage or input error, or "
               "checkov not found",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    iac.add_argument("path", type=Path, help="a .tf file, a Terraform plan (terraform show -json), a CloudFormation "
                                             "template, or a directory of them")
    iac.add_argument("--format", choices=["table", "json", "markdown", "html"], default="table",
                     help="report format (default: table)")
    iac.add_argument("--output", type=Path, help="write the report to FILE instead of standard output")
    iac.add_argument("--fail-on", choices=[s.value for s in Severity], default="low",
                     help="exit 1 when a check of at least this severity FAILs (default: low, i.e. any FAIL)")

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
    local.add_argument("--config", type=Path, help="TOML file with an [audit] table (see docs/configuration.md)")
    local.add_argument("--topic-arn", help="publish the run's summary to this SNS topic")
    local.add_argument("--security-hub", action="store_true", help="import the findings into Security Hub")
    local.add_argument("--formats", help="comma-separated report formats (default: every format)")
    local.add_argument("--max-concurrency", type=int, default=8, help="accounts audited at once (default: 8)")

    demo = commands.add_parser("demo", help="audit an untouched emulated organization, prepare it with the Pulumi "
                                            "program, audit again (moto, in-process; no credentials)")
    demo.add_argument("--output-dir", type=Path, default=Path("reports"), help="where to write the reports "
                                                                                 "(default: reports/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # A scheduler's stop (SIGTERM) is handled like Ctrl-C: keep what finished, write nothing half.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="irready: %(message)s", stream=sys.stderr)
    try:
        if args.command == "audit":
            return _audit(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "checks":
            return _list_checks(args)
        if args.command == "iac-scan":
            return _iac_scan(args)
        if args.command == "schedule":
            return _schedule_run_local(args)
        from irready.emulated.demo import run_demo  # the emulator is only needed here
        return run_demo(args.output_dir)
    except IrreadyError as exc:
        print(f"irready: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("irready: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _schedule_run_local(args: argparse.Namespace) -> int:
    from irready.audit import scheduled
    from irready.audit.aws import base_session

    if args.max_concurrency < 1:
        raise UsageError(f"--max-concurrency must be at least 1, got {args.max_concurrency}")
    config = config_module.merge(config_module.AuditConfig(), config_module.load_file(args.config),
                                 f"config {args.config}") if args.config else config_module.AuditConfig()
    settings = scheduled.Settings(
        bucket=args.bucket, config=config, topic_arn=args.topic_arn, security_hub=args.security_hub,
        formats=tuple(f for f in (args.formats or "").split(",") if f) or tuple(RENDERERS),
        endpoint_url=args.endpoint_url, region=args.region)
    summary = scheduled.run_local(settings, base_session(args.profile), max_concurrency=args.max_concurrency)
    sys.stdout.write(scheduled.alert_text(summary))
    return EXIT_GAPS if summary["findings"]["FAIL"] else EXIT_OK


def _iac_scan(args: argparse.Namespace) -> int:
    from irready.audit import iac_scan

    findings = iac_scan.scan(args.path)
    text = iac_scan.render(findings, args.format)
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_GAPS if iac_scan.exceeds(findings, Severity(args.fail_on)) else EXIT_OK


def _flag_overrides(args: argparse.Namespace) -> dict:
    flags = {"min_log_retention_days": args.min_log_retention_days, "security_account_id": args.security_account_id}
    for name in ("regions", "org", "accounts", "exclude_accounts", "role_name", "external_id"):
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
    for key in config_module.COLLECTION_KEYS:
        if key in values and config_module.build({key: values[key]}, source) != \
                config_module.build({key: getattr(snapshot_config, key)}, "snapshot"):
            raise UsageError(f"{source}: audit.{key} was fixed when the snapshot was collected; "
                             "remove it, or run `irready audit` again with the new value")


def _audit(args: argparse.Namespace) -> int:
    from irready.audit.aws import base_session  # boto3 session set-up is not needed by `evaluate`
    from irready.audit.collect import nothing_read
    from irready.audit.collect.run import Interrupted, collect_snapshot

    if args.max_workers < 1:
        raise UsageError(f"--max-workers must be at least 1, got {args.max_workers}")
    config = _config(args)
    try:
        snapshot = collect_snapshot(config, base_session(args.profile), args.endpoint_url, args.max_workers)
    except Interrupted as stop:
        _save_what_finished(args, stop.snapshot)
    if args.snapshot_out:
        save_snapshot(snapshot, args.snapshot_out)
    if snapshot["accounts"] and nothing_read(snapshot):
        _report(args, snapshot, config)
        raise UnreachableError("nothing could be read: every account or every call failed "
                               "(see the coverage section of the report for why)")
    return _report(args, snapshot, config)


def _save_what_finished(args: argparse.Namespace, snapshot: dict) -> NoReturn:
    """Save the finished accounts (atomically) and leave at once: calls still in flight are abandoned."""
    done, missing = len(snapshot["accounts"]), snapshot["incomplete"]["missing_accounts"]
    message = f"irready: interrupted after {done} of {done + len(missing)} account(s)"
    if args.snapshot_out:
        save_snapshot(snapshot, args.snapshot_out)
        message += f"; the finished ones are in {args.snapshot_out} (marked incomplete)"
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
    return _report(args, snapshot, _config(args, base))


def _report(args: argparse.Namespace, snapshot: dict, config: config_module.AuditConfig) -> int:
    result = report(snapshot, config)
    text = RENDERERS[args.format](result)
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_GAPS if exceeds(result.findings, Severity(args.fail_on)) else EXIT_OK


def _list_checks(args: argparse.Namespace) -> int:
    if args.format == "json":
        import json
        print(json.dumps([check.metadata() for check in ALL_CHECKS], indent=2))
        return EXIT_OK
    if args.format == "markdown":
        sys.stdout.write(markdown.render_catalogue(ALL_CHECKS))
        return EXIT_OK
    from tabulate import tabulate
    print(tabulate([[c.id, c.severity.value, c.title] for c in ALL_CHECKS], headers=["id", "severity", "title"]))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
