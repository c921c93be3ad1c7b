"""Guardrails that keep the preparation intact.

``GuardrailScp`` (management account): the guardrail SCP (policies.guardrail_scp) attached to the
organization root or the listed OUs, and then also to the security account itself (which an OU list may
leave out, and which runs irready's functions, schedules and alert topic), denying the tamper actions and
changes to irready's roles, policies, log groups, rules, functions, schedules, state machine, buckets, topics
and keys to everyone but the deploying principals. SCPs never apply to the management account itself
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html): there the trail
bucket and key protect themselves (OrganizationTrail's deny statements), and the audit's ``org.guardrail_scp``
says so.

``TamperAlerts`` (every account and region): EventBridge rules on the same calls, forwarded to the
security account's home event bus, where a rule of the same pattern sends them to the alert topic.
CloudTrail delivers API events to EventBridge in the account and region of the call, denied calls
included (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html); IAM's are global
and arrive in us-east-1 only (names.IAM_EVENTS_REGION), so the ``iam-tamper`` rule lives there, once per
account, whatever regions the stack prepares, and forwards across regions to the home bus
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

from irready import policies

GUARDRAIL_SCP_NAME = names.NAME_PREFIX + "guardrail"


@dataclass(frozen=True)
class GuardrailScpArgs:
    provider: aws.Provider  # the management account's
    deploying_principals: tuple[str, ...]  # ARN patterns exempt from the SCP
    targets: tuple[str, ...] = ("root",)  # "root" or OU ids
    # Attached to directly when ``targets`` are OUs (the root reaches it already); None: not known here.
    security_account_id: pulumi.Input[str] | None = None


class GuardrailScp(pulumi.ComponentResource):
    def __init__(self, name: str, args: GuardrailScpArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:GuardrailScp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.policy = aws.organizations.Policy(
            f"{name}-policy", name=GUARDRAIL_SCP_NAME, type="SERVICE_CONTROL_POLICY", opts=child,
            description="irready: no stopping the logs, no changing irready's roles, policies, automation, evidence",
            # Without whitespace: Organizations counts every character against its 5,120 (policies.SCP_MAX_CHARACTERS).
            content=policies.compact(policies.guardrail_scp(list(args.deploying_principals))))
        self.attachments = attach_policy(name, self.policy, args.targets, args.provider, child)
        if "root" not in args.targets and args.security_account_id is not None:
            self.attachments.append(aws.organizations.PolicyAttachment(
                f"{name}-security-account", policy_id=self.policy.id, target_id=args.security_account_id, opts=child))
        self.register_outputs({"policy_id": self.policy.id})


def attach_policy(name: str, policy: aws.organizations.Policy, targets: tuple[str, ...], provider: aws.Provider,
                  opts: pulumi.ResourceOptions) -> list[aws.organizations.PolicyAttachment]:
    """Attach an Organizations policy to ``targets`` ("root", the organization's root looked up at deploy time,
    or OU ids), one ``<name>-<target id>`` attachment each, declared with ``opts``."""
    target_ids = [t for t in targets if t != "root"]
    if "root" in targets:
        organization = aws.organizations.get_organization(opts=pulumi.InvokeOptions(provider=provider))
        target_ids.insert(0, organization.roots[0].id)
    return [aws.organizations.PolicyAttachment(f"{name}-{target}", policy_id=policy.id, target_id=target, opts=opts)
            for target in target_ids]


# The rule name suffix of the alert on IAM calls, which lives in names.IAM_EVENTS_REGION only; the other tamper
# rules watch regional calls, in every alerted region.
IAM_TAMPER_SUFFIX = "iam-tamper"


def tamper_pattern() -> dict:
    """CloudTrail events of the tamper actions, allowed or denied."""
    by_source: dict[str, list[str]] = {}
    for action in policies.TAMPER_ACTIONS:
        service, event = action.split(":")
        by_source.setdefault(f"aws.{service}", []).append(event)
    return {"source": sorted(by_source), "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventName": sorted(e for events in by_source.values() for e in events)}}


def iam_tamper_pattern(deploying_principals: tuple[str, ...]) -> dict:
    """Changes to IncidentResponder, irready-* roles and irready-* policies, and to roles and users named like
    the deploying principals the guardrail exempts (policies.deploying_identities: creating one, its trust, its
    permissions, a user's credentials), allowed or denied. IAM events: us-east-1 only (names.IAM_EVENTS_REGION).
    ``deploying_principals``: ARN patterns (``arn:aws:iam::*:role/stacksets-exec-*``); each is matched by the
    last segment of its name (EventBridge's requestParameters carry the name, the path apart), as a wildcard
    when it holds one, so an alert may be broader than the exemption, never narrower."""
    roles: list = [names.RESPONDER_ROLE_NAME, {"prefix": names.NAME_PREFIX}]
    users: list = []
    for arn in policies.deploying_identities(list(deploying_principals)):
        kind = ":role/" if ":role/" in arn else ":user/" if ":user/" in arn else None
        if kind:
            name = arn.partition(kind)[2].rsplit("/", 1)[-1].replace("?", "*")
            matcher = {"wildcard": name} if "*" in name else name
            (roles if kind == ":role/" else users).append(matcher)
    identities: list[dict] = [{"roleName": roles}]
    if users:
        identities.append({"userName": users})
    return {"source": ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"], "detail": {
        "eventSource": ["iam.amazonaws.com"],
        "eventName": [{"prefix": prefix} for prefix in ("Create", "Put", "Attach", "Detach", "Delete", "Update",
                                                        "Upload", "Tag", "Untag", "SetDefaultPolicyVersion")],
        "requestParameters": {"$or": [
            *identities, {"policyArn": [{"wildcard": f"arn:aws:iam::*:policy/{names.NAME_PREFIX}*"}]}]}}}


# EventBridge takes event patterns of at most 2,048 characters by default
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html): irready's own resources are
# watched by two rules, the alerting and automation machinery, and where the evidence lives.
_RESOURCE_TAMPER_RULES = {"automation-tamper": ("events", "lambda", "scheduler", "states", "sns", "ssm"),
                          "evidence-tamper": ("logs", "s3", "kms", "route53resolver")}


def resource_tamper_patterns() -> dict[str, dict]:
    """Rule name suffix -> pattern: changes to irready's own automation and evidence
    (policies.GUARDED_RESOURCES: rules, functions, schedules, state machine, topics, runbooks; log groups,
    buckets, by name in the request), disabling or deleting any KMS key or removing a key's
    names.GUARDED_TAG, and deleting any Resolver query-logging configuration; allowed or denied,
    deployments included. Key ARNs carry no name, so disabling and deleting are alerted for every key, as
    CIS AWS Foundations' monitoring of customer-managed keys does; PutKeyPolicy and DisableKeyRotation on
    irready's keys, and unsharing the query logging, the SCP denies without an alert."""
    blocks: dict[str, list[dict]] = {"kms": [
        {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"]},
        {"eventSource": ["kms.amazonaws.com"], "eventName": ["UntagResource"],
         "requestParameters": {"tagKeys": [names.GUARDED_TAG]}}],
        # A configuration's events carry its id only: every deletion, as for keys (DNS evidence of every VPC
        # associated with it stops).
        "route53resolver": [{"eventSource": ["route53resolver.amazonaws.com"],
                             "eventName": ["DeleteResolverQueryLogConfig"]}]}
    for guarded in policies.GUARDED_RESOURCES:
        blocks[guarded.service] = [{"eventSource": [guarded.event_source], "eventName": list(guarded.event_names),
                                    "requestParameters": {field: matchers}}
                                   for field, matchers in guarded.name_fields.items()]
    return {rule: {"source": [f"aws.{service}" for service in sorted(services)],
                   "detail-type": ["AWS API Call via CloudTrail"],
                   "detail": {"$or": [block for service in services for block in blocks[service]]}}
            for rule, services in _RESOURCE_TAMPER_RULES.items()}


def tamper_patterns(deploying_principals: tuple[str, ...]) -> dict[str, dict]:
    """Every tamper alert's rule name suffix -> pattern, as each account's rules and the buses use them;
    ``deploying_principals``: the guardrail's exemptions (config.deploying_principals), for ``iam-tamper``."""
    return {"tamper": tamper_pattern(), IAM_TAMPER_SUFFIX: iam_tamper_pattern(deploying_principals),
            **resource_tamper_patterns()}


@dataclass(frozen=True)
class TamperAlertsArgs:
    provider: aws.Provider
    regions: tuple[str, ...]  # where the regional rules (all but iam-tamper) forward from
    bus_arn: pulumi.Input[str]  # the security account's home event bus, where alerts are routed to people
    role_arn: pulumi.Input[str]  # the account's forwarding role (DetectionRouting's): events:PutEvents there
    deploying_principals: tuple[str, ...]  # the guardrail's exemptions, watched by the iam-tamper rule
    # False only where the home bus's own iam-tamper rule already sees the account's IAM events: the security
    # account when its home region is names.IAM_EVENTS_REGION.
    iam_events: bool = True


class TamperAlerts(pulumi.ComponentResource):
    """The account's tamper rules, each forwarding to the home bus: the regional ones in ``regions``, the IAM
    one in names.IAM_EVENTS_REGION. Outputs: none (``rules``, keyed (region, rule name suffix), for callers)."""

    def __init__(self, name: str, args: TamperAlertsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:TamperAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        patterns = tamper_patterns(args.deploying_principals)
        placed = [(region, rule_name) for region in sorted(args.regions) for rule_name in patterns
                  if rule_name != IAM_TAMPER_SUFFIX]
        if args.iam_events:
            placed.append((names.IAM_EVENTS_REGION, IAM_TAMPER_SUFFIX))
        self.rules = {}
        for region, rule_name in placed:
            rule = aws.cloudwatch.EventRule(f"{name}-{region}-{rule_name}", name=f"irready-{rule_name}",
                                            event_pattern=json.dumps(patterns[rule_name]), region=region, opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{region}-{rule_name}-to-alerts", rule=rule.name,
                                       arn=args.bus_arn, role_arn=args.role_arn, region=region, opts=child)
            self.rules[(region, rule_name)] = rule
        self.register_outputs({})
