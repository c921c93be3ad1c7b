"""`make demo` runs `irready demo`: it must work without credentials and show the incident's gaps."""

from __future__ import annotations

import json

from audit.cli import main


def test_the_demo_audits_both_accounts_and_writes_the_reports(tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ir.responder_role" in out and "How to fix:" in out

    report = json.loads((tmp_path / "audit.json").read_text())
    failed = {(f["account_id"], f["check_id"]) for f in report["findings"] if f["status"] == "FAIL"}
    incident, prepared = "111111111111", "222222222222"
    for check_id in ("account.security_contact", "iam.instance_profile_escalation", "ec2.imdsv2_required",
                     "vpc.flow_logs", "cloudtrail.s3_data_events", "guardduty.enabled", "logs.retention",
                     "ir.responder_role"):
        assert (incident, check_id) in failed
    assert not [check for account, check in failed if account == prepared]
    assert report["summary"]["findings"]["UNKNOWN"] == 0
    assert (tmp_path / "audit.md").read_text().startswith("# irready readiness report")
    assert main(["evaluate", str(tmp_path / "snapshot.json"), "--format", "json",
                 "--output", str(tmp_path / "again.json")]) == 1
    assert json.loads((tmp_path / "again.json").read_text())["findings"] == report["findings"]
