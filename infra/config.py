"""Stack configuration: read, validated before any resource is declared, frozen.

Every bad value stops the program with one line naming the key and the fix, e.g.
``irready:accounts[1].id: '12345' is not a 12-digit AWS account id; quote it, e.g. "123456789012"``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from irready.policies import names, vpc_preparation
from irready.policies.alternate_contacts import Contact
from irready.policies.investigation import DEFAULT_BYTES_SCANNED_CUTOFF, MIN_BYTES_SCANNED_CUTOFF

from irready import policies

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,}$")


class StackConfigError(ValueError):
    """A stack config value is wrong; the message is the one line to show."""


@dataclass(frozen=True)
class Account:
    id: str
    regions: tuple[str, ...]
    management: bool = False  # reached with the program's own credentials, not by assuming a role
    vpcs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # region -> VPC ids; empty: discover


@dataclass(frozen=True)
class NewAccount:
    name: str
    email: str  # the new account's root e-mail: a distribution list the security team controls


@dataclass(frozen=True)
class Investigation:
    """The investigation workspace (infra/components/investigation.py) in the security account."""
    bytes_scanned_cutoff: int  # per query, in bytes; Athena cancels a query that would read more
    first_day: str  # yyyy/MM/dd: the oldest day the tables' partition projection reaches


NETWORK_LOG_DESTINATIONS = ("cloudwatch", "s3")


@dataclass(frozen=True)
class StackConfig:
    security_account_id: str | None  # adopt this account, or
    accounts: tuple[Account, ...]
    security_contact: Contact
    trusted_cidrs: tuple[str, ...]
    revoke_sessions_before: str
    deny_except_actions: tuple[str, ...] = ("sts:GetCallerIdentity",)
    member_role_name: str = "OrganizationAccountAccessRole"
    quarantine_group_name: str = names.QUARANTINE_GROUP_NAME
    responder_external_id: str | None = None
    create_security_account: NewAccount | None = None  # create it in the organization
    log_retention_days: int = names.MIN_LOG_RETENTION_DAYS  # flow logs and DNS query logs
    findings_min_severity: float = 7.0
    run_instances_allowed: tuple[str, ...] = ()  # principal ARNs that may launch instances without an alert
    trail_retention_days: int = names.MIN_LOG_RETENTION_DAYS  # at least the audit's min_log_retention_days
    trail_object_lock: bool = False
    s3_data_events: str | tuple[str, ...] = "all"  # "all", "none", or bucket ARNs
    lambda_data_events: str | tuple[str, ...] = "all"  # "all", "none", or function ARNs
    security_hub: bool = False  # also make the security account Security Hub's delegated administrator
    # False: a data-events-only trail, where a landing zone's organization trail already records
    # management events (a second copy is billed); `irready preflight` reports such a trail.
    trail_management_events: bool = True
    # An existing bucket the organization trail writes to (a landing zone's log archive, often in another
    # account); None: irready creates the trail bucket and its key. Its owner keeps its policy.
    trail_bucket_name: str | None = None
    # Regions nobody listed: "monitor" (GuardDuty and the RunInstances alert in every enabled region)
    # or "deny" (a region-deny SCP on the organization's root for every other region).
    unlisted_regions: str = "monitor"
    # Where flow logs and DNS query logs go: CloudWatch Logs (per account and region), the S3 log
    # archive (Parquet flow logs, queryable from the investigation workspace), or both.
    network_log_destinations: tuple[str, ...] = ("cloudwatch",)
    investigation: Investigation | None = None
    # Guardrails (issue #12): where the guardrail SCP is attached ("root" or OU ids), who is exempt from it
    # besides the member role and the StackSets execution roles, who may assume irready-audit, who
    # administers the trail bucket and key in the management account, how long evidence is locked.
    guardrail_targets: tuple[str, ...] = ("root",)
    deploying_principals: tuple[str, ...] = ()  # ARN patterns, e.g. the role of the function preparing new VPCs
    audit_human_principals: tuple[str, ...] = ()  # ARN patterns in the security account; MFA required
    audit_automation_principals: tuple[str, ...] = ()  # exact role ARNs, e.g. the scheduled audit's function role
    trail_admin_principals: tuple[str, ...] = ()  # required when the program creates the trail bucket and key
    evidence_retention_days: int = 365  # Object Lock (governance) on the evidence bucket
    scheduled_audit: ScheduledAuditConfig | None = None  # None: no scheduled audit is deployed
    # Organization-wide mode (issue #18): member accounts get the baseline from service-managed StackSets
    # targeted at these OUs; None: explicit-accounts mode (every prepared account listed under accounts).
    organization: OrganizationMode | None = None
    # How often the GuardDuty administrator's detectors publish updates of existing findings (new findings are
    # published within minutes whatever the value); only an administrator may set it, members inherit it.
    finding_publishing_frequency: str = "FIFTEEN_MINUTES"
    # The business context (issue #19) on every resource irready creates, as its providers' default tags:
    # the keys the audit's inventory.business_context reads (policies/names.py CONTEXT_TAGS) and any others.
    resource_tags: tuple[tuple[str, str], ...] = ()
    # --- workload evidence (issue #19) ---
    # GuardDuty protection plans turned on for the security account and, through the organization
    # configuration, every member (existing and new). Each is billed by usage: see docs/provisioning.md.
    guardduty_protection_plans: tuple[str, ...] = ()
    # An Organizations tag policy naming the context tags (policies/names.py CONTEXT_TAGS), reporting only:
    # no enforced_for, so no tagging call is ever refused. Needs the TAG_POLICY type enabled on the root.
    tag_policy: bool = False
    # ECR registry scanning in every prepared account and region (explicit-accounts mode): "none", "basic"
    # (scan on push, free) or "enhanced" (Amazon Inspector, billed per image): see docs/provisioning.md.
    ecr_registry_scanning: str = "none"
    # Reserved concurrency on irready's functions in the security account (policies/lambda_concurrency.py);
    # false for an account whose Lambda quota cannot spare it (a new account's is often 10).
    reserved_concurrency: bool = True

    @property
    def security_home_region(self) -> str:
        """Where the security account's functions and buses are: its first listed region, else the
        management account's (a created security account is not listed)."""
        management = next(a for a in self.accounts if a.management)
        return next((a.regions[0] for a in self.accounts if a.id == self.security_account_id), management.regions[0])

    @property
    def lambda_reservations(self) -> dict[str, int]:
        """Function name -> the concurrency the program reserves for it in the security account's home region."""
        from irready.policies import lambda_concurrency
        return lambda_concurrency.reservations(self.organization is not None, self.scheduled_audit.max_concurrency
                                               if self.scheduled_audit else None, self.reserved_concurrency)


ECR_REGISTRY_SCANNING = ("none", "basic", "enhanced")
FINDING_PUBLISHING_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")


# --- Organization-wide mode (irready:mode, irready:organization) ---------------------------------------

ACCOUNTS_MODE, ORGANIZATION_MODE = "accounts", "organization"
ALL_REGIONS = "all"


@dataclass(frozen=True)
class OrganizationMode:
    """irready:organization: where the StackSets deploy and how fast (docs/provisioning.md).

    ``units``: "root" or OU ids (StackSets ``DeploymentTargets.OrganizationalUnitIds``); ``regions``:
    ALL_REGIONS, region names, or ALL_REGIONS followed by names (see ``resolved_regions``); the three
    others are the StackSets ``OperationPreferences`` (percentages of accounts, per region)."""
    units: tuple[str, ...]
    regions: str | tuple[str, ...] = ALL_REGIONS
    failure_tolerance_percentage: int = 10
    max_concurrent_percentage: int = 25
    region_concurrency: str = "PARALLEL"  # or SEQUENTIAL

    @property
    def all_regions(self) -> bool:
        """Whether ``all`` is configured (alone, or first of a list)."""
        return self.regions == ALL_REGIONS or ALL_REGIONS in self.regions

    @property
    def named_regions(self) -> tuple[str, ...]:
        """The regions the stack config names (opt-in regions are deployed only when named)."""
        return () if self.regions == ALL_REGIONS else tuple(r for r in self.regions if r != ALL_REGIONS)

    def resolved_regions(self, default_regions: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        """The StackSets' regions. ``all`` means the regions every account has: the management account's
        enabled regions that need no opt-in (``default_regions()``, DescribeRegions' ``opt-in-not-required``).
        An opt-in region is deployed only when named (``[all, me-central-1]``), since a member that has not
        enabled it fails its stack instance there and counts against the failure tolerance
        (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html); `irready preflight`
        names the members that have not."""
        everywhere = default_regions() if self.all_regions else ()
        return tuple(dict.fromkeys((*everywhere, *self.named_regions)))


_ORGANIZATION_KEYS = ("units", "regions", "failureTolerancePercentage", "maxConcurrentPercentage",
                      "regionConcurrency")


def _organization_mode(get, accounts: tuple[Account, ...], destinations) -> OrganizationMode | None:
    """irready:mode and irready:organization together: organization mode is the default when
    irready:organization names OUs; explicit-accounts mode otherwise. Raises StackConfigError."""
    raw = get("organization")
    mode = _choice(_given(get, "mode", ORGANIZATION_MODE if raw is not None else ACCOUNTS_MODE), "irready:mode",
                   (ACCOUNTS_MODE, ORGANIZATION_MODE))
    if mode == ACCOUNTS_MODE:
        if raw is not None:
            raise StackConfigError("irready:mode: accounts, but irready:organization is set; remove one of them "
                                   "(organization mode is the default when irready:organization names OUs)")
        return None
    where = "irready:organization"
    if not isinstance(raw, dict):
        raise StackConfigError(f"{where}: expected {{units: [root] or OU ids, regions: all or a list}}, "
                               "e.g. {units: [root], regions: all}")
    unknown = sorted(set(raw) - set(_ORGANIZATION_KEYS))
    if unknown:
        raise StackConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(_ORGANIZATION_KEYS)}")
    units = raw.get("units")
    if not isinstance(units, list) or not units or not all(
            isinstance(u, str) and (u == "root" or re.match(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$",
                                                            u)) for u in units):
        raise StackConfigError(f"{where}.units: expected [root] or OU ids like ou-ab12-cdef3456 (the StackSets' "
                               "deployment targets)")
    if "root" in units and len(units) > 1:
        raise StackConfigError(f"{where}.units: root already covers every OU; list root alone, or OUs only")
    regions = raw.get("regions", ALL_REGIONS)
    if len(accounts) != 1:
        raise StackConfigError("irready:accounts: in organization mode list only the management account; member "
                               "accounts get the baseline from the StackSets targeted at irready:organization.units")
    if "s3" in destinations:
        raise StackConfigError("irready:networkLogDestinations: s3 is not yet available in organization mode; use "
                               "[cloudwatch] (the StackSets create each account's flow-log group; DNS queries go to "
                               "the security account's log groups)")
    concurrency = raw.get("regionConcurrency", "PARALLEL")
    return OrganizationMode(
        units=tuple(units),
        regions=_organization_regions(regions, f"{where}.regions"),
        failure_tolerance_percentage=_bounded(raw.get("failureTolerancePercentage", 10), 0, 100,
                                              f"{where}.failureTolerancePercentage", "percent of accounts per region"),
        max_concurrent_percentage=_bounded(raw.get("maxConcurrentPercentage", 25), 1, 100,
                                           f"{where}.maxConcurrentPercentage", "percent of accounts at once"),
        region_concurrency=_choice(concurrency, f"{where}.regionConcurrency", ("PARALLEL", "SEQUENTIAL")))


def _organization_regions(value, where: str) -> str | tuple[str, ...]:
    """``all``, a list of regions, or a list starting with ``all`` and naming opt-in regions to add."""
    if value == ALL_REGIONS or value == [ALL_REGIONS]:
        return ALL_REGIONS
    if isinstance(value, list) and ALL_REGIONS in value[1:]:
        raise StackConfigError(f"{where}: put all first, then the opt-in regions to add, e.g. [all, me-central-1]")
    if isinstance(value, list) and value[:1] == [ALL_REGIONS]:
        return (ALL_REGIONS, *_regions(value[1:], where))
    return _regions(value, where)


LISTED, ORGANIZATION = "listed", "organization"


@dataclass(frozen=True)
class ScheduledAuditConfig:
    """irready:scheduledAudit: the audit run on a schedule in the security account (docs/scheduled-audits.md)."""
    schedule: str  # EventBridge Scheduler: cron(...), rate(...)
    timezone: str = "UTC"
    flexible_window_minutes: int = 0
    regions: str | tuple[str, ...] = "all"
    accounts: str | tuple[str, ...] = LISTED  # the stack's accounts, the whole organization, or these
    exclude_accounts: tuple[str, ...] = ()
    organization_role_arn: str | None = None
    report_formats: tuple[str, ...] = ()  # empty: every format
    retention_days: int = 400
    alert_topic_arn: str | None = None
    security_hub: bool = False
    max_concurrency: int = 40
    tolerated_failure_percentage: int = 10


# The only values CloudWatch Logs accepts for retention.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                  3653)


_OBJECT_KEYS = {"createSecurityAccount", "accounts", "securityContact", "trustedCidrs", "denyExceptActions",
                "logRetentionDays", "findingsMinSeverity", "runInstancesAllowedPrincipals", "trailRetentionDays",
                "trailObjectLock", "dataEvents", "securityHub", "trailManagementEvents", "scheduledAudit",
                "networkLogDestinations", "investigation", "guardrailTargets", "deployingPrincipals", "auditPrincipals",
                "trailAdminPrincipals", "organization", "guardDutyProtectionPlans", "tagPolicy",
                "reservedConcurrency"}


def reader(pulumi_config) -> Callable[[str], object]:
    """Read a ``pulumi.Config("irready")``: lists and objects parsed, everything else as the text it
    is (``get_object`` would turn an account id into a number)."""
    return lambda key: pulumi_config.get_object(key) if key in _OBJECT_KEYS else pulumi_config.get(key)


def file_reader(path) -> Callable[[str], object]:
    """Read the ``irready:`` values of a Pulumi.<stack>.yaml as ``reader`` reads them at `pulumi up`
    (objects parsed, everything else as text). Raises StackConfigError if the file cannot be read."""
    import yaml  # pulumi depends on PyYAML

    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StackConfigError(f"{path}: cannot read the stack config ({type(exc).__name__}: {exc})") from None
    values = document.get("config") if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise StackConfigError(f"{path}: no `config:` mapping; expected a Pulumi.<stack>.yaml "
                               "(see Pulumi.example.yaml)")

    def get(key: str):
        value = values.get(f"irready:{key}")
        if value is None or key in _OBJECT_KEYS:
            return value
        return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return get


def load(get: Callable[[str], object]) -> StackConfig:
    """``get(key)`` returns a config value or None (see ``reader``)."""
    security, create = get("securityAccountId"), get("createSecurityAccount")
    if (security is None) == (create is None):
        raise StackConfigError("irready:securityAccountId: set it to adopt an existing security account, or set "
                               "irready:createSecurityAccount {name, email} to create one; not both")
    security = _account_id(security, "irready:securityAccountId") if security is not None else None
    raw_accounts = _required(get, "accounts")
    if not isinstance(raw_accounts, list) or not raw_accounts:
        raise StackConfigError("irready:accounts: expected a list of accounts, e.g. "
                               "[{id: \"111111111111\", regions: [us-east-1]}]")
    accounts = tuple(_account(raw, f"irready:accounts[{n}]") for n, raw in enumerate(raw_accounts))
    seen = [a.id for a in accounts]
    if len(set(seen)) != len(seen):
        raise StackConfigError(f"irready:accounts: account {_first_duplicate(seen)} is listed twice; list it once")
    if sum(a.management for a in accounts) != 1:
        raise StackConfigError("irready:accounts: mark exactly one account, the organization's management account, "
                               "with management: true (the program runs there and reaches the others from it)")
    management_events = _flag(_given(get, "trailManagementEvents", True), "irready:trailManagementEvents")
    data_events = _data_events(_given(get, "dataEvents", {}), "irready:dataEvents")
    if not management_events and set(data_events.values()) == {"none"}:
        raise StackConfigError("irready:trailManagementEvents: false leaves the trail nothing to record with "
                               "irready:dataEvents s3 and lambda both none; set one of them, or leave "
                               "trailManagementEvents true")
    trail_bucket = _trail_bucket(get("trailBucketName"), get)
    return _guardrail_fits(StackConfig(
        trail_bucket_name=trail_bucket,
        security_account_id=security,
        create_security_account=_new_account(create, "irready:createSecurityAccount") if create is not None else None,
        accounts=accounts,
        security_contact=_contact(_required(get, "securityContact"), "irready:securityContact"),
        trusted_cidrs=_cidrs(_required(get, "trustedCidrs"), "irready:trustedCidrs"),
        revoke_sessions_before=_timestamp(_required(get, "revokeSessionsBefore"), "irready:revokeSessionsBefore"),
        deny_except_actions=_actions(_given(get, "denyExceptActions", ["sts:GetCallerIdentity"]),
                                     "irready:denyExceptActions"),
        member_role_name=_name(_given(get, "memberRoleName", "OrganizationAccountAccessRole"),
                               "irready:memberRoleName"),
        quarantine_group_name=_group_name(_given(get, "quarantineGroupName", StackConfig.quarantine_group_name),
                                          "irready:quarantineGroupName"),
        responder_external_id=_text(get("responderExternalId"), "irready:responderExternalId")
        if get("responderExternalId") is not None else None,
        log_retention_days=_retention(_given(get, "logRetentionDays", StackConfig.log_retention_days),
                                      "irready:logRetentionDays"),
        findings_min_severity=_severity(_given(get, "findingsMinSeverity", 7), "irready:findingsMinSeverity"),
        run_instances_allowed=_arns(_given(get, "runInstancesAllowedPrincipals", []),
                                    "irready:runInstancesAllowedPrincipals"),
        trail_retention_days=_days(_given(get, "trailRetentionDays", StackConfig.trail_retention_days),
                                   "irready:trailRetentionDays"),
        trail_object_lock=_flag(_given(get, "trailObjectLock", False), "irready:trailObjectLock"),
        security_hub=_flag(_given(get, "securityHub", False), "irready:securityHub"),
        trail_management_events=management_events,
        unlisted_regions=_choice(_given(get, "unlistedRegions", "monitor"), "irready:unlistedRegions",
                                 ("monitor", "deny")),
        **data_events,
        scheduled_audit=_scheduled_audit(get("scheduledAudit"), "irready:scheduledAudit")
        if get("scheduledAudit") is not None else None,
        network_log_destinations=_destinations(_given(get, "networkLogDestinations", ["cloudwatch"]),
                                               "irready:networkLogDestinations"),
        investigation=_investigation(get("investigation"), "irready:investigation"),
        guardrail_targets=_targets(_given(get, "guardrailTargets", ["root"]), "irready:guardrailTargets"),
        deploying_principals=_arn_patterns(_given(get, "deployingPrincipals", []), "irready:deployingPrincipals"),
        **_audit_principals(_given(get, "auditPrincipals", {}), "irready:auditPrincipals"),
        trail_admin_principals=_trail_admins(get("trailAdminPrincipals"), trail_bucket, accounts),
        evidence_retention_days=_days(_given(get, "evidenceRetentionDays", 365), "irready:evidenceRetentionDays"),
        organization=_organization_mode(get, accounts, get("networkLogDestinations") or ["cloudwatch"]),
        resource_tags=_resource_tags(_given(get, "resourceTags", {}), _security_contact_email(get)),
        finding_publishing_frequency=_choice(_given(get, "findingPublishingFrequency", "FIFTEEN_MINUTES"),
                                             "irready:findingPublishingFrequency", FINDING_PUBLISHING_FREQUENCIES),
        guardduty_protection_plans=_protection_plans(_given(get, "guardDutyProtectionPlans", []),
                                                     "irready:guardDutyProtectionPlans"),
        tag_policy=_flag(_given(get, "tagPolicy", False), "irready:tagPolicy"),
        ecr_registry_scanning=_choice(_given(get, "ecrRegistryScanning", "none"), "irready:ecrRegistryScanning",
                                      ECR_REGISTRY_SCANNING),
        reserved_concurrency=_flag(_given(get, "reservedConcurrency", True), "irready:reservedConcurrency"),
    ))


# --- the guardrail SCP's exemption (issue #12): who deploys irready, and the SCP's size quota -------------------

def deploying_principals(config: StackConfig) -> tuple[str, ...]:
    """The principals that deploy irready in member accounts, exempt from the guardrail SCP: the member
    role the program assumes, service-managed StackSets' execution roles (``stacksets-exec-*``: the
    OrganizationBaseline StackSets are service-managed), and those listed in irready:deployingPrincipals; in
    organization mode, the role the VPC preparation function assumes in member accounts. Every exemption is a
    name an administrator could otherwise give a role of their own: the guardrail protects each
    (policies.deploying_identities), so none is exempt that irready does not need (self-managed StackSets'
    AWSCloudFormationStackSetExecutionRole is not: list it under irready:deployingPrincipals if you use it)."""
    return (f"arn:aws:iam::*:role/{config.member_role_name}", "arn:aws:iam::*:role/stacksets-exec-*",
            *config.deploying_principals,
            *((f"arn:aws:iam::*:role/{vpc_preparation.PROVISIONING_ROLE}",) if config.organization else ()))


def _guardrail_fits(config: StackConfig) -> StackConfig:
    """``config``, if the guardrail SCP its deploying principals make fits Organizations' size quota
    (policies.SCP_MAX_CHARACTERS); each principal is repeated in every statement of the SCP."""
    where = "irready:deployingPrincipals"
    if len(config.deploying_principals) > policies.MAX_DEPLOYING_PRINCIPALS:
        raise StackConfigError(f"{where}: {len(config.deploying_principals)} principals, at most "
                               f"{policies.MAX_DEPLOYING_PRINCIPALS}; name one deploying role per purpose, or use an "
                               "ARN pattern (arn:aws:iam::*:role/irready-deploy-*)")
    size = policies.guardrail_size(list(deploying_principals(config)))
    if size > policies.SCP_MAX_CHARACTERS:
        raise StackConfigError(f"{where}: the guardrail SCP would be {size} characters, over Organizations' "
                               f"{policies.SCP_MAX_CHARACTERS}; shorten the ARN patterns (arn:aws:iam::*:role/name)")
    return config


# --- workload evidence (issue #19) -------------------------------------------------------------------------

def _protection_plans(value, where: str) -> tuple[str, ...]:
    """GuardDuty feature names (names.GUARDDUTY_FEATURES), or "recommended" for the ones the audit requires."""
    if value == "recommended":
        return names.GUARDDUTY_REQUIRED_FEATURES
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StackConfigError(f"{where}: expected a list of GuardDuty features, e.g. [S3_DATA_EVENTS, "
                               "EKS_AUDIT_LOGS], or \"recommended\"")
    unknown = [v for v in value if v not in names.GUARDDUTY_FEATURES]
    if unknown:
        raise StackConfigError(f"{where}: unknown feature {unknown[0]!r}; choose from "
                               f"{', '.join(names.GUARDDUTY_FEATURES)}")
    if {"RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"} <= set(value):
        raise StackConfigError(f"{where}: RUNTIME_MONITORING includes EKS_RUNTIME_MONITORING; list one of them "
                               "(https://docs.aws.amazon.com/guardduty/latest/ug/runtime-monitoring.html)")
    return tuple(dict.fromkeys(value))


# Tag limits: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (128/256 characters,
# letters, digits, spaces and + - = . _ : / @; the aws: prefix is AWS's own).
_TAG_TEXT = re.compile(r"^[\w .:+=@/-]*$", re.UNICODE)


def _security_contact_email(get) -> str:
    contact = get("securityContact")
    return contact.get("email", "") if isinstance(contact, dict) else ""


def _resource_tags(value, owner: str) -> tuple[tuple[str, str], ...]:
    """irready:resourceTags over the defaults: environment=security, owner=the security contact's e-mail,
    data-classification=confidential (what irready keeps is logs and evidence). Raises StackConfigError."""
    where = "irready:resourceTags"
    if not isinstance(value, dict):
        raise StackConfigError(f"{where}: expected a map of tag name to value, e.g. {{owner: secops@example.com}}")
    defaults = dict(zip(names.CONTEXT_TAGS, ("security", owner or "security", "confidential"), strict=True))
    tags = {**defaults, **value}
    for key, tag_value in tags.items():
        if not (isinstance(key, str) and 0 < len(key) <= 128 and _TAG_TEXT.match(key)
                and not key.lower().startswith("aws:")):
            raise StackConfigError(f"{where}: tag name {key!r} is not a valid AWS tag key (1-128 letters, digits, "
                                   "spaces and + - = . _ : / @, not starting with aws:)")
        if not (isinstance(tag_value, str) and len(tag_value) <= 256 and _TAG_TEXT.match(tag_value)):
            raise StackConfigError(f"{where}.{key}: expected text of at most 256 letters, digits, spaces and "
                                   "+ - = . _ : / @")
    return tuple(sorted(tags.items()))


def _given(get, key: str, default):
    """The value if set (even if it is 0, false or empty, which the validators then judge), else the default."""
    value = get(key)
    return default if value is None else value


def _required(get, key: str):
    value = get(key)
    if value is None:
        raise StackConfigError(f"irready:{key} is not set; set it with `pulumi config set --path irready:{key} ...` "
                               "(see Pulumi.example.yaml)")
    return value


def _account(raw, where: str) -> Account:
    if not isinstance(raw, dict):
        raise StackConfigError(f"{where}: expected an object with id and regions")
    unknown = sorted(set(raw) - {"id", "regions", "management", "vpcs"})
    if unknown:
        raise StackConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: id, regions, management, vpcs")
    account_id = _account_id(raw.get("id"), f"{where}.id")
    regions = _regions(raw.get("regions"), f"{where}.regions")
    vpcs_raw = raw.get("vpcs") or {}
    if not isinstance(vpcs_raw, dict):
        raise StackConfigError(f"{where}.vpcs: expected region: [vpc ids]")
    vpcs = {}
    for region, ids in vpcs_raw.items():
        if region not in regions:
            raise StackConfigError(f"{where}.vpcs: {region} is not one of this account's regions")
        if not isinstance(ids, list) or not all(isinstance(i, str) and re.match(r"^vpc-[0-9a-f]+$", i) for i in ids):
            raise StackConfigError(f"{where}.vpcs.{region}: expected VPC ids like vpc-0123abcd")
        vpcs[region] = tuple(ids)
    management = raw.get("management", False)
    if not isinstance(management, bool):
        raise StackConfigError(f"{where}.management: expected true or false")
    return Account(account_id, regions, management, vpcs)


def _new_account(value, where: str) -> NewAccount:
    if not isinstance(value, dict) or set(value) != {"name", "email"}:
        raise StackConfigError(f"{where}: expected {{name, email}} (the new account's name and root e-mail)")
    if not isinstance(value["name"], str) or not value["name"].strip():
        raise StackConfigError(f"{where}.name: expected the account's name, e.g. Security")
    if not isinstance(value["email"], str) or not _EMAIL.match(value["email"]):
        raise StackConfigError(f"{where}.email: {value['email']!r} is not an e-mail address")
    return NewAccount(value["name"], value["email"])


def _account_id(value, where: str) -> str:
    if not names.is_account_id(value):
        raise StackConfigError(f"{where}: {value!r} is not a 12-digit AWS account id; quote it, e.g. \"123456789012\"")
    return value


def _regions(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise StackConfigError(f"{where}: expected a list of regions, e.g. [us-east-1, eu-west-1]")
    for region in value:
        if region not in names.known_regions():
            raise StackConfigError(f"{where}: unknown region {region!r}; use names like us-east-1")
    return tuple(dict.fromkeys(value))


def _contact(value, where: str) -> Contact:
    if not isinstance(value, dict):
        raise StackConfigError(f"{where}: expected name, title, email and phone")
    for key in ("name", "title", "email", "phone"):
        if not isinstance(value.get(key), str) or not value[key].strip():
            raise StackConfigError(f"{where}.{key}: required (a distribution list, not a person)")
    if not _EMAIL.match(value["email"]):
        raise StackConfigError(f"{where}.email: {value['email']!r} is not an e-mail address")
    if not _PHONE.match(value["phone"]):
        raise StackConfigError(f"{where}.phone: {value['phone']!r} is not a phone number; use e.g. +1-555-0100")
    return Contact(value["name"], value["title"], value["email"], value["phone"])


def _cidrs(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise StackConfigError(f"{where}: expected a list of CIDRs, e.g. [192.0.2.0/24]")
    for cidr in value:
        try:
            network = ipaddress.ip_network(str(cidr), strict=True)
        except ValueError:
            raise StackConfigError(f"{where}: {cidr!r} is not a CIDR block (e.g. 192.0.2.0/24, host bits zero)")
        if network.prefixlen == 0:
            raise StackConfigError(f"{where}: {cidr} trusts every address; name your own networks")
    return tuple(str(c) for c in value)


def _timestamp(value, where: str) -> str:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise StackConfigError(f"{where}: {value!r} is not a UTC time; use e.g. 2026-01-01T00:00:00Z")
    return str(value)


def _actions(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) and re.match(r"^[a-z0-9-]+:[\w*?]+$", a)
                                              for a in value):
        raise StackConfigError(f"{where}: expected IAM actions like s3:GetObject")
    return tuple(value)


def _retention(value, where: str) -> int:
    if isinstance(value, bool) or value not in RETENTION_DAYS:
        nearest = [d for d in RETENTION_DAYS if isinstance(value, int) and d >= value][:1]
        hint = f"; the nearest longer is {nearest[0]}" if nearest else ""
        raise StackConfigError(f"{where}: {value!r} is not a retention CloudWatch Logs accepts{hint} "
                               f"(one of {', '.join(map(str, RETENTION_DAYS))})")
    return value


def _severity(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 10:
        raise StackConfigError(f"{where}: {value!r} is not a GuardDuty severity; use a number from 1 to 10 "
                               "(7 = high and above)")
    return float(value)


def _arns(value, where: str) -> tuple[str, ...]:
    principal = re.compile(r"^arn:aws[\w-]*:(iam|sts)::[0-9]{12}:")
    if not isinstance(value, list) or not all(isinstance(a, str) and principal.match(a) for a in value):
        raise StackConfigError(f"{where}: expected principal ARNs like arn:aws:iam::123456789012:role/ci-deployer")
    return tuple(value)


def _arn_patterns(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) and re.match(r"^arn:aws[\w-]*:iam::(\d{12}|\*):", a)
                                              for a in value):
        raise StackConfigError(f"{where}: expected IAM ARN patterns like arn:aws:iam::*:role/vpc-preparation")
    return tuple(value)


def _targets(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(t, str) and (t == "root" or re.match(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$", t)) for t in value):
        raise StackConfigError(f"{where}: expected [root] or organizational unit ids like ou-ab12-cdef3456")
    return tuple(value)


def _audit_principals(value, where: str) -> dict:
    """{humans: [ARN patterns], automation: [role ARNs]}: who may assume irready-audit."""
    if not isinstance(value, dict) or set(value) - {"humans", "automation"}:
        raise StackConfigError(f"{where}: expected {{humans: [ARN patterns], automation: [role ARNs]}}")
    return {"audit_human_principals": _arn_patterns(value.get("humans", []), f"{where}.humans"),
            "audit_automation_principals": _arns(value.get("automation", []), f"{where}.automation")}


def _days(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StackConfigError(f"{where}: {value!r} is not a number of days; use a whole number, at least 1 "
                               f"(and at least the audit's min_log_retention_days, {names.MIN_LOG_RETENTION_DAYS} "
                               "by default)")
    return value


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise StackConfigError(f"{where}: expected true or false")
    return value


_ARN_OF = {"s3": re.compile(r"^arn:aws[\w-]*:s3:::[a-z0-9.\-]{3,63}$"),
           "lambda": re.compile(r"^arn:aws[\w-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[\w-]+$")}


def _data_events(value, where: str) -> dict:
    """{s3: all|none|[bucket ARNs], lambda: all|none|[function ARNs]}, both defaulting to all."""
    if not isinstance(value, dict) or set(value) - {"s3", "lambda"}:
        raise StackConfigError(f"{where}: expected {{s3: all|none|[bucket ARNs], lambda: all|none|[function ARNs]}}")
    scopes = {}
    for kind in ("s3", "lambda"):
        scope = value.get(kind, "all")
        if scope in ("all", "none"):
            scopes[f"{kind}_data_events"] = scope
        elif isinstance(scope, list) and scope and all(isinstance(a, str) and _ARN_OF[kind].match(a) for a in scope):
            scopes[f"{kind}_data_events"] = tuple(scope)
        else:
            example = ("arn:aws:s3:::payroll-exports" if kind == "s3"
                       else "arn:aws:lambda:us-east-1:111111111111:function:api")
            raise StackConfigError(f"{where}.{kind}: {scope!r} is not all, none or a list of ARNs like {example}")
    return scopes


_SCHEDULED_KEYS = {"schedule", "timezone", "flexibleWindowMinutes", "regions", "accounts", "excludeAccounts",
                   "organizationRoleArn", "reportFormats", "retentionDays", "alertTopicArn", "securityHub",
                   "maxConcurrency", "toleratedFailurePercentage"}


# EventBridge Scheduler's recurring schedule expressions:
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
# rate(value unit): a positive whole number and minute(s), hour(s) or day(s); cron(fields): six fields,
# minutes hours day-of-month month day-of-week year, with ? in exactly one of the two day fields.
_RATE = re.compile(r"rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")


def _schedule_expression(value, where: str) -> str:
    """A recurring EventBridge Scheduler expression, as CreateSchedule accepts it; one-time at(...) is refused
    (the audit recurs). The cron fields are checked by aws-cron-expression-validator (the fields and wildcards
    of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html, which Scheduler shares).
    Raises StackConfigError naming ``where`` and a valid example."""
    from aws_cron_expression_validator.validator import AWSCronExpressionError, AWSCronExpressionValidator

    fix = "use cron(0 6 * * ? *) (six fields: minutes hours day-of-month month day-of-week year, ? in one day " \
          "field) or rate(1 day) (EventBridge Scheduler syntax)"
    if not isinstance(value, str):
        raise StackConfigError(f"{where}: {value!r} is not a schedule; {fix}")
    if _RATE.fullmatch(value):
        return value
    cron = _CRON.fullmatch(value)
    if cron is None:
        kind = "a one-time at(...) schedule, but the audit recurs" if value.startswith("at(") else "not a schedule"
        raise StackConfigError(f"{where}: {value!r} is {kind}; {fix}")
    try:
        AWSCronExpressionValidator.validate(cron.group(1))
    except AWSCronExpressionError as exc:
        raise StackConfigError(f"{where}: {value!r} is not an EventBridge Scheduler cron expression "
                               f"({str(exc).rstrip('.')}); {fix}") from None
    return value


def _scheduled_audit(value, where: str) -> ScheduledAuditConfig:
    """{schedule, timezone?, flexibleWindowMinutes?, regions?, accounts?, ...}; see ScheduledAuditConfig."""
    if not isinstance(value, dict):
        raise StackConfigError(f"{where}: expected an object, e.g. {{schedule: \"cron(0 6 * * ? *)\"}}")
    unknown = sorted(set(value) - _SCHEDULED_KEYS)
    if unknown:
        raise StackConfigError(f"{where}: unknown key {unknown[0]}; known keys: {', '.join(sorted(_SCHEDULED_KEYS))}")
    schedule = _schedule_expression(value.get("schedule"), f"{where}.schedule")
    timezone = value.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        raise StackConfigError(f"{where}.timezone: {timezone!r} is not a time zone; use an IANA name like "
                               "Europe/Paris or UTC")
    regions = value.get("regions", "all")
    accounts = value.get("accounts", LISTED)
    if accounts not in (LISTED, ORGANIZATION):
        if not isinstance(accounts, list) or not accounts:
            raise StackConfigError(f"{where}.accounts: expected listed, organization, or a list of account ids")
        accounts = tuple(_account_id(a, f"{where}.accounts") for a in accounts)
    role = value.get("organizationRoleArn")
    if role is not None and not (isinstance(role, str) and re.match(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
                                                                     role)):
        raise StackConfigError(f"{where}.organizationRoleArn: expected a role ARN like "
                               "arn:aws:iam::123456789012:role/irready-organization-read")
    topic = value.get("alertTopicArn")
    if topic is not None and not (isinstance(topic, str) and re.match(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$",
                                                                       topic)):
        raise StackConfigError(f"{where}.alertTopicArn: expected an SNS topic ARN like "
                               "arn:aws:sns:us-east-1:123456789012:irready-ir-alerts")
    formats = value.get("reportFormats", [])
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise StackConfigError(f"{where}.reportFormats: expected a list of format names like [json, markdown, html]"
                               " ([]: every format)")
    unknown = [f for f in formats if f not in names.REPORT_FORMATS]
    if unknown:  # the scheduled run would refuse it (audit/scheduled.py Settings) and never write a report
        raise StackConfigError(f"{where}.reportFormats: {unknown[0]!r} is not a report format; use some of "
                               f"{', '.join(names.REPORT_FORMATS)} ([]: every format)")
    return ScheduledAuditConfig(
        schedule=schedule, timezone=timezone,
        flexible_window_minutes=_bounded(value.get("flexibleWindowMinutes", 0), 0, 1440,
                                         f"{where}.flexibleWindowMinutes", "minutes (0: no window)"),
        regions="all" if regions == "all" else _regions(regions, f"{where}.regions"),
        accounts=accounts,
        exclude_accounts=tuple(_account_id(a, f"{where}.excludeAccounts") for a in value.get("excludeAccounts", [])),
        organization_role_arn=role, report_formats=tuple(formats),
        retention_days=_days(value.get("retentionDays", 400), f"{where}.retentionDays"),
        alert_topic_arn=topic, security_hub=_flag(value.get("securityHub", False), f"{where}.securityHub"),
        # Reserved for the per-account function: Lambda keeps 100 of an account's default 1,000 unreserved.
        max_concurrency=_bounded(value.get("maxConcurrency", 40), 1, 900, f"{where}.maxConcurrency",
                                 "accounts audited at once"),
        tolerated_failure_percentage=_bounded(value.get("toleratedFailurePercentage", 10), 0, 100,
                                              f"{where}.toleratedFailurePercentage", "percent"))


def _bounded(value, low: int, high: int, where: str, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StackConfigError(f"{where}: {value!r} is out of range; use a whole number of {unit} from {low} to {high}")
    return value


def _destinations(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not set(value) <= set(NETWORK_LOG_DESTINATIONS):
        raise StackConfigError(f"{where}: {value!r}: expected a list of cloudwatch and/or s3, e.g. [cloudwatch, s3]")
    return tuple(dict.fromkeys(value))


_DAY = re.compile(r"^(19|20)\d\d/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])$")


def _investigation(value, where: str) -> Investigation | None:
    """{enabled, bytesScannedCutoffPerQuery, firstDay}; None when absent or not enabled."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"enabled", "bytesScannedCutoffPerQuery", "firstDay"}:
        raise StackConfigError(f"{where}: expected {{enabled: true, bytesScannedCutoffPerQuery: 10737418240, "
                               "firstDay: \"2025/01/01\"}")
    if not _flag(value.get("enabled", True), f"{where}.enabled"):
        return None
    cutoff = value.get("bytesScannedCutoffPerQuery", DEFAULT_BYTES_SCANNED_CUTOFF)
    if isinstance(cutoff, bool) or not isinstance(cutoff, int) or cutoff < MIN_BYTES_SCANNED_CUTOFF:
        raise StackConfigError(f"{where}.bytesScannedCutoffPerQuery: {cutoff!r} is not a number of bytes Athena "
                               f"accepts; use a whole number, at least {MIN_BYTES_SCANNED_CUTOFF} (10 MB)")
    first_day = value.get("firstDay", "2025/01/01")
    if not isinstance(first_day, str) or not _DAY.match(first_day):
        raise StackConfigError(f"{where}.firstDay: {first_day!r} is not a day; use yyyy/MM/dd, e.g. \"2025/01/01\" "
                               "(the oldest logs the tables should reach)")
    return Investigation(cutoff, first_day)


def _choice(value, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise StackConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def _name(value, where: str) -> str:
    if not names.is_role_name(value):
        raise StackConfigError(f"{where}: {value!r} is not a valid IAM role name")
    return value


def _group_name(value, where: str) -> str:
    if not names.is_security_group_name(value):
        raise StackConfigError(f"{where}: {value!r} is not a valid security group name (1 to 255 of a-z, A-Z, 0-9, "
                               "spaces and ._-:/()#,@[]+=&;{}!$*; not sg-...)")
    return value


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StackConfigError(f"{where}: expected a non-empty string")
    return value


# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets)
_BUCKET_NAME = re.compile(r"^(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _trail_bucket(value, get: Callable[[str], object]) -> str | None:
    """irready:trailBucketName: an existing S3 bucket's name (S3's naming rules), not with trailObjectLock."""
    if value is None:
        return None
    if not isinstance(value, str) or not _BUCKET_NAME.match(value) \
            or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value) or value.endswith(("-s3alias", "--ol-s3", ".mrap")):
        raise StackConfigError(f"irready:trailBucketName: {value!r} is not an S3 bucket name (3 to 63 of a-z, 0-9, "
                               "'.' and '-'); give the existing log archive bucket's name, or leave it out")
    if get("trailObjectLock") not in (None, False, "false"):
        raise StackConfigError("irready:trailObjectLock: Object Lock is set on a bucket irready creates; with "
                               "irready:trailBucketName the bucket's owner decides it: leave trailObjectLock out")
    return value


def _trail_admins(value, trail_bucket: str | None, accounts: tuple[Account, ...]) -> tuple[str, ...]:
    """irready:trailAdminPrincipals: the principals (ARN patterns, as aws:PrincipalArn sees them) alone allowed to
    change or delete the trail bucket and key; required unless irready:trailBucketName (then none is created).

    Named, never defaulted to whoever runs `pulumi up`: the policies deny PutBucketPolicy and PutKeyPolicy to
    everyone else, so a default would lock out the next runner (a CI role) and bake one person's identity into
    the evidence's protection. A role session is seen as its role
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn):
    an assumed-role session ARN would match nobody, so it is refused."""
    where = "irready:trailAdminPrincipals"
    management = next(a.id for a in accounts if a.management)
    example = f"arn:aws:iam::{management}:role/irready-deployer"
    if value is None or value == []:
        if trail_bucket:
            return ()
        raise StackConfigError(f"{where}: not set; list the roles that alone may change or delete the trail bucket "
                               f"and key: every role `pulumi up` runs as (yours, CI's), e.g. [{example}] "
                               "(`irready preflight` names the role you run as)")
    admins = _arns(value, where)
    session = next((a for a in admins if re.match(r"^arn:aws[\w-]*:sts::[0-9]{12}:assumed-role/", a)), None)
    if session:
        account, role = session.split(":")[4], session.split(":", 5)[5].split("/")[1]
        raise StackConfigError(f"{where}: {session} is a role session, which policies see as its role; use the "
                               f"role's ARN, e.g. arn:aws:iam::{account}:role/{role} (with its path, if it has one)")
    return admins


def _first_duplicate(values: list[str]) -> str:
    return next(v for n, v in enumerate(values) if v in values[:n])

