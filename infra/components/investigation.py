"""The investigation workspace, in the security account: the organization's logs queryable with Athena
in minutes, and the responder's pivots saved.

- an Athena workgroup whose settings override the client's (so nobody turns the limits off): engine
  version 3, results encrypted with a key of its own in a bucket that keeps them 30 days, a
  bytes-scanned cutoff per query, CloudWatch metrics;
- a Glue database with one table per log (the organization trail; flow logs and Resolver query logs
  when they go to S3), each with partition projection over the organization's accounts (read from
  Organizations at deploy time), the regions (or VPCs) and the days, so no crawler and no
  ``MSCK REPAIR`` is ever needed;
- the saved queries of ``policies/queries`` as Athena named queries in the workgroup;
- the investigator role: may query in that workgroup only, read the catalog and the logs, and decrypt
  them; it can change nothing.

What the tables and queries say lives in ``policies/investigation.py``; this component only builds it.
Glue table input: https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html; workgroup
settings: https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import investigation
from irready.policies.investigation import DATABASE, INVESTIGATOR_ROLE, WORKGROUP, Table

RESULTS_RETENTION_DAYS = 30
ENGINE_VERSION = "Athena engine version 3"  # query result reuse needs it
_CLASSIFICATION = {"cloudtrail": "cloudtrail", "vpc_flow_logs": "parquet", "resolver_query_logs": "json"}


@dataclass(frozen=True)
class InvestigationWorkspaceArgs:
    provider: aws.Provider  # the security account's
    region: str  # where the workgroup, catalog and results live
    security_account_id: pulumi.Input[str]
    organization_id: str
    account_ids: tuple[str, ...]  # partition projection: the organization's accounts at deploy time
    regions: tuple[str, ...]
    trail_bucket: str
    trail_key_arn: pulumi.Input[str] | None  # None: the trail writes to a landing zone's bucket, not our key
    network_bucket: str | None = None  # flow logs and Resolver query logs in S3, if sent there
    network_key_arn: pulumi.Input[str] | None = None
    vpc_ids: tuple[str, ...] = ()  # partition projection of the Resolver query log table
    bytes_scanned_cutoff: int = investigation.DEFAULT_BYTES_SCANNED_CUTOFF
    first_day: str = "2025/01/01"  # yyyy/MM/dd: the oldest day the tables project


def table_input(table: Table, args: InvestigationWorkspaceArgs) -> dict:
    """The Glue table's arguments (columns, SerDe, location, projection): plain data, so tests read it."""
    bucket = args.trail_bucket if table is investigation.CLOUDTRAIL else args.network_bucket
    location, template = investigation.storage(table, bucket, args.organization_id)
    parameters = {"EXTERNAL": "TRUE", "classification": _CLASSIFICATION[table.name],
                  "storage.location.template": template,
                  **investigation.projection(table, accounts=list(args.account_ids), regions=list(args.regions),
                                             vpcs=list(args.vpc_ids), first_day=args.first_day)}
    return {"name": table.name, "description": f"irready: {table.log}", "table_type": "EXTERNAL_TABLE",
            "parameters": parameters,
            "partition_keys": [{"name": name, "type": kind} for name, kind in table.partition_keys],
            "storage_descriptor": {
                "location": location, "input_format": table.input_format, "output_format": table.output_format,
                "ser_de_info": {"serialization_library": table.serde},
                "columns": [{"name": name, "type": kind} for name, kind in table.columns]}}


class InvestigationWorkspace(pulumi.ComponentResource):
    def __init__(self, name: str, args: InvestigationWorkspaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:InvestigationWorkspace", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        region = args.region
        security = pulumi.Output.from_input(args.security_account_id)

        self.results_key = aws.kms.Key(
            f"{name}-results-key", description="irready investigation: Athena query results", region=region,
            enable_key_rotation=True, deletion_window_in_days=30, opts=child,
            policy=security.apply(lambda sec: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "AccountAdministersTheKey", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
                "Principal": {"AWS": f"arn:aws:iam::{sec}:root"}}]})))
        self.results_bucket = aws.s3.Bucket(
            f"{name}-results", bucket=security.apply(lambda sec: f"irready-athena-results-{sec}-{region}"),
            region=region, opts=child)
        aws.s3.BucketPublicAccessBlock(f"{name}-results-public-access-block", bucket=self.results_bucket.id,
                                       region=region, block_public_acls=True, ignore_public_acls=True,
                                       block_public_policy=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-results-encryption", bucket=self.results_bucket.id, region=region, opts=child, rules=[{
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                            "kms_master_key_id": self.results_key.arn},
                "bucket_key_enabled": True}])
        aws.s3.BucketVersioning(f"{name}-results-versioning", bucket=self.results_bucket.id, region=region,
                                versioning_configuration={"status": "Enabled"}, opts=child)
        # Results hold log data: kept a month (an overwritten or deleted one too), then gone.
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-results-expiry", bucket=self.results_bucket.id, region=region, opts=child, rules=[
                {"id": "expire-results", "status": "Enabled", "filter": {"prefix": ""},
                 "expiration": {"days": RESULTS_RETENTION_DAYS},
                 "noncurrent_version_expiration": {"noncurrent_days": RESULTS_RETENTION_DAYS},
                 "abort_incomplete_multipart_upload": {"days_after_initiation": 1}}])
        aws.s3.BucketPolicy(f"{name}-results-policy", bucket=self.results_bucket.id, region=region, opts=child,
                            policy=self.results_bucket.arn.apply(lambda arn: json.dumps({
                                "Version": "2012-10-17", "Statement": [{
                                    "Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                    "Resource": [arn, f"{arn}/*"],
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))

        self.workgroup = aws.athena.Workgroup(
            f"{name}-workgroup", name=WORKGROUP, region=region, state="ENABLED", force_destroy=False, opts=child,
            description="irready: investigate the organization's logs (limits enforced on every query)",
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": args.bytes_scanned_cutoff,
                "engine_version": {"selected_engine_version": ENGINE_VERSION},
                "result_configuration": {
                    "output_location": self.results_bucket.bucket.apply(lambda bucket: f"s3://{bucket}/results/"),
                    "encryption_configuration": {"encryption_option": "SSE_KMS",
                                                 "kms_key_arn": self.results_key.arn}}})
        self.database = aws.glue.CatalogDatabase(
            f"{name}-database", name=DATABASE, region=region, opts=child,
            description="irready: the organization's logs, partition-projected (no crawler, no MSCK REPAIR)")

        tables = [investigation.CLOUDTRAIL]
        if args.network_bucket:
            tables += [investigation.FLOW_LOGS, investigation.RESOLVER_QUERY_LOGS]
        self.tables = {table.name: aws.glue.CatalogTable(
            f"{name}-{table.name.replace('_', '-')}", database_name=self.database.name, region=region, opts=child,
            **table_input(table, args)) for table in tables}
        self.named_queries = {query.name: aws.athena.NamedQuery(
            f"{name}-{query.named_query_name}", name=query.named_query_name, description=query.question[:1024],
            database=self.database.name, workgroup=self.workgroup.name, query=query.sql, region=region,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.tables[query.table]]))
            for query in investigation.queries() if query.table in self.tables}

        self.investigator = aws.iam.Role(
            f"{name}-investigator", name=INVESTIGATOR_ROLE, max_session_duration=4 * 3600, opts=child,
            description="Investigate: query the organization's logs in the irready-investigation workgroup",
            assume_role_policy=security.apply(lambda sec: json.dumps(investigation.investigator_trust_policy(sec))))
        log_buckets = [args.trail_bucket] + ([args.network_bucket] if args.network_bucket else [])
        keys = [key for key in (args.trail_key_arn, args.network_key_arn) if key]
        aws.iam.RolePolicy(
            f"{name}-investigator-permissions", role=self.investigator.id, name="investigate", opts=child,
            policy=pulumi.Output.all(security, self.results_bucket.bucket, self.results_key.arn, *keys).apply(
                lambda values: json.dumps(investigation.investigator_policy(
                    region=region, account_id=values[0], results_bucket=values[1], results_key_arn=values[2],
                    log_buckets=log_buckets, log_key_arns=list(values[3:])))))
        self.register_outputs({"workgroup": self.workgroup.name, "database": self.database.name,
                               "investigator_arn": self.investigator.arn,
                               "results_bucket": self.results_bucket.id})
