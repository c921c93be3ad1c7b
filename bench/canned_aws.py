"""A fast, canned AWS stand-in for benchmarks: measures irready's client side alone, at real scale.

    python -m bench.canned_aws --accounts 1000 --latency 0.05 --throttle-every 0 --max-seconds 3600

Not part of the product, and not an emulator: it keeps no state and answers every operation the
audit calls with one fixed, valid response (the account id in ARNs is the caller's), after
``--latency`` seconds, so that a thousand accounts cost it little CPU while the auditor does all
its real work (signing, sending, parsing, collecting, evaluating). moto stays the functional
reference; this only has to be fast and well-formed.

Every account looks like one irready has prepared, in every region: a default VPC with flow logs
and the quarantine group, DNS query logging, a DNS Firewall rule group blocking every domain, a
GuardDuty detector with every protection plan, a CloudWatch log group; GuardDuty's delegated
administrator is the security account (the management account here), whose findings rule in each
region routes the organization's findings, and each member has only its forwarded alerts' rules
(the organization layout since issues #13 and #18; until 2026-11-30 every account routed its own
findings, two more per-resource reads per account-region: ListTargetsByRule, ListSubscriptionsByTopic); one
multi-region trail with its bucket (the account's one bucket); one CloudFront distribution with access
logs; no instances or EKS clusters; and in the first region one of each workload issue #19 looks at (an
ECS service's task, an ECR repository, a Lambda function with a version, a PostgreSQL database, a load
balancer), each with its evidence and the context tags. So each account costs the floor's 20 calls per
region plus its per-resource reads (docs/audit.md, "The call floor").

``--throttle-every N`` answers every Nth request with the service's throttling error (0: never).
The server prints its URL on the first line of standard output, then serves on 127.0.0.1 until
standard input closes or ``--max-seconds`` pass, whichever is first: a run always stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import socket
import sys
import threading
from urllib.parse import parse_qs, quote, urlsplit

from irready import policies
from irready.emulated.aws_errors import error_response

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
           "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
MANAGEMENT = "123456789012"
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_THROTTLED = {"json": "ThrottlingException", "rest-json": "TooManyRequestsException", "query": "Throttling",
              "ec2": "RequestLimitExceeded", "rest-xml": "SlowDown"}
_PROTOCOL = {"sts": "query", "iam": "query", "ec2": "ec2", "organizations": "json", "cloudtrail": "json",
             "logs": "json", "events": "json", "route53resolver": "json", "account": "rest-json",
             "guardduty": "rest-json", "eks": "rest-json", "s3": "rest-xml", "s3control": "rest-xml",
             "sns": "query", "rds": "query", "elasticloadbalancing": "query", "lambda": "rest-json",
             "cloudfront": "rest-xml"}
_FULL_BLOCK = ("<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
               "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>")
_SELECTORS = [
    {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
    {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                      {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]},
    {"Name": "lambda", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                          {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]},
]
# All traffic, IPv4 and IPv6, as DescribeSecurityGroups lists a rule (the isolation group's, both ways).
_ALL = ("<item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>"
        "<ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges></item>")
_GUARDDUTY_PATTERN = json.dumps({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]})
_RUN_INSTANCES_PATTERN = json.dumps({"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
                                     "detail": {"eventSource": ["ec2.amazonaws.com"], "eventName": ["RunInstances"]}})


def _iam_details() -> str:
    """The responder role irready provisions and its containment policies, as IAM returns them
    (policy documents URL-encoded), with ``{account}`` where the account id goes."""
    def document(value: dict) -> str:
        return quote(json.dumps(value))

    containment = {
        policies.DENY_ALL.name: policies.deny_all(),
        policies.DENY_EXCEPT.name: policies.deny_except(["sts:GetCallerIdentity"]),
        policies.DENY_UNLESS_TRUSTED_IP.name: policies.deny_unless_trusted_ip(["203.0.113.0/24"]),
        policies.REVOKE_OLDER_SESSIONS.name: policies.revoke_older_sessions("2026-01-01T00:00:00Z"),
    }
    role = ("<member><Path>/</Path><RoleName>IncidentResponder</RoleName><RoleId>AROACANNED</RoleId>"
            "<Arn>arn:aws:iam::{account}:role/IncidentResponder</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>"
            f"<AssumeRolePolicyDocument>{document(policies.responder_trust_policy(MANAGEMENT))}"
            "</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList><member><PolicyName>responder"
            f"</PolicyName><PolicyDocument>{document(policies.responder_permissions(MANAGEMENT))}"
            "</PolicyDocument></member>"
            "</RolePolicyList><AttachedManagedPolicies/></member>")
    managed = "".join(
        f"<member><PolicyName>{name}</PolicyName><PolicyId>ANPACANNED{n}</PolicyId>"
        f"<Arn>arn:aws:iam::{{account}}:policy/{name}</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>"
        "<AttachmentCount>0</AttachmentCount><IsAttachable>true</IsAttachable><PolicyVersionList><member>"
        f"<Document>{document(value)}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
        "</member></PolicyVersionList></member>" for n, (name, value) in enumerate(containment.items()))
    return _query("GetAccountAuthorizationDetails", "https://iam.amazonaws.com/doc/2010-05-08/",
                  f"<IsTruncated>false</IsTruncated><RoleDetailList>{role}</RoleDetailList><UserDetailList/>"
                  f"<GroupDetailList/><Policies>{managed}</Policies>")


def _ec2(action: str, body: str) -> str:
    return (f'<{action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>canned</requestId>'
            f"{body}</{action}Response>")


def _query(action: str, namespace: str, body: str) -> str:
    return (f'<{action}Response xmlns="{namespace}"><{action}Result>{body}</{action}Result>'
            f"<ResponseMetadata><RequestId>canned</RequestId></ResponseMetadata></{action}Response>")


_IAM_DETAILS = _iam_details()


class Answers:
    """The fixed answer to each operation: (status, content type, body), given the caller's account."""

    def __init__(self, accounts: int):
        self.members = [MANAGEMENT] + [f"{n:012d}" for n in range(200000000001, 200000000001 + accounts - 1)]

    def answer(self, service: str, operation: str, account: str, region: str, params: dict) -> tuple[int, str]:
        return getattr(self, f"{service}_{operation}")(account, region, params)

    # --- per account ------------------------------------------------------------------------------

    def sts_GetCallerIdentity(self, account, region, params):  # noqa: N802 - named service_Operation
        return 200, _query("GetCallerIdentity", "https://sts.amazonaws.com/doc/2011-06-15/",
                           f"<Arn>arn:aws:iam::{account}:root</Arn><UserId>{account}</UserId>"
                           f"<Account>{account}</Account>")

    def sts_AssumeRole(self, account, region, params):  # noqa: N802
        target = params["RoleArn"].split(":")[4]
        return 200, _query("AssumeRole", "https://sts.amazonaws.com/doc/2011-06-15/",
                           f"<Credentials><AccessKeyId>ASIA{target}</AccessKeyId><SecretAccessKey>canned"
                           "</SecretAccessKey><SessionToken>canned</SessionToken>"
                           "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>"
                           f"<AssumedRoleId>AROACANNED:irready-audit</AssumedRoleId><Arn>arn:aws:sts::{target}:"
                           "assumed-role/irready-audit/irready-audit</Arn></AssumedRoleUser>")

    # The guardrail SCP on the root; every account directly under it (org.guardrail_scp).
    def organizations_DescribeOrganization(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Organization": {"Id": "o-canned", "MasterAccountId": MANAGEMENT,
                                                 "FeatureSet": "ALL"}})

    def organizations_ListPolicies(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Policies": [{"Id": "p-canned", "Name": "irready-guardrail",
                                              "Type": "SERVICE_CONTROL_POLICY"}]})

    def organizations_DescribePolicy(self, account, region, params):  # noqa: N802
        content = json.dumps(policies.guardrail_scp(["arn:aws:iam::*:role/OrganizationAccountAccessRole"]))
        return 200, json.dumps({"Policy": {"PolicySummary": {"Id": "p-canned"}, "Content": content}})

    def organizations_ListTargetsForPolicy(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Targets": [{"TargetId": "r-canned", "Type": "ROOT", "Name": "Root"}]})

    def organizations_ListParents(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Parents": [{"Id": "r-canned", "Type": "ROOT"}]})

    def organizations_ListAccounts(self, account, region, params):  # noqa: N802
        start = int(params.get("NextToken") or 0)
        end = start + int(params.get("MaxResults") or 20)
        page = {"Accounts": [{"Id": a, "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/o-canned/{a}",
                              "Email": f"{a}@example.com", "Name": a, "Status": "ACTIVE", "State": "ACTIVE"}
                             for a in self.members[start:end]]}
        if end < len(self.members):
            page["NextToken"] = str(end)
        return 200, json.dumps(page)

    def ec2_DescribeRegions(self, account, region, params):  # noqa: N802
        return 200, _ec2("DescribeRegions", "<regionInfo>" + "".join(
            f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint>"
            "<optInStatus>opt-in-not-required</optInStatus></item>" for r in REGIONS) + "</regionInfo>")

    def account_GetAlternateContact(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"AlternateContact": {
            "AlternateContactType": "SECURITY", "EmailAddress": "security@example.com", "Name": "Security",
            "PhoneNumber": "+15555550100", "Title": "Security team"}})

    def iam_GetAccountAuthorizationDetails(self, account, region, params):  # noqa: N802
        return 200, _IAM_DETAILS.replace("{account}", account)

    def s3control_GetPublicAccessBlock(self, account, region, params):  # noqa: N802
        return 200, ('<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
                     f"{_FULL_BLOCK}</PublicAccessBlockConfiguration>")

    # --- per region -------------------------------------------------------------------------------

    def cloudtrail_DescribeTrails(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"trailList": [{
            "Name": "irready-trail", "TrailARN": f"arn:aws:cloudtrail:us-east-1:{account}:trail/irready-trail",
            "HomeRegion": "us-east-1", "IsMultiRegionTrail": True, "IsOrganizationTrail": False,
            "IncludeGlobalServiceEvents": True, "LogFileValidationEnabled": True,
            "KmsKeyId": f"arn:aws:kms:us-east-1:{account}:key/canned", "S3BucketName": f"irready-trail-{account}",
            "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{account}:log-group:aws-cloudtrail-logs:*",
            "HasCustomEventSelectors": True, "HasInsightSelectors": False}]})

    def logs_DescribeLogGroups(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"logGroups": [
            {"logGroupName": name, "retentionInDays": 400, "arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"}
            for name in ("/irready/flow-logs", "/aws/route53resolver/queries", "aws-cloudtrail-logs")]})

    def ec2_DescribeVpcs(self, account, region, params):  # noqa: N802
        return 200, _ec2("DescribeVpcs", "<vpcSet><item><vpcId>vpc-0canned</vpcId><cidrBlock>172.31.0.0/16"
                                         "</cidrBlock><isDefault>true</isDefault><state>available</state></item>"
                                         "</vpcSet>")

    def ec2_DescribeFlowLogs(self, account, region, params):  # noqa: N802
        return 200, _ec2("DescribeFlowLogs", "<flowLogSet><item><flowLogId>fl-0canned</flowLogId><resourceId>"
                                             "vpc-0canned</resourceId><trafficType>ALL</trafficType><flowLogStatus>"
                                             "ACTIVE</flowLogStatus><deliverLogsStatus>SUCCESS</deliverLogsStatus>"
                                             "<logDestinationType>cloud-watch-logs</logDestinationType>"
                                             "<logGroupName>/irready/flow-logs</logGroupName></item></flowLogSet>")

    def ec2_DescribeSecurityGroups(self, account, region, params):  # noqa: N802
        return 200, _ec2("DescribeSecurityGroups", "<securityGroupInfo><item><groupId>sg-0canned</groupId>"
                                                   "<groupName>irready-quarantine</groupName><vpcId>vpc-0canned"
                                                   "</vpcId><ipPermissions/><ipPermissionsEgress/></item>"
                                                   f"<item><groupId>sg-1canned</groupId><groupName>irready-isolation"
                                                   f"</groupName><vpcId>vpc-0canned</vpcId><ipPermissions>{_ALL}"
                                                   f"</ipPermissions><ipPermissionsEgress>{_ALL}"
                                                   "</ipPermissionsEgress></item></securityGroupInfo>")

    def ec2_DescribeInstances(self, account, region, params):  # noqa: N802
        return 200, _ec2("DescribeInstances", "<reservationSet/>")

    def guardduty_ListDetectors(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"detectorIds": ["0canned"]})

    def guardduty_GetDetector(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"status": "ENABLED", "serviceRole": "canned", "createdAt": "2026-01-01",
                                "features": [{"name": name, "status": "ENABLED"}
                                             for name in policies.names.GUARDDUTY_FEATURES]})

    def guardduty_GetAdministratorAccount(self, account, region, params):  # noqa: N802
        if account == MANAGEMENT:  # the security account is the delegated administrator, a member of none
            return 200, json.dumps({})
        return 200, json.dumps({"administrator": {"accountId": MANAGEMENT, "invitationId": "canned",
                                                  "relationshipStatus": "Enabled", "invitedAt": "2026-01-01"}})

    def events_ListRules(self, account, region, params):  # noqa: N802
        if account != MANAGEMENT:  # a member forwards its own alerts; the administrator routes its findings
            return 200, json.dumps({"Rules": [{"Name": "irready-unexpected-run-instances", "State": "ENABLED",
                                               "EventPattern": _RUN_INSTANCES_PATTERN, "Arn": f"arn:aws:events:"
                                               f"{region}:{account}:rule/irready-unexpected-run-instances"}]})
        return 200, json.dumps({"Rules": [{"Name": "guardduty-findings-to-ir", "State": "ENABLED",
                                           "EventPattern": _GUARDDUTY_PATTERN,
                                           "Arn": f"arn:aws:events:{region}:{account}:rule/guardduty-findings-to-ir"}]})

    def events_ListTargetsByRule(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Targets": [{"Id": "ir", "Arn": f"arn:aws:sns:{region}:{account}:ir-alerts"}]})

    def route53resolver_ListResolverQueryLogConfigAssociations(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"ResolverQueryLogConfigAssociations": [
            {"Id": "rqlca-canned", "ResolverQueryLogConfigId": "rqlc-canned", "ResourceId": "vpc-0canned",
             "Status": "ACTIVE"}]})

    def route53resolver_ListResolverQueryLogConfigs(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"ResolverQueryLogConfigs": [
            {"Id": "rqlc-canned", "OwnerId": account, "Status": "CREATED", "ShareStatus": "NOT_SHARED",
             "Name": "irready-dns-query-log", "Arn": f"arn:aws:route53resolver:{region}:{account}:"
                                                   "resolver-query-log-config/rqlc-canned",
             "DestinationArn": f"arn:aws:logs:{region}:{account}:log-group:/aws/route53resolver/irready"}]})

    def route53resolver_ListFirewallRuleGroups(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"FirewallRuleGroups": [{"Id": "rslvr-frg-canned", "Name": "irready-block-all-dns"}]})

    def route53resolver_ListFirewallRules(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"FirewallRules": [
            {"Name": "block-every-domain", "Action": "BLOCK", "Priority": 100, "FirewallDomainListId": "rslvr-fdl-1",
             "FirewallRuleGroupId": "rslvr-frg-canned"}]})

    def route53resolver_ListFirewallDomains(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Domains": ["*."]})

    def eks_ListClusters(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"clusters": []})

    # --- the investigation workspace, in the security account (the management account here) -----------

    def athena_GetWorkGroup(self, account, region, params):  # noqa: N802
        from irready.policies import investigation as workspace

        return 200, json.dumps({"WorkGroup": {"Name": workspace.WORKGROUP, "State": "ENABLED", "Configuration": {
            "EnforceWorkGroupConfiguration": True, "BytesScannedCutoffPerQuery": 10 * 2**30,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
            "ResultConfiguration": {"OutputLocation": f"s3://irready-athena-results-{account}/",
                                    "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS"}}}}})

    def athena_ListNamedQueries(self, account, region, params):  # noqa: N802
        from irready.policies import investigation as workspace

        return 200, json.dumps({"NamedQueryIds": [q.name for q in workspace.queries()]})

    def athena_BatchGetNamedQuery(self, account, region, params):  # noqa: N802
        from irready.policies import investigation as workspace

        wanted = set(params["NamedQueryIds"])
        return 200, json.dumps({"NamedQueries": [
            {"Name": query.named_query_name, "Database": workspace.DATABASE, "QueryString": query.sql,
             "NamedQueryId": query.name} for query in workspace.queries() if query.name in wanted],
            "UnprocessedNamedQueryIds": []})

    def glue_GetDatabase(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Database": {"Name": params["Name"]}})

    def glue_GetTables(self, account, region, params):  # noqa: N802
        from irready.policies import investigation as workspace

        return 200, json.dumps({"TableList": [
            {"Name": table.name, "PartitionKeys": [{"Name": name, "Type": kind} for name, kind in table.partition_keys],
             "Parameters": workspace.projection(table, accounts=self.members, regions=REGIONS, vpcs=["vpc-0canned"],
                                                first_day="2025/01/01")}
            for table in workspace.TABLES]})

    # --- per resource -----------------------------------------------------------------------------

    def sns_ListSubscriptionsByTopic(self, account, region, params):  # noqa: N802
        topic = params.get("TopicArn", f"arn:aws:sns:{region}:{account}:ir-alerts")
        return 200, _query("ListSubscriptionsByTopic", "http://sns.amazonaws.com/doc/2010-03-31/",
                           f"<Subscriptions><member><SubscriptionArn>{topic}:0canned</SubscriptionArn>"
                           f"<Owner>{account}</Owner><Protocol>email</Protocol><Endpoint>ir@example.com</Endpoint>"
                           f"<TopicArn>{topic}</TopicArn></member></Subscriptions>")

    def cloudtrail_GetTrailStatus(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"IsLogging": True})

    def cloudtrail_GetEventSelectors(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"TrailARN": params.get("TrailName"), "AdvancedEventSelectors": _SELECTORS})

    def s3_GetBucketVersioning(self, account, region, params):  # noqa: N802
        return 200, ('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                     "<Status>Enabled</Status></VersioningConfiguration>")

    def s3_GetBucketLifecycleConfiguration(self, account, region, params):  # noqa: N802
        return 200, ('<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>expire'
                     "</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>400</Days>"
                     "</Expiration><NoncurrentVersionExpiration><NoncurrentDays>400</NoncurrentDays>"
                     "</NoncurrentVersionExpiration></Rule></LifecycleConfiguration>")

    def s3_GetObjectLockConfiguration(self, account, region, params):  # noqa: N802
        return 200, ('<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                     "<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>")

    def s3_GetPublicAccessBlock(self, account, region, params):  # noqa: N802
        return 200, ('<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                     f"{_FULL_BLOCK}</PublicAccessBlockConfiguration>")

    # --- workload evidence and business context (issue #19): one of each workload, in us-east-1 only, each
    # with its evidence and the context tags; the trail bucket is every account's one bucket ----------------

    def _home(self, region):
        return region == REGIONS[0]

    def ecs_ListClusters(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"clusterArns": [f"arn:aws:ecs:{region}:{account}:cluster/apps"]
                                if self._home(region) else []})

    def ecs_ListTasks(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"taskArns": [f"arn:aws:ecs:{region}:{account}:task/apps/0canned"]})

    def ecs_DescribeTasks(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"tasks": [{"taskArn": arn, "group": "service:web",
                                           "taskDefinitionArn": f"arn:aws:ecs:{region}:{account}:task-definition/web:1"}
                                          for arn in params.get("tasks", [])], "failures": []})

    def ecs_DescribeTaskDefinition(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"taskDefinition": {
            "taskDefinitionArn": params["taskDefinition"], "containerDefinitions": [
                {"name": "app", "image": "nginx", "logConfiguration": {"logDriver": "awslogs", "options": {}}}]}})

    def ecr_DescribeRepositories(self, account, region, params):  # noqa: N802
        repos = [{"repositoryName": "web", "repositoryArn": f"arn:aws:ecr:{region}:{account}:repository/web",
                  "imageScanningConfiguration": {"scanOnPush": True}}] if self._home(region) else []
        return 200, json.dumps({"repositories": repos})

    def ecr_GetRegistryScanningConfiguration(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"registryId": account, "scanningConfiguration": {"scanType": "BASIC", "rules": [
            {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]}})

    def lambda_ListFunctions(self, account, region, params):  # noqa: N802
        arn = f"arn:aws:lambda:{region}:{account}:function:thumbnails"
        versions = [{"FunctionName": "thumbnails", "FunctionArn": arn, "Version": "$LATEST"},
                    {"FunctionName": "thumbnails", "FunctionArn": f"{arn}:1", "Version": "1"}]
        return 200, json.dumps({"Functions": versions if self._home(region) else []})

    def lambda_ListAliases(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"Aliases": [{"Name": "live", "FunctionVersion": "1", "AliasArn": "canned"}]})

    def rds_DescribeDBInstances(self, account, region, params):  # noqa: N802
        item = (f"<DBInstance><DBInstanceIdentifier>orders</DBInstanceIdentifier><DBInstanceArn>arn:aws:rds:{region}:"
                f"{account}:db:orders</DBInstanceArn><Engine>postgres</Engine><EnabledCloudwatchLogsExports>"
                "<member>postgresql</member></EnabledCloudwatchLogsExports></DBInstance>") if self._home(region) else ""
        return 200, _query("DescribeDBInstances", "http://rds.amazonaws.com/doc/2014-10-31/",
                           f"<DBInstances>{item}</DBInstances>")

    def rds_DescribeDBClusters(self, account, region, params):  # noqa: N802
        return 200, _query("DescribeDBClusters", "http://rds.amazonaws.com/doc/2014-10-31/", "<DBClusters/>")

    def elasticloadbalancing_DescribeLoadBalancers(self, account, region, params):  # noqa: N802
        item = (f"<member><LoadBalancerName>web</LoadBalancerName><LoadBalancerArn>{self._lb(account, region)}"
                "</LoadBalancerArn><Type>application</Type></member>") if self._home(region) else ""
        return 200, _query("DescribeLoadBalancers", "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
                           f"<LoadBalancers>{item}</LoadBalancers>")

    @staticmethod
    def _lb(account, region):
        return f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/web/0canned"

    def elasticloadbalancing_DescribeLoadBalancerAttributes(self, account, region, params):  # noqa: N802
        return 200, _query("DescribeLoadBalancerAttributes",
                           "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
                           "<Attributes><member><Key>access_logs.s3.enabled</Key><Value>true</Value></member>"
                           f"<member><Key>access_logs.s3.bucket</Key><Value>irready-trail-{account}</Value></member>"
                           "</Attributes>")

    def ssm_DescribeInstanceInformation(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"InstanceInformationList": []})  # the canned accounts run no instances

    def s3_ListBuckets(self, account, region, params):  # noqa: N802
        return 200, ('<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets><Bucket>'
                     f"<Name>irready-trail-{account}</Name><CreationDate>2026-01-01T00:00:00Z</CreationDate>"
                     "<BucketRegion>us-east-1</BucketRegion></Bucket></Buckets><Owner><ID>canned</ID></Owner>"
                     "</ListAllMyBucketsResult>")

    def s3_GetBucketLogging(self, account, region, params):  # noqa: N802
        # The trail bucket: its object access is in the trail's S3 data events, so no server access logging.
        return 200, '<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'

    def cloudfront_ListDistributions(self, account, region, params):  # noqa: N802
        return 200, ('<DistributionList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Marker></Marker>'
                     "<MaxItems>1000</MaxItems><IsTruncated>false</IsTruncated><Quantity>1</Quantity><Items>"
                     f"<DistributionSummary><Id>E0CANNED</Id><ARN>arn:aws:cloudfront::{account}:distribution/E0CANNED"
                     "</ARN></DistributionSummary></Items></DistributionList>")

    def cloudfront_GetDistributionConfig(self, account, region, params):  # noqa: N802
        return 200, ('<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Logging><Enabled>'
                     f"true</Enabled><IncludeCookies>false</IncludeCookies><Bucket>irready-trail-{account}."
                     "s3.amazonaws.com</Bucket><Prefix>cdn/</Prefix></Logging></DistributionConfig>")

    def logs_DescribeDeliverySources(self, account, region, params):  # noqa: N802
        return 200, json.dumps({"deliverySources": []})  # standard logging (legacy) in the canned accounts

    def tagging_GetResources(self, account, region, params):  # noqa: N802
        context = [{"Key": "environment", "Value": "production"}, {"Key": "owner", "Value": "platform"},
                   {"Key": "data-classification", "Value": "internal"}]
        arns = [f"arn:aws:ecs:{region}:{account}:cluster/apps", f"arn:aws:ecr:{region}:{account}:repository/web",
                f"arn:aws:lambda:{region}:{account}:function:thumbnails", f"arn:aws:rds:{region}:{account}:db:orders",
                self._lb(account, region), f"arn:aws:s3:::irready-trail-{account}",
                f"arn:aws:cloudfront::{account}:distribution/E0CANNED"] if self._home(region) else []
        return 200, json.dumps({"ResourceTagMappingList": [{"ResourceARN": arn, "Tags": context} for arn in arns]})


# REST operations, by (service, method, path pattern, query key)
_REST = [
    ("account", "POST", re.compile(r"^/getAlternateContact$"), None, "GetAlternateContact"),
    ("guardduty", "GET", re.compile(r"^/detector$"), None, "ListDetectors"),
    ("guardduty", "GET", re.compile(r"^/detector/[^/]+$"), None, "GetDetector"),
    ("guardduty", "GET", re.compile(r"^/detector/[^/]+/administrator$"), None, "GetAdministratorAccount"),
    ("eks", "GET", re.compile(r"^/clusters$"), None, "ListClusters"),
    ("s3control", "GET", re.compile(r"^/v20180820/configuration/publicAccessBlock$"), None, "GetPublicAccessBlock"),
    ("s3", "GET", re.compile(r"^/[^/]+/?$"), "versioning", "GetBucketVersioning"),
    ("s3", "GET", re.compile(r"^/[^/]+/?$"), "lifecycle", "GetBucketLifecycleConfiguration"),
    ("s3", "GET", re.compile(r"^/[^/]+/?$"), "object-lock", "GetObjectLockConfiguration"),
    ("s3", "GET", re.compile(r"^/[^/]+/?$"), "publicAccessBlock", "GetPublicAccessBlock"),
    # issue #19
    ("s3", "GET", re.compile(r"^/[^/]+/?$"), "logging", "GetBucketLogging"),
    ("s3", "GET", re.compile(r"^/$"), None, "ListBuckets"),
    ("lambda", "GET", re.compile(r"^/2015-03-31/functions/?$"), None, "ListFunctions"),
    ("lambda", "GET", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/?$"), None, "ListAliases"),
    ("cloudfront", "GET", re.compile(r"^/2020-05-31/distribution/?$"), None, "ListDistributions"),
    ("cloudfront", "GET", re.compile(r"^/2020-05-31/distribution/[^/]+/config$"), None, "GetDistributionConfig"),
]
_CONTENT_TYPE = {"json": "application/x-amz-json-1.1", "rest-json": "application/json"}


class Responder:
    """One request's answer, as bytes on the wire: routes by the SigV4 scope (service, region), the
    caller's access key (its account) and the operation (X-Amz-Target, the Action parameter or the REST
    route), throttling every ``throttle_every``-th request when asked."""

    def __init__(self, answers: Answers, throttle_every: int = 0):
        self.answers, self.throttle_every = answers, throttle_every
        self.counter = itertools.count(1)

    def respond(self, method: str, target: str, headers: dict[str, str], body: str) -> bytes:
        scope = _SCOPE.search(headers.get("authorization", ""))
        if not scope:
            return _response(403, "text/plain", "unsigned request")
        access_key, region, service = scope.groups()
        url = urlsplit(target)
        if service == "s3" and url.path.startswith("/v20180820/"):
            service = "s3control"
        account = access_key[4:] if access_key.startswith("ASIA") else MANAGEMENT
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        amz_target = headers.get("x-amz-target")
        if amz_target:
            operation = amz_target.rsplit(".", 1)[-1]
            params.update(json.loads(body or "{}"))
        elif "Action=" in body:
            params.update({k: v[0] for k, v in parse_qs(body).items()})
            operation = params["Action"]
        else:
            operation = next((op for svc, verb, path, key, op in _REST if svc == service and verb == method
                              and path.match(url.path) and (key is None or key in params)), None)
        protocol = _PROTOCOL.get(service, "json")
        if self.throttle_every and next(self.counter) % self.throttle_every == 0:
            status, headers_out, error = error_response(service, "400 Throttled" if protocol != "rest-json" else
                                                        "429 Too Many Requests", _THROTTLED[protocol], "Rate exceeded")
            return _response(int(status.split()[0]), dict(headers_out)["Content-Type"], error.decode(),
                             extra=[h for h in headers_out if h[0] == "x-amzn-ErrorType"])
        try:
            status, answer = self.answers.answer(service, operation, account, region, params)
        except (AttributeError, TypeError):
            status, headers_out, error = error_response(service, "501 Not Implemented", "NotImplemented",
                                                        f"the canned stand-in has no answer for {service}:{operation}")
            return _response(501, dict(headers_out)["Content-Type"], error.decode())
        return _response(status, _CONTENT_TYPE.get(protocol, "text/xml"), answer)


_REASON = {200: "OK", 400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 501: "Not Implemented"}


def _response(status: int, content_type: str, body: str, extra=()) -> bytes:
    data = body.encode()
    head = [f"HTTP/1.1 {status} {_REASON.get(status, 'Status')}", f"Content-Type: {content_type}",
            f"Content-Length: {len(data)}", "x-amzn-RequestId: canned", *(f"{n}: {v}" for n, v in extra)]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data


class Connection(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection, served on the event loop: each request is answered after
    ``latency`` seconds by a timer, not a sleeping thread, and written in one piece (headers and body
    in one write, so no delayed ACK waits between them; TCP_NODELAY besides). urllib3 sends a request
    only after the previous answer, so answers leave in order."""

    def __init__(self, responder: Responder, latency: float):
        self.responder, self.latency = responder, latency
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport):
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            request_line, *lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            body = self.buffer[end + 4:end + 4 + length].decode()
            del self.buffer[:end + 4 + length]
            method, target, _ = request_line.split(" ", 2)
            answer = self.responder.respond(method, target, headers, body)
            if self.latency:
                asyncio.get_running_loop().call_later(self.latency, self._write, answer)
            else:
                self._write(answer)

    def _write(self, answer: bytes) -> None:
        if self.transport and not self.transport.is_closing():
            self.transport.write(answer)

    def connection_lost(self, exc):
        self.transport = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1, help="accounts in the organization, management included")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before every answer")
    parser.add_argument("--throttle-every", type=int, default=0, help="throttle every Nth request (0: never)")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop after this long in any case")
    args = parser.parse_args()
    asyncio.run(_serve(Responder(Answers(args.accounts), args.throttle_every), args.latency, args.max_seconds))


async def _serve(responder: Responder, latency: float, max_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(responder, latency), "127.0.0.1", 0)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    closed = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(closed.set)), daemon=True).start()
    with contextlib.suppress(TimeoutError):  # --max-seconds passed: stop anyway
        await asyncio.wait_for(closed.wait(), max_seconds)
    server.close()


if __name__ == "__main__":
    main()
