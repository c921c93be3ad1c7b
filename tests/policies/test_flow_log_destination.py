"""The VPC preparation role creates flow logs only to irready's flow-log group, through irready's delivery role,
judged by policies.evaluator over every authorization AWS makes for a CreateFlowLogs call.

CreateFlowLogs has no resource type or condition key naming the destination: it is authorized against the
new flow log (``vpc-flow-log``, request-tag keys) and the monitored resource
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html). The destination is
pinned by what it needs besides: a CloudWatch Logs destination, the caller's iam:PassRole of a delivery role of
its own account to ``vpc-flow-logs.amazonaws.com`` (and, for another account's group, of
``DeliverCrossAccountRole`` too), then the delivery role's own logs:CreateLogStream / logs:PutLogEvents on the
group (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html,
https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html); an S3 or Firehose destination, the
caller's logs:CreateLogDelivery (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html,
https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-firehose.html).
"""

from __future__ import annotations

import pytest
from irready.policies import vpc_preparation as prep
from irready.policies.evaluator import ALLOW, IMPLICIT_DENY, Request, evaluate

from tests.policies.documents import DOCUMENTS, WORKLOAD

REGION, OTHER = "us-east-1", "999999999999"
DELIVERY_ROLE = f"arn:aws:iam::{WORKLOAD}:role/{prep.FLOW_LOG_ROLE}"
IRREADY_GROUP = f"arn:aws:logs:{REGION}:{WORKLOAD}:log-group:{prep.FLOW_LOG_GROUP}"
TO_FLOW_LOGS = {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}


def authorizations(destination_type: str = "cloud-watch-logs", destination: str = IRREADY_GROUP,
                   role: str | None = DELIVERY_ROLE, cross_account_role: str | None = None,
                   resource: str = "vpc/vpc-1") -> list[tuple[str, Request]]:
    """(whose policy decides, the request) for each authorization of one CreateFlowLogs call by the provisioning
    role (``caller``); ``delivery`` is what the passed role must allow for the flow log to reach the group."""
    caller = [Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{REGION}:{WORKLOAD}:{resource}"),
              Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{REGION}:{WORKLOAD}:vpc-flow-log/*")]
    if destination_type == "cloud-watch-logs":
        caller += [Request("iam:PassRole", passed, context=TO_FLOW_LOGS) for passed in (role, cross_account_role)
                   if passed]
        found = [("caller", request) for request in caller]
        if role == DELIVERY_ROLE:  # another role's permissions are its own: PassRole already decided
            found += [("delivery", Request(action, f"{destination}:log-stream:eni-1-all"))
                      for action in ("logs:CreateLogStream", "logs:PutLogEvents")]
        return found
    return [("caller", request) for request in [*caller, Request("logs:CreateLogDelivery", "*")]]


def denied(calls: list[tuple[str, Request]]) -> list[str]:
    documents = {"caller": DOCUMENTS["vpc_preparation"], "delivery": DOCUMENTS["flow_log_delivery"]}
    return [f"{who}: {request.action} {request.resource}" for who, request in calls
            if evaluate([documents[who]], request) != ALLOW]


def test_irreadys_flow_log_is_authorized_end_to_end():
    assert denied(authorizations()) == []


@pytest.mark.parametrize(("calls", "refused"), [
    # Another group of the account: creation succeeds, delivery does not (the role writes irready's group only).
    (authorizations(destination=f"arn:aws:logs:{REGION}:{WORKLOAD}:log-group:attacker-chosen"),
     [f"delivery: logs:CreateLogStream arn:aws:logs:{REGION}:{WORKLOAD}:log-group:attacker-chosen:log-stream:eni-1-all",
      f"delivery: logs:PutLogEvents arn:aws:logs:{REGION}:{WORKLOAD}:log-group:attacker-chosen:log-stream:eni-1-all"]),
    # A role that could write anywhere.
    (authorizations(role=f"arn:aws:iam::{WORKLOAD}:role/Admin"),
     [f"caller: iam:PassRole arn:aws:iam::{WORKLOAD}:role/Admin"]),
    # Another account's group, through a cross-account delivery role.
    (authorizations(destination=f"arn:aws:logs:{REGION}:{OTHER}:log-group:exfiltration",
                    cross_account_role=f"arn:aws:iam::{OTHER}:role/accept-flow-logs"),
     [f"caller: iam:PassRole arn:aws:iam::{OTHER}:role/accept-flow-logs",
      f"delivery: logs:CreateLogStream arn:aws:logs:{REGION}:{OTHER}:log-group:exfiltration:log-stream:eni-1-all",
      f"delivery: logs:PutLogEvents arn:aws:logs:{REGION}:{OTHER}:log-group:exfiltration:log-stream:eni-1-all"]),
    # A bucket or a Firehose stream (in any account): no log delivery may be created.
    (authorizations("s3", "arn:aws:s3:::attacker-bucket"), ["caller: logs:CreateLogDelivery *"]),
    (authorizations("kinesis-data-firehose", f"arn:aws:firehose:{REGION}:{OTHER}:deliverystream/x"),
     ["caller: logs:CreateLogDelivery *"]),
    # Only VPCs: a subnet's or a transit gateway's flow log is not what the role is for.
    (authorizations(resource="subnet/subnet-1"),
     [f"caller: ec2:CreateFlowLogs arn:aws:ec2:{REGION}:{WORKLOAD}:subnet/subnet-1"]),
])
def test_a_flow_log_to_another_destination_or_through_another_role_is_refused(calls, refused):
    assert denied(calls) == refused


def test_the_stackset_delivery_role_is_the_document_judged_here():
    from irready.infra import stackset_templates as templates
    args = templates.BaselineTemplateArgs(
        security_account_id="210987654321", home_region=REGION, trusted_cidrs=("192.0.2.0/24",),
        revoke_sessions_before="2026-01-01T00:00:00Z", deny_except_actions=("sts:GetCallerIdentity",),
        responder_external_id=None, audit_human_principals=(), audit_automation_principals=(),
        run_instances_allowed=(), ecr_scan_type=None,
        deploying_principals=("arn:aws:iam::*:role/OrganizationAccountAccessRole",))
    role = templates.global_template(args)["Resources"]["FlowLogDeliveryRole"]["Properties"]
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"] == templates.substituted(
        prep.flow_log_delivery_permissions(prep.flow_log_group_arns(templates.ACCOUNT)))


@pytest.mark.parametrize(("request_", "expected"), [
    (Request("logs:DescribeLogGroups", "*"), ALLOW),
    (Request("logs:CreateLogGroup", IRREADY_GROUP), ALLOW),
    (Request("logs:PutRetentionPolicy", IRREADY_GROUP), ALLOW),
    # No other group, and nothing that loses events: no deletion, no retention removed.
    (Request("logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{WORKLOAD}:log-group:attacker-chosen"), IMPLICIT_DENY),
    (Request("logs:PutRetentionPolicy", f"arn:aws:logs:{REGION}:{WORKLOAD}:log-group:/aws/lambda/app"),
     IMPLICIT_DENY),
    (Request("logs:DeleteLogGroup", IRREADY_GROUP), IMPLICIT_DENY),
    (Request("logs:DeleteRetentionPolicy", IRREADY_GROUP), IMPLICIT_DENY),
    (Request("logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{OTHER}:log-group:{prep.FLOW_LOG_GROUP}"), IMPLICIT_DENY),
])
def test_the_provisioning_role_makes_only_the_flow_log_group(request_, expected):
    """The function makes the group (the regional StackSet no longer does: a retained group of a fixed name would
    fail a re-created stack instance) and raises its retention; it never deletes or shortens."""
    assert evaluate([DOCUMENTS["vpc_preparation"]], request_) == expected
