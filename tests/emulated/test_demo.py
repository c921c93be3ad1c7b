"""`make demo` runs `irready demo`: without credentials, it audits an untouched emulated organization,
prepares it with the Pulumi program and audits again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from irready.cli import main
from irready.emulated.demo import ORGANIZATION

# Workload settings the program does not own (issue #19): they FAIL before and after, in the workload account.
WORKLOAD_OWNED = ("ecs.task_logging", "lambda.code_history", "rds.log_exports", "cloudfront.access_logging",
                  "elb.access_logging")


def test_the_demo_shows_the_gaps_before_and_none_after(tmp_path):
    # Its own process, as `make demo` runs it: the demo's moto state and settings stay out of this one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run([sys.executable, "-m", "irready.cli", "demo", "--output-dir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "before" in out and "after" in out and "moto has no Route 53 Resolver DNS Firewall" in out
    # A scheduled run, then one after a regression that the alert names.
    assert f"GuardDuty turned off in {ORGANIZATION.workloads[0]}" in out
    assert f"REGRESSED high guardduty.enabled {ORGANIZATION.workloads[0]}/us-east-1/" in out
    # The scheduled run audits what step 3 audited, plus the reports bucket, tagged as the program tags what it
    # creates: the same FAIL count, not two more for an untagged bucket.
    scheduled_fails = re.search(r"   run \S+: (\d+) FAIL \(step 3's audit", out)
    assert scheduled_fails and f"after:  {scheduled_fails.group(1)} FAIL," in out, out
    # The emulator's gap is named as such, not as a refusal.
    assert "the caller's account is in no organization (DescribeOrganization" in out
    assert "access denied (DescribeOrganization" not in out and "UNKNOWN here is the emulator's gap" in out
    # The last step: the walk-through's question answered by its saved query on the synthetic incident.
    assert "irready-run-instances-by-instance-roles" in out and "launched i-0deadbeef0000cafe" in out

    before = json.loads((tmp_path / "before" / "audit.json").read_text())
    failed_before = {(f["account_id"], f["check_id"]) for f in before["findings"] if f["status"] == "FAIL"}
    for account in ORGANIZATION.accounts:
        for check_id in ("account.security_contact", "cloudtrail.multi_region_logging", "vpc.flow_logs",
                         "guardduty.enabled", "ir.responder_role", "ir.quarantine_security_group"):
            assert (account, check_id) in failed_before

    # Issue #19: the workload account's workloads, as teams left them, fail each new check before.
    workload = ORGANIZATION.workloads[0]
    for check_id in (*WORKLOAD_OWNED, "ecr.image_scanning", "s3.access_evidence", "guardduty.protection_plans",
                     "inventory.business_context"):
        assert (workload, check_id) in failed_before

    after = json.loads((tmp_path / "audit.json").read_text())
    # No FAIL from what irready provisions: members' GuardDuty findings are routed by the delegated administrator,
    # whose rule the audit credits to each member GuardDuty reports as the administrator's. What FAILs is the
    # workloads' own settings, which the program does not own (issue #19), and the workloads' business context,
    # which their teams did not tag (irready's own resources carry irready:contextTags). What irready provisions
    # passes: the trail's S3 data events cover the workload's buckets, GuardDuty's protection plans are on in every
    # account.
    assert {(f["account_id"], f["check_id"]) for f in after["findings"] if f["status"] == "FAIL"} == {
        (workload, check_id) for check_id in (*WORKLOAD_OWNED, "inventory.business_context")}
    assert {f["account_id"] for f in after["findings"] if f["check_id"] == "guardduty.findings_routed"
            and f["status"] == "PASS"} == set(ORGANIZATION.accounts)
    for check_id in ("s3.access_evidence", "guardduty.protection_plans", "ecr.image_scanning"):
        assert {f["status"] for f in after["findings"] if f["check_id"] == check_id} == {"PASS"}
    # UNKNOWN only where moto lacks the API (DNS Firewall), and where the audit's caller, the security account,
    # cannot read Organizations (moto keeps the organization in the management account only), each said so.
    unknown = [f for f in after["findings"] if f["status"] == "UNKNOWN"]
    assert {f["check_id"] for f in unknown} == {"dns.firewall_block_ready", "org.guardrail_scp"}
    assert all("API not available here" in f["reason"] for f in unknown if f["check_id"].startswith("dns."))
    assert all("AWSOrganizationsNotInUseException" in f["reason"] for f in unknown if f["check_id"].startswith("org."))
    assert after["summary"]["findings"]["PASS"] > before["summary"]["findings"]["PASS"]
    assert {f["account_id"] for f in after["findings"]} == set(ORGANIZATION.accounts)
    assert (tmp_path / "audit.md").read_text().startswith("# irready readiness report")
    assert main(["evaluate", str(tmp_path / "snapshot.json"), "--format", "json",
                 "--output", str(tmp_path / "again.json")]) == 1  # the workloads' and context FAILs above
    assert json.loads((tmp_path / "again.json").read_text())["findings"] == after["findings"]

    # The compliance report for people, written by the demo: the NIST SP 800-61r3 view and the trend.
    page = (tmp_path / "compliance-nist-800-61r3.html").read_text()
    assert "Framework: nist-800-61r3" in page and "PR.PS-04" in page and "Trend" in page
    assert "Fixed by provisioning" in out

    # irready diff on the demo's before and after reports lists every fixed check and no new FAIL: what the
    # program created carries the context tags (issue #19), so it exits 0.
    assert main(["diff", str(tmp_path / "before" / "audit.json"), str(tmp_path / "audit.json"), "--format", "json",
                 "--output", str(tmp_path / "diff.json")]) == 0
    diff = json.loads((tmp_path / "diff.json").read_text())
    still_failing = {f["check_id"] for f in after["findings"] if f["status"] == "FAIL"}
    fixed_checks = {f["check_id"] for f in before["findings"] if f["status"] == "FAIL"} - still_failing
    assert set(diff["fixed_checks"]) == fixed_checks
    failed_keys = {(f["check_id"], f["account_id"], f["region"], f["resource_id"])
                   for f in before["findings"] if f["status"] == "FAIL"}
    new = [f for f in after["findings"] if f["status"] == "FAIL"
           and (f["check_id"], f["account_id"], f["region"], f["resource_id"]) not in failed_keys]
    assert new == []
    assert (diff["counts"]["new"], diff["counts"]["regressed"]) == (0, 0)
    # Backwards, everything fixed has regressed: exit 1.
    assert main(["diff", str(tmp_path / "audit.json"), str(tmp_path / "before" / "audit.json")]) == 1

    # Each framework's view from the same snapshot, in HTML.
    for framework in ("nist-800-61r3", "cis-aws-5.0.0", "aws-wa-sec10", "aws-ir-guide"):
        out_file = tmp_path / f"{framework}.html"
        assert main(["evaluate", str(tmp_path / "snapshot.json"), "--compliance", framework, "--format", "html",
                     "--output", str(out_file)]) == 1  # the workloads' and context FAILs above
        assert f"Framework: {framework}" in out_file.read_text()
