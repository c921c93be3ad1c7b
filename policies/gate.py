"""The policy gate: checkov, run as a command from its own virtualenv (it pins boto3 and packaging
versions the project cannot use), with irready's readiness checks from policies/checkov.

``BASELINE_SKIPS`` are the built-in checks the baseline fails on purpose, each limited to the
resources it is about and given its reason; docs/policy-gate.md lists them (a test keeps it so).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from irready.policies import names

CUSTOM_CHECKS = Path(__file__).parent / "checkov"
CHECKOV_REQUIREMENTS = Path(__file__).parent / "checkov-requirements.txt"  # the checkov version the checks fit
CUSTOM_CHECK_IDS = tuple(names.CHECKOV_CHECKS)
_CHECKOUT_CHECKOV = Path(__file__).parents[1] / ".checkov-venv" / "bin" / "checkov"  # what `make` installs


class CheckovError(RuntimeError):
    pass


@dataclass(frozen=True)
class Skip:
    check_id: str
    resources: str  # regular expression over the resource address
    reason: str

    def covers(self, result: CheckResult) -> bool:
        return result.check_id == self.check_id and re.search(self.resources, result.resource) is not None


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    name: str
    passed: bool
    resource: str  # aws_cloudtrail.org, or AWS::CloudTrail::Trail.OrgTrail
    file: str
    lines: tuple[int, int]
    guideline: str = ""
    details: tuple[str, ...] = ()  # what is wrong, where the check says (ours do)


_OPEN_BY_DESIGN = r"_isolation$"
_RESPONDER_PERMISSIONS = r"_responder_permissions$"
_LOG_BUCKETS = (r"aws_s3_bucket\.(organization_trail_bucket|network_log_archive_bucket|investigation_results|"
                r"scheduled_audit(_\d{12})?_bucket|forensic_evidence_bucket)$")
_SCHEDULED_FUNCTIONS = r"aws_lambda_function\.scheduled_audit(_\d{12})?_irready_scheduled_audit_(list|account|merge)$"
BASELINE_SKIPS = (
    Skip("CKV_AWS_24", _OPEN_BY_DESIGN, "the isolation group allows all traffic on purpose: step 1 of the two-step "
         "swap makes tracked connections untracked (docs/containment.md); it is attached only during containment"),
    Skip("CKV_AWS_25", _OPEN_BY_DESIGN, "as CKV_AWS_24 (isolation group, all traffic by design)"),
    Skip("CKV_AWS_260", _OPEN_BY_DESIGN, "as CKV_AWS_24 (isolation group, all traffic by design)"),
    Skip("CKV_AWS_277", _OPEN_BY_DESIGN, "as CKV_AWS_24 (isolation group, all traffic by design)"),
    Skip("CKV_AWS_382", _OPEN_BY_DESIGN, "as CKV_AWS_24 (isolation group, all traffic by design)"),
    Skip("CKV2_AWS_5", r"_(isolation|quarantine)$", "quarantine and isolation groups are attached to nothing until "
         "a responder moves a compromised instance into them"),
    Skip("CKV_AWS_290", _RESPONDER_PERMISSIONS, "the resources an incident touches are not known in advance: "
         "ModifyNetworkInterfaceAttribute, snapshots and instances are scoped by type, KMS by ViaService, the swap "
         "by tag; CKV_AWS_286/287/289 (escalation, credentials, permissions management) pass without a skip"),
    Skip("CKV_AWS_355", r"_(responder_permissions|audit_reads)$", "the resources an incident touches are not known "
         "in advance; the audit's reads are Describe/List/Get calls, most of which take no resource ARN"),
    Skip("CKV_AWS_61", r"_(responder|audit|investigator)$", "the IR roles trust the security account's root (any of "
         "its principals that its own IAM allows), with MFA or an ExternalId for the responder and MFA for the "
         "investigator, and only named principals (aws:PrincipalArn) for irready-audit, MFA for humans; that "
         "account's admins decide who may step in"),
    Skip("CKV_AWS_158", r"aws_cloudwatch_log_group\.", "CloudWatch Logs encrypts at rest with AWS-owned keys; a "
         "customer key in every account and region adds a key policy to run and can lock responders out of flow, "
         "DNS and trail logs when they need them most"),
    Skip("CKV_AWS_252", r"aws_cloudtrail\.", "log-delivery notifications are not needed: findings reach responders "
         "through EventBridge rules (DetectionRouting)"),
    Skip("CKV2_AWS_61", r"aws_s3_bucket\.forensic_evidence_bucket$", "evidence is never expired by a rule: Object "
         "Lock (governance, irready:evidenceRetentionDays) sets how long it is kept at least, and deleting it is a "
         "decision of the case"),
    Skip("CKV_AWS_18", _LOG_BUCKETS, "server access logs for the log, query-result and reports buckets need a "
         "second bucket (not built yet); with S3 data events on all buckets the trail records object reads of these "
         "buckets"),
    Skip("CKV_AWS_144", _LOG_BUCKETS, "cross-region replication doubles the cost of every log and report; "
         "versioning, retention and optional Object Lock protect them in one region; query results expire in 30 days"),
    Skip("CKV2_AWS_62", _LOG_BUCKETS, "nothing consumes object notifications of the log, query-result and reports "
         "buckets"),
    # The scheduled audit (docs/scheduled-audits.md).
    Skip("CKV_AWS_116", _SCHEDULED_FUNCTIONS, "a dead-letter queue catches failed asynchronous invocations; "
         "Step Functions invokes these functions synchronously, and its Distributed Map records each failed item "
         "(the merge reports the account)"),
    Skip("CKV_AWS_117", _SCHEDULED_FUNCTIONS, "the functions only call AWS APIs of every region and account; a VPC "
         "would need NAT or an interface endpoint per service and region in the security account, and no inbound "
         "path exists either way"),
    Skip("CKV_AWS_272", _SCHEDULED_FUNCTIONS, "the code is irready's own package archived by the program at deploy "
         "time; signing it needs an AWS Signer profile (future work)"),
    Skip("CKV_AWS_173", _SCHEDULED_FUNCTIONS, "the environment holds names only (bucket, topic, the [audit] "
         "config without external_id; a test holds it to that); Lambda encrypts it at rest with an AWS-managed key"),
    Skip("CKV_AWS_45", _SCHEDULED_FUNCTIONS, "checkov reads the security account id in the [audit] config as a "
         "secret; the environment holds no secret (tests/infra/test_scheduled_audit.py holds its keys)"),
    Skip("CKV_AWS_50", _SCHEDULED_FUNCTIONS, "X-Ray tracing adds a write permission and cost to every role; each "
         "run is traced by its Step Functions execution history and the functions' JSON logs"),
    Skip("CKV_AWS_284", r"aws_sfn_state_machine\.scheduled_audit", "as CKV_AWS_50 (X-Ray tracing)"),
    Skip("CKV_AWS_285", r"aws_sfn_state_machine\.scheduled_audit", "a Standard workflow keeps 90 days of "
         "execution history itself; CloudWatch delivery would give its role log-delivery actions on *; every run's "
         "outcome is kept in the reports bucket"),
    Skip("CKV_AWS_297", r"aws_scheduler_schedule\.scheduled_audit", "the schedule's target input is empty (the "
         "run's time comes from the execution); a customer key would only add kms:Decrypt to a role that may "
         "otherwise only start the state machine"),
)

# Organization mode's own (issue #18): the StackSets' templates scanned as CloudFormation, and the
# organization-mode plan (Pulumi.example-org.yaml); tests/policies/test_stackset_templates.py proves each needed.
_VPC_PREPARATION_FUNCTION = r"aws_lambda_function\.vpc_preparation_function$"
_SECURITY_CONTACTS_FUNCTION = r"^aws_lambda_function\.organization_security_contacts_function$"
ORGANIZATION_MODE_SKIPS = (
    Skip("CKV_AWS_158", r"^AWS::Logs::LogGroup\.", "as CKV_AWS_158 for aws_cloudwatch_log_group (the StackSets' "
         "flow-log groups)"),
    Skip("CKV_AWS_111", r"^AWS::IAM::Role\.ResponderRole$", "CloudFormation's CKV_AWS_290: the resources an incident "
         "touches are not known in advance (see CKV_AWS_290); CKV_AWS_107/109/110 (credentials, permissions "
         "management, escalation) pass on the template's responder without a skip"),
    Skip("CKV_AWS_116", _VPC_PREPARATION_FUNCTION, "a failed CreateVpc invocation is retried by EventBridge for a "
         "day, and the daily reconciliation prepares any VPC still unprepared; a dead-letter queue would hold "
         "nothing the reconciliation does not redo"),
    Skip("CKV_AWS_117", _VPC_PREPARATION_FUNCTION, "as for the scheduled audit's functions: it only calls AWS APIs "
         "of every account and region; no inbound path exists"),
    Skip("CKV_AWS_272", _VPC_PREPARATION_FUNCTION, "as for the scheduled audit's functions (irready's own package, "
         "archived at deploy time; signing needs an AWS Signer profile, future work)"),
    Skip("CKV_AWS_173", _VPC_PREPARATION_FUNCTION, "the environment holds region names, the quarantine group's "
         "name, the shared query-logging configurations' ids and the member-events bus's ARN only "
         "(tests/infra/test_organization_mode.py holds it to that)"),
    Skip("CKV_AWS_50", _VPC_PREPARATION_FUNCTION, "as for the scheduled audit's functions (X-Ray adds a write "
         "permission and cost; each run logs one JSON line per VPC)"),
    Skip("CKV_AWS_297", r"aws_scheduler_schedule\.vpc_preparation_reconciliation$", "the target input is "
         "{\"reconcile\": true}; a customer key would only add kms:Decrypt to a role that may only invoke the "
         "function"),
    Skip("CKV_AWS_70", r"^aws_s3_bucket_policy\.forensic_evidence_bucket_policy$", "organization-wide, the evidence "
         "bucket admits Principal * only with aws:PrincipalOrgID = the organization and aws:PrincipalArn like "
         "arn:aws:iam::*:role/IncidentResponder (listing every account passes S3's 20 KB policy limit near 550 "
         "accounts); tests/infra/test_forensics.py proves with policies/evaluator.py that principals outside the "
         "organization and other roles inside it are denied every S3 action, and responders get s3:PutObject only"),
    # The security contacts function (issue #18), as the VPC preparation function above.
    Skip("CKV_AWS_116", _SECURITY_CONTACTS_FUNCTION, "a failed membership-event invocation is retried by EventBridge "
         "for a day, and the daily reconciliation sets any contact still missing; a dead-letter queue would hold "
         "nothing the reconciliation does not redo"),
    Skip("CKV_AWS_117", _SECURITY_CONTACTS_FUNCTION, "it only calls Account Management and Organizations; no inbound "
         "path exists"),
    Skip("CKV_AWS_272", _SECURITY_CONTACTS_FUNCTION, "as for the scheduled audit's functions (irready's own package, "
         "archived at deploy time; signing needs an AWS Signer profile, future work)"),
    Skip("CKV_AWS_173", _SECURITY_CONTACTS_FUNCTION, "the environment holds the security contact only (name, title, "
         "e-mail, phone: what AWS shows every principal allowed GetAlternateContact), no secret; "
         "tests/infra/test_security_contacts.py holds it to that"),
    Skip("CKV_AWS_50", _SECURITY_CONTACTS_FUNCTION, "as for the scheduled audit's functions (X-Ray adds a write "
         "permission and cost; each run logs one JSON line per account)"),
    Skip("CKV_AWS_297", r"aws_scheduler_schedule\.organization_security_contacts_reconciliation$", "the target input "
         "is {\"reconcile\": true}; a customer key would only add kms:Decrypt to a role that may only invoke the "
         "function"),
)
BASELINE_SKIPS = BASELINE_SKIPS + ORGANIZATION_MODE_SKIPS


def checkov_command() -> str:
    """checkov from IRREADY_CHECKOV, the checkout's .checkov-venv (`make test` installs it), or PATH."""
    chosen = os.environ.get("IRREADY_CHECKOV")
    if chosen and not (Path(chosen).is_file() and os.access(chosen, os.X_OK)):
        raise CheckovError(f"IRREADY_CHECKOV={chosen} is not an executable checkov; fix the path or unset it")
    for candidate in (chosen, str(_CHECKOUT_CHECKOV), shutil.which("checkov")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise CheckovError("checkov not found: run `make checkov` (installs it in .checkov-venv), or install "
                       f"{CHECKOV_REQUIREMENTS} into a virtualenv of its own and set IRREADY_CHECKOV to its checkov")


def run_checkov(target: Path, frameworks: tuple[str, ...], checks: tuple[str, ...] = ()) -> list[CheckResult]:
    """checkov's results for a file or directory: its built-in checks (only ``checks`` when given) and ours."""
    return checkov_scan(target, frameworks, checks).results


@dataclass(frozen=True)
class CheckovScan:
    """A checkov run: its results, the files it could not parse, and how many resources it read."""
    results: list[CheckResult]
    parsing_errors: tuple[str, ...]
    resource_count: int


def checkov_scan(target: Path, frameworks: tuple[str, ...], checks: tuple[str, ...] = ()) -> CheckovScan:
    """Run checkov on ``target``; CheckovError if it fails or prints no JSON report. A file it could not
    parse is not an error to checkov (exit 0): it is listed in ``parsing_errors``, for the caller to judge."""
    flag = "--file" if target.is_file() else "--directory"
    command = [checkov_command(), flag, str(target), "--framework", *frameworks, "--skip-download",
               "--external-checks-dir", str(CUSTOM_CHECKS), "--output", "json", "--soft-fail", "--compact"]
    if checks:
        command += ["--check", ",".join(checks)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckovError(f"checkov failed on {target} (exit {done.returncode}): {last}")
    try:
        reports = json.loads(done.stdout)
    except ValueError:
        raise CheckovError(f"checkov printed no JSON report for {target}: {done.stdout[:200]!r}") from None
    results, parsing_errors, resources = [], [], 0
    for report in reports if isinstance(reports, list) else [reports]:
        # With nothing to scan, checkov prints only a summary ({"passed": 0, ..., "resource_count": 0}).
        summary = report.get("summary", report)
        resources += int(summary.get("resource_count") or 0)
        parsing_errors += report.get("results", {}).get("parsing_errors", [])
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            for check in report.get("results", {}).get(key, []):
                results.append(CheckResult(check["check_id"], check["check_name"], passed, check["resource"],
                                           check["file_path"], tuple(check.get("file_line_range") or (0, 0)),
                                           check.get("guideline") or "", tuple(check.get("details") or ())))
    return CheckovScan(results, tuple(dict.fromkeys(parsing_errors)), resources)


def gate_failures(results: list[CheckResult]) -> list[CheckResult]:
    """Failed checks the baseline has no documented reason for."""
    return [r for r in results if not r.passed and not any(skip.covers(r) for skip in BASELINE_SKIPS)]


def skips_markdown() -> str:
    """The table of BASELINE_SKIPS that docs/policy-gate.md carries."""
    rows = ["| check | resources (regular expression) | why the baseline fails it on purpose |", "|---|---|---|"]
    rows += [f"| {s.check_id} | `{s.resources.replace('|', chr(92) + '|')}` | {s.reason} |" for s in BASELINE_SKIPS]
    return "\n".join(rows) + "\n"
