"""New-VPC preparation (organization mode, issue #18): the names and IAM documents shared by the
function that prepares a VPC (irready/vpc_preparation.py, run in the security account), the regional
StackSet that creates what it attaches to, and the Pulumi component that deploys it.

The function assumes ``PROVISIONING_ROLE`` in the VPC's account and gives the VPC what the explicit
mode's components give a listed VPC: flow logs (ALL) to the irready flow-log group, the empty quarantine
group and the isolation group (tagged for the responder's swap), and the Resolver query-logging
association. A VPC shared through RAM is the owner's: participants cannot create flow logs or
query-log associations for it (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html).
"""

from __future__ import annotations

from irready.policies import CONTAINMENT_GROUP_TAG, names

PROVISIONING_ROLE = names.NAME_PREFIX + "vpc-preparation"  # in every member account (global StackSet)
FUNCTION = names.NAME_PREFIX + "vpc-preparation"  # in the security account
FUNCTION_ROLE = FUNCTION + "-function"
HANDLER = "irready.vpc_preparation.handler"
FLOW_LOG_GROUP = "/irready/vpc-flow-logs"  # VpcFlowLogs' group; the regional StackSet's in members
FLOW_LOG_ROLE = names.NAME_PREFIX + "flow-logs-org"  # delivers to FLOW_LOG_GROUP (global StackSet)
QUERY_LOG_CONFIG = "irready-queries"  # DnsContainment's CloudWatch Logs configuration; the regional StackSet's
RECONCILE_SCHEDULE = "rate(1 day)"  # the reconciliation run, for events that were missed

ENV_REGIONS = "IRREADY_REGIONS"  # comma-separated: where reconciliation looks
ENV_QUARANTINE_GROUP = "IRREADY_QUARANTINE_GROUP_NAME"


def provisioning_role_trust(security_account_id: str) -> dict:
    """Only the preparation function's role in the security account may assume the provisioning role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ThePreparationFunctionOnly", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"},
        "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{security_account_id}:role/{FUNCTION_ROLE}"}}}]}


def provisioning_role_permissions(account_id: str) -> dict:
    """What preparing a VPC takes, and no more: read VPCs, flow logs, groups and query-log settings;
    create flow logs passing only the flow-log role; create security groups only with the containment
    tag, and change rules only of groups carrying it; associate only irready's query-log configuration
    (found by name; its id differs per account and region). Nothing is ever deleted."""
    tagged = {"StringEquals": {f"aws:ResourceTag/{CONTAINMENT_GROUP_TAG}": ["isolation", "quarantine"]}}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Resource": "*", "Action": [
            "ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:DescribeSecurityGroups",
            "route53resolver:ListResolverQueryLogConfigs", "route53resolver:ListResolverQueryLogConfigAssociations"]},
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
        {"Sid": "AssociateQueryLogging", "Effect": "Allow", "Action": "route53resolver:AssociateResolverQueryLogConfig",
         "Resource": f"arn:aws:route53resolver:*:{account_id}:resolver-query-log-config/*"},
    ]}


def function_permissions(region: str, security_account_id: str, organization_id: str) -> dict:
    """The preparation function's own role, in the security account: assume the provisioning role in the
    organization's accounts only, list the organization's accounts (reconciliation; Organizations answers
    its read calls in a delegated administrator account, which the security account is for GuardDuty), and
    write its own log group."""
    log_group = f"arn:aws:logs:{region}:{security_account_id}:log-group:/aws/lambda/{FUNCTION}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "TheProvisioningRoleOfTheOrganizationsAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::*:role/{PROVISIONING_ROLE}",
         "Condition": {"StringEquals": {"aws:ResourceOrgID": organization_id}}},
        {"Sid": "ListTheOrganization", "Effect": "Allow", "Resource": "*",
         "Action": ["organizations:ListAccounts", "organizations:DescribeOrganization"]},
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group, f"{log_group}:*"]},
    ]}
