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
_CODE_BUCKET = r"aws_s3_bucket\.irready_functions_code_bucket$"
_IRREADY_FUNCTIONS = (r"aws_lambda_function\.(scheduled_audit(_\d{12})?_irready_scheduled_audit_(list|account|merge)|"
                      r"vpc_preparation_function|organization_security_contacts_function)$")
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
    # The functions' code bucket (infra/components/signed_functions.py): what it holds cannot run unless signed.
    Skip("CKV_AWS_18", _CODE_BUCKET, "an object written to the code bucket by anyone but a signing job cannot be "
         "deployed (the code signing configuration enforces irready's profile: tests/infra/"
         "test_signed_functions.py::test_lambda_refuses_code_not_signed_by_irreadys_profile); the trail's S3 data "
         "events (tests/policies/test_gate.py::test_a_program_without_data_events_fails_the_gate) record its "
         "object-level calls"),
    Skip("CKV_AWS_144", _CODE_BUCKET, "the packages are rebuilt from the installed irready and signed again at every "
         "deployment; Lambda keeps its own copy of the deployed code"),
    Skip("CKV2_AWS_62", _CODE_BUCKET, "nothing consumes object notifications of the code bucket; an object in it "
         "deploys only when signed by irready's profile (see CKV_AWS_18)"),
    # The scheduled audit (docs/scheduled-audits.md). Code signing (CKV_AWS_272), the environment's key
    # (CKV_AWS_173), X-Ray (CKV_AWS_50, CKV_AWS_284) and the schedule's key (CKV_AWS_297) are fixed for every
    # irready function and schedule by infra/components/signed_functions.py.
    Skip("CKV_AWS_116", _SCHEDULED_FUNCTIONS, "a dead-letter queue catches failed asynchronous invocations, and these "
         "functions are only ever invoked synchronously, by the state machine's Task states (a failed item is "
         "recorded by the Distributed Map, the merge reports the account): tests/infra/test_signed_functions.py::"
         "test_the_scheduled_audits_functions_are_invoked_synchronously_by_the_state_machine_only"),
    Skip("CKV_AWS_117", _IRREADY_FUNCTIONS, "the functions call AWS APIs of every region and account, which a VPC "
         "would reach through NAT or an interface endpoint per service and region; they have no inbound path (no "
         "function URL, invoked only by the named rules, schedules and state machine) and run only code signed by "
         "irready's profile (Enforce): tests/infra/test_signed_functions.py::"
         "test_no_irready_function_can_be_reached_but_by_its_named_invokers and "
         "test_every_irready_function_runs_only_signed_code_from_the_code_bucket"),
    Skip("CKV_AWS_45", _SCHEDULED_FUNCTIONS, "checkov reads the security account id in the [audit] config as a "
         "secret; the environment holds no secret (tests/infra/test_scheduled_audit.py holds its keys)"),
    Skip("CKV_AWS_285", r"aws_sfn_state_machine\.scheduled_audit", "a Standard workflow keeps 90 days of "
         "execution history itself; CloudWatch delivery would give its role log-delivery actions on *; every run's "
         "outcome is kept in the reports bucket"),
)

# Organization mode's own (issue #18): the StackSets' templates scanned as CloudFormation, and the
# organization-mode plan (Pulumi.example-org.yaml); tests/policies/test_stackset_templates.py proves each needed.
_VPC_PREPARATION_FUNCTION = r"aws_lambda_function\.vpc_preparation_function$"
_SECURITY_CONTACTS_FUNCTION = r"^aws_lambda_function\.organization_security_contacts_function$"
ORGANIZATION_MODE_SKIPS = (
    Skip("CKV_AWS_111", r"^AWS::IAM::Role\.ResponderRole$", "CloudFormation's CKV_AWS_290: the resources an incident "
         "touches are not known in advance (see CKV_AWS_290); CKV_AWS_107/109/110 (credentials, permissions "
         "management, escalation) pass on the template's responder without a skip"),
    Skip("CKV_AWS_116", _VPC_PREPARATION_FUNCTION, "a failed CreateVpc invocation is retried by EventBridge for a "
         "day, and the daily reconciliation prepares every VPC still unprepared, so a dead-letter queue would hold "
         "nothing the reconciliation does not redo: tests/emulated/test_vpc_preparation.py::"
         "test_reconciliation_prepares_every_owned_vpc_it_missed, and tests/infra/test_organization_mode.py::"
         "test_the_preparation_function_runs_on_create_vpc_events_and_a_daily_reconciliation"),
    Skip("CKV_AWS_70", r"^aws_s3_bucket_policy\.forensic_evidence_bucket_policy$", "organization-wide, the evidence "
         "bucket admits Principal * only with aws:PrincipalOrgID = the organization and aws:PrincipalArn like "
         "arn:aws:iam::*:role/IncidentResponder (listing every account passes S3's 20 KB policy limit near 550 "
         "accounts); tests/infra/test_forensics.py proves with policies/evaluator.py that principals outside the "
         "organization and other roles inside it are denied every S3 action, and responders get s3:PutObject only"),
    # The security contacts function (issue #18), as the VPC preparation function above.
    Skip("CKV_AWS_116", _SECURITY_CONTACTS_FUNCTION, "a failed membership-event invocation is retried by EventBridge "
         "for a day, and the daily reconciliation sets every contact still missing or different, so a dead-letter "
         "queue would hold nothing the reconciliation does not redo: tests/emulated/test_alternate_contacts.py::"
         "test_reconciliation_sets_every_active_members_missing_or_different_contact, and "
         "tests/infra/test_security_contacts.py::test_a_daily_reconciliation_catches_what_events_missed"),
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
