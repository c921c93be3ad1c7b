"""The exit code as a CI gate: never 0 when the audit could not look, never 1 for a crash, never a
traceback. Against moto over HTTP behind the fault-injecting proxy; each case of docs/reliability.md."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from irready.audit.snapshot import load as load_snapshot

from irready.cli import EXIT_BROKEN_PIPE, EXIT_INTERNAL, build_parser, main
from irready.emulated.seed import Seeder, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, use_standard_credentials
from tests.support.faults import Fault

AUDITED_SERVICES = ("account", "iam", "ec2", "cloudtrail", "logs", "guardduty", "events", "route53resolver", "eks",
                    "s3", "s3control", "sns",
                    # issue #19 (by signing name, as the fault injector matches them)
                    "ecs", "ecr", "lambda", "rds", "elasticloadbalancing", "ssm", "resourcegroupstaggingapi",
                    "cloudfront")


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    use_standard_credentials(monkeypatch)


def audit_args(emulator, account_id, *extra):
    return ["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", account_id,
            "--security-account-id", SECURITY_ACCOUNT, *extra]


def run(capsys, argv) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


def one_line(err: str) -> bool:
    return "Traceback" not in err and len([line for line in err.splitlines() if "error" in line]) == 1


# --- nothing read, nothing audited: exit 3 -------------------------------------------------------------------

@pytest.mark.parametrize(("code", "reason"), [("AccessDenied", "access denied"),
                                              ("ExpiredToken", "credentials expired; log in again")])
def test_every_call_failing_exits_3(emulator, faults, account_id, capsys, tmp_path, code, reason):
    prepare_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    faults.faults.extend(Fault(service, code=code, status=403) for service in AUDITED_SERVICES)
    status, err = run(capsys, audit_args(emulator, account_id, "--output", str(tmp_path / "report.json")))
    assert status == 3, err
    assert "nothing could be read" in err
    findings = json.loads((tmp_path / "report.json").read_text())["findings"]
    assert {f["status"] for f in findings} == {"UNKNOWN"} and reason in findings[0]["reason"]


@pytest.fixture(scope="module")
def organization(_emulator_and_faults):
    emulator = _emulator_and_faults[0]
    org = emulator.client(emulator.session(), "organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyInOrganizationException":
            raise


@pytest.mark.parametrize(("extra", "said"), [
    (["--org", "--accounts", "999999999999"], "999999999999: not a member of the organization"),
    (["--org", "--exclude-accounts", SECURITY_ACCOUNT], "excluded by exclude_accounts"),
    (["--accounts", "999999999998", "--exclude-accounts", "999999999998"], "excluded by exclude_accounts"),
])
def test_no_account_audited_exits_3(emulator, organization, faults, capsys, extra, said):
    if "--org" in extra and "--exclude-accounts" in extra:  # an organization of the management account alone
        faults.faults.append(Fault("organizations", "ListAccounts", answer={"Accounts": [
            {"Id": SECURITY_ACCOUNT, "Status": "ACTIVE", "Name": "management"}]}))
    status, err = run(capsys, ["audit", "--endpoint-url", emulator.url, "--regions", REGION, *extra])
    assert status == 3, err
    assert "no account was audited" in err and said in err


def test_an_organization_with_no_accounts_exits_3(emulator, organization, faults, capsys):
    faults.faults.append(Fault("organizations", "ListAccounts", answer={"Accounts": []}))
    status, err = run(capsys, ["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--org"])
    assert status == 3, err
    assert "no account was audited" in err


# --- UNKNOWN where it matters: exit 3 unless a FAIL says 1 ---------------------------------------------------

@pytest.fixture
def prepared(emulator, account_id):
    prepare_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    return account_id


@pytest.mark.parametrize(("extra", "config", "expected"), [
    ([], None, 3),  # guardduty.enabled (high) UNKNOWN: default threshold high
    (["--fail-on-unknown", "critical"], None, 0),
    (["--fail-on-unknown", "none"], None, 0),
    ([], 'fail_on_unknown = "none"', 0),
    (["--fail-on-unknown", "high"], 'fail_on_unknown = "none"', 3),  # the flag overrides the file
])
def test_unknown_on_a_high_check_exits_3(emulator, faults, prepared, capsys, tmp_path, extra, config, expected):
    faults.faults.append(Fault("guardduty", "ListDetectors"))
    if config:
        (tmp_path / "irready.toml").write_text(f"[audit]\n{config}\n")
        extra = [*extra, "--config", str(tmp_path / "irready.toml")]
    status, err = run(capsys, audit_args(emulator, prepared, *extra))
    assert status == expected, err


def test_a_fail_outranks_an_unknown(emulator, faults, prepared, capsys):
    Seeder(emulator, prepared).log_group(REGION, "/aws/lambda/short-lived", 30)  # a FAIL
    faults.faults.append(Fault("guardduty", "ListDetectors"))  # an UNKNOWN
    assert run(capsys, audit_args(emulator, prepared))[0] == 1


# --- crashes: one line, a distinct code ----------------------------------------------------------------------

def snapshot_file(tmp_path, text: str) -> str:
    path = tmp_path / "snapshot.json"
    path.write_text(text)
    return str(path)


VALID = {"schema": "irready/snapshot-v1", "config": {}}


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a":' * 100000 + "1" + "}" * 100000, 2),  # nested past the parser's recursion limit
    ("[" * 100000 + "]" * 100000, 2),
    (json.dumps(VALID | {"accounts": {"111111111111": {"regions": [], "services": {}, "unavailable": "x"}}}), 2),
    (json.dumps(VALID | {"accounts": {"111111111111": {"regions": ["us-east-1"], "services": {
        "guardduty": {"us-east-1": {"unavailable": ["not", "a", "marker"]}}}}}}), 2),
    ('{"schema": "irready/snapshot-v1", "accounts": {}, "config": {"min_log_retention_days": ' + "9" * 5000 + "}}",
     2),
    (json.dumps(VALID | {"accounts": {"111111111111": {"regions": ["us-east-1"], "services": {
        "account": {"security_contact": 10 ** 40}, "iam": {"roles": {"r": {"trust_policy": 10 ** 40}}}}}}}), 3),
], ids=["deep object", "deep array", "account marker a string", "section marker a list", "huge integer in config",
        "huge integers in sections"])
def test_hostile_snapshots_end_in_one_line_and_never_1(tmp_path, capsys, text, expected):
    status, err = run(capsys, ["evaluate", snapshot_file(tmp_path, text), "--fail-on-unknown", "none"]
                      if expected == 0 else ["evaluate", snapshot_file(tmp_path, text)])
    assert status in (expected, 1 if expected == 3 else expected), err
    assert status != EXIT_INTERNAL and "Traceback" not in err


def test_an_unknown_profile_is_a_usage_error(capsys):
    status, err = run(capsys, ["audit", "--profile", "no-such-profile-irready", "--regions", REGION])
    assert status == 2
    assert "--profile" in err and "no-such-profile-irready" in err and one_line(err)


@pytest.mark.parametrize("option", ["--output", "--snapshot-out"])
def test_an_unwritable_destination_is_refused_before_collecting(emulator, faults, account_id, tmp_path, capsys,
                                                                option):
    (tmp_path / "a-file").write_text("")
    status, err = run(capsys, audit_args(emulator, account_id, option, str(tmp_path / "a-file" / "out.json")))
    assert status == 2 and f"{option} " in err and one_line(err)
    assert not faults.calls  # nothing was collected, so nothing is lost


def test_output_and_snapshot_out_naming_one_file_is_refused(emulator, faults, account_id, tmp_path, capsys):
    same = str(tmp_path / "evidence.json")
    status, err = run(capsys, audit_args(emulator, account_id, "--output", same, "--snapshot-out", same))
    assert status == 2 and "both name" in err and not faults.calls


def test_an_internal_error_exits_4_in_one_line(monkeypatch, tmp_path, capsys):
    import irready.cli
    monkeypatch.setattr(irready.cli, "report", lambda *_: (_ for _ in ()).throw(RuntimeError("boom")))
    status, err = run(capsys, ["evaluate", snapshot_file(tmp_path, json.dumps(VALID | {"accounts": {}}))])
    assert status == EXIT_INTERNAL
    assert "internal error: RuntimeError: boom" in err and one_line(err)


def cli(*argv, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": REGION}
    return subprocess.Popen([sys.executable, "-m", "irready.cli", *argv], env=env, text=True, **kwargs)


def test_a_closed_pipe_exits_141_quietly(tmp_path):
    snapshot = snapshot_file(tmp_path, json.dumps(VALID | {"accounts": {}}))
    process = cli("evaluate", snapshot, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader (`| head`) is gone before the report is written
    err = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE, err
    assert "Traceback" not in err


def test_a_second_ctrl_c_does_not_lose_the_snapshot(emulator, fresh_account, faults, tmp_path):
    fast, slow = fresh_account(), fresh_account()
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=slow, code=None, delay=60))
    snapshot = tmp_path / "snapshot.json"
    process = cli("audit", "-v", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", f"{fast},{slow}",
                  "--security-account-id", SECURITY_ACCOUNT, "--max-workers", "4", "--snapshot-out", str(snapshot),
                  stderr=subprocess.PIPE)  # -v: the per-account lines (off a terminal, progress is silent)
    for line in process.stderr:
        if f"account {fast} done" in line:
            break
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)  # impatient: the second press must not cut the saving short
    rest = process.stderr.read()
    assert process.wait(timeout=15) == 130, rest
    assert list(load_snapshot(snapshot)["accounts"]) == [fast]
    assert "Traceback" not in rest


# --- small things a CI user meets ----------------------------------------------------------------------------

def test_verbose_works_after_the_subcommand():
    assert build_parser().parse_args(["evaluate", "s.json", "-v"]).verbose is True
    assert build_parser().parse_args(["-v", "evaluate", "s.json"]).verbose is True
    assert not getattr(build_parser().parse_args(["evaluate", "s.json"]), "verbose", False)


@pytest.mark.parametrize(("name", "extra", "starts"), [
    ("report.md", [], "#"),
    ("report.json", [], "{"),
    ("report.html", [], "<!"),
    ("report.md", ["--format", "json"], "{"),  # --format wins over the extension
])
def test_output_extension_picks_the_format_and_a_summary_line_is_printed(tmp_path, capsys, name, extra, starts):
    snapshot = snapshot_file(tmp_path, json.dumps(VALID | {"accounts": {"111111111111": {
        "account_id": "111111111111", "regions": [], "services": {"account": {"security_contact": None}}}}}))
    output = tmp_path / name
    status, err = run(capsys, ["evaluate", snapshot, "--output", str(output), "--fail-on-unknown", "none", *extra])
    assert output.read_text().lstrip().startswith(starts)
    assert f"wrote {output}" in err and " FAIL, " in err
    assert capsys.readouterr().out == ""
    assert status in (0, 1)


def test_the_config_help_names_a_file_that_exists():
    text = build_parser()._subparsers._group_actions[0].choices["audit"].format_help()
    mentioned = text.split("--config CONFIG  ")[1].split("docs/")[1].split(")")[0].split()[0]
    assert (Path(__file__).resolve().parents[2] / "docs" / mentioned).is_file()


def test_a_report_that_cannot_be_written_keeps_the_collection(emulator, account_id, capsys):
    # /proc passes the writability check for root but refuses every new file: the write fails after collecting.
    status, err = run(capsys, audit_args(emulator, account_id, "--output", "/proc/irready-report.md"))
    assert status == 2 and "--output /proc/irready-report.md: cannot write the report" in err
    rescued = Path(err.split("saved in ")[1].split(";")[0])
    assert account_id in load_snapshot(rescued)["accounts"]
    rescued.unlink()
