"""`irready demo`: audit an emulated organization with one prepared and one unprepared account."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3

from audit.checks import ALL_CHECKS
from audit.collect.run import collect_snapshot
from audit.config import AuditConfig
from audit.demo.emulator import DEFAULT_ACCOUNT, Emulator
from audit.demo.seed import Seeder, incident_account, prepare_account
from audit.evaluate import evaluate, summarize
from audit.files import write_atomically
from audit.report import Report, html, json_report, markdown, table
from audit.snapshot import save

INCIDENT_ACCOUNT = "111111111111"
PREPARED_ACCOUNT = "222222222222"
REGIONS = ("us-east-1", "eu-west-1")


def demo_config() -> AuditConfig:
    return AuditConfig(regions=REGIONS, accounts=(INCIDENT_ACCOUNT, PREPARED_ACCOUNT),
                       security_account_id=DEFAULT_ACCOUNT)


def run_demo(output_dir: Path) -> int:
    config = demo_config()
    with Emulator() as aws:
        print(f"Emulated AWS (moto) listening on {aws.url}; auditing from security account {DEFAULT_ACCOUNT}.")
        print(f"  {INCIDENT_ACCOUNT}: the web-server account of the incident in the source notes")
        print(f"  {PREPARED_ACCOUNT}: an account prepared with everything the audit looks for")
        incident_account(Seeder(aws, INCIDENT_ACCOUNT), list(REGIONS), DEFAULT_ACCOUNT)
        prepare_account(Seeder(aws, PREPARED_ACCOUNT), list(REGIONS), DEFAULT_ACCOUNT)
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGIONS[0])
        snapshot = collect_snapshot(config, session, endpoint_url=aws.url)

    findings = evaluate(snapshot, config)
    report = Report(findings, summarize(findings, snapshot), list(ALL_CHECKS),
                    {key: snapshot.get(key) for key in ("collected_at", "caller_account_id", "tool_version")})
    print()
    sys.stdout.write(table.render(report))
    save(snapshot, output_dir / "snapshot.json")
    write_atomically(output_dir / "audit.json", json_report.render(report))
    write_atomically(output_dir / "audit.md", markdown.render(report))
    write_atomically(output_dir / "audit.html", html.render(report))
    print(f"\nWrote {output_dir}/audit.json, audit.md, audit.html and snapshot.json "
          f"(re-evaluate with: irready evaluate {output_dir}/snapshot.json).")
    return 0
