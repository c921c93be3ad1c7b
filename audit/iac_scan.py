"""`irready iac-scan PATH`: the readiness checks, before deploy, on your own Terraform (HCL or plan
JSON) or CloudFormation.

checkov does the parsing and runs, from its own virtualenv, irready's checks (policies/checkov) and
the built-in checks that answer one of the audit's questions. Each result is reported with the
severity and the fix of the audit check it stands for, so a gap reads the same before and after deploy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path

from irready.audit.checks import CHECKS_BY_ID
from irready.audit.errors import UsageError
from irready.audit.model import Severity
from irready.audit.report.html import STYLE
from irready.policies import names
from irready.policies.gate import CheckovError, CheckResult, checkov_scan
from tabulate import tabulate

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


@dataclass(frozen=True)
class IacFinding:
    check_id: str
    title: str
    status: str  # PASS or FAIL
    severity: str
    resource: str
    location: str  # file:first-last line
    reason: str
    audit_check: str
    remediation: str
    guideline: str


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


def scan(path: Path) -> list[IacFinding]:
    """The findings of a scan of ``path``; see ``scan_path`` for the files it could not read."""
    return scan_path(path).findings


@dataclass(frozen=True)
class ScanOutcome:
    findings: list[IacFinding]
    unparsed: tuple[str, ...]  # files checkov could not parse: not scanned, so the scan is not clean


def scan_path(path: Path) -> ScanOutcome:
    """Scan ``path``; UsageError if it holds nothing checkov can read (an empty folder is not a clean scan)."""
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
                      key=lambda f: (f.status != "FAIL", f.check_id, f.location))
    return ScanOutcome(findings, done.parsing_errors)


def _finding(result: CheckResult, root: Path) -> IacFinding:
    check = CHECKS_BY_ID[READINESS_CHECKS[result.check_id]]
    # checkov names files relative to a scanned directory ("/main.tf").
    path = root / result.file.lstrip("/") if root.is_dir() else root
    location = f"{path}:{result.lines[0]}-{result.lines[1]}"
    return IacFinding(result.check_id, result.name, "PASS" if result.passed else "FAIL", check.severity.value,
                      result.resource, location, "; ".join(result.details) or result.name, check.id,
                      check.remediation, result.guideline)


def exceeds(findings: list[IacFinding], fail_on: Severity) -> bool:
    """Any FAIL at or above ``fail_on``: the exit code's question, as for the audit."""
    return any(f.status == "FAIL" and Severity(f.severity).rank >= fail_on.rank for f in findings)


def render(findings: list[IacFinding], fmt: str) -> str:
    failed = [f for f in findings if f.status == "FAIL"]
    summary = {"checked": len(findings), "failed": len(failed), "passed": len(findings) - len(failed)}
    if fmt == "json":
        return json.dumps({"summary": summary, "findings": [asdict(f) for f in findings]}, indent=2) + "\n"
    fixes = sorted({f.audit_check: f.remediation for f in failed}.items())
    if fmt == "html":
        return _html(findings, summary, fixes)
    rows = [[f.status, f.severity, f.check_id, f.resource, f.location, f.reason if f.status == "FAIL" else ""]
            for f in findings]
    headers = ["status", "severity", "check", "resource", "where", "what is wrong"]
    if fmt == "markdown":
        lines = ["# irready IaC readiness scan", "",
                 f"{summary['failed']} FAIL, {summary['passed']} PASS over {summary['checked']} checked resources.",
                 "", tabulate(rows, headers=headers, tablefmt="github")]
        if fixes:
            lines += ["", "## How to fix", ""] + [f"- **{check}**: {fix}" for check, fix in fixes]
        return "\n".join(lines) + "\n"
    lines = [tabulate(rows, headers=headers, tablefmt="simple", maxcolwidths=[None] * 5 + [60]), "",
             f"{summary['failed']} FAIL, {summary['passed']} PASS over {summary['checked']} checked resources"]
    if fixes:
        lines += ["", "How to fix:"] + [f"  {check}: {fix}" for check, fix in fixes]
    return "\n".join(lines) + "\n"


def _html(findings: list[IacFinding], summary: dict, fixes: list[tuple[str, str]]) -> str:
    cells = ("status", "severity", "check_id", "resource", "location", "reason")
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>irready IaC readiness scan</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>irready IaC readiness scan</h1>",
           f"<p><strong>{summary['failed']} FAIL, {summary['passed']} PASS</strong> over {summary['checked']} "
           "checked resources.</p>",
           "<table><tr><th>status</th><th>severity</th><th>check</th><th>resource</th><th>where</th>"
           "<th>what is wrong</th></tr>"]
    for finding in findings:
        values = {cell: getattr(finding, cell) for cell in cells}
        values["reason"] = finding.reason if finding.status == "FAIL" else ""
        out.append(f'<tr class="{finding.status}">' + "".join(f"<td>{escape(values[c])}</td>" for c in cells)
                   + "</tr>")
    out.append("</table>")
    if fixes:
        out += ["<h2>How to fix</h2>", "<ul>"] + [f"<li><strong>{escape(check)}</strong>: {escape(fix)}</li>"
                                                  for check, fix in fixes] + ["</ul>"]
    return "\n".join([*out, "</body></html>"]) + "\n"
