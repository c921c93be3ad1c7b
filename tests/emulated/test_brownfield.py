"""The brownfield round trip: an organization that already has a landing zone's organization trail,
GuardDuty detectors with the security account as delegated administrator, and a VPC shared from
another account. `irready preflight` reports each, the program adopts instead of failing, and the
audit passes afterwards."""

from __future__ import annotations

import pytest
from irready.audit.model import Status
from irready.infra.offline.program import stack_config

from irready import preflight
from irready.cli import main
from irready.emulated.apply import provision
from irready.emulated.baseline import Organization, audit, audit_config, stack_values
from irready.emulated.brownfield import LANDING_ZONE_TRAIL, seed_brownfield, stack_file


@pytest.fixture(scope="module")
def brownfield(_emulator_and_faults, new_account, tmp_path_factory):
    emulator, _ = _emulator_and_faults
    owner, participant = new_account(), new_account()
    org = Organization(management=new_account(), security=new_account(), workloads=(owner, participant),
                       regions=("us-east-1",))
    seeded = seed_brownfield(emulator, org, vpc_owner=owner, vpc_participant=participant)
    directory = tmp_path_factory.mktemp("brownfield")
    as_found, as_fixed = directory / "Pulumi.found.yaml", directory / "Pulumi.fixed.yaml"
    stack_file(as_found, stack_values(org))
    # The one change preflight asks for; unlisted regions denied keeps the emulated apply short (monitor,
    # the default, is the round trip's: tests/emulated/test_apply.py).
    fixed = stack_values(org, trailManagementEvents=False, unlistedRegions="deny")
    stack_file(as_fixed, fixed)
    session = emulator.session(org.management)
    before = preflight.preflight(as_found, session, emulator.url)
    after = preflight.preflight(as_fixed, session, emulator.url)
    provisioned = provision(emulator, stack_config(fixed), org.management)
    _, report = audit(emulator, audit_config(org))
    return emulator, org, seeded, (as_found, as_fixed), before, after, provisioned, report.findings


def by_check(report, check_id: str, status: Status | None = None) -> list:
    return [f for f in report.findings if f.check_id == check_id and (status is None or f.status is status)]


def test_preflight_reports_the_landing_zone_trail_with_the_key_that_fixes_it(brownfield):
    _, org, seeded, _, before, after, _, _ = brownfield
    (duplicate,) = by_check(before, "preflight.organization_trails", Status.FAIL)
    assert duplicate.resource_id == seeded["trail"] and LANDING_ZONE_TRAIL in duplicate.reason
    assert "irready:trailManagementEvents: false" in duplicate.reason
    assert [f.status for f in by_check(after, "preflight.organization_trails")] == [Status.PASS]


def test_preflight_reports_guardduty_as_adopted_not_as_a_failure(brownfield):
    _, org, seeded, _, before, _, _, _ = brownfield
    admins = by_check(before, "preflight.guardduty_administrator")
    assert {(f.region, f.status, f.resource_id) for f in admins} == {
        (region, Status.PASS, org.security) for region in org.regions}
    detectors = by_check(before, "preflight.guardduty_detectors")
    assert {(f.account_id, f.region, f.resource_id) for f in detectors} == {
        (account, region, detector) for (account, region), detector in seeded["detectors"].items()}
    assert all(f.status is Status.PASS and "never created again" in f.reason for f in detectors)


def test_preflight_reports_the_shared_vpc_as_its_owners(brownfield):
    _, org, seeded, _, before, _, _, _ = brownfield
    (shared,) = by_check(before, "preflight.shared_vpcs")
    assert (shared.account_id, shared.resource_id, shared.status) == (org.workloads[1], seeded["shared_vpc"],
                                                                       Status.PASS)
    assert f"shared by {org.workloads[0]}" in shared.reason


def test_after_the_fix_preflight_has_nothing_left(brownfield):
    *_, after, _, _ = brownfield
    assert [(f.check_id, f.reason) for f in after.findings if f.status is not Status.PASS] == []


def test_the_command_line_exits_as_the_audit_does(brownfield, capsys, monkeypatch):
    emulator, org, _, (as_found, as_fixed), *_ = brownfield
    credentials = emulator.session(org.management).get_credentials().get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    arguments = ["preflight", "--endpoint-url", emulator.url, "--format", "json", "--stack-config"]
    assert main([*arguments, str(as_found)]) == 1  # the duplicate trail
    assert '"preflight.organization_trails"' in capsys.readouterr().out
    assert main([*arguments, str(as_fixed)]) == 0
    assert main([*arguments, str(as_fixed), "--fail-on", "critical"]) == 0
    as_fixed.with_name("Pulumi.bad.yaml").write_text("config:\n  irready:accounts: []\n")
    assert main([*arguments, str(as_fixed.with_name("Pulumi.bad.yaml"))]) == 2
    assert "irready:" in capsys.readouterr().err


def test_the_program_adopts_instead_of_failing(brownfield):
    emulator, org, seeded, _, _, _, provisioned, _ = brownfield
    # The administrator's existing detector is adopted (imported), never created again; members' are untouched
    # by the program and publish at the administrator's frequency, which only it may set
    # (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html).
    adopted = [(account, id_) for type_, _, account, id_ in provisioned.created
               if type_ == "aws:guardduty/detector:Detector"]
    assert adopted == [(org.security, seeded["detectors"][org.security, region]) for region in org.regions]
    for account in org.accounts:
        for region in org.regions:
            guardduty = emulator.client(emulator.session(account), "guardduty", region)
            assert guardduty.list_detectors()["DetectorIds"] == [seeded["detectors"][account, region]]
            assert guardduty.get_detector(DetectorId=seeded["detectors"][account, region])[
                "FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    flow_logged = {id_ for type_, _, _, id_ in provisioned.created if type_ == "aws:ec2/flowLog:FlowLog"}
    assert flow_logged  # every owned VPC
    participant_logs = [(account, name) for type_, name, account, _ in provisioned.created
                        if type_ == "aws:ec2/flowLog:FlowLog" and seeded["shared_vpc"] in name]
    # The owner logs its shared VPC, to CloudWatch and to the network log archive (the demo stack sends both).
    owner_log = f"flow-logs-{org.workloads[0]}-{seeded['shared_vpc']}"
    assert sorted(participant_logs) == [(org.workloads[0], owner_log), (org.workloads[0], f"{owner_log}-s3")]
    (trail,) = [name for type_, name, *_ in provisioned.created if type_ == "aws:cloudtrail/trail:Trail"]
    assert trail == "organization-trail-trail"


def test_the_audit_passes_afterwards(brownfield):
    _, org, _, _, _, _, _, findings = brownfield
    failed = {(f.account_id, f.check_id, f.region) for f in findings if f.status is Status.FAIL}
    # The landing zone's own trail bucket carries no business context: irready reports it, and only it
    # (what irready creates carries irready:contextTags, tests/infra/test_context_tags.py).
    untagged = [f for f in findings if f.check_id == "inventory.business_context" and f.status is Status.FAIL]
    named = {f.resource_id for f in untagged} - {"-"}
    assert named and all(LANDING_ZONE_TRAIL in name for name in named), named  # its bucket, named after it
    assert {f.account_id for f in untagged} == {org.management}
    failed -= {(f.account_id, f.check_id, f.region) for f in untagged}
    # No SCP reaches the management account (issue #12).
    assert failed == {(org.management, "org.guardrail_scp", "global")}
    passed = {(f.account_id, f.check_id) for f in findings if f.status is Status.PASS}
    for account in org.accounts:
        assert {(account, "cloudtrail.management_events_rw"), (account, "guardduty.enabled"),
                (account, "vpc.flow_logs"), (account, "guardduty.findings_routed")} <= passed
