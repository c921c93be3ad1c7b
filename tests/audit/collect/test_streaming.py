"""The snapshot streamed to disk per account (audit/parts.py) gives the findings the in-memory snapshot
gives, including the credit members get from organization-level evidence read in another account: the
organization trail (and its bucket, read in the management account), the delegated GuardDuty
administrator's findings rule, a query log config shared through RAM. Over HTTP against moto, one
organization seeded once for the module, collected in memory, streamed in this process and streamed by
two collection processes. And evaluation holds a bounded number of accounts, whatever their count."""

from __future__ import annotations

import functools
import json
import tracemalloc

import boto3
import pytest
from botocore.exceptions import ClientError
from irready.audit import parts
from irready.audit.collect.run import collect_snapshot, collect_to_file
from irready.audit.config import AuditConfig
from irready.audit.evaluate import evaluate, summarize
from irready.audit.model import Status
from irready.audit.progress import Progress
from irready.audit.snapshot import load, save

from irready.cli import main
from irready.emulated.seed import Seeder
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, audit_config, caller_session
from tests.support.faults import Fault

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}


@pytest.fixture(scope="module")
def organization(_emulator_and_faults):
    """The caller manages an organization and is its GuardDuty administrator: an organization trail (bucket in
    the caller's account), GuardDuty with a findings rule to a subscribed topic, and a query log config shared
    with the members, who have GuardDuty on, no rule and no trail of their own, and log DNS queries with the
    shared config."""
    emulator = _emulator_and_faults[0]
    org = emulator.client(emulator.session(), "organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyInOrganizationException":
            raise
    members = [org.create_account(AccountName=f"streamed-{n}", Email=f"streamed-{n}@example.com")[
        "CreateAccountStatus"]["AccountId"] for n in range(2)]
    management = Seeder(emulator, SECURITY_ACCOUNT)
    trail = management.trail(name="streamed-org-trail", cloudwatch=False, kms=False)
    management.client("cloudtrail", REGION).update_trail(Name="streamed-org-trail", IsOrganizationTrail=True)
    management.guardduty(REGION)
    management.findings_rule(REGION)
    for member in members:
        seeder = Seeder(emulator, member)
        seeder.guardduty(REGION)
        seeder.query_logging(REGION)
    shared = [Seeder(emulator, member).client("route53resolver", REGION).list_resolver_query_log_configs()[
        "ResolverQueryLogConfigs"][0] for member in members]
    return {"members": members, "trail": trail, "shared_configs": shared}


@pytest.fixture
def org_faults(faults, organization):
    """What moto cannot show: the members' GuardDuty administrator, and the query log config as shared by
    the management account through RAM (its owner)."""
    faults.faults += [
        Fault("guardduty", "GetAdministratorAccount", answer={"administrator": {
            "accountId": SECURITY_ACCOUNT, "relationshipStatus": "Enabled"}}),
        Fault("route53resolver", "ListResolverQueryLogConfigs", answer={"ResolverQueryLogConfigs": [
            dict(config, OwnerId=SECURITY_ACCOUNT, ShareStatus="SHARED_WITH_ME",
                 Arn=config["Arn"].replace(member, SECURITY_ACCOUNT))
            for member, config in zip(organization["members"], organization["shared_configs"], strict=True)]}),
    ]
    return faults


def config_of(organization) -> AuditConfig:
    return audit_config(SECURITY_ACCOUNT, org=True, accounts=(SECURITY_ACCOUNT, *organization["members"]))


def quiet() -> Progress:
    return Progress(0, enabled=False)


def as_dicts(findings) -> list[dict]:
    return [f.to_dict() for f in findings]


def test_streamed_and_in_memory_snapshots_give_the_same_findings(emulator, organization, org_faults, tmp_path):
    config = config_of(organization)
    in_memory = collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=4,
                                 progress=quiet())
    streamed = collect_to_file(config, caller_session(), tmp_path / "one.jsonl", endpoint_url=emulator.url,
                               max_workers=4, progress=quiet())
    spread = collect_to_file(config, caller_session(), tmp_path / "two.jsonl", endpoint_url=emulator.url,
                             max_workers=4, progress=quiet(), processes=2,
                             session_factory=functools.partial(boto3.Session, **CREDENTIALS))
    expected = evaluate(in_memory, config)
    assert isinstance(streamed["accounts"], parts.Parts) and isinstance(spread["accounts"], parts.Parts)
    for snapshot in (streamed, spread, load(tmp_path / "one.jsonl"), load(tmp_path / "two.jsonl")):
        assert as_dicts(evaluate(snapshot, config)) == as_dicts(expected)
        assert summarize(expected, snapshot) == summarize(expected, in_memory)

    # The organization-level credit is in those findings: each member is covered by the organization trail
    # (and its bucket, read in the management account), routed by the administrator's rule, and logs DNS
    # queries with the config the management account shared.
    for member in organization["members"]:
        mine = {f.check_id: f for f in expected if f.account_id == member and f.region in (REGION, "global")}
        logging = mine["cloudtrail.multi_region_logging"]
        assert logging.status is Status.PASS and f"organization trail of account {SECURITY_ACCOUNT}" in \
            logging.reason
        assert mine["cloudtrail.bucket_retention"].status is Status.PASS, mine["cloudtrail.bucket_retention"]
        routed = mine["guardduty.findings_routed"]
        assert routed.status is Status.PASS and f"delegated administrator {SECURITY_ACCOUNT}" in routed.reason
        dns = mine["dns.resolver_query_logging"]
        assert dns.status is Status.PASS and f"shared by account {SECURITY_ACCOUNT} through RAM" in dns.reason


def test_a_saved_snapshot_of_either_schema_re_evaluates_offline(emulator, organization, org_faults, tmp_path,
                                                                capsys):
    config = config_of(organization)
    streamed = collect_to_file(config, caller_session(), tmp_path / "snapshot.jsonl", endpoint_url=emulator.url,
                               max_workers=4, progress=quiet())
    save(parts.in_memory(streamed), tmp_path / "snapshot-v1.json")  # the format irready wrote before
    reports = []
    for path in ("snapshot.jsonl", "snapshot-v1.json"):
        main(["evaluate", str(tmp_path / path), "--format", "json", "--output", str(tmp_path / f"{path}.report")])
        reports.append(json.loads((tmp_path / f"{path}.report").read_text()))
    assert reports[0]["findings"] == reports[1]["findings"] == as_dicts(evaluate(streamed, config))
    first_line = (tmp_path / "snapshot.jsonl").read_text().splitlines()[0]
    assert json.loads(first_line)["header"]["schema"] == parts.SCHEMA


def test_a_snapshot_cut_short_loads_as_incomplete(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    writer = parts.PartWriter(path, {"config": {}, "caller_account_id": "111111111111",
                                     "target_accounts": ["111111111111", "222222222222"]})
    writer.add("111111111111", {"account_id": "111111111111", "regions": [REGION], "services": {}})
    writer.abandon()  # killed before the end line: the partial file is what is left
    snapshot = load(writer.partial)
    assert list(snapshot["accounts"]) == ["111111111111"]
    assert snapshot["incomplete"] == {"reason": "cut short (no end line)", "missing_accounts": ["222222222222"]}


@pytest.mark.parametrize(("line", "message"), [
    (b'{"account": {"regions": []}}\n', "line 2: field 'account_id' must be a text"),
    (b'{"account": {"account_id": "1", "regions": "us-east-1"}}\n', "accounts.1.regions must be a list"),
    (b'{"whatever": 1}\n', "line 2 must be an object with one key of header, account, topics, end"),
    (b'{"account": \n', "line 2 is not a JSON object"),
])
def test_a_damaged_streamed_snapshot_is_refused_naming_the_line(tmp_path, capsys, line, message):
    path = tmp_path / "snapshot.jsonl"
    path.write_bytes(b'{"header":{"schema":"irready/snapshot-v2","config":{}}}\n' + line)
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_evaluation_holds_a_bounded_number_of_accounts(tmp_path):
    """200 synthetic accounts of about 150 KB each (30 MB in all): evaluating them from the file never holds
    more than the loader's cache of accounts, and the memory it allocates stays a small fraction of the whole."""
    path = tmp_path / "snapshot.jsonl"
    config = AuditConfig(regions=(REGION,), org=True, security_account_id="100000000000")
    writer = parts.PartWriter(path, {"config": config.to_dict(), "caller_account_id": "100000000000"})
    groups = [{"name": f"/app/service-{n:05d}/" + "x" * 40, "retention_days": 400} for n in range(2000)]
    for n in range(200):
        account_id = f"{100000000000 + n}"
        writer.add(account_id, {"account_id": account_id, "regions": [REGION], "services": {
            "logs": {REGION: {"log_groups": groups}}}})
    written = writer.close("2026-01-01T00:00:00+00:00")
    snapshot = load(path)
    accounts = snapshot["accounts"]
    assert accounts.sha256 == written and path.stat().st_size > 25 * 2**20

    held = []
    original = parts.Parts.__getitem__

    def counting(self, account_id):
        entry = original(self, account_id)
        held.append(self.live)
        return entry

    tracemalloc.start()
    try:
        parts.Parts.__getitem__ = counting
        findings = evaluate(snapshot, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        parts.Parts.__getitem__ = original
        tracemalloc.stop()
    assert {f.account_id for f in findings} == set(accounts) and len(accounts) == 200
    assert max(held) <= 8 and accounts.loads >= 200
    one_account = path.stat().st_size / 200
    # Decoded, an account takes several times its JSON; 30 accounts' worth is far below the 200 in the file.
    assert peak < 30 * one_account * 4, f"peak {peak / 2**20:.1f} MiB"
