"""`irready diff`: what changed between two runs, and exit 1 when anything regressed."""

from __future__ import annotations

import json

from irready.audit import diff

from irready.cli import main


def f(check, status, resource="-", waiver=None, account="111111111111", region="us-east-1"):
    data = {"check_id": check, "status": status, "account_id": account, "region": region, "resource_id": resource,
            "reason": f"{check} {status}"}
    return data | ({"waiver": waiver} if waiver else {})


OLD = [f("vpc.flow_logs", "FAIL", "vpc-1"), f("vpc.flow_logs", "FAIL", "vpc-2"), f("guardduty.enabled", "PASS"),
       f("logs.retention", "WAIVED", "/g", {"expires": "2026-12-01", "expired": False}),
       f("ir.responder_role", "PASS"), f("eks.audit_logging", "FAIL", "gone")]
NEW = [f("vpc.flow_logs", "PASS", "vpc-1"), f("vpc.flow_logs", "FAIL", "vpc-2"), f("guardduty.enabled", "FAIL"),
       f("logs.retention", "FAIL", "/g", {"expires": "2026-12-01", "expired": True}),
       f("ir.responder_role", "UNKNOWN"), f("cloudtrail.kms_encryption", "FAIL", "trail"),
       f("vpc.flow_logs", "WAIVED", "vpc-3", {"expires": "2026-12-10", "expired": False, "owner": "bob"})]


def test_every_kind_of_change():
    from datetime import date
    changes = diff.compare(OLD, NEW, 30, today=date(2026, 11, 29))
    keys = {kind: [(c["check_id"], c["resource_id"]) for c in items] for kind, items in changes.items()}
    assert keys == {
        "new": [("cloudtrail.kms_encryption", "trail")],
        "regressed": [("guardduty.enabled", "-"), ("logs.retention", "/g")],
        "fixed": [("eks.audit_logging", "gone"), ("vpc.flow_logs", "vpc-1")],
        "still failing": [("vpc.flow_logs", "vpc-2")],
        "newly waived": [("vpc.flow_logs", "vpc-3")],
        "newly unknown": [("ir.responder_role", "-")],
        "expiring": [("vpc.flow_logs", "vpc-3")],
    }
    assert diff.regressed(changes)
    assert diff.fixed_checks(changes, NEW) == ["eks.audit_logging"]  # vpc.flow_logs still fails on vpc-2


def report(path, findings):
    path.write_text(json.dumps({"tool": "irready", "schema": "irready/report-v1", "findings": findings,
                                "snapshot": {"collected_at": path.stem}}))
    return str(path)


def test_the_command_exits_1_on_regression_and_renders_each_format(tmp_path, capsys):
    old, new = report(tmp_path / "old.json", OLD), report(tmp_path / "new.json", NEW)
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out
    assert "REGRESSED (2)" in out and "FIXED (2)" in out and "old -> new" in out
    assert main(["diff", old, old, "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# irready diff: old -> old")
    assert main(["diff", old, new, "--format", "json", "--output", str(tmp_path / "d.json")]) == 1
    assert json.loads((tmp_path / "d.json").read_text())["counts"]["new"] == 1


def test_hostile_names_stay_inert_in_the_diff(tmp_path, capsys):
    old = report(tmp_path / "old.json", [])
    new = report(tmp_path / "new.json", [f("vpc.flow_logs", "FAIL", "\x1b[2J<img src=x>\n# ALL PASS")])
    assert main(["diff", old, new]) == 1
    assert "\x1b" not in capsys.readouterr().out
    main(["diff", old, new, "--format", "markdown"])
    out = capsys.readouterr().out
    assert "<img" not in out and "\n# ALL PASS" not in out


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "x.json").write_text("[1]")
    assert main(["diff", str(tmp_path / "x.json"), str(tmp_path / "x.json")]) == 2
    assert "neither an irready JSON report" in capsys.readouterr().err
    assert main(["diff", str(tmp_path / "missing.json"), str(tmp_path / "x.json")]) == 2
