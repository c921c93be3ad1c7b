"""The report options `audit` and `evaluate` share (formats, framework, waivers, check choice, trend),
turned into evaluation Options, and the writing of the rendered report.

Kept out of irready/cli.py so the CLI stays parser and dispatch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from irready.audit import frameworks, selection
from irready.audit import waivers as waivers_module
from irready.audit.checks import ALL_CHECKS
from irready.audit.errors import UsageError
from irready.audit.evaluate import Options
from irready.audit.files import write_atomically
from irready.audit.model import Report
from irready.audit.report import write as write_format
from irready.audit.report.layout import counts_line


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """--format and --output are added by the caller; these choose checks, a framework, waivers, history."""
    group = parser.add_argument_group("what to report")
    group.add_argument("--compliance", metavar="FRAMEWORK",
                       help="add the per-requirement view of a framework: " + ", ".join(frameworks.names()))
    group.add_argument("--waivers", type=Path, metavar="FILE",
                       help="TOML file of accepted risks with owner and expiry (see Waivers in docs/reports.md)")
    group.add_argument("--expiring-within", type=int, default=30, metavar="DAYS",
                       help="list waivers that expire within DAYS days (default: 30)")
    group.add_argument("--checks", metavar="IDS", help="only these checks (comma-separated ids or patterns, "
                                                       "e.g. cloudtrail.*); collection is not narrowed")
    group.add_argument("--exclude-checks", metavar="IDS", help="leave these checks out (ids or patterns)")
    group.add_argument("--severity", metavar="LEVELS", help="only checks of these severities (comma-separated)")
    group.add_argument("--categories", metavar="NAMES", help="only checks in these categories (comma-separated: "
                       + ", ".join(sorted({c for check in ALL_CHECKS for c in check.categories})) + ")")
    group.add_argument("--previous", type=Path, nargs="+", default=[], metavar="REPORT",
                       help="earlier JSON reports, oldest first: the HTML report shows the trend")


def options(args: argparse.Namespace, snapshot_sha256: str | None = None) -> Options:
    """Evaluation Options from the command line; UsageError (exit 2) on a bad value."""
    checks = selection.select(ALL_CHECKS, args.checks, args.exclude_checks, args.severity, args.categories)
    if args.compliance:
        frameworks.get(args.compliance)  # fail before collecting on an unknown name
    if args.expiring_within < 0:
        raise UsageError(f"--expiring-within must be 0 or more days, got {args.expiring_within}")
    waivers = waivers_module.load(args.waivers, {c.id for c in ALL_CHECKS}) if args.waivers else None
    return Options(checks=tuple(checks), waivers=waivers, expiring_within_days=args.expiring_within,
                   framework=args.compliance, settings={"fail_on": args.fail_on},
                   snapshot_sha256=snapshot_sha256, history=tuple(history(args.previous)))


def history(paths: list[Path]) -> list[dict]:
    """Each earlier JSON report's label and counts, for the trend."""
    points = []
    for path in paths:
        if not Path(path).is_file():
            raise UsageError(f"--previous {path}: no such file; name earlier reports written with --format json "
                             "(oldest first), or leave --previous out")
        try:
            data = json.loads(Path(path).read_text())
            points.append({"label": data.get("snapshot", {}).get("collected_at") or data.get("generated_at")
                           or str(path), "findings": dict(data["summary"]["findings"])})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"--previous {path}: not a JSON report written by irready "
                             f"(--format json): {type(exc).__name__}")
    return points


def write(report: Report, fmt: str, output: Path | None) -> None:
    """Write ``report`` as ``fmt`` to ``output`` (atomically) or standard output, a finding at a time where
    the format allows (report.write); with a file, one line on standard error says what was written."""
    if output:
        write_atomically(output, lambda stream: write_format(fmt, report, stream))
        print(f"irready: wrote {output} ({fmt}): {counts_line(report)}", file=sys.stderr)
    else:
        write_format(fmt, report, sys.stdout)
