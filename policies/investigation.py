"""The investigation workspace, known once for both halves: the Athena workgroup, the Glue database and
tables over the organization's logs (their schemas, S3 layouts and partition projection), the
investigator's permissions, and the saved queries a responder pivots with.

``infra/components/investigation.py`` builds these; ``audit/checks/investigation.py`` checks they are
there and still say this; the tests run every saved query on a synthetic incident
(``irready/emulated/incident_logs.py``).

Sources of the shapes below:
- CloudTrail table and its projection: https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html
  and, for an organization trail's ``AWSLogs/<org id>/<account>/`` prefix,
  https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-org-wide-trail.html
- flow logs in Parquet with Hive-compatible prefixes: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html
  and https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection-parquet-example.html
- Resolver query logs: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html
  and https://docs.aws.amazon.com/athena/latest/ug/querying-r53-resolver-logs-partitioning-example.html
- partition projection types: https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORKGROUP = "irready-investigation"
DATABASE = "irready_investigation"  # Glue database names: lower case, digits and underscores
INVESTIGATOR_ROLE = "irready-investigator"
# A query that would read more than this is cancelled by Athena (the workgroup's per-query control):
# 10 GB is a week of a mid-sized organization's trail with the day predicates the saved queries use.
DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3
MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 2  # Athena's minimum for BytesScannedCutoffPerQuery
RESULT_REUSE_MAX_AGE_MINUTES = 60

# The fields irready asks flow logs for, in this order (a custom format). Every default (version 2)
# field, then the ones that name the instance, the subnet, the direction and the real packet
# addresses behind a NAT. https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
FLOW_LOG_FIELDS = ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
                   "packets", "bytes", "start", "end", "action", "log-status", "vpc-id", "subnet-id", "instance-id",
                   "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr", "region", "az-id", "flow-direction")
FLOW_LOG_FORMAT = " ".join(f"${{{field}}}" for field in FLOW_LOG_FIELDS)
# Flow logs to S3: Parquet, Hive-compatible prefixes, one partition per day.
FLOW_LOG_DESTINATION_OPTIONS = {"file_format": "parquet", "hive_compatible_partitions": True,
                                "per_hour_partition": False}


@dataclass(frozen=True)
class Table:
    """One Glue table. ``columns`` and ``partition_keys`` are (name, Hive type); ``location`` and
    ``template`` are S3 URIs with ``{bucket}`` and ``{organization_id}`` to fill, the template also
    with ``${partition}`` placeholders Athena fills from the projection."""
    name: str
    log: str  # what it holds, for descriptions
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[tuple[str, str], ...]
    serde: str
    input_format: str
    output_format: str
    location: str
    template: str


_CLOUDTRAIL_IDENTITY = (
    "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,"
    "username:string,sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,"
    "sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>,"
    "ec2roledelivery:string,sourceidentity:string>>")

CLOUDTRAIL = Table(
    name="cloudtrail", log="the organization trail (management and data events, every account and region)",
    columns=(
        ("eventversion", "string"), ("useridentity", _CLOUDTRAIL_IDENTITY), ("eventtime", "string"),
        ("eventsource", "string"), ("eventname", "string"), ("awsregion", "string"), ("sourceipaddress", "string"),
        ("useragent", "string"), ("errorcode", "string"), ("errormessage", "string"),
        ("requestparameters", "string"), ("responseelements", "string"), ("additionaleventdata", "string"),
        ("requestid", "string"), ("eventid", "string"), ("readonly", "string"),
        ("resources", "array<struct<arn:string,accountid:string,type:string>>"), ("eventtype", "string"),
        ("apiversion", "string"), ("recipientaccountid", "string"), ("serviceeventdetails", "string"),
        ("sharedeventid", "string"), ("vpcendpointid", "string"), ("eventcategory", "string"),
        ("tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>")),
    partition_keys=(("account", "string"), ("region", "string"), ("dt", "string")),
    serde="org.apache.hive.hcatalog.data.JsonSerDe",
    input_format="com.amazon.emr.cloudtrail.CloudTrailInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    location="s3://{bucket}/AWSLogs/{organization_id}/",
    template="s3://{bucket}/AWSLogs/{organization_id}/${account}/CloudTrail/${region}/${dt}",
)

FLOW_LOGS = Table(
    name="vpc_flow_logs", log="VPC flow logs (Parquet, every VPC of every account)",
    columns=(("version", "int"), ("account_id", "string"), ("interface_id", "string"), ("srcaddr", "string"),
             ("dstaddr", "string"), ("srcport", "int"), ("dstport", "int"), ("protocol", "bigint"),
             ("packets", "bigint"), ("bytes", "bigint"), ("start", "bigint"), ("end", "bigint"),
             ("action", "string"), ("log_status", "string"), ("vpc_id", "string"), ("subnet_id", "string"),
             ("instance_id", "string"), ("tcp_flags", "int"), ("type", "string"), ("pkt_srcaddr", "string"),
             ("pkt_dstaddr", "string"), ("region", "string"), ("az_id", "string"), ("flow_direction", "string")),
    partition_keys=(("account", "string"), ("aws_region", "string"), ("year", "string"), ("month", "string"),
                    ("day", "string")),
    serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    location="s3://{bucket}/AWSLogs/",
    template="s3://{bucket}/AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${aws_region}/"
             "year=${year}/month=${month}/day=${day}",
)

RESOLVER_QUERY_LOGS = Table(
    name="resolver_query_logs", log="Route 53 Resolver query logs (every VPC of every account)",
    columns=(("version", "string"), ("account_id", "string"), ("region", "string"), ("vpc_id", "string"),
             ("query_timestamp", "string"), ("query_name", "string"), ("query_type", "string"),
             ("query_class", "string"), ("rcode", "string"),
             ("answers", "array<struct<rdata:string,type:string,class:string>>"), ("srcaddr", "string"),
             ("srcport", "int"), ("transport", "string"),
             ("srcids", "struct<instance:string,resolver_endpoint:string>"),
             ("firewall_rule_action", "string"), ("firewall_rule_group_id", "string"),
             ("firewall_domain_list_id", "string")),
    partition_keys=(("account", "string"), ("vpc", "string"), ("dt", "string")),
    serde="org.openx.data.jsonserde.JsonSerDe",
    input_format="org.apache.hadoop.mapred.TextInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    location="s3://{bucket}/AWSLogs/",
    template="s3://{bucket}/AWSLogs/${account}/vpcdnsquerylogs/${vpc}/${dt}",
)

TABLES = (CLOUDTRAIL, FLOW_LOGS, RESOLVER_QUERY_LOGS)
TABLES_BY_NAME = {table.name: table for table in TABLES}


def projection(table: Table, *, accounts: list[str], regions: list[str], vpcs: list[str],
               first_day: str) -> dict[str, str]:
    """The table's Athena partition-projection properties (Glue table parameters).

    ``accounts``: the organization's account ids (``enum``: a new account needs the table updated,
    which ``pulumi up`` does; ``investigation.queries_ready`` reports an account the table misses).
    ``regions``: the regions logs come from. ``vpcs``: every VPC with Resolver query logging.
    ``first_day``: ``yyyy/MM/dd``, the oldest day queries may reach; days run to ``NOW``.
    Raises ValueError on an empty list: Athena rejects an ``enum`` with no values.
    """
    if not accounts or not regions:
        raise ValueError("partition projection needs at least one account and one region")
    days = {"type": "date", "format": "yyyy/MM/dd", "range": f"{first_day},NOW", "interval": "1",
            "interval.unit": "DAYS"}
    if table is CLOUDTRAIL:
        columns = {"account": _enum(accounts), "region": _enum(regions), "dt": days}
    elif table is RESOLVER_QUERY_LOGS:
        if not vpcs:
            raise ValueError("the Resolver query log table needs at least one VPC")
        columns = {"account": _enum(accounts), "vpc": _enum(vpcs), "dt": days}
    elif table is FLOW_LOGS:
        first_year = first_day[:4]
        columns = {"account": _enum(accounts), "aws_region": _enum(regions),
                   "year": {"type": "integer", "range": f"{first_year},2099"},
                   "month": {"type": "integer", "range": "1,12", "digits": "2"},
                   "day": {"type": "integer", "range": "1,31", "digits": "2"}}
    else:
        raise ValueError(f"no projection for table {table.name}")
    properties = {"projection.enabled": "true"}
    for column, settings in columns.items():
        properties.update({f"projection.{column}.{key}": value for key, value in settings.items()})
    return properties


def _enum(values: list[str]) -> dict[str, str]:
    return {"type": "enum", "values": ",".join(sorted(dict.fromkeys(values)))}


def storage(table: Table, bucket: str, organization_id: str) -> tuple[str, str]:
    """(LOCATION, storage.location.template) of ``table`` for logs in ``bucket``."""
    return (table.location.format(bucket=bucket, organization_id=organization_id),
            table.template.replace("{bucket}", bucket).replace("{organization_id}", organization_id))


_DAY = r"\d{4}/\d{2}/\d{2}"


def template_pattern(template: str) -> re.Pattern:
    """A regular expression matching an S3 prefix of ``template`` (as filled by ``storage``), with one
    named group per partition column: the reverse of Athena's substitution, for local runs and tests."""
    parts = re.split(r"\$\{(\w+)\}", template)
    pattern = "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>{_DAY if part == 'dt' else '[^/]+'})"
                      for n, part in enumerate(parts))
    return re.compile(pattern + "/")


# --- saved queries -----------------------------------------------------------------------------------

_QUERIES = Path(__file__).parent / "queries"
_HEADER = re.compile(r"^-- (question|table|parameters): (.*)$")


@dataclass(frozen=True)
class Query:
    """A saved query (Athena named query). ``sql`` is the whole file, header comments included (they
    say in Athena's console which question it answers); ``parameters`` names its ``?`` placeholders in
    order (Athena execution parameters)."""
    name: str
    question: str
    table: str
    parameters: tuple[str, ...]
    sql: str

    @property
    def named_query_name(self) -> str:
        return f"irready-{self.name.replace('_', '-')}"


@cache
def queries() -> tuple[Query, ...]:
    """Every saved query, from policies/queries/*.sql, sorted by name.

    Each file starts with ``-- question:``, ``-- table:`` and ``-- parameters:`` lines (a question may
    continue on ``--   `` lines). Raises ValueError naming the file when a header is missing, the table
    is unknown, or the ``?`` count differs from the parameters listed.
    """
    return tuple(_query(path) for path in sorted(_QUERIES.glob("*.sql")))


def _query(path: Path) -> Query:
    sql = path.read_text()
    header: dict[str, str] = {}
    last = None
    for line in sql.splitlines():
        match = _HEADER.match(line)
        if match:
            last = match.group(1)
            header[last] = match.group(2).strip()
        elif line.startswith("--   ") and last:
            header[last] += " " + line[5:].strip()
        elif not line.startswith("--"):
            break
    missing = [key for key in ("question", "table", "parameters") if key not in header]
    if missing:
        raise ValueError(f"policies/queries/{path.name}: header line -- {missing[0]}: is missing")
    if header["table"] not in TABLES_BY_NAME:
        raise ValueError(f"policies/queries/{path.name}: unknown table {header['table']}")
    parameters = tuple(p.strip() for p in header["parameters"].split(",") if p.strip())
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    if body.count("?") != len(parameters):
        raise ValueError(f"policies/queries/{path.name}: {body.count('?')} ? placeholders but "
                         f"{len(parameters)} parameters listed")
    return Query(path.stem, header["question"], header["table"], parameters, sql)


# --- the investigator -----------------------------------------------------------------------------------

def investigator_trust_policy(security_account_id: str) -> dict:
    """Who may assume the investigator role: principals of the security account, with MFA."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "InvestigatorsFromTheSecurityAccount", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}


def investigator_policy(*, partition: str = "aws", region: str, account_id: str, results_bucket: str,
                        results_key_arn: str, log_buckets: list[str], log_key_arns: list[str]) -> dict:
    """Read-only, least privilege: run queries in the workgroup (and only there), read the catalog of
    the workspace's database, read the logs and decrypt them, and write query results to the results
    bucket. Nothing can change the workgroup's limits, the tables, or a log."""
    workgroup = f"arn:{partition}:athena:{region}:{account_id}:workgroup/{WORKGROUP}"
    glue = f"arn:{partition}:glue:{region}:{account_id}"
    buckets = [f"arn:{partition}:s3:::{bucket}" for bucket in log_buckets]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "QueryInTheInvestigationWorkgroup", "Effect": "Allow", "Resource": workgroup, "Action": [
            "athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
            "athena:GetQueryResults", "athena:GetQueryRuntimeStatistics", "athena:ListQueryExecutions",
            "athena:GetWorkGroup", "athena:GetNamedQuery", "athena:ListNamedQueries", "athena:BatchGetNamedQuery"]},
        {"Sid": "SeeWorkgroups", "Effect": "Allow", "Action": "athena:ListWorkGroups", "Resource": "*"},
        {"Sid": "ReadTheWorkspaceCatalog", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition",
                    "glue:GetPartitions"],
         "Resource": [f"{glue}:catalog", f"{glue}:database/{DATABASE}", f"{glue}:table/{DATABASE}/*"]},
        {"Sid": "ListTheLogs", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": buckets},
        {"Sid": "ReadTheLogs", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": [f"{bucket}/AWSLogs/*" for bucket in buckets]},
        {"Sid": "DecryptTheLogs", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": list(log_key_arns)},
        {"Sid": "WriteQueryResults", "Effect": "Allow", "Action": [
            "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         "Resource": f"arn:{partition}:s3:::{results_bucket}/*"},
        {"Sid": "ListQueryResults", "Effect": "Allow",
         "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
         "Resource": f"arn:{partition}:s3:::{results_bucket}"},
        {"Sid": "EncryptQueryResults", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
         "Resource": results_key_arn},
    ]}
