"""`irready audit` and `evaluate` as a compliance tool, end to end against moto over HTTP: evidence that
reproduces, the framework view, waivers and the exit code, choosing checks, every format, the trend.
One account is seeded and audited once for the module."""

from __future__ import annotations

import hashlib
import json

import pytest
from irready.audit.parts import in_memory
from irready.audit.snapshot import load

from irready.cli import main
from irready.emulated.seed import Seeder, incident_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT


@pytest.fixture(scope="module")
def audited(_emulator_and_faults, new_account, tmp_path_factory):
    """One incident-shaped account, audited once: (account id, its JSON report, the snapshot path)."""
    emulator = _emulator_and_faults[0]
    account = new_account()
    incident_account(Seeder(emulator, account), [REGION], SECURITY_ACCOUNT)
    folder = tmp_path_factory.mktemp("audited")
    mp = pytest.MonkeyPatch()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        mp.setenv(name, value)
    mp.delenv("AWS_PROFILE", raising=False)
    code = main(["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", account,
                 "--security-account-id", SECURITY_ACCOUNT, "--format", "json", "--output",
                 str(folder / "audit.json"), "--snapshot-out", str(folder / "snapshot.json")])
    mp.undo()
    assert code == 1
    return account, json.loads((folder / "audit.json").read_text()), folder / "snapshot.json"


def evaluate(snapshot, tmp_path, *extra, fmt="json"):
    out = tmp_path / f"report.{fmt}"
    code = main(["evaluate", str(snapshot), "--format", fmt, "--output", str(out), *extra])
    return code, (json.loads(out.read_text()) if fmt == "json" else out.read_text()) if out.exists() else None


def test_the_report_states_its_evidence_and_the_snapshot_reproduces_it(audited, tmp_path):
    account, report, snapshot = audited
    evidence = report["evidence"]
    assert evidence["tool"]["version"] == report["version"]
    assert evidence["snapshot"]["sha256"] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert evidence["caller"]["account_id"] == SECURITY_ACCOUNT and SECURITY_ACCOUNT in evidence["caller"]["arn"]
    started, finished = evidence["collection"]["started_at"], evidence["collection"]["finished_at"]
    assert started and finished and started <= finished
    settings = evidence["settings"]
    assert settings["min_log_retention_days"] == 365 and settings["security_account_id"] == SECURITY_ACCOUNT
    assert settings["regions"] == [REGION] and settings["role_name"] == "irready-audit"
    assert settings["fail_on"] == "low" and "external_id" not in settings
    # irready evaluate on that snapshot reproduces the same findings, from the same (hashed) snapshot.
    code, again = evaluate(snapshot, tmp_path)
    assert code == 1 and again["findings"] == report["findings"]
    assert again["evidence"]["snapshot"]["sha256"] == evidence["snapshot"]["sha256"]


def test_the_framework_view(audited, tmp_path):
    _, _, snapshot = audited
    code, report = evaluate(snapshot, tmp_path, "--compliance", "nist-800-61r3")
    rows = {row["id"]: row for row in report["compliance"]}
    assert rows["ID.IM-04"]["status"] == "not assessed"  # no check answers it
    assert rows["RS.MI-01"]["status"] in ("fail", "partial")  # the incident account has no containment ready
    assert rows["RS.MI-01"]["evidence"] and {c["check_id"] for c in rows["RS.MI-01"]["checks"]} >= {
        "ir.quarantine_security_group"}
    _, page = evaluate(snapshot, tmp_path, "--compliance", "cis", fmt="html")
    assert "Framework: cis-aws-5.0.0" in page and "Ensure CloudTrail is enabled in all regions" in page
    # Every recommendation of the benchmark is listed; those no check answers are counted as not assessed.
    assert page.count('<tr><th scope="row"><a href="https://www.cisecurity.org/') == 63
    assert "Ensure that server access logging is enabled on the CloudTrail S3 bucket" in page
    _, cis = evaluate(snapshot, tmp_path, "--compliance", "cis")
    counts = {status: sum(1 for r in cis["compliance"] if r["status"] == status)
              for status in ("pass", "partial", "fail", "not assessed")}
    assert sum(counts.values()) == 63 and counts["not assessed"] >= 55
    assert f"{counts['not assessed']} not assessed" in page
    code, _ = evaluate(snapshot, tmp_path, "--compliance", "pci")
    assert code == 2


def test_waivers_change_the_report_and_the_exit_code(audited, tmp_path, capsys):
    account, _, snapshot = audited
    only = ["--checks", "account.security_contact,iam.instance_profile_escalation"]
    assert evaluate(snapshot, tmp_path, *only)[0] == 1
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(f'''
[[waiver]]
check = "account.security_contact"
account = "{account}"
reason = "contact set at the organization level"
owner = "alice@example.com"
ticket = "SEC-1"
expires = 2099-01-01

[[waiver]]
check = "iam.instance_profile_escalation"
reason = "legacy WordPress, being retired"
owner = "bob@example.com"
ticket = "SEC-2"
expires = 2020-01-01
''')
    code, report = evaluate(snapshot, tmp_path, *only, "--waivers", str(waivers))
    assert code == 1  # the expired waiver's FAIL still counts
    by_check = {}
    for f in report["findings"]:
        by_check.setdefault(f["check_id"], []).append(f)
    [contact] = by_check["account.security_contact"]
    assert contact["status"] == "WAIVED" and contact["waiver"]["reason"] == "contact set at the organization level"
    escalation = by_check["iam.instance_profile_escalation"]
    assert all(f["status"] == "FAIL" and "waiver expired on 2020-01-01" in f["reason"] for f in escalation
               if f["status"] != "PASS")
    assert report["evidence"]["waivers"]["sha256"] == hashlib.sha256(waivers.read_bytes()).hexdigest()
    assert report["summary"]["findings"]["WAIVED"] == 1
    # With only the live waiver's check, nothing unwaived fails: exit 0; the waiver expiring soon is listed.
    code, report = evaluate(snapshot, tmp_path, "--checks", "account.security_contact", "--waivers", str(waivers),
                            "--expiring-within", "40000")
    assert code == 0 and [w["ticket"] for w in report["expiring_waivers"]] == ["SEC-1"]
    waivers.write_text("[[waiver]]\ncheck = 'nope'\n")
    assert evaluate(snapshot, tmp_path, "--waivers", str(waivers))[0] == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("irready: error: waivers ") and "waiver 1: field 'reason' is required" in err


@pytest.mark.parametrize(("options", "expected"), [
    (["--checks", "cloudtrail.*"], lambda c: c.startswith("cloudtrail.")),
    (["--exclude-checks", "cloudtrail.*,vpc.flow_logs"], lambda c: not c.startswith("cloudtrail.")
     and c != "vpc.flow_logs"),
    (["--severity", "critical"], lambda c: c in ("cloudtrail.multi_region_logging", "ir.responder_role")),
    (["--categories", "containment"], lambda c: c in ("ir.quarantine_security_group", "ir.containment_policies",
                                                      "dns.firewall_block_ready")),
])
def test_choosing_checks(audited, tmp_path, options, expected):
    _, _, snapshot = audited
    _, report = evaluate(snapshot, tmp_path, *options)
    ids = {c["id"] for c in report["checks"]}
    assert ids and all(expected(i) for i in ids)
    assert {f["check_id"] for f in report["findings"]} <= ids
    assert report["evidence"]["settings"]["checks"] == sorted(ids, key=[c["id"] for c in report["checks"]].index)


@pytest.mark.parametrize("options", [["--checks", "cloudtrial.*"], ["--severity", "urgent"],
                                     ["--categories", "forensics"], ["--checks", "vpc.flow_logs",
                                                                     "--exclude-checks", "vpc.*"]])
def test_a_filter_that_matches_nothing_is_exit_2(audited, tmp_path, capsys, options):
    _, _, snapshot = audited
    assert evaluate(snapshot, tmp_path, *options)[0] == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["sarif", "junit", "csv", "ocsf", "asff", "markdown", "table", "html"])
def test_every_format_from_the_command_line(audited, tmp_path, capsys, fmt):
    _, _, snapshot = audited
    code, text = evaluate(snapshot, tmp_path, fmt=fmt)
    assert code == 1 and text
    err = capsys.readouterr().err
    assert err.startswith(f"irready: wrote {tmp_path / ('report.' + fmt)} ({fmt}): ") and "FAIL" in err


def test_the_html_trend_from_previous_reports(audited, tmp_path):
    _, report, snapshot = audited
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(report))
    _, page = evaluate(snapshot, tmp_path, "--previous", str(earlier), str(earlier), fmt="html")
    assert "Trend" in page and "<polyline" in page
    assert evaluate(snapshot, tmp_path, "--previous", str(snapshot))[0] == 2  # a snapshot is not a report


HOSTILE_CLUSTERS = ["<img src=x onerror=alert(1)>", "prod\n# ALL PASS\n| ok | ok |", "\x1b[2J\x1b[32mALL PASS"]


def test_hostile_resource_names_from_a_snapshot_stay_data_in_every_report(audited, tmp_path, capsys):
    """Names are chosen by whoever controls the account: EKS clusters named to inject markup, forge Markdown
    lines or drive the terminal, evaluated from a snapshot as `irready evaluate` reads it."""
    _, _, snapshot = audited
    data = in_memory(load(snapshot))  # rewritten as a snapshot-v1 file, which evaluate still reads
    account = next(iter(data["accounts"].values()))
    account["services"]["eks"][REGION] = {"clusters": [{"name": n, "enabled_log_types": []}
                                                       for n in HOSTILE_CLUSTERS]}
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(data))
    only = ("--checks", "eks.audit_logging")
    _, md = evaluate(hostile, tmp_path, *only, fmt="markdown")
    assert "<img" not in md and "&lt;img src=x onerror=alert\\(1\\)&gt;" in md
    assert "\n# ALL PASS" not in md and "\n| ok | ok |" not in md and "\x1b" not in md
    _, page = evaluate(hostile, tmp_path, *only, fmt="html")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "\x1b" not in page
    assert main(["evaluate", str(hostile), *only]) == 1  # the table, on standard output
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2J" in out and "\n# ALL PASS" not in out


def test_diff_reads_snapshots_too(audited, tmp_path, capsys):
    _, report, snapshot = audited
    assert main(["diff", str(snapshot), str(snapshot), "--format", "json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["counts"]["still failing"] == report["summary"]["findings"]["FAIL"]
    assert same["counts"]["new"] == same["counts"]["fixed"] == 0
