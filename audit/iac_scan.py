"""`irready iac-scan PATH`: the readiness checks, before deploy, on your own Terraform (HCL or plan
JSON) or CloudFormation.

checkov does the parsing and runs, from its own virtualenv, irready's checks (policies/checkov) and
the built-in checks that answer one of the audit's questions. Each result is reported with the
severity and the fix of the audit check it stands for, so a gap reads the same before and after deploy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from irready.audit.checks import CHECKS_BY_ID
from irready.audit.errors import UsageError
from irready.audit.model import Finding, Report, Status, tally
from irready.policies import names
from irready.policies.gate import CheckovError, CheckResult, checkov_scan

from irready import __version__

# checkov check -> the audit check it answers before deploy. Not CKV2_AWS_3 (GuardDuty): it wants each
# detector tied to an organization configuration, which only the delegated administrator's is.
READINESS_CHECKS = {
    **names.CHECKOV_CHECKS,
    "CKV_AWS_67": "cloudtrail.multi_region_logging",
    "CKV_AWS_36": "cloudtrail.log_file_validation",
    "CKV_AWS_35": "cloudtrail.kms_encryption",
    "CKV2_AWS_10": "cloudtrail.cloudwatch_logs",
    "CKV2_AWS_11": "vpc.flow_logs",
    "CKV_AWS_66": "logs.retention",
    "CKV_AWS_338": "logs.retention",
    "CKV_AWS_79": "ec2.imdsv2_required",
    "CKV_AWS_37": "eks.audit_logging",
}
_BY_SUFFIX = {".tf": ("terraform",), ".yaml": ("cloudformation",), ".yml": ("cloudformation",),
              ".template": ("cloudformation",)}
ALL_FRAMEWORKS = ("terraform", "cloudformation", "terraform_plan")
NO_ACCOUNT = NO_REGION = "-"  # a finding on a file, before deploy: no account or region yet


def frameworks_for(path: Path) -> tuple[str, ...]:
    if path.is_dir():
        return ALL_FRAMEWORKS
    if path.suffix == ".json":
        try:
            document = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise UsageError(f"{path}: not JSON; give a Terraform plan (terraform show -json), a CloudFormation "
                             "template, .tf files or a directory") from None
        if not isinstance(document, dict):
            raise UsageError(f"{path}: JSON, but a {type(document).__name__}, not an object; a Terraform plan "
                             "(terraform show -json) and a CloudFormation template are objects")
        return ("terraform_plan",) if "planned_values" in document else ("cloudformation",)
    if path.suffix in _BY_SUFFIX:
        return _BY_SUFFIX[path.suffix]
    raise UsageError(f"{path}: unknown kind of file; give .tf, a Terraform plan .json, a CloudFormation "
                     ".yaml/.json/.template, or a directory")


@dataclass(frozen=True)
class ScanOutcome:
    report: Report  # of kind "iac-scan", for any renderer of the registry
    unparsed: tuple[str, ...]  # files checkov could not parse: not scanned, so the scan is not clean


def scan(path: Path) -> Report:
    """The readiness checks on ``path``, as a Report of kind "iac-scan"; ``scan_path`` also names the files
    checkov could not parse."""
    return scan_path(path).report


def scan_path(path: Path) -> ScanOutcome:
    """Scan ``path`` with checkov. Each finding names the audit check it stands for (``check_id``), the
    checkov check that produced it (``source_check``), the resource, and the file and lines.

    UsageError if the path cannot be scanned, or holds nothing checkov can read (an empty folder is not a
    clean scan)."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    try:
        done = checkov_scan(path, frameworks_for(path), tuple(READINESS_CHECKS))
    except CheckovError as exc:
        raise UsageError(str(exc)) from None
    if not done.resource_count and not done.parsing_errors and not done.results:
        raise UsageError(f"{path}: no Terraform or CloudFormation resource found, so nothing was scanned; give .tf "
                         "files, a Terraform plan (terraform show -json) or a CloudFormation template")
    findings = sorted((_finding(r, path) for r in done.results if r.check_id in READINESS_CHECKS),
                      key=lambda f: (f.status is not Status.FAIL, f.check_id, f.source_check, f.file, f.line or 0))
    checks = [CHECKS_BY_ID[c] for c in dict.fromkeys(READINESS_CHECKS.values())]
    summary = {"scanned": str(path), "checked": len(findings), "accounts": 0, "regions": [],
               "checks": len({f.check_id for f in findings}), **tally(findings), "coverage_gaps": [],
               "unparsed": list(done.parsing_errors)}
    report = Report(findings, summary, checks, {}, kind="iac-scan",
                    evidence={"tool": {"name": "irready", "version": __version__}, "scanned": str(path),
                              "checkov_checks": sorted(READINESS_CHECKS)})
    return ScanOutcome(report, tuple(done.parsing_errors))


def _finding(result: CheckResult, root: Path) -> Finding:
    check = CHECKS_BY_ID[READINESS_CHECKS[result.check_id]]
    # checkov names files relative to a scanned directory ("/main.tf").
    path = root / result.file.lstrip("/") if root.is_dir() else root
    reason = "; ".join(result.details) or result.name
    return Finding(check.id, result.name, Status.PASS if result.passed else Status.FAIL, check.severity,
                   NO_ACCOUNT, NO_REGION, result.resource, reason, check.remediation, file=str(path),
                   line=result.lines[0], end_line=result.lines[1], source_check=result.check_id)
