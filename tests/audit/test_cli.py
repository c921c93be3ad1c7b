"""The `irready` command, end to end against moto over HTTP: reports, snapshots, exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from irready.audit.checks import ALL_CHECKS

from irready.cli import main
from irready.emulated.seed import Seeder, incident_account, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, use_standard_credentials


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    """The standard credential chain, pointed at moto's default account."""
    use_standard_credentials(monkeypatch)


def audit_args(emulator, account_id, *extra):
    return ["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", account_id,
            "--security-account-id", SECURITY_ACCOUNT, *extra]


def test_gaps_exit_1_and_the_json_report_says_what_and_how_to_fix(emulator, account_id, tmp_path, capsys):
    incident_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    report_path = tmp_path / "report.json"
    assert main(audit_args(emulator, account_id, "--format", "json", "--output", str(report_path))) == 1
    report = json.loads(report_path.read_text())
    assert capsys.readouterr().out == ""  # --output means nothing on standard output
    failed = {(f["check_id"], f["resource_id"]) for f in report["findings"] if f["status"] == "FAIL"}
    assert ("account.security_contact", "-") in failed
    profile = f"arn:aws:iam::{account_id}:instance-profile/wordpress-{REGION}"
    assert ("iam.instance_profile_escalation", profile) in failed
    for finding in report["findings"]:
        assert {"check_id", "status", "severity", "account_id", "region", "resource_id", "reason",
                "remediation"} <= set(finding)
        assert finding["account_id"] == account_id
    assert report["summary"]["findings"]["FAIL"] == len([f for f in report["findings"] if f["status"] == "FAIL"])
    assert {c["id"] for c in report["checks"]} >= {"ir.responder_role", "vpc.flow_logs"}


def test_a_prepared_account_exits_0(emulator, account_id, capsys):
    prepare_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    assert main(audit_args(emulator, account_id)) == 0
    out = capsys.readouterr().out
    assert "0 FAIL" in out
    assert "ir.responder_role" in out


def test_fail_on_sets_the_bar(emulator, account_id):
    seeder = Seeder(emulator, account_id)
    prepare_account(seeder, [REGION], SECURITY_ACCOUNT)
    seeder.log_group(REGION, "/aws/lambda/short-lived", 30)  # one medium-severity gap
    assert main(audit_args(emulator, account_id, "--fail-on", "high")) == 0
    assert main(audit_args(emulator, account_id, "--fail-on", "medium")) == 1


def test_a_saved_snapshot_re_evaluates_to_the_same_findings(emulator, account_id, tmp_path):
    incident_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    live, snapshot, offline = tmp_path / "live.json", tmp_path / "snapshot.json", tmp_path / "offline.json"
    main(audit_args(emulator, account_id, "--format", "json", "--output", str(live), "--snapshot-out", str(snapshot)))
    assert main(["evaluate", str(snapshot), "--format", "json", "--output", str(offline)]) == 1
    assert json.loads(offline.read_text())["findings"] == json.loads(live.read_text())["findings"]
    # Evaluation-time settings may change offline; the verdict follows them.
    stricter = tmp_path / "stricter.json"
    main(["evaluate", str(snapshot), "--format", "json", "--output", str(stricter), "--min-log-retention-days", "20"])
    retention = [f for f in json.loads(stricter.read_text())["findings"] if f["check_id"] == "logs.retention"]
    assert [f["status"] for f in retention] == ["PASS"]


def test_markdown_report(emulator, account_id, tmp_path):
    incident_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    path = tmp_path / "report.md"
    main(audit_args(emulator, account_id, "--format", "markdown", "--output", str(path)))
    text = path.read_text()
    assert text.startswith("# irready readiness report")
    assert "## iam.instance_profile_escalation" in text
    assert "**Fix:** Remove ec2:RunInstances or iam:PassRole" in text


def run_error(capsys, argv) -> tuple[int, str]:
    """(exit code, standard error), with standard output kept in ``capsys`` for the test."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    print(captured.out, end="")
    return code, captured.err.strip()


def test_unknown_config_key_exits_2_with_one_line(emulator, account_id, tmp_path, capsys):
    config = tmp_path / "irready.toml"
    config.write_text("[audit]\nmin_retention = 365\n")
    code, err = run_error(capsys, audit_args(emulator, account_id, "--config", str(config)))
    assert code == 2
    assert err.count("\n") == 0
    assert "unknown key audit.min_retention; known keys:" in err


def test_bad_region_exits_2(emulator, account_id, capsys):
    code, err = run_error(capsys, ["audit", "--endpoint-url", emulator.url, "--regions", "us-east-1,eu-wst-1"])
    assert code == 2
    assert "unknown region 'eu-wst-1'" in err and err.count("\n") == 0


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("{not json", "not valid JSON (line 1"),
    ('{"schema": "something-else", "accounts": {}}', "field 'schema' is 'something-else'"),
    ("[]", "field 'schema' is 'list'"),
])
def test_unreadable_snapshot_exits_2(tmp_path, capsys, content, message):
    path = tmp_path / "snapshot.json"
    if content is not None:
        path.write_text(content)
    code, err = run_error(capsys, ["evaluate", str(path)])
    assert code == 2
    assert message in err and err.count("\n") == 0


def test_evaluate_refuses_to_change_what_was_collected(emulator, account_id, tmp_path, capsys):
    snapshot = tmp_path / "snapshot.json"
    main(audit_args(emulator, account_id, "--snapshot-out", str(snapshot)))
    capsys.readouterr()
    config = tmp_path / "irready.toml"
    config.write_text('[audit]\nquarantine_group_name = "other"\n')
    code, err = run_error(capsys, ["evaluate", str(snapshot), "--config", str(config)])
    assert code == 2
    assert "audit.quarantine_group_name = 'other' differs from the snapshot's 'irready-quarantine'" in err
    # Repeating what the snapshot was collected with is accepted: the same config file serves both commands.
    config.write_text(f'[audit]\nregions = ["{REGION}"]\naccounts = ["{account_id}"]\n')
    assert main(["evaluate", str(snapshot), "--config", str(config)]) in (0, 1)
    config.write_text('[audit]\nregions = ["eu-west-1"]\n')
    code, err = run_error(capsys, ["evaluate", str(snapshot), "--config", str(config)])
    assert code == 2 and "audit.regions = ['eu-west-1'] differs from the snapshot's ['us-east-1']" in err


def test_unreachable_aws_exits_3(capsys):
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, err = run_error(capsys, ["audit", "--endpoint-url", f"http://127.0.0.1:{port}", "--regions", REGION])
    assert code == 3
    assert "cannot reach AWS" in err


def test_no_account_reachable_exits_3(emulator, account_id, faults, capsys):
    from tests.support.faults import Fault
    faults.faults.append(Fault("sts", "AssumeRole"))
    code, err = run_error(capsys, audit_args(emulator, account_id))
    assert code == 3
    assert "nothing could be read: every account or every call failed" in err
    assert f"{account_id}/account: access denied (AssumeRole: AccessDenied)" in capsys.readouterr().out


def test_checks_lists_the_public_contract(capsys):
    assert main(["checks", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(ALL_CHECKS)
    assert all(c["remediation"] and c["rationale"] and c["references"] for c in listed)


def test_the_console_script_documents_exit_codes():
    result = subprocess.run([sys.executable, "-m", "irready.cli", "audit", "--help"], capture_output=True, text=True,
                            check=True)
    for line in ("0  no unwaived FAIL at or above --fail-on", "1  gaps found", "2  usage, config or input error",
                 "3  could not look",
                 "UNKNOWN at or above --fail-on-unknown", "4  internal error", "--snapshot-out", "--endpoint-url"):
        assert line in result.stdout
