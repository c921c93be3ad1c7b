"""The investigation workspace and the network log archive under Pulumi's mocks, with Pulumi.example.yaml
(which enables both): what AWS documents for each resource, and the investigator's least privilege
judged by policies.evaluator."""

from __future__ import annotations

import json
import re

import pytest
from irready.infra.config import StackConfigError, load
from irready.policies import investigation
from irready.policies.evaluator import ALLOW, IMPLICIT_DENY, Request, evaluate

from tests.infra.mocks import DISCOVERED_VPC, ORGANIZATION_ID, example_config, example_values, run_program

SECURITY, MANAGEMENT = "210987654321", "123456789012"
# Pulumi.example.yaml: four listed accounts (the security account among them) in two regions each.
ACCOUNT_REGIONS = sum(len(a["regions"]) for a in example_values()["accounts"])
# What the mocked Organizations lists (infra/offline/program.py): 333333333333 joined the organization
# without being one of the stack's accounts; its logs must still be queryable.
ORGANIZATION_ACCOUNTS = "111111111111,123456789012,210987654321,222222222222,333333333333"
TRAIL_BUCKET = f"irready-trail-{MANAGEMENT}-us-east-1"
NETWORK_BUCKET = f"irready-network-logs-{MANAGEMENT}-us-east-1"
RESULTS_BUCKET = f"irready-athena-results-{SECURITY}-us-east-1"


@pytest.fixture(scope="module")
def program():
    return run_program(example_config())


def named(program, type_: str, name: str):
    (declared,) = [r for r in program.of_type(type_) if r.name == name]
    return declared


def tables(program) -> dict[str, dict]:
    return {t.inputs["name"]: t.inputs for t in program.of_type("aws:glue/catalogTable:CatalogTable")}


def test_the_workgroup_enforces_its_limits_and_encrypts_results(program):
    """https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html (enforced settings),
    https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html (per-query
    cutoff, at least 10 MB), https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html"""
    (workgroup,) = program.of_type("aws:athena/workgroup:Workgroup")
    settings = workgroup.inputs["configuration"]
    assert workgroup.inputs["name"] == investigation.WORKGROUP and workgroup.inputs["region"] == "us-east-1"
    assert settings["enforceWorkgroupConfiguration"] is True
    assert settings["bytesScannedCutoffPerQuery"] == 10737418240 >= investigation.MIN_BYTES_SCANNED_CUTOFF
    assert settings["engineVersion"] == {"selectedEngineVersion": "Athena engine version 3"}  # result reuse needs it
    results = settings["resultConfiguration"]
    assert results["outputLocation"] == f"s3://{RESULTS_BUCKET}/results/"
    assert results["encryptionConfiguration"] == {"encryptionOption": "SSE_KMS",
                                                  "kmsKeyArn": "arn:aws:mock:::investigation-results-key"}
    assert workgroup.provider.split("::")[-2] == f"account-{SECURITY}"  # the security account's provider


def test_the_results_bucket_is_private_encrypted_and_forgets(program):
    encryption = named(program, "aws:s3/bucketServerSideEncryptionConfiguration:"
                       "BucketServerSideEncryptionConfiguration", "investigation-results-encryption")
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    block = named(program, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                  "investigation-results-public-access-block").inputs
    assert all(block[k] for k in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"))
    (rule,) = named(program, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "investigation-results-expiry").inputs["rules"]
    assert rule["expiration"]["days"] == 30 and rule["noncurrentVersionExpiration"]["noncurrentDays"] == 30
    policy = json.loads(named(program, "aws:s3/bucketPolicy:BucketPolicy", "investigation-results-policy")
                        .inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_tables_have_the_schemas_in_policies(program):
    declared = tables(program)
    assert set(declared) == {t.name for t in investigation.TABLES}
    for table in investigation.TABLES:
        inputs = declared[table.name]
        assert inputs["databaseName"] == investigation.DATABASE and inputs["tableType"] == "EXTERNAL_TABLE"
        storage = inputs["storageDescriptor"]
        assert [(c["name"], c["type"]) for c in storage["columns"]] == list(table.columns)
        assert [(k["name"], k["type"]) for k in inputs["partitionKeys"]] == list(table.partition_keys)
        assert storage["serDeInfo"]["serializationLibrary"] == table.serde
        assert (storage["inputFormat"], storage["outputFormat"]) == (table.input_format, table.output_format)
    assert not program.of_type("aws:glue/crawler:Crawler")  # projection, never a crawler


def test_partition_projection_covers_every_partition_column_and_the_organization(program):
    """https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html: every partition
    column has a projection type, and storage.location.template names each of them as ${column}."""
    for name, inputs in tables(program).items():
        parameters = inputs["parameters"]
        partitions = [k["name"] for k in inputs["partitionKeys"]]
        assert parameters["projection.enabled"] == "true"
        assert all(parameters[f"projection.{column}.type"] in ("enum", "date", "integer") for column in partitions)
        assert sorted(re.findall(r"\$\{(\w+)\}", parameters["storage.location.template"])) == sorted(partitions)
        assert parameters["projection.account.values"] == ORGANIZATION_ACCOUNTS, name
    cloudtrail = tables(program)["cloudtrail"]["parameters"]
    assert cloudtrail["storage.location.template"] == (
        f"s3://{TRAIL_BUCKET}/AWSLogs/{ORGANIZATION_ID}/${{account}}/CloudTrail/${{region}}/${{dt}}")
    assert cloudtrail["projection.region.values"] == "eu-west-1,us-east-1"
    assert (cloudtrail["projection.dt.format"], cloudtrail["projection.dt.range"]) == ("yyyy/MM/dd",
                                                                                     "2025/01/01,NOW")
    flows = tables(program)["vpc_flow_logs"]["parameters"]
    assert flows["storage.location.template"].startswith(f"s3://{NETWORK_BUCKET}/AWSLogs/aws-account-id=${{account}}/"
                                                         "aws-service=vpcflowlogs/aws-region=${aws_region}/")
    dns = tables(program)["resolver_query_logs"]["parameters"]
    assert set(dns["projection.vpc.values"].split(",")) == {"vpc-0a1b2c3d4e5f60718", DISCOVERED_VPC}


def test_flow_logs_reach_the_archive_in_the_format_the_table_reads(program):
    """https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html (Parquet, Hive-compatible
    prefixes); Parquet columns are the fields with hyphens as underscores."""
    to_s3 = [f for f in program.of_type("aws:ec2/flowLog:FlowLog") if f.inputs["logDestinationType"] == "s3"]
    assert len(to_s3) == ACCOUNT_REGIONS and {f.inputs["logDestination"] for f in to_s3} == {
        "arn:aws:mock:::network-log-archive-bucket"}
    for flow_log in to_s3:
        assert flow_log.inputs["destinationOptions"] == {"fileFormat": "parquet", "hiveCompatiblePartitions": True,
                                                         "perHourPartition": False}
        assert flow_log.inputs["logFormat"] == investigation.FLOW_LOG_FORMAT
        assert "iamRoleArn" not in flow_log.inputs  # S3 delivery is the log service's, allowed by the bucket
    assert [name for name, _ in investigation.FLOW_LOGS.columns] == [
        field.replace("-", "_") for field in investigation.FLOW_LOG_FIELDS]
    to_archive = [c for c in program.of_type("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")
                  if c.inputs["destinationArn"] == "arn:aws:mock:::network-log-archive-bucket"]
    assert len(to_archive) == ACCOUNT_REGIONS  # every account and region


def test_the_archive_takes_deliveries_only_from_the_stack_s_accounts(program):
    """https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html"""
    policy = json.loads(named(program, "aws:s3/bucketPolicy:BucketPolicy", "network-log-archive-bucket-policy")
                        .inputs["policy"])
    bucket = "arn:aws:mock:::network-log-archive-bucket"
    write = Request("s3:PutObject", f"{bucket}/AWSLogs/aws-account-id=111111111111/x.parquet",
                    principal="delivery.logs.amazonaws.com",
                    context={"aws:SourceAccount": "111111111111", "s3:x-amz-acl": "bucket-owner-full-control",
                             "aws:SecureTransport": "true"})
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["LogDeliveryWritesOrganizationLogs"]["Condition"]["StringEquals"]["aws:SourceAccount"] == [
        MANAGEMENT, "111111111111", "222222222222", SECURITY]
    assert evaluate([_service_view(policy)], write) == ALLOW
    stranger = Request(write.action, write.resource, write.principal, {**write.context, "aws:SourceAccount":
                                                                        "999999999999"})
    assert evaluate([_service_view(policy)], stranger) == IMPLICIT_DENY


def _service_view(policy: dict) -> dict:
    """The statements for service principals as identity statements (our evaluator matches AWS principals)."""
    return {"Statement": [{k: v for k, v in s.items() if k != "Principal"} for s in policy["Statement"]
                          if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]]}


@pytest.mark.parametrize("bucket_policy", ["organization-trail-bucket-policy", "network-log-archive-bucket-policy"])
def test_only_the_investigator_of_the_security_account_reads_the_log_buckets(program, bucket_policy):
    policy = json.loads(named(program, "aws:s3/bucketPolicy:BucketPolicy", bucket_policy).inputs["policy"])
    bucket = "arn:aws:mock:::" + bucket_policy.removesuffix("-policy").replace("organization-trail-bucket",
                                                                               "organization-trail-bucket")
    investigator = f"arn:aws:iam::{SECURITY}:role/{investigation.INVESTIGATOR_ROLE}"
    aws_statements = {"Statement": [s for s in policy["Statement"] if s.get("Principal") != "*"
                                    and "AWS" in (s.get("Principal") or {})]}

    def decide(action: str, resource: str, caller: str) -> str:
        return evaluate([aws_statements], Request(action, resource, principal=caller,
                                                  context={"aws:PrincipalArn": caller}))

    obj = f"{bucket}/AWSLogs/{ORGANIZATION_ID}/111111111111/CloudTrail/us-east-1/2026/01/01/x.json.gz"
    assert decide("s3:GetObject", obj, investigator) == ALLOW
    assert decide("s3:ListBucket", bucket, investigator) == ALLOW
    assert decide("s3:GetObject", obj, f"arn:aws:iam::{SECURITY}:role/developer") == IMPLICIT_DENY
    assert decide("s3:PutObject", obj, investigator) == IMPLICIT_DENY
    assert decide("s3:DeleteObject", obj, investigator) == IMPLICIT_DENY


def test_every_saved_query_is_a_named_query_in_the_workgroup(program):
    """https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html (description at most
    1024 characters; query at most 262144 bytes)."""
    saved = {q.inputs["name"]: q.inputs for q in program.of_type("aws:athena/namedQuery:NamedQuery")}
    assert set(saved) == {q.named_query_name for q in investigation.queries()}
    for query in investigation.queries():
        inputs = saved[query.named_query_name]
        assert inputs["query"] == query.sql and len(query.sql.encode()) <= 262144
        assert (inputs["workgroup"], inputs["database"]) == (investigation.WORKGROUP, investigation.DATABASE)
        assert inputs["description"] == query.question and len(query.question) <= 1024


# --- the investigator ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def investigator(program):
    role = named(program, "aws:iam/role:Role", "investigation-investigator")
    policy = named(program, "aws:iam/rolePolicy:RolePolicy", "investigation-investigator-permissions")
    return json.loads(role.inputs["assumeRolePolicy"]), json.loads(policy.inputs["policy"])


WORKGROUP_ARN = f"arn:aws:athena:us-east-1:{SECURITY}:workgroup/{investigation.WORKGROUP}"
GLUE = f"arn:aws:glue:us-east-1:{SECURITY}"
TRAIL_KEY, NETWORK_KEY = "arn:aws:mock:::organization-trail-key", "arn:aws:mock:::network-log-archive-key"


@pytest.mark.parametrize(("action", "resource", "expected"), [
    ("athena:StartQueryExecution", WORKGROUP_ARN, ALLOW),
    ("athena:GetQueryResults", WORKGROUP_ARN, ALLOW),
    ("athena:ListNamedQueries", WORKGROUP_ARN, ALLOW),
    ("athena:StartQueryExecution", f"arn:aws:athena:us-east-1:{SECURITY}:workgroup/primary", IMPLICIT_DENY),
    ("athena:UpdateWorkGroup", WORKGROUP_ARN, IMPLICIT_DENY),  # the limits stay on
    ("athena:DeleteNamedQuery", WORKGROUP_ARN, IMPLICIT_DENY),
    ("glue:GetTable", f"{GLUE}:table/{investigation.DATABASE}/cloudtrail", ALLOW),
    ("glue:GetDatabase", f"{GLUE}:database/{investigation.DATABASE}", ALLOW),
    ("glue:GetTable", f"{GLUE}:table/payroll/employees", IMPLICIT_DENY),
    ("glue:UpdateTable", f"{GLUE}:table/{investigation.DATABASE}/cloudtrail", IMPLICIT_DENY),
    ("glue:DeleteTable", f"{GLUE}:table/{investigation.DATABASE}/cloudtrail", IMPLICIT_DENY),
    ("s3:GetObject", f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/{ORGANIZATION_ID}/x.json.gz", ALLOW),
    ("s3:GetObject", f"arn:aws:s3:::{NETWORK_BUCKET}/AWSLogs/aws-account-id=1/x.parquet", ALLOW),
    ("s3:ListBucket", f"arn:aws:s3:::{TRAIL_BUCKET}", ALLOW),
    ("s3:PutObject", f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/x", IMPLICIT_DENY),
    ("s3:DeleteObject", f"arn:aws:s3:::{NETWORK_BUCKET}/AWSLogs/x", IMPLICIT_DENY),
    ("s3:GetObject", "arn:aws:s3:::corp-payroll/2026/salaries.csv", IMPLICIT_DENY),
    ("kms:Decrypt", TRAIL_KEY, ALLOW),
    ("kms:Decrypt", NETWORK_KEY, ALLOW),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/payroll", IMPLICIT_DENY),
    ("kms:Encrypt", TRAIL_KEY, IMPLICIT_DENY),
    ("s3:PutObject", f"arn:aws:s3:::{RESULTS_BUCKET}/results/q.csv", ALLOW),
    ("kms:GenerateDataKey", "arn:aws:mock:::investigation-results-key", ALLOW),
])
def test_the_investigator_may_query_and_read_and_nothing_more(investigator, action, resource, expected):
    _, policy = investigator
    assert evaluate([policy], Request(action, resource)) == expected


def test_the_investigator_s_policy_names_its_resources(investigator):
    _, policy = investigator
    for statement in policy["Statement"]:
        assert "*" not in statement["Action"] and not any(a.endswith(":*") for a in _list(statement["Action"]))
        if statement["Resource"] == "*":
            assert statement["Action"] == "athena:ListWorkGroups"  # a list call takes no resource


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_investigators_come_from_the_security_account_with_mfa(investigator):
    trust, _ = investigator
    assert trust == investigation.investigator_trust_policy(SECURITY)
    member = f"arn:aws:iam::{SECURITY}:user/analyst"
    assert evaluate([trust], Request("sts:AssumeRole", principal=member,
                                     context={"aws:MultiFactorAuthPresent": "true"})) == ALLOW
    assert evaluate([trust], Request("sts:AssumeRole", principal=member,
                                     context={"aws:MultiFactorAuthPresent": "false"})) == IMPLICIT_DENY
    assert evaluate([trust], Request("sts:AssumeRole", principal="arn:aws:iam::111111111111:user/dev",
                                     context={"aws:MultiFactorAuthPresent": "true"})) == IMPLICIT_DENY


# --- config ----------------------------------------------------------------------------------------------

def config_with(**values):
    merged = {**example_values(), **values}
    return load(lambda key: merged.get(key))


def test_the_example_enables_the_workspace_and_both_destinations():
    config = config_with()
    assert config.network_log_destinations == ("cloudwatch", "s3")
    assert (config.investigation.bytes_scanned_cutoff, config.investigation.first_day) == (10737418240, "2025/01/01")
    assert config_with(investigation={"enabled": False}).investigation is None


@pytest.mark.parametrize(("values", "message"), [
    ({"networkLogDestinations": ["kinesis"]}, "irready:networkLogDestinations: .* cloudwatch and/or s3"),
    ({"networkLogDestinations": []}, "irready:networkLogDestinations"),
    ({"investigation": {"bytesScannedCutoffPerQuery": 1000}}, "bytesScannedCutoffPerQuery: 1000 .* at least"),
    ({"investigation": {"firstDay": "2025-01-01"}}, r"firstDay: '2025-01-01' is not a day; use yyyy/MM/dd"),
    ({"investigation": {"retention": 3}}, "irready:investigation: expected"),
])
def test_bad_workspace_config_names_the_key_and_the_fix(values, message):
    with pytest.raises(StackConfigError, match=message):
        config_with(**values)


def test_s3_alone_sends_network_logs_only_to_the_archive():
    recorder = run_program({**example_config(), "irready:networkLogDestinations": json.dumps(["s3"])})
    flow_logs = recorder.of_type("aws:ec2/flowLog:FlowLog")
    assert {f.inputs["logDestinationType"] for f in flow_logs} == {"s3"} and len(flow_logs) == ACCOUNT_REGIONS
    assert {g.inputs["name"] for g in recorder.of_type("aws:cloudwatch/logGroup:LogGroup")
            if not g.inputs["name"].startswith("/aws/lambda/")} == {  # the scheduled audit's functions log there
        "/irready/irready-organization-trail"}  # the trail's only
    configs = recorder.of_type("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")
    assert {c.inputs["destinationArn"] for c in configs} == {"arn:aws:mock:::network-log-archive-bucket"}
    assert len(recorder.of_type("aws:route53/resolverQueryLogConfigAssociation:"
                                "ResolverQueryLogConfigAssociation")) == ACCOUNT_REGIONS


def test_without_the_workspace_nothing_of_it_is_declared_and_nobody_new_reads_the_trail():
    values = {**example_config(), "irready:investigation": json.dumps({"enabled": False}),
              "irready:networkLogDestinations": json.dumps(["cloudwatch"])}
    recorder = run_program(values)
    assert not [r for r in recorder.resources if r.type.startswith(("aws:athena/", "aws:glue/"))]
    assert not [r for r in recorder.resources if "investigation" in r.name or "network-log-archive" in r.name]
    (policy,) = [p for p in recorder.of_type("aws:s3/bucketPolicy:BucketPolicy")
                 if p.name == "organization-trail-bucket-policy"]
    assert "InvestigatorReadsLogs" not in policy.inputs["policy"]


def test_a_workspace_over_the_trail_alone_has_one_table_and_its_queries():
    values = {**example_config(), "irready:networkLogDestinations": json.dumps(["cloudwatch"])}
    recorder = run_program(values)
    assert set(tables(recorder)) == {"cloudtrail"}
    saved = {q.inputs["name"] for q in recorder.of_type("aws:athena/namedQuery:NamedQuery")}
    assert saved == {q.named_query_name for q in investigation.queries() if q.table == "cloudtrail"}
