"""Reporters format; they do not decide. Checked on hand-made findings."""

from __future__ import annotations

from irready.audit.checks import CHECKS_BY_ID
from irready.audit.model import Finding, Severity, Status
from irready.audit.report import Report, html, markdown, rows, table


def finding(check_id, status, resource="-", reason="r", account="111111111111", region="us-east-1"):
    check = CHECKS_BY_ID[check_id]
    return Finding(check_id, check.title, status, check.severity, account, region, resource, reason,
                   check.remediation)


def report(findings, gaps=()):
    checks = [CHECKS_BY_ID[i] for i in ("vpc.flow_logs", "ir.responder_role", "eks.audit_logging")]
    summary = {"accounts": 1, "regions": ["us-east-1"], "checks": 3,
               "findings": {s.value: sum(f.status is s for f in findings) for s in Status},
               "failures_by_severity": {s.value: 0 for s in Severity}, "coverage_gaps": list(gaps)}
    return Report(findings, summary, checks, {"collected_at": "2026-11-22T00:00:00+00:00",
                                              "caller_account_id": "123456789012"})


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


def test_html_is_one_escaped_self_contained_page():
    text = html.render(report([finding("eks.audit_logging", Status.FAIL, "<script>alert(1)</script>",
                                       reason="a & b")]))
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert '<td class="FAIL">FAIL</td>' in text and "a &amp; b" in text
    assert "http" not in text.split("References")[0]  # no external assets before the content


def test_markdown_escapes_table_cells():
    text = markdown.render(report([finding("eks.audit_logging", Status.FAIL, "a|b", reason="x|y")]))
    assert "| FAIL | 111111111111/us-east-1/a\\|b | x\\|y |" in text
    assert "Every API call the audit needed succeeded." in text
