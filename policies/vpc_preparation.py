"""New-VPC preparation (organization mode, issue #18): the names and IAM documents shared by the
function that prepares a VPC (irready/vpc_preparation.py, run in the security account), the regional
StackSet that creates what it attaches to, and the Pulumi component that deploys it.

The function assumes ``PROVISIONING_ROLE`` in the VPC's account and gives the VPC what the explicit
mode's components give a listed VPC: flow logs (ALL) to the irready flow-log group, the empty quarantine
group and the isolation group (tagged for the responder's swap), and the association with the security
account's Resolver query-logging configuration of the region, shared with the organization through RAM
(the DNS evidence lives in the security account, out of reach of an intruder who is admin in the member).
A VPC shared through RAM is the owner's: participants cannot create flow logs or query-log associations
for it (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html).
"""

from __future__ import annotations

from irready.policies import CONTAINMENT_GROUP_TAG, names

PROVISIONING_ROLE = names.NAME_PREFIX + "vpc-preparation"  # in every member account (global StackSet)
FUNCTION = names.NAME_PREFIX + "vpc-preparation"  # in the security account
FUNCTION_ROLE = FUNCTION + "-function"
HANDLER = "irready.vpc_preparation.handler"
FLOW_LOG_GROUP = "/irready/vpc-flow-logs"  # VpcFlowLogs' group; the regional StackSet's in members
FLOW_LOG_ROLE = names.NAME_PREFIX + "flow-logs-org"  # delivers to FLOW_LOG_GROUP (global StackSet)
QUERY_LOG_CONFIG = "irready-queries"  # DnsContainment's CloudWatch Logs configuration (explicit mode, management)
# Organization mode: the security account's configuration per region, logging to its own group, shared
# with the organization through RAM (infra/components/organization_query_logging.py).
ORGANIZATION_QUERY_LOG_CONFIG = names.NAME_PREFIX + "organization-queries"
ORGANIZATION_QUERY_LOG_GROUP = "/aws/route53resolver/irready-organization-queries"
QUERY_LOG_SHARE = names.NAME_PREFIX + "query-logging"  # the RAM resource share of each region
RECONCILE_SCHEDULE = "rate(1 day)"  # the reconciliation run, for events that were missed
MEMBER_EVENTS_BUS = names.NAME_PREFIX + "member-events"  # the security account's bus the member rules send to
# The scheduled run puts one event per account on the member-events bus; a rule there sends each back to
# the function, which then reconciles that one account (every configured region).
RECONCILE_SOURCE = "irready.vpc-preparation"
RECONCILE_DETAIL_TYPE = "irready VPC reconciliation"
PUT_EVENTS_BATCH = 10  # PutEvents takes at most 10 entries per call

ENV_REGIONS = "IRREADY_REGIONS"  # comma-separated: where reconciliation looks
ENV_QUARANTINE_GROUP = "IRREADY_QUARANTINE_GROUP_NAME"
ENV_QUERY_LOG_CONFIGS = "IRREADY_QUERY_LOG_CONFIGS"  # comma-separated region=configuration id
ENV_MEMBER_EVENTS_BUS = "IRREADY_MEMBER_EVENTS_BUS"  # the bus's ARN: where reconciliation requests go
ENV_FLOW_LOG_RETENTION = "IRREADY_FLOW_LOG_RETENTION_DAYS"  # FLOW_LOG_GROUP's retention where the function makes it


def member_events_bus_arn(security_account_id: str, region: str) -> str:
    return f"arn:aws:events:{region}:{security_account_id}:event-bus/{MEMBER_EVENTS_BUS}"


def reconciliation_pattern(security_account_id: str) -> dict:
    """The member-events bus rule that hands each reconciliation request back to the function: irready's own
    source and detail-type, and only as put by the security account itself. The bus also takes events from
    every account's forwarder role, whose senders choose source and detail-type, but never ``account``:
    EventBridge sets it to the account that put the event, and keeps it when a rule forwards the event to
    another account's bus
    (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html)."""
    return {"source": [RECONCILE_SOURCE], "detail-type": [RECONCILE_DETAIL_TYPE], "account": [security_account_id]}


def query_log_configs_variable(configs: dict[str, str]) -> str:
    """The shared configurations by region as ``ENV_QUERY_LOG_CONFIGS`` holds them: ``us-east-1=rqlc-1,...``."""
    return ",".join(f"{region}={config_id}" for region, config_id in sorted(configs.items()))


def parse_query_log_configs(value: str) -> dict[str, str]:
    """``query_log_configs_variable``'s inverse. Raises ValueError on an entry without ``=``."""
    pairs = [entry.split("=") for entry in value.split(",") if entry]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{ENV_QUERY_LOG_CONFIGS}: expected region=configuration id, comma-separated; got {value!r}")
    return dict(pairs)  # type: ignore[arg-type]


def provisioning_role_trust(security_account_id: str) -> dict:
    """Only the preparation function's role in the security account may assume the provisioning role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ThePreparationFunctionOnly", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
        "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{security_account_id}:role/{FUNCTION_ROLE}"}}}]}


def flow_log_delivery_permissions(group_arns: list[str]) -> dict:
    """A flow-log delivery role's permissions: write to the log groups ``group_arns`` (their streams) and
    nowhere else, and list the account's groups, which DescribeLogGroups authorizes on ``*`` only (the
    actions the VPC user guide lists for a delivery role:
    https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html; resource types:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).
    Used by ``FLOW_LOG_ROLE`` (every region's ``FLOW_LOG_GROUP``) and the explicit mode's delivery role."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "WriteTheFlowLogGroupsOnly", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": [*group_arns, *(f"{arn}:*" for arn in group_arns)]},
        {"Sid": "ListLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}]}


def flow_log_group_arns(account_id: str) -> list[str]:
    """``FLOW_LOG_GROUP`` in every region of ``account_id`` (which may be CloudFormation's ``${AWS::AccountId}``)."""
    return [f"arn:aws:logs:*:{account_id}:log-group:{FLOW_LOG_GROUP}"]


def provisioning_role_permissions(account_id: str, security_account_id: str) -> dict:
    """What preparing a VPC takes, and no more: read VPCs, flow logs, groups and query-log settings;
    create the flow-log group and raise its retention (never delete it, never shorten it: the function only
    raises); create flow logs passing only the flow-log role; create security groups only with the containment
    tag, and change rules only of groups carrying it; associate VPCs only with query-logging
    configurations of the security account (those it shares through RAM: never one of the member's own,
    whose destination an intruder could choose). Nothing is ever deleted.

    AssociateResolverQueryLogConfig is authorized against the configuration's ARN alone (resource type
    ``resolver-query-log-config``, dependent action ``ec2:DescribeVpcs``), and a shared configuration's ARN
    names its owner's account
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53resolver.html,
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html).

    The flow logs' destination is pinned through what the destination needs, since CreateFlowLogs has no
    resource type or condition key for it (its resource types are the flow log, with the request-tag keys,
    and the monitored VPC, subnet, interface or transit gateway:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html): a CloudWatch Logs
    destination needs a delivery role of the caller's own account passed to ``vpc-flow-logs.amazonaws.com``,
    and only ``FLOW_LOG_ROLE`` may be passed, which writes only to ``FLOW_LOG_GROUP``
    (``flow_log_delivery_permissions``); a cross-account log group needs ``DeliverCrossAccountRole``, another
    role to pass; S3 and Firehose destinations need ``logs:CreateLogDelivery`` of the caller
    (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html,
    https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html), never granted. Only VPC flow logs:
    no subnet, interface or transit-gateway resource is allowed. No tag condition: the function does not tag
    its flow logs, and nothing selects them by tag."""
    tagged = {"StringEquals": {f"aws:ResourceTag/{CONTAINMENT_GROUP_TAG}": ["isolation", "quarantine"]}}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Resource": "*", "Action": [
            "ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:DescribeSecurityGroups",
            "route53resolver:ListResolverQueryLogConfigs", "route53resolver:ListResolverQueryLogConfigAssociations"]},
        {"Sid": "ReadTheFlowLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
        {"Sid": "MakeTheFlowLogGroupAndKeepItLongEnough", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "Resource": flow_log_group_arns(account_id)},
        {"Sid": "FlowLogsOfVpcs", "Effect": "Allow", "Action": "ec2:CreateFlowLogs",
         "Resource": [f"arn:aws:ec2:*:{account_id}:vpc/*", f"arn:aws:ec2:*:{account_id}:vpc-flow-log/*"]},
        {"Sid": "PassOnlyTheFlowLogRole", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{account_id}:role/{FLOW_LOG_ROLE}",
         "Condition": {"StringEquals": {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}}},
        {"Sid": "CreateGroupsInVpcs", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup",
         "Resource": f"arn:aws:ec2:*:{account_id}:vpc/*"},
        {"Sid": "CreateOnlyContainmentGroups", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup",
         "Resource": f"arn:aws:ec2:*:{account_id}:security-group/*",
         "Condition": {"StringEquals": {f"aws:RequestTag/{CONTAINMENT_GROUP_TAG}": ["isolation", "quarantine"]},
                       "ForAllValues:StringEquals": {"aws:TagKeys": [CONTAINMENT_GROUP_TAG]}}},
        {"Sid": "TagOnlyWhileCreatingGroups", "Effect": "Allow", "Action": "ec2:CreateTags",
         "Resource": f"arn:aws:ec2:*:{account_id}:security-group/*",
         "Condition": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}}},
        {"Sid": "RulesOfContainmentGroupsOnly", "Effect": "Allow", "Condition": tagged,
         "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
                    "ec2:RevokeSecurityGroupEgress"],
         "Resource": f"arn:aws:ec2:*:{account_id}:security-group/*"},
        {"Sid": "AssociateTheSecurityAccountsQueryLogging", "Effect": "Allow",
         "Action": "route53resolver:AssociateResolverQueryLogConfig",
         "Resource": f"arn:aws:route53resolver:*:{security_account_id}:resolver-query-log-config/*"},
    ]}


def function_permissions(region: str, security_account_id: str, organization_id: str) -> dict:
    """The preparation function's own role, in the security account: assume the provisioning role in the
    organization's accounts only, list the organization's accounts (reconciliation; Organizations answers
    its read calls in a delegated administrator account, which the security account is for GuardDuty), put
    reconciliation requests (irready's source and detail-type only) on the member-events bus only, and
    write its own log group. ``events:source`` and ``events:detail-type`` are PutEvents' condition keys, the
    literal fields of each entry
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html)."""
    log_group = f"arn:aws:logs:{region}:{security_account_id}:log-group:/aws/lambda/{FUNCTION}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "RequestOneReconciliationPerAccount", "Effect": "Allow", "Action": "events:PutEvents",
         "Resource": member_events_bus_arn(security_account_id, region),
         "Condition": {"StringEquals": {"events:source": RECONCILE_SOURCE,
                                        "events:detail-type": RECONCILE_DETAIL_TYPE}}},
        {"Sid": "TheProvisioningRoleOfTheOrganizationsAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::*:role/{PROVISIONING_ROLE}",
         "Condition": {"StringEquals": {"aws:ResourceOrgID": organization_id}}},
        {"Sid": "ListTheOrganization", "Effect": "Allow", "Resource": "*",
         "Action": ["organizations:ListAccounts", "organizations:DescribeOrganization"]},
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group, f"{log_group}:*"]},
    ]}
