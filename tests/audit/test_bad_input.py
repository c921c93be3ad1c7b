"""Bad input gets one line naming the option, what it accepts or the fix, and the usage exit code (2), as
README's exit-code table says: argparse's own errors, the report options' files, and `schedule run-local`
against moto over HTTP."""

from __future__ import annotations

import uuid

import pytest

from irready.cli import EXIT_USAGE, main
from tests.audit.emulated import REGION, caller_session, use_standard_credentials


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    use_standard_credentials(monkeypatch)


def run(capsys, argv) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def snapshot(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text('{"schema": "irready/snapshot-v1", "config": {}, "accounts": {}}')
    return path


@pytest.mark.parametrize(("argv", "names"), [
    (["--format", "pdf"], ["argument --format: invalid choice: 'pdf'", "'json'", "'sarif'", "'asff'"]),
    (["--fail-on", "urgent"], ["argument --fail-on: invalid choice: 'urgent'", "'critical'", "'low'"]),
    (["--fail-on-unknown", "never"], ["argument --fail-on-unknown", "'none'"]),
    (["--expiring-within", "soon"], ["argument --expiring-within: invalid int value: 'soon'"]),
])
def test_a_bad_option_value_is_one_line_naming_the_flag_the_values_and_the_exit_code(capsys, snapshot, argv, names):
    code, out, err = run(capsys, ["evaluate", str(snapshot), *argv])
    assert code == EXIT_USAGE == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "usage:" not in err
    assert err.startswith("irready evaluate: error: ") and "(exit 2, a usage error;" in err
    for name in names:
        assert name in err


def test_a_missing_subcommand_or_required_option_is_one_line(capsys):
    for argv, name in ((["nonsense"], "argument command: invalid choice"),
                       (["schedule", "run-local"], "the following arguments are required: --bucket")):
        code, _, err = run(capsys, argv)
        assert code == 2 and name in err and len(err.strip().splitlines()) == 1


def test_help_is_still_whole(capsys):
    code, out, _ = run(capsys, ["evaluate", "--help"])
    assert code == 0 and "usage: irready evaluate" in out and "exit codes:" in out


@pytest.mark.parametrize(("option", "message"), [
    ("--previous", "--previous {path}: no such file; name earlier reports written with --format json (oldest "
                   "first), or leave --previous out"),
    ("--waivers", "waivers {path}: no such file; check the path given to --waivers, or write one as "
                  "the Waivers section of docs/reports.md shows"),
])
def test_a_missing_file_says_it_does_not_exist_and_the_fix(capsys, snapshot, tmp_path, option, message):
    path = tmp_path / "nowhere.json"
    code, _, err = run(capsys, ["evaluate", str(snapshot), option, str(path)])
    assert code == 2
    assert err.strip() == f"irready: error: {message.format(path=path)}"


def test_a_previous_report_that_is_not_one_still_says_so(capsys, snapshot, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("not json")
    code, _, err = run(capsys, ["evaluate", str(snapshot), "--previous", str(path)])
    assert code == 2 and f"--previous {path}: not a JSON report written by irready" in err


def test_run_local_names_a_bucket_that_does_not_exist(emulator, capsys):
    bucket = f"irready-nosuch-{uuid.uuid4().hex[:12]}"
    code, out, err = run(capsys, ["schedule", "run-local", "--bucket", bucket, "--endpoint-url", emulator.url])
    assert code == 2 and out == ""
    assert err.strip() == (f"irready: error: --bucket {bucket}: no such bucket; name the reports bucket the stack "
                           "created (its reportsBucket output) or create one")
    assert "internal error" not in err


def test_run_local_blames_the_formats_flag_not_the_environment(emulator, capsys):
    code, _, err = run(capsys, ["schedule", "run-local", "--bucket", "any", "--endpoint-url", emulator.url,
                                "--formats", "json,pdf"])
    assert code == 2
    assert err.startswith("irready: error: --formats: unknown report format 'pdf'; choose from table, json")
    assert "IRREADY_REPORT_FORMATS" not in err


def test_run_local_output_ends_with_a_newline(emulator, account_id, tmp_path, capsys):
    bucket = f"irready-newline-{uuid.uuid4().hex[:12]}"
    emulator.client(caller_session(), "s3").create_bucket(Bucket=bucket)
    config = tmp_path / "audit.toml"
    config.write_text(f'[audit]\nregions = ["{REGION}"]\naccounts = ["{account_id}"]\n')
    code, out, _ = run(capsys, ["schedule", "run-local", "--bucket", bucket, "--endpoint-url", emulator.url,
                                "--config", str(config), "--formats", "json"])
    assert code == 1 and out.endswith("\n") and not out.endswith("\n\n")
