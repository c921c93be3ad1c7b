"""Put resources into an account of the emulator, one readiness capability at a time.

``prepare_account`` builds an account the audit should pass; ``incident_account`` rebuilds the
account of the incident in the source notes: a WordPress web server whose instance role could
``ec2:RunInstances`` and ``iam:PassRole``, reachable over IMDSv1, with no flow logs, a trail of
management events only, no security contact and GuardDuty in one region. The tests use the
single-capability methods to build passing and failing cases.
"""

from __future__ import annotations

import json
from functools import cached_property

from irready import policies
from irready.audit.aws import single_host_endpoint
from irready.emulated.emulator import EmulatedAWS
from irready.emulated.seed_workloads import CONTEXT, WorkloadSeeding
from irready.policies import names

_EMULATOR_IMAGE = "ami-12c6146b"  # one of the images moto ships; looking one up costs seconds
_TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
_GUARDDUTY_PATTERN = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}
_DATA = {"Field": "eventCategory", "Equals": ["Data"]}
ADVANCED_SELECTORS = {
    "management": {"Name": "Management events",
                   "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
    "s3": {"Name": "S3 object-level events",
           "FieldSelectors": [_DATA, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]},
    "lambda": {"Name": "Lambda invocations",
               "FieldSelectors": [_DATA, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]},
}
_TRUST_CLOUDTRAIL = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
FULL_PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                            "RestrictPublicBuckets": True}


def trust_account(account_id: str, condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


class Seeder(WorkloadSeeding):
    def __init__(self, emulator: EmulatedAWS, account_id: str):
        self.emulator = emulator
        self.account_id = account_id
        self._clients: dict[tuple[str, str], object] = {}

    @cached_property
    def session(self):
        return self.emulator.session(self.account_id)

    def client(self, service: str, region: str = "us-east-1"):
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.emulator.client(self.session, service, region)
        return self._clients[key]

    def vpc_ids(self, region: str) -> list[str]:
        return [vpc["VpcId"] for vpc in self.client("ec2", region).describe_vpcs()["Vpcs"]]

    # --- account and IAM --------------------------------------------------------------------------------

    def security_contact(self, email: str = "cloud-security-alerts@example.com") -> None:
        self.client("account").put_alternate_contact(
            AlternateContactType="SECURITY", Name="Cloud Security", Title="Security operations",
            EmailAddress=email, PhoneNumber="+1-555-0100")

    def role(self, name: str, trust: dict, inline: dict | None = None, managed: dict | None = None,
             boundary: dict | None = None) -> str:
        iam = self.client("iam")
        params = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust)}
        if boundary:
            params["PermissionsBoundary"] = self.managed_policy(f"{name}-boundary", boundary)
        arn = iam.create_role(**params)["Role"]["Arn"]
        if inline:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(inline))
        if managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=self.managed_policy(f"{name}-managed", managed))
        return arn

    def managed_policy(self, name: str, document: dict) -> str:
        return self.client("iam").create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]

    def responder_role(self, security_account: str, name: str = names.RESPONDER_ROLE_NAME,
                       permissions: dict | None = None, trust: dict | None = None) -> str:
        trust = trust or trust_account(security_account, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
        return self.role(name, trust, inline=permissions or policies.responder_permissions(security_account))

    def audit_role(self, security_account: str, name: str = names.AUDIT_ROLE_NAME) -> str:
        return self.role(name, trust_account(security_account))

    def containment_policies(self, skip: tuple[str, ...] = ()) -> None:
        documents = {
            policies.DENY_ALL.name: policies.deny_all(),
            policies.DENY_EXCEPT.name: policies.deny_except(["sts:GetCallerIdentity"]),
            policies.DENY_UNLESS_TRUSTED_IP.name: policies.deny_unless_trusted_ip(["203.0.113.0/24"]),
            policies.REVOKE_OLDER_SESSIONS.name: policies.revoke_older_sessions("2026-01-01T00:00:00Z"),
        }
        for name, document in documents.items():
            if name not in skip:
                self.managed_policy(name, document)

    def instance(self, region: str, *, imdsv2: bool, role_policy: dict, name: str = "web") -> str:
        role = self.role(f"{name}-{region}", _TRUST_EC2, inline=role_policy)
        iam = self.client("iam")
        profile = iam.create_instance_profile(InstanceProfileName=f"{name}-{region}")["InstanceProfile"]
        iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-{region}", RoleName=role.rsplit("/", 1)[-1])
        return self.client("ec2", region).run_instances(
            ImageId=_EMULATOR_IMAGE, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            IamInstanceProfile={"Arn": profile["Arn"]},
            MetadataOptions={"HttpTokens": "required" if imdsv2 else "optional", "HttpEndpoint": "enabled"},
        )["Instances"][0]["InstanceId"]

    # --- CloudTrail --------------------------------------------------------------------------------------

    def trail(self, name: str = "org-trail", region: str = "us-east-1", *, multi_region: bool = True,
              validation: bool = True, kms: bool = True, cloudwatch: bool = True, selectors: list[dict] | None = None,
              versioned: bool = True, expire_days: int | None = 400, public_block: bool = True,
              basic_selectors: list[dict] | None = None, logging: bool = True, retention_days: int = 400) -> str:
        bucket = f"irready-trail-{self.account_id}-{name}"
        s3 = self.client("s3", region)
        s3.create_bucket(Bucket=bucket) if region == "us-east-1" else s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        if versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        if expire_days:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
                "ID": "expire-old-logs", "Status": "Enabled", "Filter": {"Prefix": ""},
                "Expiration": {"Days": expire_days}, "NoncurrentVersionExpiration": {"NoncurrentDays": expire_days}}]})
        if public_block:
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=FULL_PUBLIC_ACCESS_BLOCK)
        params = {"Name": name, "S3BucketName": bucket, "IsMultiRegionTrail": multi_region,
                  "IncludeGlobalServiceEvents": True, "EnableLogFileValidation": validation}
        if kms:
            params["KmsKeyId"] = self.client("kms", region).create_key(Description="trail key")["KeyMetadata"]["Arn"]
        if cloudwatch:
            group = self.log_group(region, f"aws-cloudtrail-logs-{name}", retention_days)
            params["CloudWatchLogsLogGroupArn"] = group
            params["CloudWatchLogsRoleArn"] = self.role(f"{name}-to-cloudwatch", _TRUST_CLOUDTRAIL)
        cloudtrail = self.client("cloudtrail", region)
        arn = cloudtrail.create_trail(**params)["TrailARN"]
        if selectors is not None:
            cloudtrail.put_event_selectors(TrailName=name, AdvancedEventSelectors=selectors)
        if basic_selectors is not None:
            cloudtrail.put_event_selectors(TrailName=name, EventSelectors=basic_selectors)
        if logging:
            cloudtrail.start_logging(Name=name)
        return arn

    def account_public_access_block(self) -> None:
        s3control = self.client("s3control")
        s3control.meta.events.register("before-send.s3-control", single_host_endpoint, unique_id="single-host")
        s3control.put_public_access_block(AccountId=self.account_id,
                                          PublicAccessBlockConfiguration=FULL_PUBLIC_ACCESS_BLOCK)

    # --- per region --------------------------------------------------------------------------------------

    def log_group(self, region: str, name: str, retention_days: int | None) -> str:
        logs = self.client("logs", region)
        logs.create_log_group(logGroupName=name)
        if retention_days:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        return logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]

    def flow_logs(self, region: str, traffic_type: str = "ALL", vpc_ids: list[str] | None = None) -> None:
        group = f"/irready/flow-logs-{traffic_type.lower()}"
        self.log_group(region, group, 400)
        role = f"arn:aws:iam::{self.account_id}:role/flow-logs-delivery"
        self.client("ec2", region).create_flow_logs(
            ResourceIds=vpc_ids or self.vpc_ids(region), ResourceType="VPC", TrafficType=traffic_type,
            LogDestinationType="cloud-watch-logs", LogGroupName=group, DeliverLogsPermissionArn=role)

    def quarantine_group(self, region: str, name: str = names.QUARANTINE_GROUP_NAME,
                         keep_default_egress: bool = False, isolation: bool = True) -> None:
        """The quarantine group (no rules) and, unless ``isolation`` is False, the isolation group (all traffic,
        both ways, IPv4 and IPv6) in every VPC of the region."""
        ec2 = self.client("ec2", region)
        everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
        for vpc_id in self.vpc_ids(region):
            group_id = ec2.create_security_group(GroupName=name, Description="irready quarantine: no traffic",
                                                 VpcId=vpc_id)["GroupId"]
            if not keep_default_egress:
                ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[
                    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            if isolation:
                isolation_id = ec2.create_security_group(GroupName=names.ISOLATION_GROUP_NAME, VpcId=vpc_id,
                                                         Description="irready isolation: all traffic")["GroupId"]
                ec2.authorize_security_group_ingress(GroupId=isolation_id, IpPermissions=everything)
                ec2.authorize_security_group_egress(GroupId=isolation_id, IpPermissions=[
                    {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])

    def query_logging(self, region: str) -> None:
        resolver = self.client("route53resolver", region)
        destination = self.log_group(region, "/aws/route53resolver/queries", 400).removesuffix(":*")
        config = resolver.create_resolver_query_log_config(
            Name="irready-dns", DestinationArn=destination, CreatorRequestId=f"irready-{region}",
        )["ResolverQueryLogConfig"]
        for vpc_id in self.vpc_ids(region):
            resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=config["Id"], ResourceId=vpc_id)

    def guardduty(self, region: str, enabled: bool = True) -> str:
        return self.client("guardduty", region).create_detector(Enable=enabled)["DetectorId"]

    def findings_rule(self, region: str, with_target: bool = True, pattern: dict | None = None,
                      subscribed: bool = True) -> None:
        events = self.client("events", region)
        events.put_rule(Name="guardduty-findings-to-ir", EventPattern=json.dumps(pattern or _GUARDDUTY_PATTERN),
                        State="ENABLED")
        if with_target:
            sns = self.client("sns", region)
            topic = sns.create_topic(Name="ir-alerts")["TopicArn"]
            if subscribed:  # moto confirms an e-mail subscription at once
                sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ir@example.com")
            events.put_targets(Rule="guardduty-findings-to-ir", Targets=[{"Id": "ir-sns", "Arn": topic}])

    def investigation_workspace(self, region: str, accounts: list[str], *, enforce: bool = True,
                                tables: tuple[str, ...] | None = None, skip_queries: tuple[str, ...] = ()) -> None:
        """The Athena workgroup, Glue tables and saved queries of policies/investigation.py, as
        InvestigationWorkspace builds them, with partition projection over ``accounts``."""
        from irready.policies import investigation

        athena, glue = self.client("athena", region), self.client("glue", region)
        athena.create_work_group(Name=investigation.WORKGROUP, Configuration={
            "EnforceWorkGroupConfiguration": enforce,
            "BytesScannedCutoffPerQuery": investigation.DEFAULT_BYTES_SCANNED_CUTOFF,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
            "ResultConfiguration": {"OutputLocation": f"s3://irready-athena-results-{self.account_id}-{region}/",
                                    "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS",
                                                                "KmsKey": "alias/irready-results"}}})
        glue.create_database(DatabaseInput={"Name": investigation.DATABASE})
        for table in investigation.TABLES:
            if tables is not None and table.name not in tables:
                continue
            projection = investigation.projection(table, accounts=accounts, regions=[region], vpcs=["vpc-1"],
                                                  first_day="2025/01/01")
            glue.create_table(DatabaseName=investigation.DATABASE, TableInput={
                "Name": table.name, "TableType": "EXTERNAL_TABLE", "Parameters": projection,
                "PartitionKeys": [{"Name": name, "Type": kind} for name, kind in table.partition_keys],
                "StorageDescriptor": {"Columns": [{"Name": name, "Type": kind} for name, kind in table.columns],
                                      "Location": table.location}})
        for query in investigation.queries():
            if query.name not in skip_queries:
                athena.create_named_query(Name=query.named_query_name, Database=investigation.DATABASE,
                                          QueryString=query.sql, WorkGroup=investigation.WORKGROUP)

    def eks_cluster(self, region: str, name: str = "apps", log_types: tuple[str, ...] = ("api", "audit")) -> None:
        self.client("eks", region).create_cluster(
            name=name, roleArn=f"arn:aws:iam::{self.account_id}:role/eks-cluster", resourcesVpcConfig={},
            logging={"clusterLogging": [{"types": list(log_types), "enabled": True}]})


# --- whole accounts ----------------------------------------------------------------------------------------

WEB_SERVER_ROLE = {"Version": "2012-10-17", "Statement": [  # the over-privileged role of the notes
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "ec2:RunInstances", "ec2:Describe*",
                                   "iam:PassRole"], "Resource": "*"}]}
LEAST_PRIVILEGE_WEB_ROLE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::wordpress-media/*"}]}

def prepare_account(seeder: Seeder, regions: list[str], security_account: str) -> None:
    """An account with everything the audit looks for, in every region."""
    seeder.security_contact()
    seeder.audit_role(security_account)
    seeder.responder_role(security_account)
    seeder.containment_policies()
    seeder.trail(selectors=list(ADVANCED_SELECTORS.values()))
    for region in regions:
        seeder.flow_logs(region)
        seeder.quarantine_group(region)
        seeder.query_logging(region)
        seeder.guardduty_plans(region)
        seeder.findings_rule(region)
    instance = seeder.instance(regions[0], imdsv2=True, role_policy=LEAST_PRIVILEGE_WEB_ROLE)
    seeder.eks_cluster(regions[0])
    # Workloads with their evidence, and the business context on every resource (issue #19).
    seeder.workloads(regions[0], prepared=True, tags=CONTEXT)
    seeder.client("ec2", regions[0]).create_tags(Resources=[instance], Tags=[
        {"Key": k, "Value": v} for k, v in CONTEXT.items()])
    seeder.client("eks", regions[0]).tag_resource(
        resourceArn=f"arn:aws:eks:{regions[0]}:{seeder.account_id}:cluster/apps", tags=CONTEXT)
    seeder.tag_every_bucket(CONTEXT)


def incident_account(seeder: Seeder, regions: list[str], security_account: str) -> None:
    """The account of the incident in the source notes, before the incident."""
    seeder.audit_role(security_account)
    seeder.trail(name="management-trail", validation=False, kms=False, cloudwatch=False, versioned=False,
                 expire_days=90, public_block=False, selectors=[ADVANCED_SELECTORS["management"]])
    seeder.instance(regions[0], imdsv2=False, role_policy=WEB_SERVER_ROLE, name="wordpress")
    seeder.guardduty(regions[0])
    seeder.log_group(regions[0], "/aws/lambda/wordpress-thumbnails", 30)

