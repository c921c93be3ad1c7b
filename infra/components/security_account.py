"""The security account: GuardDuty's (and optionally Security Hub's) delegated administrator, with
every member enrolled, and the one place findings and alerts are routed to people.

Per region, the stack owns the administrator's detector, the only one whose finding publishing
frequency AWS lets anyone set: members inherit the administrator's, and UpdateDetector in a member
cannot change it (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html).
At deploy time the program looks the security account's detector up: one that exists (a brownfield
organization, a landing zone, an earlier designation) is imported and given the setting, never
created a second time (CreateDetector refuses a second detector:
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html); otherwise it is
created, before the management account designates the security account GuardDuty's delegated
administrator (a designation enables GuardDuty there itself when it is off:
https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html). Members' detectors
are never declared: auto-enable creates and configures them. Auto-enable ALL then enrols every
account of the organization, existing and new, and creates the detectors members lack
(https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html);
members' findings reach the administrator's EventBridge, where one rule per region routes them.

The account is adopted by id (irready:securityAccountId) or created in the organization
(irready:createSecurityAccount) by ``new_security_account``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.detection import findings_pattern, forwarder_trust

ALERT_TOPIC = "irready-ir-alerts"


@dataclass(frozen=True)
class SecurityAccountArgs:
    management_provider: aws.Provider
    security_provider: aws.Provider  # the security account's own (assumed through memberRoleName)
    security_account_id: pulumi.Input[str]
    organization_id: str
    home_region: str
    regions: tuple[str, ...]  # every region GuardDuty covers
    email: str  # the one e-mail subscription, in the security account's home region
    forwarding_accounts: tuple[str, ...] = ()  # accounts whose alerts are forwarded to the home event bus
    min_severity: float = 7.0  # GuardDuty: 7-8.9 high, 9-10 critical
    security_hub: bool = False
    finding_publishing_frequency: str = "FIFTEEN_MINUTES"  # irready:findingPublishingFrequency
    forwarded_patterns: tuple[tuple[str, dict], ...] = ()  # (rule name, pattern) of alerts forwarded home
    protection_plans: tuple[str, ...] = ()  # GuardDuty features for the administrator and every member


# How the provider's detector lookup says the account has none: "empty result" (current), "no GuardDuty
# Detectors found" (older releases). Any other failure (access denied, a throttle) stops the program.
_NO_DETECTOR = re.compile(r"empty result|no GuardDuty Detectors? found", re.IGNORECASE)


def existing_detector(region: str, provider: aws.Provider) -> str | None:
    """The id of the one GuardDuty detector the provider's account has in ``region`` at deploy time, or
    None if it has none (ListDetectors via the provider's lookup; raises on any other failure)."""
    try:
        return aws.guardduty.get_detector(region=region, opts=pulumi.InvokeOptions(provider=provider)).id
    except Exception as exc:  # the SDK raises a bare Exception naming the provider's error
        if _NO_DETECTOR.search(str(exc)):
            return None
        raise


def new_security_account(name: str, email: str, member_role_name: str,
                         provider: aws.Provider) -> aws.organizations.Account:
    """A new member account for security. Organizations cannot read back the role name or the billing
    setting, so later runs ignore them rather than try to replace the account; it is protected, and
    closing it is never automatic."""
    return aws.organizations.Account(
        "security-account-new", name=name, email=email, role_name=member_role_name, close_on_deletion=False,
        iam_user_access_to_billing="DENY",
        opts=pulumi.ResourceOptions(provider=provider, protect=True,
                                    ignore_changes=["role_name", "iam_user_access_to_billing"]))


def alert_topic_policy(topic_arn: str, security_account_id: str) -> dict:
    """Who may publish to the alert topic besides the security account's own principals: its
    EventBridge rules (the home region's, where every finding and forwarded alert arrives)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EventBridgeOfTheSecurityAccount", "Effect": "Allow", "Action": "sns:Publish",
         "Principal": {"Service": "events.amazonaws.com"}, "Resource": topic_arn,
         "Condition": {"StringEquals": {"aws:SourceAccount": security_account_id}}}]}


def alert_key_policy(security_account_id: str) -> dict:
    """The alert topic's KMS key: administered by the security account (IAM policies there grant its
    principals, e.g. the scheduled audit's function, what they need); EventBridge of the security
    account may encrypt what it publishes to the topic
    (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "TheSecurityAccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Principal": {"AWS": f"arn:aws:iam::{security_account_id}:root"}},
        {"Sid": "EventBridgePublishesToTheTopic", "Effect": "Allow", "Resource": "*",
         "Principal": {"Service": "events.amazonaws.com"}, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
         "Condition": {"StringEquals": {"aws:SourceAccount": security_account_id}}}]}


def home_bus_policy(bus_arn: str, organization_id: str, forwarding_accounts: tuple[str, ...]) -> dict:
    """Who may put events on the home region's default bus: the forwarding roles of the prepared
    accounts (named accounts and role names, in the organization; never a public principal)
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ForwardersOfThePreparedAccounts", "Effect": "Allow", "Action": "events:PutEvents",
        "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in sorted(forwarding_accounts)]},
        "Resource": bus_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id},
                      "ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{account}:role/irready-alert-forwarder-*"
                                                       for account in sorted(forwarding_accounts)]}}}]}


class SecurityAccount(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecurityAccountArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:SecurityAccount", name, None, opts)
        management = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        security = pulumi.ResourceOptions(parent=self, provider=args.security_provider)
        self.guardduty_admins = {}
        self.detectors = {}
        for region in args.regions:
            # A security account created by this run has no detector yet; an adopted one may.
            existing = existing_detector(region, args.security_provider) \
                if isinstance(args.security_account_id, str) else None
            detector = aws.guardduty.Detector(
                f"{name}-guardduty-detector-{region}", enable=True, region=region,
                finding_publishing_frequency=args.finding_publishing_frequency,
                opts=pulumi.ResourceOptions.merge(security, pulumi.ResourceOptions(
                    import_=existing, protect=True, retain_on_delete=True)))  # deleting it deletes findings
            self.detectors[region] = detector
            admin = aws.guardduty.OrganizationAdminAccount(
                f"{name}-guardduty-admin-{region}", admin_account_id=args.security_account_id, region=region,
                opts=pulumi.ResourceOptions.merge(management, pulumi.ResourceOptions(depends_on=[detector])))
            self.guardduty_admins[region] = admin
            auto_enable = aws.guardduty.OrganizationConfiguration(
                f"{name}-guardduty-auto-enable-{region}", detector_id=detector.id, region=region,
                auto_enable_organization_members="ALL",
                opts=pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=[admin]))
            self._protection_plans(name, region, detector.id, auto_enable, args)

        self._alerts(name, args, security)
        if args.security_hub:
            self._security_hub(name, args, management)
        self.register_outputs({"security_account_id": args.security_account_id, "alert_topic": self.topic.arn,
                               "home_bus": self.home_bus_arn})

    def _alerts(self, name: str, args: SecurityAccountArgs, security: pulumi.ResourceOptions) -> None:
        """Alerts in one place: one KMS-encrypted topic with one e-mail subscription in the home region.
        Every other region's rule forwards GuardDuty findings (which members' detectors deliver to the
        administrator's EventBridge) to the home region's default bus, through a role
        (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html); prepared accounts
        forward their account-local alerts there too (DetectionRouting, TamperAlerts). On the home bus, one
        rule per kind of event sends them to the topic. The names of the home region's topic and
        subscription are the ones earlier versions gave it, so an existing confirmed subscription stays."""
        home = args.home_region
        account = pulumi.Output.from_input(args.security_account_id)
        self.home_bus_arn = account.apply(lambda a: f"arn:aws:events:{home}:{a}:event-bus/default")
        key = aws.kms.Key(f"{name}-alerts-key", description="irready alert topic", enable_key_rotation=True,
                          deletion_window_in_days=30, region=home, opts=security,
                          policy=account.apply(lambda a: json.dumps(alert_key_policy(a))))
        aws.kms.Alias(f"{name}-alerts-key-alias", name="alias/irready-ir-alerts", target_key_id=key.key_id,
                      region=home, opts=security)
        self.topic_key = key
        self.topic = aws.sns.Topic(f"{name}-{home}-alerts", name=ALERT_TOPIC, region=home, kms_master_key_id=key.arn,
                                   opts=security)
        aws.sns.TopicPolicy(f"{name}-{home}-alerts-policy", arn=self.topic.arn, region=home, opts=security,
                            policy=pulumi.Output.all(self.topic.arn, account).apply(
                                lambda values: json.dumps(alert_topic_policy(*values))))
        aws.sns.TopicSubscription(f"{name}-{home}-email", topic=self.topic.arn, protocol="email",
                                  endpoint=args.email, region=home, opts=security)
        if args.forwarding_accounts:
            aws.cloudwatch.EventBusPolicy(f"{name}-{home}-bus-policy", event_bus_name="default", region=home,
                                          opts=security, policy=self.home_bus_arn.apply(lambda bus: json.dumps(
                                              home_bus_policy(bus, args.organization_id, args.forwarding_accounts))))
        for rule_name, pattern in (("guardduty-findings", findings_pattern(args.min_severity)),
                                   *args.forwarded_patterns):
            rule = aws.cloudwatch.EventRule(f"{name}-{home}-{rule_name}", name=f"irready-{rule_name}",
                                            event_pattern=json.dumps(pattern), region=home, opts=security)
            aws.cloudwatch.EventTarget(f"{name}-{home}-{rule_name}-to-sns", rule=rule.name, arn=self.topic.arn,
                                       region=home, opts=security)
        others = [region for region in args.regions if region != home]
        if not others:
            return
        forwarder = aws.iam.Role(f"{name}-findings-forwarder", name_prefix="irready-alert-forwarder-", opts=security,
                                 assume_role_policy=account.apply(lambda a: json.dumps(forwarder_trust(a))))
        aws.iam.RolePolicy(f"{name}-findings-forwarder-policy", role=forwarder.id, opts=security,
                           policy=self.home_bus_arn.apply(lambda bus: json.dumps({
                               "Version": "2012-10-17", "Statement": [{
                                   "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]})))
        for region in others:
            rule = aws.cloudwatch.EventRule(f"{name}-{region}-guardduty-findings", name="irready-guardduty-findings",
                                            event_pattern=json.dumps(findings_pattern(args.min_severity)),
                                            region=region, opts=security)
            aws.cloudwatch.EventTarget(f"{name}-{region}-guardduty-findings-to-home", rule=rule.name,
                                       arn=self.home_bus_arn, role_arn=forwarder.arn, region=region, opts=security)

    def _protection_plans(self, name: str, region: str, detector_id: pulumi.Output[str],
                          auto_enable: aws.guardduty.OrganizationConfiguration, args: SecurityAccountArgs) -> None:
        """Issue #19: each protection plan on the administrator's own detector (DetectorFeature) and, with
        auto-enable ALL, on every member's (OrganizationConfigurationFeature): the organization configuration
        applies to members, not to the administrator itself
        (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-features-activation-model.html,
        https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html)."""
        options = pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=[auto_enable])
        for plan in args.protection_plans:
            slug = plan.lower().replace("_", "-")
            aws.guardduty.DetectorFeature(f"{name}-guardduty-{slug}-{region}", detector_id=detector_id, name=plan,
                                          status="ENABLED", region=region, opts=options)
            aws.guardduty.OrganizationConfigurationFeature(
                f"{name}-guardduty-org-{slug}-{region}", detector_id=detector_id, name=plan, auto_enable="ALL",
                region=region, opts=options)

    def _security_hub(self, name: str, args: SecurityAccountArgs, management: pulumi.ResourceOptions) -> None:
        """The administrator is designated in every region (the designation is regional), members are
        auto-enabled, and findings of every region are aggregated to the home region
        (https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html,
        https://docs.aws.amazon.com/securityhub/latest/userguide/finding-aggregation.html)."""
        admins = []
        for region in args.regions:
            admin = aws.securityhub.OrganizationAdminAccount(f"{name}-security-hub-admin-{region}", region=region,
                                                             admin_account_id=args.security_account_id,
                                                             opts=management)
            admins.append(admin)
            aws.securityhub.OrganizationConfiguration(
                f"{name}-security-hub-auto-enable-{region}", auto_enable=True, region=region,
                opts=pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=[admin]))
        others = [region for region in args.regions if region != args.home_region]
        if others:
            aws.securityhub.FindingAggregator(
                f"{name}-security-hub-aggregator", region=args.home_region, linking_mode="SPECIFIED_REGIONS",
                specified_regions=others,
                opts=pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=admins))
