"""irready provisioning: read and validate the stack config, then wire one component per capability.

This version provisions, in every listed account: the SECURITY alternate contact, the IR roles
(IncidentResponder, irready-audit), the ready-to-attach containment policies; and in every listed
region: quarantine and isolation security groups and flow logs for every VPC the account owns, DNS
containment and query logging, the unexpected-RunInstances alert forwarded to the security account;
and, from the management account, the organization trail, and the security account as GuardDuty's
delegated administrator with every member enrolled and findings routed to the IR e-mail. Regions
nobody listed are monitored (GuardDuty and the RunInstances alert in every enabled region) or denied
(a region-deny SCP), as irready:unlistedRegions says.

Optionally, flow logs and DNS query logs also go to an S3 archive; and, when set in stack config,
the scheduled readiness audit and the investigation workspace (Athena) run in the security account.

Before any resource is declared, the organization's trusted access is checked (one line names the fix).
"""

import pulumi
import pulumi_aws as aws
from irready.infra.components.alternate_contacts import SecurityContacts, SecurityContactsArgs
from irready.infra.components.containment_policies import ContainmentPolicies, ContainmentPoliciesArgs
from irready.infra.components.detection import DetectionRouting, DetectionRoutingArgs, run_instances_pattern
from irready.infra.components.dns_containment import DnsContainment, DnsContainmentArgs
from irready.infra.components.flow_logs import VpcFlowLogs, VpcFlowLogsArgs
from irready.infra.components.forensics import ForensicEvidence, ForensicEvidenceArgs
from irready.infra.components.guardrails import (
    GuardrailScp,
    GuardrailScpArgs,
    TamperAlerts,
    TamperAlertsArgs,
    tamper_patterns,
)
from irready.infra.components.investigation import InvestigationWorkspace, InvestigationWorkspaceArgs
from irready.infra.components.ir_roles import IncidentResponseRoles, IncidentResponseRolesArgs
from irready.infra.components.log_archive import NetworkLogArchive, NetworkLogArchiveArgs
from irready.infra.components.org_trail import OrganizationTrail, OrganizationTrailArgs
from irready.infra.components.quarantine import QuarantineSecurityGroups, QuarantineSecurityGroupsArgs
from irready.infra.components.region_guard import UnlistedRegionsDeny, UnlistedRegionsDenyArgs
from irready.infra.components.scheduled_audit import ScheduledAudit, ScheduledAuditArgs
from irready.infra.components.security_account import SecurityAccount, SecurityAccountArgs, new_security_account
from irready.infra.components.workload_evidence import (
    ContextTagPolicy,
    ContextTagPolicyArgs,
    EcrRegistryScanning,
    EcrRegistryScanningArgs,
)
from irready.infra.config import LISTED, ORGANIZATION, StackConfigError, load, reader
from irready.infra.organization import missing_trusted_access, trusted_access_error
from irready.infra.providers import (
    account_providers,
    deploying_principals,
    management_account,
    security_provider,
    trail_admins,
)
from irready.policies import names
from irready.policies import scheduled_audit as scheduled_names

try:
    config = load(reader(pulumi.Config("irready")))
except StackConfigError as error:
    raise pulumi.RunError(str(error)) from None

providers = account_providers(config)
management = management_account(config)
organization = aws.organizations.get_organization(opts=pulumi.InvokeOptions(provider=providers[management.id]))
missing = missing_trusted_access(config, organization.aws_service_access_principals or [])
if missing:
    raise pulumi.RunError(trusted_access_error(missing))

SecurityContacts("security-contacts", SecurityContactsArgs(
    contact=config.security_contact, management_provider=providers[management.id],
    member_account_ids=tuple(a.id for a in config.accounts if not a.management)))

if config.create_security_account:
    security = new_security_account(config.create_security_account.name, config.create_security_account.email,
                                    config.member_role_name, providers[management.id]).id
else:
    security = config.security_account_id

_security_side: list[aws.Provider] = []


def security_side() -> aws.Provider:
    """The security account's provider, made once and only when something is deployed there."""
    if not _security_side:
        _security_side.append(security_provider(config, security, providers))
    return _security_side[0]


_signed_functions: list = []


def signed_functions():
    """The code signing, key and tracing every irready function and schedule gets (security account, home region):
    made once, and only when a function is deployed."""
    if not _signed_functions:
        from irready.infra.components.signed_functions import SignedFunctions, SignedFunctionsArgs

        region = next((a.regions[0] for a in config.accounts if a.id == security), management.regions[0])
        _signed_functions.append(SignedFunctions("irready-functions", SignedFunctionsArgs(
            provider=security_side(), security_account_id=security, region=region,
            noncurrent_code_days=config.log_retention_days)))
    return _signed_functions[0]


home = management.regions[0]
investigator = security if config.investigation else None
trail = OrganizationTrail("organization-trail", OrganizationTrailArgs(
    provider=providers[management.id], management_account_id=management.id, organization_id=organization.id,
    home_region=management.regions[0], security_account_id=security,
    retention_days=config.trail_retention_days, cloudwatch_retention_days=config.log_retention_days,
    s3_data_events=config.s3_data_events, lambda_data_events=config.lambda_data_events,
    object_lock=config.trail_object_lock, investigator_account_id=investigator,
    management_events=config.trail_management_events, existing_bucket=config.trail_bucket_name,
    admin_principals=trail_admins(config)))

archive = None
if "s3" in config.network_log_destinations:
    archive = NetworkLogArchive("network-log-archive", NetworkLogArchiveArgs(
        provider=providers[management.id], management_account_id=management.id, region=home,
        account_ids=tuple(a.id for a in config.accounts), security_account_id=security,
        retention_days=config.trail_retention_days))
to_cloudwatch = "cloudwatch" in config.network_log_destinations
all_vpcs: list[str] = []

listed_regions = tuple(dict.fromkeys(region for account in config.accounts for region in account.regions))


def enabled_regions(provider, opt_in_not_required: bool = False) -> tuple[str, ...]:
    """The regions enabled for the provider's account (opted in, or not needing it); with
    ``opt_in_not_required``, only those every account has (DescribeRegions' opt-in-status filter)."""
    filters = [{"name": "opt-in-status", "values": ["opt-in-not-required"]}] if opt_in_not_required else None
    return tuple(sorted(aws.get_regions(filters=filters, opts=pulumi.InvokeOptions(provider=provider)).names))


# Organization mode (issue #18): the StackSets' regions are prepared, hence listed. `all` leaves opt-in regions out
# unless named (OrganizationMode.resolved_regions).
if config.organization:
    organization_regions = config.organization.resolved_regions(
        lambda: enabled_regions(providers[management.id], opt_in_not_required=True))
    listed_regions = tuple(dict.fromkeys(listed_regions + organization_regions))

region_deny: list[pulumi.Resource] = []
if config.unlisted_regions == "monitor":
    monitored = listed_regions + tuple(r for r in enabled_regions(providers[management.id]) if r not in listed_regions)
else:
    monitored = listed_regions
    # The us-east-1 IAM rules (and their StackSet) wait for the SCP that lets the deployers create them.
    region_deny = [UnlistedRegionsDeny("unlisted-regions", UnlistedRegionsDenyArgs(
        management_provider=providers[management.id], root_id=organization.roots[0].id,
        allowed_regions=listed_regions, deploying_principals=deploying_principals(config)))]

security_account = SecurityAccount("security-account", SecurityAccountArgs(
    management_provider=providers[management.id], security_provider=security_side(),
    security_account_id=security, organization_id=organization.id, home_region=management.regions[0],
    regions=monitored,
    email=config.security_contact.email, min_severity=config.findings_min_severity,
    forwarding_accounts=tuple(account.id for account in config.accounts),
    security_hub=config.security_hub, protection_plans=config.guardduty_protection_plans,
    finding_publishing_frequency=config.finding_publishing_frequency,
    # Alerts in one place: what the accounts forward is routed to the topic on the home bus by the same patterns.
    forwarded_patterns=(("unexpected-run-instances", run_instances_pattern(config.run_instances_allowed)),
                        *tamper_patterns(deploying_principals(config)).items())))


def discovered_vpcs(account, provider, owned: bool) -> dict[str, tuple[str, ...]]:
    """The VPCs of each region: as listed, else discovered; ``owned``: only those the account owns.
    A VPC shared with the account through RAM is the owner's to log: participants cannot create flow
    logs or query-log associations for it, though they create security groups in it for their own
    instances (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html)."""
    filters = [{"name": "owner-id", "values": [account.id]}] if owned else None
    return {region: account.vpcs.get(region) or tuple(aws.ec2.get_vpcs(
        region=region, filters=filters, opts=pulumi.InvokeOptions(provider=provider)).ids)
        for region in account.regions}


# irready-audit trusts named automation only, always including the scheduled audit's per-account function
# (its principal is the security account's root, so the account in the pattern adds nothing).
audit_automation = config.audit_automation_principals + (
    (f"arn:aws:iam::*:role/{scheduled_names.role_name(scheduled_names.ACCOUNT_FUNCTION)}",)
    if config.scheduled_audit else ())

for account in config.accounts:
    provider = providers[account.id]
    containment = ContainmentPolicies(f"containment-{account.id}", ContainmentPoliciesArgs(
        provider=provider, trusted_cidrs=config.trusted_cidrs,
        revoke_sessions_before=config.revoke_sessions_before, deny_except_actions=config.deny_except_actions,
        organization_quarantine_scp=account.management))
    IncidentResponseRoles(f"ir-roles-{account.id}", IncidentResponseRolesArgs(
        provider=provider, security_account_id=security, responder_external_id=config.responder_external_id,
        account_id=account.id, regions=account.regions,
        quarantine_scp_arn=containment.quarantine_scp.arn if account.management else None,
        audit_human_principals=config.audit_human_principals,
        audit_automation_principals=audit_automation))
    vpcs = discovered_vpcs(account, provider, owned=True)
    QuarantineSecurityGroups(f"quarantine-{account.id}", QuarantineSecurityGroupsArgs(
        provider=provider, vpcs=discovered_vpcs(account, provider, owned=False),
        group_name=config.quarantine_group_name))
    all_vpcs += [vpc for ids in vpcs.values() for vpc in ids]
    VpcFlowLogs(f"flow-logs-{account.id}", VpcFlowLogsArgs(
        provider=provider, account_id=account.id, vpcs=vpcs, retention_days=config.log_retention_days,
        cloudwatch=to_cloudwatch, s3_bucket_arn=archive.bucket.arn if archive else None))
    DnsContainment(f"dns-{account.id}", DnsContainmentArgs(
        provider=provider, vpcs=vpcs, retention_days=config.log_retention_days, cloudwatch=to_cloudwatch,
        s3_bucket_arn=archive.bucket.arn if archive else None))
    alerted = account.regions if config.unlisted_regions == "deny" else account.regions + tuple(
        r for r in enabled_regions(provider) if r in monitored and r not in account.regions)
    # Forwarded to the security account's home bus; there, the home rules already see its own events.
    forwarded = tuple(r for r in alerted if not (account.id == security and r == management.regions[0]))
    detection = DetectionRouting(f"detection-{account.id}", DetectionRoutingArgs(
        provider=provider, account_id=account.id, regions=forwarded, security_bus_arn=security_account.home_bus_arn,
        run_instances_allowed=config.run_instances_allowed))
    # IAM's events reach EventBridge in names.IAM_EVENTS_REGION only: its rule lives there for every account
    # (but the security account whose home rules are there), listed region or not.
    TamperAlerts(f"tamper-alerts-{account.id}", TamperAlertsArgs(
        provider=provider, regions=forwarded, bus_arn=security_account.home_bus_arn,
        role_arn=detection.forwarder.arn, deploying_principals=deploying_principals(config),
        iam_events=not (account.id == security and management.regions[0] == names.IAM_EVENTS_REGION)),
        opts=pulumi.ResourceOptions(depends_on=region_deny))
    if config.ecr_registry_scanning != "none":
        EcrRegistryScanning(f"ecr-scanning-{account.id}", EcrRegistryScanningArgs(
            provider=provider, regions=account.regions, scan_type=config.ecr_registry_scanning.upper()))

# A security account not listed: its home rules see its own events in the home region, but its IAM events reach
# EventBridge in names.IAM_EVENTS_REGION only; an IAM rule there forwards them home (a created account, unknown
# until deployed, gets it from the organization-mode StackSets or once listed).
if (isinstance(security, str) and security not in {a.id for a in config.accounts}
        and management.regions[0] != names.IAM_EVENTS_REGION):
    security_forwarder = DetectionRouting(f"detection-{security}", DetectionRoutingArgs(
        provider=security_side(), account_id=security, regions=(), security_bus_arn=security_account.home_bus_arn))
    TamperAlerts(f"tamper-alerts-{security}", TamperAlertsArgs(
        provider=security_side(), regions=(), bus_arn=security_account.home_bus_arn,
        role_arn=security_forwarder.forwarder.arn, deploying_principals=deploying_principals(config)),
        opts=pulumi.ResourceOptions(depends_on=region_deny))

# --- Organization mode (issue #18): member accounts get the baseline from StackSets, their alerts and
# CreateVpc events reach the security account's member-events bus; the management account keeps the
# components above (StackSets never deploy there).
if config.organization:
    import dataclasses

    from irready.infra import stackset_templates as templates
    from irready.infra.components.member_events import MemberEventBus, MemberEventBusArgs
    from irready.infra.components.organization_query_logging import (
        OrganizationQueryLogging,
        OrganizationQueryLoggingArgs,
    )
    from irready.infra.components.stacksets import OrganizationBaseline, OrganizationBaselineArgs
    from irready.infra.components.vpc_preparation import VpcPreparation, VpcPreparationArgs
    from irready.policies import alternate_contacts as contact_names
    from irready.policies import vpc_preparation as prep_names

    security_home = config.security_home_region
    template_args = templates.BaselineTemplateArgs(
        security_account_id="", home_region=security_home, trusted_cidrs=config.trusted_cidrs,
        revoke_sessions_before=config.revoke_sessions_before, deny_except_actions=config.deny_except_actions,
        deploying_principals=deploying_principals(config),
        responder_external_id=config.responder_external_id, audit_human_principals=config.audit_human_principals,
        audit_automation_principals=audit_automation, run_instances_allowed=config.run_instances_allowed,
        ecr_scan_type=config.ecr_registry_scanning.upper() if config.ecr_registry_scanning != "none" else None)

    def template_body(make):
        return pulumi.Output.from_input(security).apply(lambda account: templates.body(
            make(dataclasses.replace(template_args, security_account_id=account))))

    member_events = MemberEventBus("member-events", MemberEventBusArgs(
        provider=security_side(), region=security_home, organization_id=organization.id,
        alert_topic_arn=security_account.topic.arn, run_instances_allowed=config.run_instances_allowed,
        deploying_principals=deploying_principals(config)))
    OrganizationBaseline("organization-baseline", OrganizationBaselineArgs(
        provider=providers[management.id], home_region=home, regions=organization_regions,
        target_ids=tuple(organization.roots[0].id if unit == "root" else unit for unit in config.organization.units),
        global_template=template_body(templates.global_template),
        regional_template=template_body(templates.regional_template),
        iam_events_template=template_body(templates.iam_events_template),
        failure_tolerance_percentage=config.organization.failure_tolerance_percentage,
        max_concurrent_percentage=config.organization.max_concurrent_percentage,
        region_concurrency=config.organization.region_concurrency),
        opts=pulumi.ResourceOptions(depends_on=region_deny))
    # Every account's SECURITY contact, present and future: the function, not one resource per account.
    from irready.infra.components.alternate_contacts import (
        OrganizationSecurityContacts,
        OrganizationSecurityContactsArgs,
    )
    OrganizationSecurityContacts("organization-security-contacts", OrganizationSecurityContactsArgs(
        management_provider=providers[management.id], security_provider=security_side(), functions=signed_functions(),
        management_account_id=management.id, security_account_id=security, organization_id=organization.id,
        region=security_home, bus_name=member_events.bus.name, bus_arn=member_events.bus.arn,
        contact=config.security_contact, log_retention_days=config.log_retention_days,
        reserved_concurrency=config.lambda_reservations.get(contact_names.FUNCTION)))
    query_logging = OrganizationQueryLogging("organization-query-logging", OrganizationQueryLoggingArgs(
        provider=security_side(), security_account_id=security, organization_arn=organization.arn,
        regions=organization_regions, retention_days=config.log_retention_days))
    VpcPreparation("vpc-preparation", VpcPreparationArgs(
        provider=security_side(), functions=signed_functions(), region=security_home, security_account_id=security,
        organization_id=organization.id, bus_name=member_events.bus.name, regions=organization_regions,
        query_log_configs=query_logging.config_ids,
        quarantine_group_name=config.quarantine_group_name, log_retention_days=config.log_retention_days,
        reserved_concurrency=config.lambda_reservations.get(prep_names.FUNCTION)))

GuardrailScp("guardrail-scp", GuardrailScpArgs(
    provider=providers[management.id], deploying_principals=deploying_principals(config),
    targets=config.guardrail_targets, security_account_id=security if security != management.id else None))
if config.tag_policy:
    ContextTagPolicy("context-tag-policy", ContextTagPolicyArgs(
        provider=providers[management.id], targets=config.guardrail_targets))
if isinstance(security, str):  # the evidence path names its bucket after the (known) security account
    ForensicEvidence("forensic-evidence", ForensicEvidenceArgs(
        provider=security_side(), security_account_id=security, organization_id=organization.id,
        region=config.security_home_region,
        retention_days=config.evidence_retention_days, member_account_ids=tuple(a.id for a in config.accounts),
        # organization-wide: every account's responders, present and future, by aws:PrincipalOrgID
        organization_wide=config.organization is not None))

scheduled = config.scheduled_audit
if scheduled:
    home = config.security_home_region
    audit = ScheduledAudit(f"scheduled-audit-{security}" if isinstance(security, str) else "scheduled-audit",
                           ScheduledAuditArgs(
        provider=security_side(), functions=signed_functions(), security_account_id=security,
        region=home, schedule=scheduled.schedule, timezone=scheduled.timezone,
        flexible_window_minutes=scheduled.flexible_window_minutes, regions=scheduled.regions,
        organization=scheduled.accounts == ORGANIZATION, organization_id=organization.id,
        accounts=tuple(a.id for a in config.accounts) if scheduled.accounts == LISTED
        else () if scheduled.accounts == ORGANIZATION else scheduled.accounts,
        exclude_accounts=scheduled.exclude_accounts, organization_role_arn=scheduled.organization_role_arn,
        report_formats=scheduled.report_formats, retention_days=scheduled.retention_days,
        # The run's summary goes where every alert goes, unless the stack names another topic.
        alert_topic_arn=scheduled.alert_topic_arn or security_account.topic.arn,
        alert_topic_key_arn=None if scheduled.alert_topic_arn else security_account.topic_key.arn,
        alert_email=config.security_contact.email, security_hub=scheduled.security_hub,
        max_concurrency=scheduled.max_concurrency,
        tolerated_failure_percentage=scheduled.tolerated_failure_percentage,
        log_retention_days=config.log_retention_days, reserve_concurrency=config.reserved_concurrency))
    pulumi.export("scheduledAuditBucket", audit.bucket.bucket)
    pulumi.export("scheduledAuditStateMachineArn", audit.state_machine.arn)
    # Member accounts' irready-audit role must trust this principal (it does while it trusts the security account).
    pulumi.export("scheduledAuditRoleArn", audit.account_role_arn)
if config.investigation:
    # Partition projection covers the organization's accounts as Organizations lists them at deploy
    # time, and the stack's own; a later account needs `pulumi up` (investigation.queries_ready says so).
    organization_accounts = [member.id for member in (organization.accounts or [])]
    InvestigationWorkspace("investigation", InvestigationWorkspaceArgs(
        provider=security_side(), region=home, security_account_id=security,
        organization_id=organization.id,
        account_ids=tuple(sorted({*organization_accounts, *(a.id for a in config.accounts)})),
        regions=tuple(dict.fromkeys(region for account in config.accounts for region in account.regions)),
        trail_bucket=trail.bucket_name, trail_key_arn=trail.key.arn if trail.key else None,
        network_bucket=archive.bucket_name if archive else None, network_key_arn=archive.key.arn if archive else None,
        vpc_ids=tuple(sorted(set(all_vpcs))), bytes_scanned_cutoff=config.investigation.bytes_scanned_cutoff,
        first_day=config.investigation.first_day))

pulumi.export("accounts", [a.id for a in config.accounts])
