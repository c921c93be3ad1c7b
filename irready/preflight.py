"""`irready preflight`: before the first `pulumi up`, read the stack config and the organization and
report everything that would make the program fail or leave it silently wrong.

Read-only, with the management account's credentials, through the audit's clients (every call a
Describe/Get/List, or the AssumeRole that reaches member accounts). Collect, then evaluate: the
collector returns plain ``facts``; each check is a pure function of the stack config and the facts;
the audit's renderers format the report, so formats and exit codes are the audit's. Every problem
names the stack-config key or the AWS setting that fixes it.

Facts layout::

    {"caller_account_id": str,
     "caller_principal_arn": str (the caller as aws:PrincipalArn sees it: a role session's role, with its path),
     "organization": {"id", "feature_set", "root_id", "policy_types": [...]},
     "trusted_access": [service principals],
     "organization_accounts": {id: status},
     "delegated_administrators": {service principal: [account ids]},
     "guardduty_administrators": {region: [account ids]},
     "organization_trails": [{"name", "arn", "home_region", "management_events": bool}],
     "trail_bucket": {"name", "exists": bool, "policy": dict | None} (only with irready:trailBucketName),
     "accounts": {id: {"reached": True | marker, "regions": {region: {
         "opt_in": status, "detectors": [{"id", "status"}], "vpcs": [{"id", "owner"}]}}}},
     "security_account_reached": True | marker | None (memberRoleName in the security account, if not listed),
     "lambda_concurrency": {"limit", "unreserved", "held": {function: n}} | None (the security account's),
     "organization_regions": {"opt_in": {region: status}, "members": {account: {region: status}}} | None}

A value that could not be read is the audit's unavailable marker, and the checks that need it are UNKNOWN.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from irready.audit.aws import Clients, assumed_session, caller_identity, guarded, paginate
from irready.audit.evaluate import summarize
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Finding, Report, Result, Severity, Status
from irready.audit.snapshot import Unavailable, is_unavailable
from irready.infra.components import org_trail
from irready.infra.components.org_trail import TRAIL_NAME, cloudtrail_delivery_statements, organization_trail_arn
from irready.infra.config import ALL_REGIONS, StackConfig, file_reader, load
from irready.infra.organization import (
    ENABLED_BY_DESIGNATION,
    STACKSETS_PRINCIPAL,
    enable_command,
    needed_trusted_access,
)
from irready.policies import lambda_concurrency as concurrency
from irready.policies import scheduled_audit as scheduled_names
from irready.policies.alternate_contacts import SERVICE_PRINCIPAL as ACCOUNT_MANAGEMENT
from irready.policies.evaluator import ALLOW, IMPLICIT_DENY, Request
from irready.policies.evaluator import evaluate as evaluate_policy


def read_stack_config(path: Path) -> StackConfig:
    """The stack config, validated as `pulumi up` validates it. Raises infra.config.StackConfigError."""
    return load(file_reader(path))


# --- collect -----------------------------------------------------------------------------------------------

def collect(stack: StackConfig, session: boto3.Session, endpoint_url: str | None = None) -> dict:
    """Everything the checks judge, read from the organization with ``session`` (the management
    account's credentials). Raises botocore errors only for GetCallerIdentity (nothing reachable)."""
    home = stack.accounts[0].regions[0]
    identity = caller_identity(session, endpoint_url, home)
    caller = identity["Account"]
    clients = Clients(session, endpoint_url, user_agent="irready-preflight")
    regions = sorted({region for account in stack.accounts for region in account.regions})
    with clients.acting():
        organizations = clients.client("organizations", home)
        facts: dict = {
            "caller_account_id": caller,
            "caller_principal_arn": guarded("GetRole", lambda: principal_arn(identity["Arn"],
                                                                             clients.client("iam", home))),
            "organization": guarded("DescribeOrganization", lambda: _read_organization(organizations)),
            "trusted_access": guarded("ListAWSServiceAccessForOrganization", lambda: [
                p["ServicePrincipal"] for p in paginate(organizations, "list_aws_service_access_for_organization",
                                                        "EnabledServicePrincipals")]),
            "organization_accounts": guarded("ListAccounts", lambda: {
                a["Id"]: a["Status"] for a in paginate(organizations, "list_accounts", "Accounts")}),
            "delegated_administrators": {
                principal: guarded("ListDelegatedAdministrators", lambda p=principal: [
                    a["Id"] for a in paginate(organizations, "list_delegated_administrators",
                                              "DelegatedAdministrators", ServicePrincipal=p)])
                for principal in ("securityhub.amazonaws.com", STACKSETS_PRINCIPAL, ACCOUNT_MANAGEMENT)},
            "guardduty_administrators": {region: guarded("ListOrganizationAdminAccounts", lambda r=region: [
                a["AdminAccountId"] for a in paginate(clients.client("guardduty", r),
                                                      "list_organization_admin_accounts", "AdminAccounts")])
                for region in regions},
            "organization_trails": guarded("DescribeTrails", lambda: _read_organization_trails(
                clients.client("cloudtrail", home))),
        }
        if stack.trail_bucket_name:
            facts["trail_bucket"] = _read_trail_bucket(clients.client("s3", home), stack.trail_bucket_name)
    facts["accounts"] = {account.id: _account(clients, stack, account, home) for account in stack.accounts}
    facts["security_account_reached"] = _read_security_account_role(clients, stack, home)
    facts["lambda_concurrency"] = _read_lambda_concurrency(clients, stack, home)
    facts["organization_regions"] = _read_organization_regions(clients, stack, home)
    return facts


def _read_organization(client) -> dict:
    organization = client.describe_organization()["Organization"]
    roots = client.list_roots()["Roots"]
    return {"id": organization["Id"], "feature_set": organization["FeatureSet"],
            "root_id": roots[0]["Id"] if roots else None,
            "policy_types": [t["Type"] for t in (roots[0].get("PolicyTypes", []) if roots else [])
                             if t.get("Status") == "ENABLED"]}


def _read_organization_trails(client) -> list[dict]:
    trails = []
    for trail in client.describe_trails(includeShadowTrails=True)["trailList"]:
        if not trail.get("IsOrganizationTrail"):
            continue
        selectors = client.get_event_selectors(TrailName=trail["TrailARN"])
        trails.append({"name": trail["Name"], "arn": trail["TrailARN"], "home_region": trail.get("HomeRegion"),
                       "management_events": records_management_events(selectors)})
    return trails


def _read_trail_bucket(client, name: str) -> dict:
    """GetBucketPolicy tells a bucket that does not exist (NoSuchBucket) from one without a policy
    (NoSuchBucketPolicy: None) and reads the policy where its owner lets us (else the unavailable marker)."""
    try:
        return {"name": name, "exists": True, "policy": json.loads(client.get_bucket_policy(Bucket=name)["Policy"])}
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in ("NoSuchBucket", "NoSuchBucketPolicy"):
            return {"name": name, "exists": code == "NoSuchBucketPolicy", "policy": None}
    return {"name": name, "exists": True, "policy": guarded(
        "GetBucketPolicy", lambda: json.loads(client.get_bucket_policy(Bucket=name)["Policy"]))}


def principal_arn(caller_arn: str, iam) -> str:
    """The caller as ``aws:PrincipalArn`` sees it: for a role session (``arn:aws:sts::<id>:assumed-role/<role>/
    <session>``) the role's ARN, path included, which the session ARN leaves out (iam:GetRole finds it); any
    other caller's own ARN.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn"""
    service, resource = caller_arn.split(":")[2], caller_arn.split(":", 5)[5]
    if service != "sts" or not resource.startswith("assumed-role/"):
        return caller_arn
    return iam.get_role(RoleName=resource.split("/")[1])["Role"]["Arn"]


def records_management_events(selectors: dict) -> bool:
    """Whether GetEventSelectors' answer records management events (basic or advanced selectors)."""
    if selectors.get("AdvancedEventSelectors"):
        return any(field.get("Field") == "eventCategory" and "Management" in field.get("Equals", [])
                   for selector in selectors["AdvancedEventSelectors"] for field in selector["FieldSelectors"])
    return any(s.get("IncludeManagementEvents", True) for s in selectors.get("EventSelectors", []))


def _reach(clients: Clients, stack: StackConfig, account_id: str, home: str) -> Clients | dict:
    """Clients acting in ``account_id``: the caller's for the management account, else through
    irready:memberRoleName; the unavailable marker when AssumeRole fails."""
    if account_id == _management(stack):
        return clients
    role = f"arn:aws:iam::{account_id}:role/{stack.member_role_name}"
    session = guarded("AssumeRole", lambda: assumed_session(clients, role, None, home))
    return session if is_unavailable(session) else clients.for_session(session)


def _read_security_account_role(clients: Clients, stack: StackConfig, home: str) -> bool | dict | None:
    """True when irready:memberRoleName can be assumed in the security account, the unavailable marker when
    it cannot; None when there is nothing more to check (no security account yet, the management account, or
    one of irready:accounts, whose role ``_account`` reads). The program builds the security account's side
    (its event buses, functions, the GuardDuty and Security Hub administration) through that role
    (infra/providers.py), in explicit and organization mode alike."""
    security = stack.security_account_id
    if not security or security == _management(stack) or security in {a.id for a in stack.accounts}:
        return None
    reached = _reach(clients, stack, security, home)
    return reached if is_unavailable(reached) else True


def _read_lambda_concurrency(clients: Clients, stack: StackConfig, home: str) -> dict | None:
    """The security account's Lambda concurrency in its home region, where the program reserves
    ``stack.lambda_reservations``: {"limit", "unreserved" (GetAccountSettings' AccountLimit), "held": {function:
    reserved} (GetFunctionConcurrency: what irready's functions hold already)}. None when nothing is reserved
    or the program creates the account."""
    reserved = stack.lambda_reservations
    if not reserved or not stack.security_account_id:
        return None
    reached = _reach(clients, stack, stack.security_account_id, home)
    if is_unavailable(reached):
        return reached

    def read(client) -> dict:
        limit = client.get_account_settings()["AccountLimit"]
        held = {}
        for function in reserved:
            try:
                held[function] = client.get_function_concurrency(FunctionName=function).get(
                    "ReservedConcurrentExecutions", 0)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        return {"limit": limit["ConcurrentExecutions"], "unreserved": limit["UnreservedConcurrentExecutions"],
                "held": held}

    with reached.acting():
        client = reached.client("lambda", stack.security_home_region)
        return guarded("GetAccountSettings", lambda: read(client))


def _read_organization_regions(clients: Clients, stack: StackConfig, home: str) -> dict | None:
    """Organization mode: {"opt_in": {region: OptInStatus} (the management account's DescribeRegions),
    "members": {account: {region: RegionOptStatus}} (Account Management's GetRegionOptStatus, from the
    management account, for each opt-in region the stack names and each active account the StackSets target)}.
    None in explicit mode."""
    mode = stack.organization
    if mode is None:
        return None
    with clients.acting():
        ec2 = clients.client("ec2", home)
        opt_in = guarded("DescribeRegions", lambda: {
            r["RegionName"]: r.get("OptInStatus", "opt-in-not-required")
            for r in ec2.describe_regions(AllRegions=True)["Regions"]})
        facts: dict = {"opt_in": opt_in, "members": {}}
        if is_unavailable(opt_in):
            return facts
        named = [r for r in mode.named_regions if opt_in.get(r) != "opt-in-not-required"]
        if not named:
            return facts
        organizations, account = clients.client("organizations", home), clients.client("account", "us-east-1")
        members = guarded("ListAccountsForParent", lambda: targeted_accounts(organizations, mode.units))
        if is_unavailable(members):
            facts["members"] = members
            return facts
        management = _management(stack)
        facts["members"] = {member: {region: guarded("GetRegionOptStatus", lambda m=member, r=region: (
            account.get_region_opt_status(AccountId=m, RegionName=r)["RegionOptStatus"])) for region in named}
            for member in members if member != management}
    return facts


def targeted_accounts(client, units: tuple[str, ...]) -> list[str]:
    """The active accounts under ``units`` ("root", or OU ids and every OU below them), as StackSets'
    ``OrganizationalUnitIds`` targets them."""
    if "root" in units:
        return [a["Id"] for a in paginate(client, "list_accounts", "Accounts") if a["Status"] == "ACTIVE"]
    found, parents = [], list(units)
    while parents:
        parent = parents.pop()
        found += [a["Id"] for a in paginate(client, "list_accounts_for_parent", "Accounts", ParentId=parent)
                  if a["Status"] == "ACTIVE"]
        parents += [ou["Id"] for ou in paginate(client, "list_organizational_units_for_parent",
                                                 "OrganizationalUnits", ParentId=parent)]
    return sorted(set(found))


def _account(clients: Clients, stack: StackConfig, account, home: str) -> dict:
    reached = _reach(clients, stack, account.id, home)
    if is_unavailable(reached):
        return {"reached": reached, "regions": {}}
    with reached.acting():
        opt_in = guarded("DescribeRegions", lambda: {
            r["RegionName"]: r.get("OptInStatus", "opt-in-not-required")
            for r in reached.client("ec2", home).describe_regions(AllRegions=True)["Regions"]})
        regions = {}
        for region in account.regions:
            status = opt_in if is_unavailable(opt_in) else opt_in.get(region, "not-opted-in")
            regions[region] = {"opt_in": status}
            if status == "not-opted-in":
                continue
            guardduty, ec2 = reached.client("guardduty", region), reached.client("ec2", region)
            regions[region]["detectors"] = guarded("ListDetectors", lambda g=guardduty: [
                {"id": d, "status": g.get_detector(DetectorId=d)["Status"]}
                for d in paginate(g, "list_detectors", "DetectorIds")])
            regions[region]["vpcs"] = guarded("DescribeVpcs", lambda e=ec2: [
                {"id": v["VpcId"], "owner": v["OwnerId"]} for v in paginate(e, "describe_vpcs", "Vpcs")])
    return {"reached": True, "regions": regions}


# --- checks ------------------------------------------------------------------------------------------------

Judged = Iterator[tuple[str, Result]]  # (account id, result)


@dataclass(frozen=True)
class PreflightCheck:
    """A preflight check: metadata as the audit's checks have, and ``judge(stack, facts)``."""
    check: Check
    judge: Callable[[StackConfig, dict], Judged]


def _need(value, what: str):
    if is_unavailable(value):
        marker = value["unavailable"]
        raise Unavailable(f"could not read {what}: {marker['reason']} ({marker['operation']}: {marker['code']})")
    return value


def _where(stack: StackConfig, account_id: str) -> str:
    index = next(n for n, a in enumerate(stack.accounts) if a.id == account_id)
    return f"irready:accounts[{index}]"


def _management(stack: StackConfig) -> str:
    return next(a.id for a in stack.accounts if a.management)


def _credentials(stack: StackConfig, facts: dict) -> Judged:
    management = _management(stack)
    if facts["caller_account_id"] == management:
        yield management, Result.passed(GLOBAL, NO_RESOURCE, "the credentials are the management account's")
    else:
        yield management, Result.failed(GLOBAL, NO_RESOURCE, (
            f"the credentials belong to {facts['caller_account_id']}, but {_where(stack, management)} "
            f"({management}) is marked management: true; run with the management account's credentials "
            "(--profile), or mark the right account"))


def _organization_features(stack: StackConfig, facts: dict) -> Judged:
    management = _management(stack)
    organization = _need(facts["organization"], "the organization")
    if organization["feature_set"] != "ALL":
        yield management, Result.failed(GLOBAL, NO_RESOURCE, (
            f"the organization has feature set {organization['feature_set']}; trusted access, delegated "
            "administrators and SCPs need ALL: enable all features in AWS Organizations"))
        return
    if "SERVICE_CONTROL_POLICY" in organization["policy_types"]:
        yield management, Result.passed(GLOBAL, organization["root_id"] or NO_RESOURCE, "SCPs are enabled")
    else:
        yield management, Result.failed(GLOBAL, organization["root_id"] or NO_RESOURCE, (
            "the SCP policy type is not enabled: the quarantine SCP cannot be attached at incident time; run "
            f"`aws organizations enable-policy-type --root-id {organization['root_id']} "
            "--policy-type SERVICE_CONTROL_POLICY`"))
    if stack.tag_policy and "TAG_POLICY" not in organization["policy_types"]:
        # AttachPolicy refuses a policy of a type not enabled on the root (PolicyTypeNotEnabledException).
        yield management, Result.failed(GLOBAL, organization["root_id"] or NO_RESOURCE, (
            "irready:tagPolicy is set but the tag policy type is not enabled: `pulumi up` cannot attach the context "
            f"tag policy; run `aws organizations enable-policy-type --root-id {organization['root_id']} "
            "--policy-type TAG_POLICY`"))
    elif stack.tag_policy:
        yield management, Result.passed(GLOBAL, organization["root_id"] or NO_RESOURCE, "tag policies are enabled")


def _trusted_access(stack: StackConfig, facts: dict) -> Judged:
    management = _management(stack)
    enabled = _need(facts["trusted_access"], "the organization's trusted access")
    for principal, purpose in needed_trusted_access(stack).items():
        if principal in enabled:
            yield management, Result.passed(GLOBAL, principal, f"trusted access enabled ({purpose})")
        else:
            yield management, Result.failed(GLOBAL, principal, (
                f"trusted access for {principal} is not enabled; `pulumi up` stops ({purpose}); run "
                f"`{enable_command(principal)}`"))
    wanted = {p: why for p, why in ENABLED_BY_DESIGNATION.items()
              if p != "securityhub.amazonaws.com" or stack.security_hub}
    for principal, purpose in wanted.items():
        state = "enabled" if principal in enabled else "not enabled yet; the designation enables it"
        yield management, Result.passed(GLOBAL, principal, f"trusted access {state} ({purpose})")
    delegated = facts["delegated_administrators"][STACKSETS_PRINCIPAL]
    if stack.organization and not is_unavailable(delegated):  # organization mode (issue #18): who administers
        yield management, Result.passed(GLOBAL, "StackSets administrator", (
            "the program creates the StackSets from the management account (CallAs SELF); "
            + (f"delegated administrators {', '.join(sorted(delegated))} are not used by irready" if delegated
               else "no delegated administrator is registered, none is needed")))


def _accounts(stack: StackConfig, facts: dict) -> Judged:
    members = _need(facts["organization_accounts"], "the organization's accounts")
    listed = [(a.id, f"{_where(stack, a.id)}.id") for a in stack.accounts]
    if stack.security_account_id:
        listed.append((stack.security_account_id, "irready:securityAccountId"))
    for account_id, key in dict(reversed(listed)).items():  # an id listed twice: its first key
        status = members.get(account_id)
        if status == "ACTIVE":
            yield account_id, Result.passed(GLOBAL, account_id, "an active account of the organization")
        elif status is None:
            yield account_id, Result.failed(GLOBAL, account_id, (
                f"{key}: {account_id} is not an account of this organization; correct the id or remove it"))
        else:
            yield account_id, Result.failed(GLOBAL, account_id, (
                f"{key}: {account_id} is {status}; remove it from the stack config"))


def _member_role(stack: StackConfig, facts: dict) -> Judged:
    for account in stack.accounts:
        if account.management:
            continue
        reached = facts["accounts"][account.id]["reached"]
        if reached is True:
            yield account.id, Result.passed(GLOBAL, stack.member_role_name, "the member role can be assumed")
        else:
            marker = reached["unavailable"]
            yield account.id, Result.failed(GLOBAL, stack.member_role_name, (
                f"cannot assume {stack.member_role_name} in {account.id} ({marker['code']}); set "
                "irready:memberRoleName to a role the management account can assume there "
                f"(OrganizationAccountAccessRole, AWSControlTowerExecution...), or remove {_where(stack, account.id)}"))
    security, reached = stack.security_account_id, facts["security_account_reached"]
    if reached is True:
        yield security, Result.passed(GLOBAL, stack.member_role_name, "the member role can be assumed in the "
                                      "security account")
    elif reached is not None:
        yield security, Result.failed(GLOBAL, stack.member_role_name, (
            f"cannot assume {stack.member_role_name} in the security account {security} "
            f"({reached['unavailable']['code']}), through which the program builds its side; create the role there "
            "(trusting the management account), or set irready:memberRoleName to a role the management account "
            "can assume in every account the program reaches"))


def _regions(stack: StackConfig, facts: dict) -> Judged:
    for account in stack.accounts:
        for region, data in facts["accounts"][account.id]["regions"].items():
            status = _need(data["opt_in"], f"the regions of {account.id}")
            if status == "not-opted-in":
                yield account.id, Result.failed(region, NO_RESOURCE, (
                    f"{region} is an opt-in region not enabled for {account.id}; enable it (Account settings, "
                    f"`aws account enable-region --region-name {region}`) or remove it from "
                    f"{_where(stack, account.id)}.regions"))
            else:
                yield account.id, Result.passed(region, NO_RESOURCE, f"region enabled ({status})")


def _organization_regions(stack: StackConfig, facts: dict) -> Judged:
    """Organization mode: what ``regions: all`` covers (the regions that need no opt-in), and, for each opt-in
    region the stack names, the targeted member accounts that have not enabled it (their stack instances fail)."""
    mode = stack.organization
    if mode is None:
        return
    management, data = _management(stack), facts["organization_regions"]
    opt_in = _need(data["opt_in"], "the management account's regions")
    if mode.all_regions:
        default = sorted(r for r, status in opt_in.items() if status == "opt-in-not-required")
        left_out = sorted(r for r, status in opt_in.items() if status == "opted-in" and r not in mode.named_regions)
        yield management, Result.passed(GLOBAL, ALL_REGIONS, (
            f"all: the {len(default)} regions that need no opt-in" + (
                f"; the management account's opt-in regions {', '.join(left_out)} are left out: name them to deploy "
                f"there (irready:organization.regions: [all, {left_out[0]}])" if left_out else "")))
    members = data["members"]
    for region in mode.named_regions:
        if opt_in.get(region) == "opt-in-not-required":
            continue
        statuses = _need(members, "the accounts the StackSets target")
        lacking = [account for account, regions in sorted(statuses.items()) if _need(
            regions[region], f"the opt-in status of {region} in {account}") not in ("ENABLED", "ENABLED_BY_DEFAULT")]
        if lacking:
            listed = ", ".join(lacking[:5]) + (f" and {len(lacking) - 5} more" if len(lacking) > 5 else "")
            yield management, Result.failed(region, NO_RESOURCE, (
                f"{region} is an opt-in region {len(lacking)} of the {len(statuses)} targeted member accounts have "
                f"not enabled ({listed}): their stack instances fail there and count against "
                "irready:organization.failureTolerancePercentage; enable it for them (`aws account enable-region "
                f"--account-id <id> --region-name {region}`), or remove {region} from irready:organization.regions"))
        else:
            yield management, Result.passed(region, NO_RESOURCE, (
                f"an opt-in region all {len(statuses)} targeted member accounts have enabled"))


def _organization_trails(stack: StackConfig, facts: dict) -> Judged:
    management = _management(stack)
    trails = [t for t in _need(facts["organization_trails"], "the organization's trails") if t["name"] != TRAIL_NAME]
    duplicates = [t for t in trails if t["management_events"]]
    if duplicates and stack.trail_management_events:
        for trail in duplicates:
            yield management, Result.failed(trail["home_region"] or GLOBAL, trail["arn"], (
                f"organization trail {trail['name']} already records management events; a second copy is billed: "
                "set irready:trailManagementEvents: false (the irready trail then records data events only)"))
    elif trails:
        for trail in trails:
            yield management, Result.passed(trail["home_region"] or GLOBAL, trail["arn"], (
                f"organization trail {trail['name']} kept; the irready trail adds "
                + ("data events only" if not stack.trail_management_events else "what it does not record")))
    elif not stack.trail_management_events:
        yield management, Result.failed(GLOBAL, NO_RESOURCE, (
            "no other organization trail records management events, and irready:trailManagementEvents is false: "
            "nobody records them; set irready:trailManagementEvents: true"))
    else:
        yield management, Result.passed(GLOBAL, NO_RESOURCE, "no other organization trail; the irready trail "
                                                             "records management events")


CLOUDTRAIL = "cloudtrail.amazonaws.com"


def _trail_bucket(stack: StackConfig, facts: dict) -> Judged:
    """A landing zone's bucket (irready:trailBucketName) must exist and let this organization trail, and only
    trails of this organization, GetBucketAcl and PutObject under AWSLogs/<management>/ and AWSLogs/<org id>/."""
    if not stack.trail_bucket_name:
        return
    management, bucket = _management(stack), facts["trail_bucket"]
    name, arn = bucket["name"], f"arn:aws:s3:::{bucket['name']}"
    if not bucket["exists"]:
        yield management, Result.failed(GLOBAL, arn, (
            f"bucket {name} does not exist: set irready:trailBucketName to the log archive bucket's name"))
        return
    organization_id = _need(facts["organization"], "the organization")["id"]
    home = next(a for a in stack.accounts if a.management).regions[0]
    trail = organization_trail_arn(home, management)
    needed = json.dumps(cloudtrail_delivery_statements(arn, management, organization_id, trail))
    if is_unavailable(bucket["policy"]):
        marker = bucket["policy"]["unavailable"]
        yield management, Result.unknown(GLOBAL, arn, (
            f"could not read bucket {name}'s policy ({marker['code']}); ask its owner to confirm it has: {needed}"))
        return
    policy = bucket["policy"] or {}
    if not _delivers(policy, arn, trail, management, organization_id):
        yield management, Result.failed(GLOBAL, arn, (
            f"bucket {name}'s policy does not let the irready organization trail deliver; its owner adds: {needed}"))
    elif _delivers(policy, arn, "arn:aws:cloudtrail:us-east-1:000000000000:trail/any", "000000000000",
                   "o-000000000000"):
        yield management, Result.failed(GLOBAL, arn, (
            f"bucket {name}'s policy lets any trail write (no aws:SourceArn or aws:SourceOrgID condition): a "
            f"confused deputy can fill it; its owner scopes the CloudTrail statements to: {needed}"))
    else:
        yield management, Result.passed(GLOBAL, arn, f"bucket {name}'s policy lets the organization trail deliver")


def _delivers(policy: dict, bucket_arn: str, trail_arn: str, management: str, organization_id: str) -> bool:
    """Whether ``policy`` lets CloudTrail, for ``trail_arn``, check the bucket's ACL and write both log prefixes
    (the request context CloudTrail sends: aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, s3:x-amz-acl)."""
    context = {"aws:SourceArn": trail_arn, "aws:SourceAccount": management, "aws:SourceOrgID": organization_id,
               "aws:SecureTransport": "true", "s3:x-amz-acl": "bucket-owner-full-control"}
    requests = [Request("s3:GetBucketAcl", bucket_arn, CLOUDTRAIL, context)] + [
        Request("s3:PutObject", f"{bucket_arn}/AWSLogs/{prefix}/CloudTrail/us-east-1/log.json.gz", CLOUDTRAIL,
                context) for prefix in (management, f"{organization_id}/{management}")]
    return all(evaluate_policy([policy], request) == ALLOW for request in requests)


def _trail_admins(stack: StackConfig, facts: dict) -> Judged:
    """The caller must be one of irready:trailAdminPrincipals: the trail bucket and key policies the program
    writes deny changing them to everyone else, so the caller's next `pulumi up` would be refused. Judged by
    evaluating those very deny statements (org_trail's) for this caller."""
    if stack.trail_bucket_name:
        return  # a landing zone's bucket: no trail bucket or key of irready's
    management = _management(stack)
    caller = _need(facts["caller_principal_arn"], "the role of the credentials")
    bucket = "arn:aws:s3:::irready-trail"
    context = {"aws:PrincipalArn": caller, "aws:PrincipalIsAWSService": "false"}
    admins = list(stack.trail_admin_principals)
    denied = [request.action for request, statements in (
        (Request("s3:PutBucketPolicy", bucket, caller, context), org_trail.bucket_tamper_denies(bucket, admins)),
        (Request("kms:PutKeyPolicy", "*", caller, context), org_trail.key_tamper_denies(admins)))
        if evaluate_policy([{"Statement": statements}], request) != IMPLICIT_DENY]
    if denied:
        yield management, Result.failed(GLOBAL, caller, (
            f"{caller} (these credentials) is not in irready:trailAdminPrincipals: the trail bucket and key policies "
            f"would refuse its {' and '.join(denied)} at its next `pulumi up`; add {caller} to "
            "irready:trailAdminPrincipals, or run as one of them"))
    else:
        yield management, Result.passed(GLOBAL, caller, (
            f"{caller} is in irready:trailAdminPrincipals: it may update the trail bucket and key policies"))


def _security_account(stack: StackConfig, facts: dict) -> str | None:
    return stack.security_account_id  # None when the stack creates it: nothing to compare yet


def _guardduty_administrator(stack: StackConfig, facts: dict) -> Judged:
    management, security = _management(stack), _security_account(stack, facts)
    for region, admins in facts["guardduty_administrators"].items():
        admins = _need(admins, f"GuardDuty's delegated administrator in {region}")
        others = [a for a in admins if a != security]
        if others:
            yield management, Result.failed(region, others[0], (
                f"GuardDuty's delegated administrator in {region} is {others[0]}; the program designates "
                f"{security or 'the account it creates'}: set irready:securityAccountId to {others[0]}, or "
                f"remove the designation (`aws guardduty disable-organization-admin-account --admin-account-id "
                f"{others[0]} --region {region}`)"))
        elif admins:
            yield management, Result.passed(region, admins[0], "already the delegated administrator: adopted")
        else:
            yield management, Result.passed(region, NO_RESOURCE, "no delegated administrator yet: designated by "
                                                                 "the program")


def _guardduty_detectors(stack: StackConfig, facts: dict) -> Judged:
    for account in stack.accounts:
        for region, data in facts["accounts"][account.id]["regions"].items():
            if "detectors" not in data:
                continue
            detectors = _need(data["detectors"], f"GuardDuty detectors of {account.id} in {region}")
            for detector in detectors:
                if detector["status"] == "ENABLED":
                    yield account.id, Result.passed(region, detector["id"], (
                        "detector exists: kept and enrolled by auto-enable, never created again"))
                else:
                    yield account.id, Result.failed(region, detector["id"], (
                        f"detector {detector['id']} is suspended; auto-enable does not resume it: run "
                        f"`aws guardduty update-detector --detector-id {detector['id']} --enable --region {region}` "
                        f"in {account.id}"))
            if not detectors:
                yield account.id, Result.passed(region, NO_RESOURCE, "no detector: auto-enable creates it")


def _delegated_administrator(stack: StackConfig, facts: dict, principal: str, what: str,
                             verbs: tuple[str, str], fix: Callable[[str], str]) -> Judged:
    """An organization has one delegated administrator per service principal: ``principal``'s must be the
    security account (adopted) or none (the program makes it one: ``verbs``, e.g. ("registers", "registered"));
    another fails with ``fix(other)``. ``what`` names the delegation in the findings."""
    management, security = _management(stack), _security_account(stack, facts)
    admins = _need(facts["delegated_administrators"][principal], what)
    others = [a for a in admins if a != security]
    if others:
        yield management, Result.failed(GLOBAL, others[0], (
            f"{what} is {others[0]}; the program {verbs[0]} {security or 'the account it creates'}: "
            f"{fix(others[0])}"))
    else:
        yield management, Result.passed(GLOBAL, admins[0] if admins else NO_RESOURCE, (
            "already the delegated administrator: adopted" if admins else
            f"no delegated administrator yet: {verbs[1]} by the program"))


def _security_hub_administrator(stack: StackConfig, facts: dict) -> Judged:
    if stack.security_hub:
        yield from _delegated_administrator(
            stack, facts, "securityhub.amazonaws.com", "Security Hub's delegated administrator",
            ("designates", "designated"),
            lambda other: f"set irready:securityAccountId to {other}, or set irready:securityHub: false and keep "
                          "the existing set-up")


def _account_management_administrator(stack: StackConfig, facts: dict) -> Judged:
    """Organization mode (issue #18): the security contacts function names member accounts as the delegated
    administrator for Account Management, which the program registers (one per organization)."""
    if stack.organization:
        yield from _delegated_administrator(
            stack, facts, ACCOUNT_MANAGEMENT, f"the delegated administrator for {ACCOUNT_MANAGEMENT}",
            ("registers", "registered"),
            lambda other: f"run `aws organizations deregister-delegated-administrator --account-id {other} "
                          f"--service-principal {ACCOUNT_MANAGEMENT}`, or set irready:securityAccountId to {other}")


def _listed_vpcs(stack: StackConfig, facts: dict) -> Judged:
    """Each VPC listed under irready:accounts[n].vpcs is one the account sees in that region (DescribeVpcs, the
    account's own and those shared with it), else CreateFlowLogs fails with InvalidVpcID.NotFound at `pulumi up`
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html)."""
    for account in stack.accounts:
        regions = facts["accounts"][account.id]["regions"]
        for region, listed in account.vpcs.items():
            if "vpcs" not in regions.get(region, {}):
                continue  # not reached or not enabled: preflight.member_role / preflight.regions say so
            seen = {vpc["id"] for vpc in _need(regions[region]["vpcs"], f"the VPCs of {account.id} in {region}")}
            for vpc_id in listed:
                if vpc_id in seen:
                    yield account.id, Result.passed(region, vpc_id, f"{vpc_id} exists in {account.id} {region}")
                else:
                    yield account.id, Result.failed(region, vpc_id, (
                        f"{_where(stack, account.id)}.vpcs.{region}: {vpc_id} does not exist in {account.id} "
                        f"{region} (InvalidVpcID.NotFound at `pulumi up`); correct the id, or remove it "
                        "(left out, the account's VPCs are discovered)"))


def _shared_vpcs(stack: StackConfig, facts: dict) -> Judged:
    listed = {a.id for a in stack.accounts}
    for account in stack.accounts:
        for region, data in facts["accounts"][account.id]["regions"].items():
            if "vpcs" not in data:
                continue
            for vpc in _need(data["vpcs"], f"the VPCs of {account.id} in {region}"):
                if vpc["owner"] == account.id:
                    continue
                if vpc["id"] in account.vpcs.get(region, ()):
                    yield account.id, Result.failed(region, vpc["id"], (
                        f"{vpc['id']} is shared by {vpc['owner']}: a participant cannot create its flow logs or "
                        f"query-log associations; remove it from {_where(stack, account.id)}.vpcs.{region}"))
                elif vpc["owner"] not in listed:
                    yield account.id, Result.failed(region, vpc["id"], (
                        f"{vpc['id']} is shared by {vpc['owner']}, which is not in irready:accounts: nobody logs "
                        f"it; add {vpc['owner']} to irready:accounts with region {region}"))
                else:
                    yield account.id, Result.passed(region, vpc["id"], (
                        f"shared by {vpc['owner']}: skipped here, logged and contained by its owner"))


def _lambda_concurrency(stack: StackConfig, facts: dict) -> Judged:
    """The security account's ConcurrentExecutions quota must cover irready's reservations and the 100 Lambda
    keeps unreserved, or PutFunctionConcurrency fails on the first `pulumi up` (policies/lambda_concurrency.py)."""
    reserved = stack.lambda_reservations
    if not reserved:
        return
    security, region, total = stack.security_account_id, stack.security_home_region, sum(reserved.values())
    listing = ", ".join(f"{function} {n}" for function, n in reserved.items())
    lower = (" (or lower irready:scheduledAudit.maxConcurrency)"
             if scheduled_names.ACCOUNT_FUNCTION in reserved else "")
    if security is None:
        yield _management(stack), Result.unknown(region, "ConcurrentExecutions", (
            f"the security account the program creates starts with its own Lambda quota, often 10 concurrent "
            f"executions: irready reserves {total} ({listing}) and Lambda keeps {concurrency.UNRESERVED_MINIMUM} "
            f"unreserved; set {concurrency.CONFIG_KEY}: false for the first `pulumi up`, or raise quota "
            f"{concurrency.QUOTA_CODE} to {total + concurrency.UNRESERVED_MINIMUM} once the account exists"))
        return
    settings = _need(facts["lambda_concurrency"], f"the Lambda concurrency of {security} in {region}")
    short = concurrency.shortfall(reserved, settings["unreserved"], settings["held"])
    limit, unreserved = settings["limit"], settings["unreserved"]
    if short:
        yield security, Result.failed(region, "ConcurrentExecutions", (
            f"{security} allows {limit} concurrent Lambda executions in {region} ({unreserved} unreserved); irready "
            f"reserves {total} ({listing}) and Lambda keeps {concurrency.UNRESERVED_MINIMUM} unreserved, so "
            f"PutFunctionConcurrency fails: request {limit + short} (`aws service-quotas "
            f"request-service-quota-increase --service-code lambda --quota-code {concurrency.QUOTA_CODE} "
            f"--desired-value {limit + short} --region {region}`), or set {concurrency.CONFIG_KEY}: false{lower}"))
    else:
        yield security, Result.passed(region, "ConcurrentExecutions", (
            f"{limit} concurrent executions ({unreserved} unreserved): room for irready's {total} and "
            f"{concurrency.UNRESERVED_MINIMUM} unreserved"))


def _check(id_: str, title: str, severity: Severity, rationale: str, remediation: str, reference: str,
           judge: Callable[[StackConfig, dict], Judged]) -> PreflightCheck:
    return PreflightCheck(Check(id_, title, severity, rationale, remediation, (reference,), evaluate=None), judge)


PREFLIGHT_CHECKS = (
    _check("preflight.credentials", "The credentials are the management account's", Severity.CRITICAL,
           "The program creates the organization trail and the delegations from the management account.",
           "Run with the management account's credentials (--profile), or fix which account is management: true.",
           "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_management.html",
           _credentials),
    _check("preflight.organization", "All features and SCPs are enabled", Severity.HIGH,
           "Trusted access and delegated administrators need all features; the quarantine SCP needs SCPs enabled.",
           "Enable all features, then the SERVICE_CONTROL_POLICY policy type on the root (and TAG_POLICY with "
           "irready:tagPolicy).",
           "https://docs.aws.amazon.com/organizations/latest/userguide/enable-policy-type.html",
           _organization_features),
    _check("preflight.trusted_access", "Trusted access is enabled for the services the program uses", Severity.HIGH,
           "Without it `pulumi up` stops (alternate contacts, the organization trail).",
           "aws organizations enable-aws-service-access --service-principal <principal> (named in each finding).",
           "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html", _trusted_access),
    _check("preflight.accounts", "Every listed account is an active account of the organization", Severity.HIGH,
           "An account outside the organization or suspended cannot be reached or prepared.",
           "Correct or remove the account in irready:accounts (or irready:securityAccountId).",
           "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html", _accounts),
    _check("preflight.member_role", "irready:memberRoleName can be assumed in every member account", Severity.HIGH,
           "The program reaches member accounts only through this role.",
           "Set irready:memberRoleName to a role the management account can assume in every member account.",
           "https://docs.aws.amazon.com/organizations/latest/userguide/"
           "orgs_manage_accounts_access-cross-account-role.html",
           _member_role),
    _check("preflight.regions", "Every listed region is enabled for its account", Severity.HIGH,
           "Calls to an opt-in region that is not enabled fail.",
           "Enable the region for the account, or remove it from irready:accounts[n].regions.",
           "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html", _regions),
    _check("preflight.organization_regions", "Organization mode: every targeted member has the StackSets' regions",
           Severity.HIGH, "A member that has not enabled an opt-in region fails its stack instance there, and the "
           "failures count against the failure tolerance; `all` is the regions that need no opt-in.",
           "Enable the named opt-in region for the members listed, or remove it from irready:organization.regions.",
           "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html", _organization_regions),
    _check("preflight.organization_trails", "No second copy of management events", Severity.LOW,
           "A landing zone (Control Tower...) often has an organization trail already; a second copy of management "
           "events is billed.",
           "Set irready:trailManagementEvents: false where another organization trail records management events.",
           "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html",
           _organization_trails),
    _check("preflight.trail_bucket", "The landing zone's bucket admits the organization trail", Severity.HIGH,
           "With irready:trailBucketName the trail writes to a bucket its owner keeps; without the owner's "
           "statements CreateTrail fails (InsufficientS3BucketPolicyException).",
           "The bucket's owner adds the printed statements to its bucket policy (aws:SourceArn = the irready trail).",
           "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
           _trail_bucket),
    _check("preflight.trail_admins", "The credentials are among irready:trailAdminPrincipals", Severity.HIGH,
           "The trail bucket and key policies deny changing them to all but irready:trailAdminPrincipals (the "
           "management account is outside every SCP); a `pulumi up` by anyone else is refused when it updates them.",
           "Add the role you run `pulumi up` as (its role ARN, not the session's) to irready:trailAdminPrincipals.",
           "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
           "#condition-keys-principalarn", _trail_admins),
    _check("preflight.guardduty_administrator", "GuardDuty's delegated administrator is the security account",
           Severity.HIGH, "An organization has one GuardDuty delegated administrator per region; designating a "
           "second fails.", "Set irready:securityAccountId to the existing administrator, or remove its designation.",
           "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html", _guardduty_administrator),
    _check("preflight.guardduty_detectors", "Existing GuardDuty detectors are adopted", Severity.MEDIUM,
           "An account has one detector per region; the program adopts it; a suspended one stays blind.",
           "Resume suspended detectors (aws guardduty update-detector --enable).",
           "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html", _guardduty_detectors),
    _check("preflight.security_hub_administrator", "Security Hub's delegated administrator is the security account",
           Severity.MEDIUM, "An organization has one Security Hub delegated administrator.",
           "Set irready:securityAccountId to the existing administrator, or irready:securityHub: false.",
           "https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html",
           _security_hub_administrator),
    _check("preflight.account_management_administrator",
           "The security account is the delegated administrator for Account Management", Severity.HIGH,
           "Organization mode: the security contacts function sets every account's SECURITY contact with AccountId, "
           "which only the management account or the one delegated administrator for account.amazonaws.com may do.",
           "Deregister the other delegated administrator for account.amazonaws.com, or adopt it as the security "
           "account.", "https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html",
           _account_management_administrator),
    _check("preflight.vpcs", "Every listed VPC exists in its account and region", Severity.HIGH,
           "The program creates flow logs and query-log associations for each listed VPC; one that does not exist "
           "stops `pulumi up` (InvalidVpcID.NotFound).",
           "Correct the VPC id in irready:accounts[n].vpcs, or remove the entry to have the account's VPCs discovered.",
           "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html", _listed_vpcs),
    _check("preflight.shared_vpcs", "Shared VPCs are logged by their owner", Severity.MEDIUM,
           "A participant of a shared VPC cannot create flow logs or query-log associations for it; its owner must.",
           "List the owner account in irready:accounts; never list a shared VPC under a participant's vpcs.",
           "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html", _shared_vpcs),
    _check("preflight.lambda_concurrency", "The security account's Lambda quota covers irready's reservations",
           Severity.HIGH, "Lambda keeps 100 of an account's concurrent executions unreserved; a new account's quota "
           "is often 10, and reserving concurrency there fails the first `pulumi up`.",
           "Request a Lambda concurrent executions increase (Service Quotas, L-B99A9384), or set "
           "irready:reservedConcurrency: false.",
           "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html", _lambda_concurrency),
)


def evaluate(stack: StackConfig, facts: dict) -> list[Finding]:
    """Every preflight check on the facts; a check whose facts could not be read is UNKNOWN."""
    findings = []
    for preflight in PREFLIGHT_CHECKS:
        check = preflight.check
        try:
            judged = list(preflight.judge(stack, facts))
        except Unavailable as exc:
            judged = [(_management(stack), Result.unknown(GLOBAL, NO_RESOURCE, exc.reason))]
        for account_id, result in judged:
            findings.append(Finding(check.id, check.title, result.status, check.severity, account_id, result.region,
                                    str(result.resource_id), result.reason, check.remediation))
    return sorted(findings, key=lambda f: f.sort_key)


def preflight(path: Path, session: boto3.Session, endpoint_url: str | None = None) -> Report:
    """Read the stack config at ``path`` and the organization; the report, for the audit's renderers.
    Raises StackConfigError (bad stack config) and botocore errors when nothing can be reached."""
    stack = read_stack_config(path)
    facts = collect(stack, session, endpoint_url)
    findings = evaluate(stack, facts)
    regions = {a.id: list(a.regions) for a in stack.accounts}
    summary = summarize(findings, {"accounts": {account_id: {"regions": regions[account_id],
                                                             "preflight": facts["accounts"][account_id]}
                                                for account_id in regions}})
    meta = {"collected_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "caller_account_id": facts["caller_account_id"], "tool_version": _version()}
    return Report(findings, summary, [p.check for p in PREFLIGHT_CHECKS], meta)


def nothing_reached(report: Report) -> bool:
    return bool(report.findings) and all(f.status is Status.UNKNOWN for f in report.findings)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("irready")
    except PackageNotFoundError:
        return "unknown"
