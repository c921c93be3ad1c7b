"""The saved queries really run: each is parsed as Athena's (Trino) SQL by sqlglot, run by DuckDB over a
synthetic day of the notes' incident in AWS's documented log layouts (irready/emulated/incident_logs.py),
and must return the attacker's records and nothing of the background.

Nothing here is skipped: every construct the queries use (struct field access, json_extract_scalar,
regexp_like, regexp_extract, concat_ws, strpos, array_agg DISTINCT ... FILTER, from_unixtime, ``?``
parameters) transpiles to DuckDB. Not checked locally (by design of the stand-in, see
irready/emulated/athena_local.py): Athena's reading of S3 and KMS, and the workgroup's cutoff.
"""

from __future__ import annotations

import pytest
from irready.policies import investigation
from sqlglot import exp

from irready.emulated import athena_local
from irready.emulated.incident_logs import (
    ADMIN_ARN,
    ADMIN_IP,
    ATTACKER_IP,
    BACKUP_ROLE_ARN,
    LAUNCHED_INSTANCE,
    NETWORK_BUCKET,
    ORGANIZATION_ID,
    PASSED_PROFILE,
    TRAIL_BUCKET,
    VICTIM_INSTANCE,
    VICTIM_PUBLIC_IP,
    VICTIM_ROLE_ARN,
    write_day,
)

QUERIES = {query.name: query for query in investigation.queries()}
BUCKETS = {"cloudtrail": TRAIL_BUCKET, "vpc_flow_logs": NETWORK_BUCKET, "resolver_query_logs": NETWORK_BUCKET}


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    root = tmp_path_factory.mktemp("logs")
    truth = write_day(root)
    files = athena_local.log_files(root, BUCKETS, ORGANIZATION_ID)
    return truth, files, athena_local.load(files)


def run(day, name: str, *values: str) -> list[dict]:
    truth, _, connection = day
    return athena_local.run(connection, QUERIES[name], [*values, truth.day, truth.day])


def event_ids(rows: list[dict]) -> set[str]:
    return {row["eventid"] for row in rows}


def test_the_notes_pivots_are_all_saved():
    assert set(QUERIES) == {
        "actions_by_instance", "actions_on_instance", "actions_of_identity", "calls_from_address",
        "identities_from_address", "addresses_of_identity", "lateral_movement", "run_instances_by_instance_roles",
        "object_reads_by_identity", "list_buckets_then_object_reads", "flows_of_address", "dns_lookups_by_instance"}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES)
def test_each_query_is_athena_sql_with_its_question_parameters_and_day_bounds(query):
    tree = athena_local.parse(query)  # raises on anything Athena's Trino dialect would not parse
    assert query.sql.startswith("-- question: ") and len(query.question) > 40
    assert query.parameters[-2:] == ("first_day", "last_day")
    assert len(list(tree.find_all(exp.Placeholder))) == len(query.parameters)
    # The day bounds are predicates on partition columns, so Athena reads only those days' objects.
    table = investigation.TABLES_BY_NAME[query.table]
    partitions = {name for name, _ in table.partition_keys}
    bounded = [between for between in tree.find_all(exp.Between)
               if {c.name for c in between.this.find_all(exp.Column)} and
               {c.name for c in between.this.find_all(exp.Column)} <= partitions
               and isinstance(between.args["low"], exp.Placeholder)]
    assert bounded, f"{query.name}: no BETWEEN ? AND ? on the partition columns {sorted(partitions)}"


def test_the_instance_s_role_did_exactly_the_attackers_twelve_calls_writes_first(day):
    truth = day[0]
    rows = run(day, "actions_by_instance", VICTIM_INSTANCE)
    assert event_ids(rows) == truth.attacker_events and len(rows) == 12
    assert [row["readonly"] for row in rows] == sorted(row["readonly"] for row in rows)  # 'false' first
    assert rows[0]["readonly"] == "false"


def test_the_role_pivot_and_the_walk_through_s_address_filter_find_the_same_calls(day):
    truth = day[0]
    assert event_ids(run(day, "actions_of_identity", VICTIM_ROLE_ARN)) == truth.attacker_events
    assert event_ids(run(day, "calls_from_address", VICTIM_PUBLIC_IP)) == truth.attacker_events


def test_what_was_done_to_the_launched_instance(day):
    truth = day[0]
    assert event_ids(run(day, "actions_on_instance", LAUNCHED_INSTANCE)) == truth.on_launched_instance


def test_one_identity_from_the_instance_s_address_and_one_address_for_that_identity(day):
    (identity,) = run(day, "identities_from_address", VICTIM_PUBLIC_IP)
    assert (identity["identity"], identity["identity_type"], identity["calls"]) == (VICTIM_ROLE_ARN, "AssumedRole", 12)
    assert {"RunInstances", "ListBuckets"} <= set(identity["actions"])
    (address,) = run(day, "addresses_of_identity", VICTIM_ROLE_ARN)
    assert (address["sourceipaddress"], address["calls"]) == (VICTIM_PUBLIC_IP, 12)
    assert run(day, "identities_from_address", ATTACKER_IP) == []  # the attacker never called AWS from home


def test_lateral_movement_finds_the_refused_assume_role_and_not_the_admin_s_sessions(day):
    (row,) = run(day, "lateral_movement", VICTIM_ROLE_ARN, VICTIM_PUBLIC_IP)
    assert (row["eventname"], row["errorcode"]) == ("AssumeRole", "AccessDenied")
    assert row["reached"].endswith(":role/OrganizationAccountAccessRole")
    # The same query on the administrator (background): its SSM session and command, so it is not blind.
    admin = run(day, "lateral_movement", ADMIN_ARN, ADMIN_IP)
    assert {(r["eventname"], r["identity"]) for r in admin} == {("StartSession", ADMIN_ARN), ("SendCommand", ADMIN_ARN)}


def test_run_instances_by_instance_roles_is_the_attacker_s_five_and_not_ci_or_the_console(day):
    truth = day[0]
    rows = run(day, "run_instances_by_instance_roles")
    assert event_ids(rows) == truth.attacker_run_instances and len(rows) == 5
    assert {row["from_instance"] for row in rows} == {VICTIM_INSTANCE}
    assert {row["instance_profile"] for row in rows} == {PASSED_PROFILE}
    launched = [row for row in rows if row["errorcode"] is None]
    assert [(row["eventtime"], row["launched_instance"]) for row in launched] == [
        ("2022-03-22T15:48:02Z", LAUNCHED_INSTANCE)]  # the alarm's time in the notes


def test_object_reads_the_attacker_made_none_the_backup_job_twenty(day):
    truth = day[0]
    assert run(day, "object_reads_by_identity", VICTIM_ROLE_ARN) == []
    backup = run(day, "object_reads_by_identity", BACKUP_ROLE_ARN)
    assert event_ids(backup) == truth.backup_object_reads
    assert {row["bucket"] for row in backup} == {"corp-backups"}


def test_list_buckets_was_not_followed_by_reads_for_the_attacker(day):
    (attacker,) = run(day, "list_buckets_then_object_reads", VICTIM_ROLE_ARN)
    assert (attacker["sourceipaddress"], attacker["object_reads_after"]) == (VICTIM_PUBLIC_IP, 0)
    (backup,) = run(day, "list_buckets_then_object_reads", BACKUP_ROLE_ARN)
    assert (backup["object_reads_after"], list(backup["buckets_read"])) == (20, ["corp-backups"])


def test_flows_of_the_attacker_s_address_are_the_brute_force_and_the_session(day):
    truth = day[0]
    rows = run(day, "flows_of_address", ATTACKER_IP)
    found = {(r["srcaddr"], r["srcport"], r["dstaddr"], r["dstport"], int(r["first_packet"].timestamp()))
             for r in rows}
    assert found == truth.attacker_flows
    assert not found & truth.background_flows
    assert {r["dstport"] for r in rows if r["flow_direction"] == "ingress"} == {22}


def test_dns_lookups_of_the_instance_include_the_attacker_s_and_none_of_other_instances(day):
    truth = day[0]
    rows = run(day, "dns_lookups_by_instance", VICTIM_INSTANCE)
    found = {(r["query_timestamp"], r["query_name"]) for r in rows}
    # The instance's own lookups (WordPress updates) are the instance's too; nothing from other instances.
    assert found == truth.attacker_lookups | truth.victim_lookups
    assert {"transfer.sh.", "sts.amazonaws.com."} <= {name for _, name in truth.attacker_lookups}
    assert not {r["srcaddr"] for r in rows} - {"172.31.20.15"}


def test_day_bounds_leave_other_days_out(day):
    truth, _, connection = day
    before = athena_local.run(connection, QUERIES["run_instances_by_instance_roles"], ["2022/03/21", "2022/03/21"])
    assert before == [] and truth.attacker_run_instances


def test_a_day_outside_the_bounds_is_not_scanned(day):
    _, files, _ = day
    query = QUERIES["run_instances_by_instance_roles"]
    assert athena_local.scanned_bytes(files, query, "2022/03/21", "2022/03/21") == 0
    assert athena_local.scanned_bytes(files, query, "2022/03/22", "2022/03/22") > 0
    # Parquet: a query reads only the columns it names, so less than the whole files.
    flows = QUERIES["flows_of_address"]
    whole = sum(f.path.stat().st_size for f in files if f.table is investigation.FLOW_LOGS)
    assert 0 < athena_local.scanned_bytes(files, flows, "2022/03/22", "2022/03/22") < whole
