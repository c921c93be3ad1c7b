"""`irready inventory` over HTTP against moto, for an emulated organization: the resources the audit's
collectors see, with their context tags, as CSV and JSON, saying where they came from."""

from __future__ import annotations

import csv
import json

import pytest
from botocore.exceptions import ClientError

from irready.cli import main
from irready.emulated.seed import Seeder
from irready.emulated.seed_workloads import CONTEXT
from tests.audit.emulated import REGION, use_standard_credentials


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    use_standard_credentials(monkeypatch)


@pytest.fixture(scope="module")
def members(_emulator_and_faults):
    """Two members of the caller's organization: one with a tagged database and an untagged function and
    bucket, one with a tagged load balancer."""
    emulator = _emulator_and_faults[0]
    org = emulator.client(emulator.session(), "organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyInOrganizationException":
            raise
    first, second = (org.create_account(AccountName=f"inventory-{n}", Email=f"inventory-{n}@example.com")[
        "CreateAccountStatus"]["AccountId"] for n in range(2))
    one = Seeder(emulator, first)
    one.database(REGION, tags=CONTEXT)
    one.lambda_function(REGION, publish=False)
    one.bucket(f"customers-{first}", tags={"data-classification": "pii"})
    Seeder(emulator, second).load_balancer(REGION, access_logs=False, tags=CONTEXT)
    return first, second


def inventory(emulator, members, *extra) -> int:
    return main(["inventory", "--endpoint-url", emulator.url, "--regions", REGION, "--org",
                 "--accounts", ",".join(members), *extra])


def test_json_lists_every_resource_with_account_region_type_arn_context_tags_and_sources(emulator, members,
                                                                                           tmp_path):
    first, second = members
    assert inventory(emulator, members, "--output", str(tmp_path / "inventory.json")) == 0
    document = json.loads((tmp_path / "inventory.json").read_text())
    assert "Resource Groups Tagging API" in document["about"]["sources"]
    assert "collectors" in document["about"]["sources"]
    assert document["about"]["context_tags"] == ["environment", "owner", "data-classification"]
    rows = {row["arn"]: row for row in document["resources"]}
    database = rows[f"arn:aws:rds:{REGION}:{first}:db:orders"]
    assert (database["account_id"], database["region"], database["type"]) == (first, REGION, "AWS::RDS::DBInstance")
    assert database["owner"] == "payments-team" and database["sources"] == "rds+resourcegroupstaggingapi"
    function = rows[f"arn:aws:lambda:{REGION}:{first}:function:thumbnails"]
    assert function["environment"] == "" and function["tags_read"] is True and function["sources"] == "lambda"
    assert rows[f"arn:aws:s3:::customers-{first}"]["data-classification"] == "pii"
    (balancer,) = [row for row in document["resources"] if row["type"].endswith("LoadBalancer")]
    assert balancer["account_id"] == second and balancer["environment"] == "production"


def test_csv_has_a_header_one_row_per_resource_and_states_its_sources(emulator, members, tmp_path):
    assert inventory(emulator, members, "--output", str(tmp_path / "inventory.csv")) == 0
    text = (tmp_path / "inventory.csv").read_text()
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[0].startswith("# sources: resources listed by irready's collectors")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert list(rows[0]) == ["account_id", "region", "type", "arn", "environment", "owner", "data-classification",
                             "tags_read", "sources"]
    assert {row["account_id"] for row in rows} == set(members)
    assert any(row["type"] == "AWS::Lambda::Function" and row["owner"] == "" for row in rows)


def test_context_tag_names_come_from_the_config(emulator, members, tmp_path):
    config = tmp_path / "irready.toml"
    config.write_text('[audit]\ncontext_tags = ["owner", "cost-center"]\n')
    assert inventory(emulator, members, "--config", str(config), "--format", "json",
                     "--output", str(tmp_path / "out")) == 0
    assert json.loads((tmp_path / "out").read_text())["about"]["context_tags"] == ["owner", "cost-center"]


def test_from_a_saved_snapshot_without_calling_aws(emulator, members, tmp_path, capsys):
    snapshot = tmp_path / "snapshot.json"
    main(["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", members[0],
          "--output", str(tmp_path / "report.json"), "--snapshot-out", str(snapshot)])
    capsys.readouterr()
    assert main(["inventory", "--snapshot", str(snapshot), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["resources"]
    assert {row["account_id"] for row in rows} == {members[0]}


def test_an_unusable_config_is_a_usage_error_naming_the_key(emulator, members, tmp_path, capsys):
    config = tmp_path / "irready.toml"
    config.write_text("[audit]\ncontext_tags_min_percent = 120\n")
    assert inventory(emulator, members, "--config", str(config)) == 2
    assert "audit.context_tags_min_percent" in capsys.readouterr().err
