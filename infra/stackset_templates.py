"""The CloudFormation templates of organization-wide mode, generated from the documents and names the
Pulumi components use (policies/, policies/names.py and the components' own pattern functions), never
written twice: tests/infra/test_organization_mode.py compares them with the management account's Pulumi
resources.

Three templates, each the body of one service-managed StackSet (infra/components/stacksets.py):

- ``global_template``: deployed once per member account, in one region: what IAM holds (global), the
  IncidentResponder and irready-audit roles, the quarantine instance profile, the containment runbooks'
  role, the four ready-to-attach containment policies, and the roles the regional stacks' rules and flow
  logs use.
- ``regional_template``: deployed in every chosen region of every member account: the containment
  runbooks (SSM documents are regional), the RunInstances and regional tamper alerts and the ``CreateVpc``
  forwarding rule (all sent to the security account's member-events bus), and the DNS containment rule group.
  No flow-log group: the VPC preparation function makes it when it first prepares a VPC of the account and
  region (irready/vpc_preparation.py ``flow_log_group``), since a retained group of a fixed name would fail a
  stack instance created again (an account that left the OUs and came back). No Resolver query-logging
  configuration: VPC preparation associates member VPCs
  with the security account's, shared with the organization through RAM
  (infra/components/organization_query_logging.py), so the DNS evidence is not the member's to delete.
- ``iam_events_template``: deployed once per member account, in names.IAM_EVENTS_REGION (us-east-1) whether
  or not the organization's regions include it: the alert on changes to irready's roles and policies and to the
  guardrail's exempt names. IAM's CloudTrail events reach EventBridge there only
  (https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region); the rule forwards them
  across regions to the member-events bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
  A one-region StackSet of its own, rather than a Condition on the regional template, so us-east-1 gets no
  runbooks or DNS rule group it was not chosen for.

Account-specific values are CloudFormation pseudo parameters (``${AWS::AccountId}`` through ``Fn::Sub``),
so one template serves every account; everything else is resolved when the program runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from irready.infra.components.detection import run_instances_pattern
from irready.infra.components.flow_logs import delivery_trust
from irready.infra.components.guardrails import iam_tamper_pattern, resource_tamper_patterns, tamper_pattern
from irready.infra.components.ir_roles import READ_ONLY_MANAGED
from irready.infra.components.workload_evidence import registry_scanning_rules
from irready.policies import names, vpc_preparation

from irready import policies

ACCOUNT = "${AWS::AccountId}"  # the pseudo parameter each stack instance resolves to its own account
FORWARDER_ROLE = names.NAME_PREFIX + "alert-forwarder-org"  # sends the rules' events to the security account
FLOW_LOG_ROLE = vpc_preparation.FLOW_LOG_ROLE  # delivers flow logs to vpc_preparation.FLOW_LOG_GROUP
MEMBER_EVENTS_BUS = vpc_preparation.MEMBER_EVENTS_BUS  # the security account's bus the member rules send to
CREATE_VPC_RULE = names.NAME_PREFIX + "create-vpc"
# The member rules' names: not the management and security accounts' own rules' names (DetectionRouting,
# SecurityAccount: irready-unexpected-run-instances, irready-tamper, irready-iam-tamper), which a StackSet
# targeting the root deploys beside in the security account; CloudFormation cannot create a rule whose name
# the default bus already holds.
MEMBER_RULE_PREFIX = names.NAME_PREFIX + "org-"
RUN_INSTANCES_RULE = MEMBER_RULE_PREFIX + "unexpected-run-instances"
TAMPER_RULE = MEMBER_RULE_PREFIX + "tamper"
# Not the name the regional stacks' rule had (irready-org-iam-tamper, in every region, firing in us-east-1 only):
# their update deletes it while the one-region StackSet's stacks create this one, and a name cannot be taken twice.
IAM_TAMPER_RULE = MEMBER_RULE_PREFIX + "global-iam-tamper"
# irready's own automation and evidence (guardrails.resource_tamper_patterns): irready-org-automation-tamper, ...
RESOURCE_TAMPER_RULES = {suffix: MEMBER_RULE_PREFIX + suffix for suffix in resource_tamper_patterns()}
TEMPLATE_VERSION = "2010-09-09"


def create_vpc_pattern() -> dict:
    """CreateVpc calls as CloudTrail delivers them to EventBridge in the account and region of the call
    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html); failed calls carry
    an errorCode and no VPC, so only calls with a response element are forwarded."""
    return {"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["ec2.amazonaws.com"], "eventName": ["CreateVpc"],
                       "errorCode": [{"exists": False}]}}


member_events_bus_arn = vpc_preparation.member_events_bus_arn


@dataclass(frozen=True)
class BaselineTemplateArgs:
    """What the templates need from the stack config; the same values the Pulumi components get."""
    security_account_id: str
    home_region: str  # the security account's region of the member-events bus
    trusted_cidrs: tuple[str, ...]
    revoke_sessions_before: str
    deny_except_actions: tuple[str, ...]
    deploying_principals: tuple[str, ...]  # the guardrail's exemptions, which the iam-tamper rule watches
    responder_external_id: str | None = None
    audit_human_principals: tuple[str, ...] = ()
    audit_automation_principals: tuple[str, ...] = ()
    run_instances_allowed: tuple[str, ...] = ()
    max_session_seconds: int = 3600
    ecr_scan_type: str | None = None  # irready:ecrRegistryScanning: "BASIC", "ENHANCED", or None for none


def substituted(node):
    """``node`` with every string naming a pseudo parameter (``${AWS::...}``) wrapped in ``Fn::Sub``.
    Raises ValueError on any other ``${`` (IAM policy variables would need escaping as ``${!...}``)."""
    if isinstance(node, dict):
        return {key: substituted(value) for key, value in node.items()}
    if isinstance(node, list):
        return [substituted(value) for value in node]
    if isinstance(node, str) and "${" in node:
        if node.count("${") != node.count("${AWS::"):
            raise ValueError(f"{node!r}: only pseudo parameters may appear as ${{...}} in a template value")
        return {"Fn::Sub": node}
    return node


def containment_documents(args: BaselineTemplateArgs) -> dict[str, dict]:
    """The four containment policies by name, as ContainmentPolicies makes them (the same function)."""
    from irready.infra.components.containment_policies import ContainmentPoliciesArgs, documents
    return documents(ContainmentPoliciesArgs(provider=None, trusted_cidrs=args.trusted_cidrs,  # type: ignore[arg-type]
                                             revoke_sessions_before=args.revoke_sessions_before,
                                             deny_except_actions=args.deny_except_actions))


def _logical(name: str) -> str:
    """A CloudFormation logical id from an irready name: irready-deny-all -> IrreadyDenyAll."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part)


def global_template(args: BaselineTemplateArgs) -> dict:
    """The global StackSet's template (one region per account). Shapes: the CloudFormation template as a
    dict, ready for ``json.dumps``."""
    security = args.security_account_id
    bus = member_events_bus_arn(security, args.home_region)
    purposes = {p.name: p.purpose for p in policies.CONTAINMENT_POLICIES}
    resources: dict[str, dict] = {
        "ResponderRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": names.RESPONDER_ROLE_NAME, "MaxSessionDuration": args.max_session_seconds,
            "Description": "Contain incidents: isolate, snapshot, disable keys, attach deny policies, lock buckets",
            "AssumeRolePolicyDocument": policies.responder_trust_policy(security, args.responder_external_id),
            "Policies": [{"PolicyName": "containment", "PolicyDocument": policies.responder_permissions(security)}]}},
        "AuditRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": names.AUDIT_ROLE_NAME, "MaxSessionDuration": args.max_session_seconds,
            "Description": "Read-only: investigators and `irready audit`",
            "AssumeRolePolicyDocument": policies.audit_trust_policy(security, args.audit_human_principals,
                                                                    args.audit_automation_principals),
            "Policies": [{"PolicyName": f"{names.AUDIT_ROLE_NAME}-reads",
                          "PolicyDocument": policies.audit_read_policy()}],
            "ManagedPolicyArns": list(READ_ONLY_MANAGED)}},
        "QuarantineInstanceRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": policies.QUARANTINE_INSTANCE_ROLE,
            "Description": "irready: the permission-less role of a quarantined instance",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}}},
        "QuarantineInstanceProfile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {
            "InstanceProfileName": policies.QUARANTINE_INSTANCE_ROLE, "Roles": [{"Ref": "QuarantineInstanceRole"}]}},
        "RunbookRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": policies.RUNBOOK_ROLE,
            "Description": "irready: the containment runbooks' role (SSM Automation only)",
            "AssumeRolePolicyDocument": policies.runbook_role_trust(ACCOUNT),
            "Policies": [{"PolicyName": "containment-runbooks",
                          "PolicyDocument": policies.runbook_role_permissions()}]}},
        # The regional stacks' rules send to the security account's bus through this role (EventBridge
        # requires a role in the sending account for a bus in another account).
        "AlertForwarderRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": FORWARDER_ROLE,
            "Description": "irready: EventBridge sends alerts and CreateVpc events to the security account",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "events.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]},
            "Policies": [{"PolicyName": "to-the-security-account", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]}}]}},
        "FlowLogDeliveryRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": FLOW_LOG_ROLE,
            "Description": "irready: delivers VPC flow logs to the irready flow-log group of each region",
            "AssumeRolePolicyDocument": delivery_trust(ACCOUNT),
            "Policies": [{"PolicyName": "deliver-flow-logs",
                          "PolicyDocument": vpc_preparation.flow_log_delivery_permissions(
                              vpc_preparation.flow_log_group_arns(ACCOUNT))}]}},
        # Assumed by the security account's preparation function to prepare new VPCs (irready/vpc_preparation.py).
        "VpcPreparationRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": vpc_preparation.PROVISIONING_ROLE,
            "Description": "irready: flow logs, containment groups and query logging for new VPCs",
            "AssumeRolePolicyDocument": vpc_preparation.provisioning_role_trust(security),
            "Policies": [{"PolicyName": "prepare-vpcs",
                          "PolicyDocument": vpc_preparation.provisioning_role_permissions(ACCOUNT, security)}]}},
    }
    for name, document in containment_documents(args).items():
        resources[_logical(name)] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": name, "Description": purposes[name], "PolicyDocument": document}}
    return {"AWSTemplateFormatVersion": TEMPLATE_VERSION,
            "Description": "irready baseline, global part: IR roles and containment policies (generated)",
            "Resources": substituted(resources)}


def _rule(name: str, pattern: dict, bus: str, description: str) -> dict:
    return {"Type": "AWS::Events::Rule", "Properties": {
        "Name": name, "Description": description, "EventPattern": pattern, "State": "ENABLED",
        "Targets": [{"Id": "security-account", "Arn": bus,
                     "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{FORWARDER_ROLE}"}]}}


def regional_template(args: BaselineTemplateArgs) -> dict:
    """The regional StackSet's template (every chosen region of every account)."""
    bus = member_events_bus_arn(args.security_account_id, args.home_region)
    resources: dict[str, dict] = {
        _logical(runbook): {"Type": "AWS::SSM::Document", "Properties": {
            "Name": runbook, "DocumentType": "Automation", "DocumentFormat": "JSON", "Content": content}}
        for runbook, content in policies.runbooks().items()}
    resources.update({
        "UnexpectedRunInstancesRule": _rule(RUN_INSTANCES_RULE, run_instances_pattern(args.run_instances_allowed),
                                            bus, "irready: RunInstances by a principal not on the allow-list"),
        "TamperRule": _rule(TAMPER_RULE, tamper_pattern(), bus,
                            "irready: calls that stop or delete the logs and detectors"),
        **{_logical(suffix) + "Rule": _rule(rule, resource_tamper_patterns()[suffix], bus,
                                            "irready: changes to irready's own automation and evidence")
           for suffix, rule in RESOURCE_TAMPER_RULES.items()},
        "CreateVpcRule": _rule(CREATE_VPC_RULE, create_vpc_pattern(), bus,
                               "irready: a new VPC, for the security account's preparation function"),
        "AllDomains": {"Type": "AWS::Route53Resolver::FirewallDomainList", "Properties": {
            "Name": "irready-all-domains", "Domains": ["*."]}},
        # Not associated: a responder associates it with the compromised VPC at incident time.
        "BlockAllDns": {"Type": "AWS::Route53Resolver::FirewallRuleGroup", "Properties": {
            "Name": "irready-block-all-dns", "FirewallRules": [{
                "Action": "BLOCK", "BlockResponse": "NXDOMAIN", "Priority": 100,
                "FirewallDomainListId": {"Ref": "AllDomains"}}]}},
    })
    if args.ecr_scan_type:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-registryscanningconfiguration.html
        resources["EcrRegistryScanning"] = {"Type": "AWS::ECR::RegistryScanningConfiguration", "Properties": {
            "ScanType": args.ecr_scan_type, "Rules": [
                {"ScanFrequency": rule["scan_frequency"], "RepositoryFilters": [
                    {"Filter": f["filter"], "FilterType": f["filter_type"]} for f in rule["repository_filters"]]}
                for rule in registry_scanning_rules(args.ecr_scan_type)]}}
    return {"AWSTemplateFormatVersion": TEMPLATE_VERSION,
            "Description": "irready baseline, regional part: runbooks, alerts, DNS containment (generated)",
            "Resources": substituted(resources),
            "Outputs": {"BlockAllDnsRuleGroupId": {"Value": {"Ref": "BlockAllDns"}}}}


def iam_events_template(args: BaselineTemplateArgs) -> dict:
    """The one-region StackSet's template (names.IAM_EVENTS_REGION of every account): the iam-tamper rule,
    forwarding to the member-events bus of the security account's home region through the global stack's role."""
    bus = member_events_bus_arn(args.security_account_id, args.home_region)
    resources = {"IamTamperRule": _rule(IAM_TAMPER_RULE, iam_tamper_pattern(args.deploying_principals), bus,
                                        "irready: changes to irready's roles and policies and the exempt names")}
    return {"AWSTemplateFormatVersion": TEMPLATE_VERSION,
            "Description": f"irready baseline, IAM's events ({names.IAM_EVENTS_REGION} only): the iam-tamper alert "
                           "(generated)",
            "Resources": substituted(resources)}


def body(template: dict) -> str:
    """A template as the TemplateBody StackSets takes (JSON, stable key order for stable diffs)."""
    return json.dumps(template, sort_keys=True, indent=1)
