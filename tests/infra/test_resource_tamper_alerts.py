"""The tamper alerts on irready's own automation and evidence (guardrails.resource_tamper_patterns), judged
with moto's EventBridge pattern matcher on CloudTrail events as EventBridge receives them: irready's log
groups, rules, functions, schedules, state machine, buckets and topics changed -> alert; the member's own
resources, and reads of irready's -> none. The program's rules, the buses' and the regional StackSet's hold
the same patterns (tests/infra/test_organization_mode.py compares them).

AWS documents encoded here:
- CloudTrail delivers management events to EventBridge as "AWS API Call via CloudTrail", source aws.<service>,
  with eventSource, eventName and requestParameters in detail:
  https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
- S3 bucket-level calls are management events under CloudTrail's names (PutBucketLifecycle for
  PutLifecycleConfiguration); object calls are data events:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
- Lambda's CloudTrail event names carry the API version (UpdateFunctionCode20150331v2):
  https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html
- Event patterns: prefix, wildcard and $or matching; 2,048 characters by default:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
- Monitoring disabling or scheduled deletion of customer-managed keys: CIS AWS Foundations Benchmark (the
  CloudWatch monitoring section).
"""

from __future__ import annotations

import json

import pytest
from irready.infra.components.guardrails import resource_tamper_patterns, tamper_patterns
from irready.policies import names
from moto.events.models import EventPattern

from irready import policies

SECURITY = "210987654321"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{SECURITY}:function:"
TOPIC = f"arn:aws:sns:us-east-1:{SECURITY}:"


def _event(service: str, event_name: str, /, **parameters) -> dict:
    return {"source": f"aws.{service}", "detail-type": "AWS API Call via CloudTrail", "detail": {
        "eventSource": f"{service}.amazonaws.com", "eventName": event_name, "requestParameters": parameters}}


def _alerted(event: dict) -> bool:
    return any(EventPattern.load(json.dumps(p)).matches_event(event) for p in resource_tamper_patterns().values())


ALERTED = [
    _event("logs", "DeleteLogGroup", logGroupName="/irready/vpc-flow-logs"),
    _event("logs", "PutRetentionPolicy", logGroupName="/aws/lambda/irready-security-contacts", retentionInDays=1),
    _event("logs", "DeleteRetentionPolicy", logGroupName="/aws/route53resolver/irready-organization-queries"),
    _event("logs", "DeleteSubscriptionFilter", logGroupName="/irready/irready-organization-trail", filterName="f"),
    _event("logs", "DisassociateKmsKey", logGroupName="/irready/vpc-flow-logs"),
    _event("logs", "DeleteResourcePolicy", policyName="irready-organization-queries-delivery"),
    _event("events", "DisableRule", name="irready-tamper"),
    _event("events", "DeleteRule", name="irready-guardduty-findings"),
    _event("events", "PutRule", name="irready-org-tamper", eventPattern="{}"),
    _event("events", "RemoveTargets", rule="irready-member-tamper", eventBusName="irready-member-events", ids=["a"]),
    _event("events", "PutTargets", rule="irready-org-create-vpc", targets=[]),
    _event("events", "DeleteEventBus", name="irready-member-events"),
    _event("lambda", "UpdateFunctionCode20150331v2", functionName="irready-security-contacts"),
    _event("lambda", "UpdateFunctionConfiguration20150331v2", functionName=f"{FUNCTION_ARN}irready-vpc-preparation"),
    _event("lambda", "PutFunctionConcurrency20171031", functionName="irready-scheduled-audit-account",
           reservedConcurrentExecutions=0),
    _event("lambda", "AddPermission20150331v2", functionName="irready-vpc-preparation", principal="*"),
    _event("lambda", "DeleteFunction20150331", functionName="irready-scheduled-audit-merge"),
    _event("scheduler", "DeleteSchedule", name="irready-scheduled-audit", groupName="default"),
    _event("scheduler", "UpdateSchedule", name="irready-vpc-preparation-reconciliation"),
    _event("states", "UpdateStateMachine",
           stateMachineArn=f"arn:aws:states:us-east-1:{SECURITY}:stateMachine:irready-scheduled-audit"),
    _event("s3", "PutBucketPolicy", bucketName=f"irready-evidence-{SECURITY}-us-east-1"),
    _event("s3", "PutBucketLifecycle", bucketName=f"irready-scheduled-audit-reports-{SECURITY}"),
    _event("s3", "PutBucketVersioning", bucketName="irready-trail-123456789012-us-east-1"),
    _event("s3", "PutObjectLockConfiguration", bucketName=f"irready-evidence-{SECURITY}-us-east-1"),
    _event("s3", "DeleteBucketPublicAccessBlock", bucketName="irready-network-logs-123456789012-us-east-1"),
    _event("sns", "DeleteTopic", topicArn=f"{TOPIC}irready-ir-alerts"),
    _event("sns", "SetTopicAttributes", topicArn=f"{TOPIC}irready-ir-alerts", attributeName="KmsMasterKeyId"),
    _event("sns", "Unsubscribe", subscriptionArn=f"{TOPIC}irready-ir-alerts:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
    _event("ssm", "UpdateDocument", name="irready-RevokeOlderSessions", documentVersion="$LATEST"),
    _event("ssm", "DeleteDocument", name="irready-LockBucket"),
    _event("kms", "ScheduleKeyDeletion", keyId="1234abcd-12ab-34cd-56ef-1234567890ab", pendingWindowInDays=7),
    _event("kms", "DisableKey", keyId="1234abcd-12ab-34cd-56ef-1234567890ab"),
    _event("kms", "UntagResource", keyId="1234abcd-12ab-34cd-56ef-1234567890ab", tagKeys=[names.GUARDED_TAG]),
    _event("route53resolver", "DeleteResolverQueryLogConfig", resolverQueryLogConfigId="rqlc-0123456789abcdef"),
]
QUIET = [
    _event("logs", "DeleteLogGroup", logGroupName="/aws/lambda/orders-api"),
    _event("logs", "PutRetentionPolicy", logGroupName="/ecs/orders", retentionInDays=7),
    _event("logs", "DescribeLogGroups", logGroupNamePrefix="/irready/"),
    _event("events", "DisableRule", name="nightly-batch"),
    _event("events", "DescribeRule", name="irready-tamper"),
    _event("lambda", "UpdateFunctionCode20150331v2", functionName="orders-api"),
    _event("lambda", "GetFunction20150331v2", functionName="irready-security-contacts"),  # the audit reads it
    _event("scheduler", "DeleteSchedule", name="nightly", groupName="default"),
    _event("states", "UpdateStateMachine", stateMachineArn=f"arn:aws:states:us-east-1:{SECURITY}:stateMachine:orders"),
    _event("s3", "PutBucketPolicy", bucketName="orders-exports"),
    _event("s3", "GetBucketPolicy", bucketName=f"irready-evidence-{SECURITY}-us-east-1"),
    _event("sns", "DeleteTopic", topicArn=f"{TOPIC}orders-alerts"),
    _event("sns", "Publish", topicArn=f"{TOPIC}irready-ir-alerts"),
    _event("ssm", "UpdateDocument", name="orders-patching"),
    _event("ssm", "StartAutomationExecution", documentName="irready-LockBucket"),  # containment at work
    _event("kms", "UntagResource", keyId="1234abcd-12ab-34cd-56ef-1234567890ab", tagKeys=["cost-center"]),
    _event("kms", "PutKeyPolicy", keyId="1234abcd-12ab-34cd-56ef-1234567890ab"),  # denied by the SCP, not alerted
    _event("route53resolver", "CreateResolverQueryLogConfig", name="app-queries"),
]


@pytest.mark.parametrize("event", ALERTED, ids=lambda e: e["detail"]["eventName"])
def test_changes_to_irreadys_automation_and_evidence_are_alerted(event):
    assert _alerted(event)


@pytest.mark.parametrize("event", QUIET, ids=lambda e: e["detail"]["eventName"])
def test_the_members_own_resources_and_reads_are_not(event):
    assert not _alerted(event)


def test_every_guarded_service_is_watched_and_every_probe_has_an_alerted_event():
    watched = {source for pattern in resource_tamper_patterns().values() for source in pattern["source"]}
    assert watched == {f"aws.{g.service}" for g in policies.GUARDED_RESOURCES} | {"aws.kms", "aws.route53resolver"}
    alerted_services = {event["source"] for event in ALERTED}
    assert alerted_services == watched


# The most and longest exemptions the config accepts (tests/infra/test_guarded_resources.py), users among them.
MOST_DEPLOYERS = (f"arn:aws:iam::*:role/{'r' * 64}", "arn:aws:iam::*:role/stacksets-exec-*",
                  *(f"arn:aws:iam::*:user/{'u' * 63}{n}" for n in range(policies.MAX_DEPLOYING_PRINCIPALS)))


@pytest.mark.parametrize(("name", "pattern"), tamper_patterns(MOST_DEPLOYERS).items())
def test_every_pattern_fits_eventbridges_default_size(name, pattern):
    assert len(json.dumps(pattern, separators=(",", ":"))) <= 2048, name


# --- the guardrail's exempt principals: creating, re-trusting or re-permissioning one is alerted ----------------
# IAM's CloudTrail events carry roleName / userName in requestParameters, the path apart:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html

DEPLOYERS = ("arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*",
             "arn:aws:iam::*:user/ci-deployer", "arn:aws:iam::*:role/irready-vpc-preparation")


def _iam_alerted(event: dict) -> bool:
    return EventPattern.load(json.dumps(tamper_patterns(DEPLOYERS)["iam-tamper"])).matches_event(event)


@pytest.mark.parametrize("event", [
    _event("iam", "CreateRole", roleName="stacksets-exec-x", assumeRolePolicyDocument="{}"),
    _event("iam", "UpdateAssumeRolePolicy", roleName="OrganizationAccountAccessRole", policyDocument="{}"),
    _event("iam", "AttachRolePolicy", roleName="stacksets-exec-4f1b", policyArn="arn:aws:iam::aws:policy/A"),
    _event("iam", "PutRolePolicy", roleName="OrganizationAccountAccessRole", policyName="p"),
    _event("iam", "CreateRole", roleName="OrganizationAccountAccessRole", path="/"),
    _event("iam", "CreateAccessKey", userName="ci-deployer"),
    _event("iam", "CreateLoginProfile", userName="ci-deployer"),
    _event("iam", "UpdateAssumeRolePolicy", roleName="IncidentResponder", policyDocument="{}"),
    _event("iam", "CreateRole", roleName="irready-audit"),
    _event("iam", "CreatePolicyVersion", policyArn="arn:aws:iam::111122223333:policy/irready-deny-all"),
], ids=lambda e: f"{e['detail']['eventName']}-{next(iter(e['detail']['requestParameters'].values()))}")
def test_becoming_an_exempt_principal_is_alerted(event):
    assert _iam_alerted(event)


@pytest.mark.parametrize("event", [
    _event("iam", "CreateRole", roleName="orders-app"),
    _event("iam", "UpdateAssumeRolePolicy", roleName="Admin", policyDocument="{}"),
    _event("iam", "CreateAccessKey", userName="alice"),
    _event("iam", "GetRole", roleName="OrganizationAccountAccessRole"),  # a read
    _event("iam", "CreatePolicy", policyName="orders-app"),
], ids=lambda e: f"{e['detail']['eventName']}-{next(iter(e['detail']['requestParameters'].values()))}")
def test_the_members_own_identities_and_reads_are_not(event):
    assert not _iam_alerted(event)


def test_the_iam_pattern_names_each_exemption_once_by_its_last_name_segment():
    identities = tamper_patterns(("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Deploy_*",
                                  "arn:aws:iam::*:role/irready-vpc-preparation"))["iam-tamper"]
    assert identities["detail"]["requestParameters"]["$or"][0] == {"roleName": [
        names.RESPONDER_ROLE_NAME, {"prefix": names.NAME_PREFIX}, {"wildcard": "AWSReservedSSO_Deploy_*"}]}
