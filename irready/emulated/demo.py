"""`irready demo`: audit an untouched emulated organization, prepare it with the Pulumi program, audit again.

Everything runs in this process: moto serves AWS on a loopback port, the program runs under Pulumi's
mocks with each resource created in moto (infra/emulated), and the audit talks to moto over HTTP
exactly as it talks to AWS.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tabulate import tabulate

from irready.audit import diff
from irready.audit.evaluate import Options
from irready.audit.evaluate import report as evaluate_report
from irready.audit.files import write_atomically
from irready.audit.model import Report, Status
from irready.audit.report import html, json_report, markdown
from irready.audit.snapshot import save
from irready.emulated.baseline import Organization, audit, audit_config, stack_values
from irready.emulated.emulator import DEFAULT_ACCOUNT, Emulator
from irready.emulated.seed import Seeder

ORGANIZATION = Organization(management=DEFAULT_ACCOUNT, security="222222222222", workloads=("111111111111",))


def run_demo(output_dir: Path) -> int:
    # The audit role attaches AWS managed policies; moto knows them only in accounts first used with this set.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from irready.emulated.apply import provision  # Pulumi is imported only for the demo
    from irready.infra.offline.program import stack_config

    org, config = ORGANIZATION, audit_config(ORGANIZATION)
    with Emulator() as aws:
        print(f"Emulated AWS (moto) on {aws.url}: management account {org.management}, security account "
              f"{org.security}, workload account {', '.join(org.workloads)}; regions {', '.join(org.regions)}.")
        # The workloads a responder would investigate, as teams left them: no log shipping, no scanning, no
        # versions, no access logs, no context tags (issue #19); the audit names each gap.
        workload = Seeder(aws, org.workloads[0])
        workload.workloads(org.regions[0], prepared=False)
        workload.bucket(f"customer-exports-{org.workloads[0]}", org.regions[0], tags={"data-classification": "pii"})
        workload.guardduty(org.regions[0])  # a detector a team turned on, with no protection plan
        print("\n1. Audit the untouched organization")
        before_snapshot, before = audit(aws, config)
        print(f"   {_totals(before)}")

        print("\n2. Prepare it: the Pulumi program (infra/__main__.py), applied to the emulator")
        # The registry's scan-on-push is the one workload evidence irready provisions (irready:ecrRegistryScanning).
        values = stack_values(org, ecrRegistryScanning="basic")
        provisioned = provision(aws, stack_config(values), org.management)
        print(f"   created {len(provisioned.created)} resources in {len(org.accounts)} accounts")
        for type_, count in sorted(provisioned.counts().items()):
            print(f"     {count:3d}  {type_}")
        for reason, count in Counter(reason for *_, reason in provisioned.skipped).items():
            print(f"   skipped {count}: {reason}")

        print("\n3. Audit again")
        after_snapshot, after = audit(aws, config)

        print("\n4. Scheduled audits: the state machine's steps in this process (docs/scheduled-audits.md)")
        sys.stdout.write(scheduled_runs(aws, org, config, program_tags(values)))

    print()
    sys.stdout.write(comparison(before, after))
    sys.stdout.write(remaining(after))
    if any(f.status is Status.UNKNOWN for f in after.findings):
        print("  (UNKNOWN here is the emulator's gap, not the program's: moto has no Route 53 Resolver DNS Firewall,\n"
              "  and keeps the organization in the management account only, so the auditing security account reads\n"
              "  none; in AWS it is a member, and a delegated administrator of Organizations can read the SCPs.)")
    _write(output_dir / "before", before_snapshot, before)
    _write(output_dir, after_snapshot, after)
    # The compliance report for people: the NIST SP 800-61r3 view, with the trend from the first audit.
    history = ({"label": "before provisioning", "findings": before.summary["findings"]},)
    compliance = evaluate_report(after_snapshot, config, Options(framework="nist-800-61r3", history=history))
    write_atomically(output_dir / "compliance-nist-800-61r3.html", html.render(compliance))
    changes = diff.compare([f.to_dict() for f in before.findings], [f.to_dict() for f in after.findings])
    fixed = diff.fixed_checks(changes, [f.to_dict() for f in after.findings])
    print(f"\nFixed by provisioning ({len(fixed)} checks): {', '.join(fixed)}")
    print(f"\nWrote {output_dir}/audit.json, audit.md, audit.html, compliance-nist-800-61r3.html and snapshot.json "
          f"(after), and the same under {output_dir}/before/ (re-evaluate with: irready evaluate "
          f"{output_dir}/snapshot.json; compare with: irready diff {output_dir}/before/audit.json "
          f"{output_dir}/audit.json).")
    sys.stdout.write(pivot())
    return 0


def program_tags(values: dict) -> dict[str, str]:
    """The tags the Pulumi program puts on every resource it creates (irready:resourceTags over its defaults),
    read from the stack config ``values`` by the program's own loader."""
    from irready.infra import config as stack_config_module

    return dict(stack_config_module.load(values.get).resource_tags)


def scheduled_runs(aws: Emulator, org, config, tags: dict[str, str]) -> str:
    """Two scheduled runs into a reports bucket of the security account: today's, then tomorrow's after
    GuardDuty was turned off in a workload account. What the second run's alert says. The bucket is made
    here (the demo does not deploy the ScheduledAudit component) with the program's ``tags``, as the
    component's bucket carries them, so the run audits what `pulumi up` would leave."""
    from irready.audit import scheduled
    from irready.policies import scheduled_audit as layout

    session = aws.session(org.security, org.regions[0])
    bucket = f"{layout.BUCKET_PREFIX}{org.security}"
    s3 = aws.client(session, "s3", org.regions[0])
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})
    settings = scheduled.Settings(bucket=bucket, config=config, endpoint_url=aws.url, region=org.regions[0])
    today = datetime.now(UTC).replace(microsecond=0)
    first = scheduled.run_local(settings, session, today)
    guardduty = aws.client(aws.session(org.workloads[0]), "guardduty", org.regions[0])
    for detector in guardduty.list_detectors()["DetectorIds"]:
        guardduty.update_detector(DetectorId=detector, Enable=False)
    second = scheduled.run_local(settings, session, today + timedelta(days=1))
    lines = [f"   run {first['run_id']}: {first['findings']['FAIL']} FAIL (step 3's audit, now with the tagged "
             f"reports bucket); reports in s3://{bucket}/{layout.REPORTS}{first['run_id']}/",
             f"   GuardDuty turned off in {org.workloads[0]}; the next day's run alerts:"]
    lines += [f"   | {line}" for line in scheduled.alert_text(second).splitlines()[:8]]
    return "\n".join(lines) + "\n"


def pivot() -> str:
    """One saved query answered on a synthetic day of the notes' incident, run in-process (sqlglot, DuckDB)."""
    import tempfile

    from irready.emulated import athena_local, incident_logs
    from irready.policies.investigation import queries

    query = next(q for q in queries() if q.name == "run_instances_by_instance_roles")
    with tempfile.TemporaryDirectory() as root:
        truth = incident_logs.write_day(Path(root))
        buckets = {"cloudtrail": incident_logs.TRAIL_BUCKET, "vpc_flow_logs": incident_logs.NETWORK_BUCKET,
                   "resolver_query_logs": incident_logs.NETWORK_BUCKET}
        files = athena_local.log_files(Path(root), buckets, incident_logs.ORGANIZATION_ID)
        rows = athena_local.run(athena_local.load(files), query, [truth.day, truth.day])
    table = tabulate([[r["eventtime"], r["from_instance"], r["sourceipaddress"], r["instance_profile"],
                       r["errorcode"] or f"launched {r['launched_instance']}"] for r in rows],
                     headers=["eventtime", "instance role of", "source IP", "instance profile", "result"])
    return (f"\n5. One saved query on a synthetic day of the notes' incident ({len(files)} log files; Athena SQL run "
            f"locally by DuckDB)\n   {query.named_query_name}: {query.question}\n\n{table}\n")


def comparison(before: Report, after: Report) -> str:
    """One row per check: its findings before and after provisioning."""
    def cell(report: Report, check_id: str) -> str:
        counts = Counter(f.status for f in report.findings if f.check_id == check_id)
        return ", ".join(f"{counts[s]} {s.value}" for s in (Status.FAIL, Status.UNKNOWN, Status.PASS) if counts[s])

    rows = [[check.id, check.severity.value, cell(before, check.id) or "-", cell(after, check.id) or "-"]
            for check in after.checks]
    return tabulate(rows, headers=["check", "severity", "before", "after"], tablefmt="simple") + \
        f"\n(-: nothing to check, e.g. no instances)\n\nbefore: {_totals(before)}\nafter:  {_totals(after)}\n"


def remaining(report: Report) -> str:
    """What is still not PASS after provisioning: why it is UNKNOWN, and how to fix a FAIL."""
    lines = []
    for check in report.checks:
        findings = [f for f in report.findings if f.check_id == check.id and f.status is not Status.PASS]
        for status in (Status.FAIL, Status.UNKNOWN):
            reasons = [f.reason for f in findings if f.status is status]
            if reasons:
                lines.append(f"{check.id}: {len(reasons)} {status.value}, e.g. {reasons[0]}")
                if status is Status.FAIL:
                    lines.append(f"  fix: {check.remediation}")
    return "\nStill not PASS after provisioning:\n  " + "\n  ".join(lines) + "\n" if lines else ""


def _totals(report: Report) -> str:
    counts = report.summary["findings"]
    return f"{counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, {counts['PASS']} PASS"


def _write(directory: Path, snapshot: dict, report: Report) -> None:
    save(snapshot, directory / "snapshot.json")
    write_atomically(directory / "audit.json", json_report.render(report))
    write_atomically(directory / "audit.md", markdown.render(report))
    write_atomically(directory / "audit.html", html.render(report))
