"""Prepare a VPC for incident response, wherever and whenever it was created (organization mode, issue #18).

Runs as a Lambda function in the security account (infra/components/vpc_preparation.py), on two triggers:

- a ``CreateVpc`` event, forwarded by the regional StackSet's rule of the member account and region to
  the security account's member-events bus: prepare that VPC;
- a periodic reconciliation (``{"reconcile": true}``), so that a missed event is caught up: put one
  reconciliation request per active member account on the member-events bus, each of which comes back
  (a rule on the bus) as a run that prepares every VPC that account owns in the configured regions.

In the VPC's account it assumes ``PROVISIONING_ROLE`` and makes sure the VPC has: flow logs of ALL
traffic to the irready flow-log group, the quarantine group (no rules) and the isolation group (all
traffic, both ways), both tagged for the responder's swap, and the association with the security
account's Resolver query-logging configuration of the region, shared with the organization through RAM
(a member's own configuration is never used: its destination would be the member's). Idempotent: what
exists is left as it is, nothing is ever deleted. A VPC another account owns (shared through RAM) is left
to its owner, who prepares it in its own account (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html).

Imports only irready.policies and boto3 (the Lambda runtime's), so infra can archive it without importing it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import boto3
import botocore.exceptions

from irready import policies
from irready.policies import names
from irready.policies import vpc_preparation as prep

_EVERYTHING = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
_DEFAULT_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


@dataclass(frozen=True)
class Settings:
    """What the function is configured with (its environment, set by infra/components/vpc_preparation.py):
    ``regions`` where reconciliation looks, the quarantine group's name, and the shared query-logging
    configuration of each region (region -> id)."""
    regions: tuple[str, ...] = ()
    quarantine_group_name: str = names.QUARANTINE_GROUP_NAME
    query_log_configs: dict[str, str] = field(default_factory=dict)
    bus_arn: str = ""  # the member-events bus, where reconciliation requests go
    flow_log_retention_days: int = names.MIN_LOG_RETENTION_DAYS  # irready:logRetentionDays

    @classmethod
    def from_environment(cls, environ=os.environ) -> Settings:
        """Raises ValueError on a malformed ``IRREADY_QUERY_LOG_CONFIGS``."""
        return cls(regions=tuple(r for r in environ.get(prep.ENV_REGIONS, "").split(",") if r),
                   quarantine_group_name=environ.get(prep.ENV_QUARANTINE_GROUP, names.QUARANTINE_GROUP_NAME),
                   query_log_configs=prep.parse_query_log_configs(environ.get(prep.ENV_QUERY_LOG_CONFIGS, "")),
                   bus_arn=environ.get(prep.ENV_MEMBER_EVENTS_BUS, ""),
                   flow_log_retention_days=int(environ.get(prep.ENV_FLOW_LOG_RETENTION, names.MIN_LOG_RETENTION_DAYS)))


@dataclass
class Prepared:
    """What one run did to one VPC: ``created`` names each thing made; ``skipped`` says why nothing was;
    ``missing`` names what could not be made (its prerequisite is not in the account and region)."""
    account_id: str
    region: str
    vpc_id: str
    created: list[str] = field(default_factory=list)
    skipped: str | None = None
    missing: list[str] = field(default_factory=list)


def prepare_vpc(session: boto3.Session, account_id: str, region: str, vpc_id: str, settings: Settings,
                endpoint_url: str | None = None) -> Prepared:
    """Prepare ``vpc_id`` with ``session`` (the provisioning role's, in ``account_id``). Returns what was
    created. Raises botocore's ClientError when a call is refused (the VPC is then left half-prepared,
    and the next run completes it)."""
    ec2 = session.client("ec2", region_name=region, endpoint_url=endpoint_url)
    result = Prepared(account_id, region, vpc_id)
    vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    if not vpcs:
        result.skipped = "no such VPC"
        return result
    if vpcs[0]["OwnerId"] != account_id:
        result.skipped = f"shared by {vpcs[0]['OwnerId']}, its owner prepares it"
        return result
    flow_log_group(session.client("logs", region_name=region, endpoint_url=endpoint_url),
                   settings.flow_log_retention_days, result)
    _flow_logs(ec2, account_id, region, vpc_id, result)
    _groups(ec2, vpc_id, settings.quarantine_group_name, result)
    _query_logging(session.client("route53resolver", region_name=region, endpoint_url=endpoint_url), vpc_id,
                   settings.query_log_configs.get(region), result)
    return result


def flow_log_group(logs, retention_days: int, result: Prepared) -> None:
    """Make sure ``FLOW_LOG_GROUP`` exists, keeping its events at least ``retention_days``: created if missing
    (the function, not the regional StackSet, makes it, so that a stack instance created again, for an account
    that left the OUs and came back, finds no group of the same name in its way: the group outlives its
    account's stacks as evidence), adopted as it is otherwise, its retention raised when shorter, never
    shortened (shortening deletes older events: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html)."""
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=prep.FLOW_LOG_GROUP)["logGroups"]
             if g["logGroupName"] == prep.FLOW_LOG_GROUP]
    if found:
        kept = found[0].get("retentionInDays")  # absent: never expire
        if kept is None or kept >= retention_days:
            return
    else:
        try:
            logs.create_log_group(logGroupName=prep.FLOW_LOG_GROUP)
            result.created.append("flow-log-group")
        except botocore.exceptions.ClientError as error:  # made meanwhile by a run for another VPC
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
    logs.put_retention_policy(logGroupName=prep.FLOW_LOG_GROUP, retentionInDays=retention_days)


def _flow_logs(ec2, account_id: str, region: str, vpc_id: str, result: Prepared) -> None:
    group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{prep.FLOW_LOG_GROUP}"
    existing = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    # AWS answers both LogGroupName and LogDestination for a CloudWatch Logs flow log; either identifies it.
    if any(f.get("TrafficType") == "ALL" and (f.get("LogGroupName") == prep.FLOW_LOG_GROUP
                                              or f.get("LogDestination") == group_arn) for f in existing):
        return
    ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="cloud-watch-logs", LogGroupName=prep.FLOW_LOG_GROUP,
                         DeliverLogsPermissionArn=f"arn:aws:iam::{account_id}:role/{prep.FLOW_LOG_ROLE}",
                         MaxAggregationInterval=60)
    result.created.append("flow-logs")


def _groups(ec2, vpc_id: str, quarantine_group_name: str, result: Prepared) -> None:
    for kind, group_name in (("quarantine", quarantine_group_name), ("isolation", names.ISOLATION_GROUP_NAME)):
        found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                      {"Name": "group-name", "Values": [group_name]}])["SecurityGroups"]
        if found:
            continue
        description = ("irready quarantine: no traffic in or out" if kind == "quarantine"
                       else "irready isolation, step 1: all traffic, so tracked flows become untracked")
        group_id = ec2.create_security_group(
            GroupName=group_name, Description=description, VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group",
                                "Tags": [{"Key": policies.CONTAINMENT_GROUP_TAG, "Value": kind}]}])["GroupId"]
        if kind == "quarantine":  # AWS gives a new group an allow-all IPv4 egress rule: take it away
            ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=_DEFAULT_EGRESS)
        else:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_EVERYTHING)
            ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[
                {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
        result.created.append(f"{kind}-group")


def _query_logging(resolver, vpc_id: str, config_id: str | None, result: Prepared) -> None:
    """Associate the VPC with the shared configuration ``config_id``, once the account sees it (RAM shares
    with the organization's accounts, new ones included, without acceptance; until then it is missing)."""
    if not config_id:
        result.missing.append(f"query-logging: no {prep.ORGANIZATION_QUERY_LOG_CONFIG} configuration for this region")
        return
    visible = {c["Id"] for page in resolver.get_paginator("list_resolver_query_log_configs").paginate()
               for c in page["ResolverQueryLogConfigs"]}
    if config_id not in visible:
        result.missing.append(f"query-logging: {config_id} is not shared with this account (RAM share "
                              f"{prep.QUERY_LOG_SHARE})")
        return
    associated = resolver.list_resolver_query_log_config_associations(Filters=[
        {"Name": "ResourceId", "Values": [vpc_id]},
        {"Name": "ResolverQueryLogConfigId", "Values": [config_id]}])["ResolverQueryLogConfigAssociations"]
    if associated:
        return
    resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=config_id, ResourceId=vpc_id)
    result.created.append("query-logging")


def provisioning_session(base: boto3.Session, account_id: str, endpoint_url: str | None = None) -> boto3.Session:
    """A session as ``PROVISIONING_ROLE`` in ``account_id``."""
    credentials = base.client("sts", endpoint_url=endpoint_url).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{prep.PROVISIONING_ROLE}",
        RoleSessionName="irready-vpc-preparation")["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def owned_vpcs(session: boto3.Session, account_id: str, region: str, endpoint_url: str | None = None) -> list[str]:
    ec2 = session.client("ec2", region_name=region, endpoint_url=endpoint_url)
    return [vpc["VpcId"] for page in ec2.get_paginator("describe_vpcs").paginate(
        Filters=[{"Name": "owner-id", "Values": [account_id]}]) for vpc in page["Vpcs"]]


def reconcile(base: boto3.Session, accounts: list[str], settings: Settings,
              endpoint_url: str | None = None) -> list[Prepared]:
    """Prepare every VPC each account owns in each region of ``settings``, one account after the other (the
    function gets one account per run); an account whose provisioning role cannot be assumed (outside the
    targeted OUs) is reported and passed over, and so is a region or a VPC where a call is refused (a region
    not enabled in that account, a landing zone's region-deny SCP): the rest is still prepared."""
    results = []
    for account_id in accounts:
        try:
            session = provisioning_session(base, account_id, endpoint_url)
        except botocore.exceptions.ClientError as error:
            results.append(Prepared(account_id, "*", "*", skipped=f"cannot assume {prep.PROVISIONING_ROLE}: "
                                                                  f"{error.response['Error']['Code']}"))
            continue
        for region in settings.regions:
            try:
                vpcs = owned_vpcs(session, account_id, region, endpoint_url)
            except botocore.exceptions.ClientError as error:
                results.append(Prepared(account_id, region, "*", skipped=f"cannot list the VPCs: "
                                                                         f"{error.response['Error']['Code']}"))
                continue
            for vpc_id in vpcs:
                try:
                    results.append(prepare_vpc(session, account_id, region, vpc_id, settings, endpoint_url))
                except botocore.exceptions.ClientError as error:
                    results.append(Prepared(account_id, region, vpc_id, skipped=f"refused: "
                                                                                f"{error.response['Error']['Code']}"))
    return results


def created_vpc(event: dict) -> tuple[str, str, str] | None:
    """(account, region, VPC id) of a forwarded CreateVpc event, or None for any other event."""
    detail = event.get("detail") or {}
    vpc_id = ((detail.get("responseElements") or {}).get("vpc") or {}).get("vpcId")
    if detail.get("eventName") != "CreateVpc" or not vpc_id:
        return None
    return event["account"], event["region"], vpc_id


def member_accounts(base: boto3.Session, endpoint_url: str | None = None) -> list[str]:
    """The organization's ACTIVE accounts but the management account, which has the Pulumi components
    (StackSets never deploy there)."""
    organizations = base.client("organizations", endpoint_url=endpoint_url)
    management = organizations.describe_organization()["Organization"]["MasterAccountId"]
    return [a["Id"] for page in organizations.get_paginator("list_accounts").paginate()
            for a in page["Accounts"] if a["Status"] == "ACTIVE" and a["Id"] != management]


def request_reconciliations(base: boto3.Session, accounts: list[str], bus_arn: str,
                            endpoint_url: str | None = None) -> dict:
    """Put one reconciliation request per account on the member-events bus (``bus_arn``), ten entries per
    PutEvents call (its maximum); an entry PutEvents reports as failed is sent once more. Returns
    {"requested": [account ids], "failed": [{"account_id", "error"}]}
    (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html)."""
    events = base.client("events", region_name=bus_arn.split(":")[3], endpoint_url=endpoint_url)
    requested, failed = [], []
    for start in range(0, len(accounts), prep.PUT_EVENTS_BATCH):
        batch = accounts[start:start + prep.PUT_EVENTS_BATCH]
        for attempt in (1, 2):
            entries = [{"EventBusName": bus_arn, "Source": prep.RECONCILE_SOURCE,
                        "DetailType": prep.RECONCILE_DETAIL_TYPE, "Detail": json.dumps({"accountId": account})}
                       for account in batch]
            answers = events.put_events(Entries=entries)["Entries"]
            retry = [(account, a) for account, a in zip(batch, answers, strict=True) if a.get("ErrorCode")]
            requested += [account for account, a in zip(batch, answers, strict=True) if not a.get("ErrorCode")]
            batch = [account for account, _ in retry]
            if not batch:
                break
            if attempt == 2:
                failed += [{"account_id": account, "error": a["ErrorCode"]} for account, a in retry]
    return {"requested": requested, "failed": failed}


def reconciliation_request(event: dict, bus_arn: str) -> str | None:
    """The account a reconciliation request names, or None for any other event. Only the security account's
    own requests count (the bus rule matches only those; checked again here): ``account`` is the account
    that put the event, which no sender chooses."""
    if (event.get("source"), event.get("detail-type")) != (prep.RECONCILE_SOURCE, prep.RECONCILE_DETAIL_TYPE):
        return None
    account_id = str((event.get("detail") or {}).get("accountId", ""))
    if event.get("account") != bus_arn.split(":")[4] or not re.fullmatch(r"\d{12}", account_id):
        return None
    return account_id


def handler(event: dict, _context=None, base: boto3.Session | None = None, endpoint_url: str | None = None,
            settings: Settings | None = None) -> dict:
    """The Lambda entry point, three events:

    - a CreateVpc event prepares that VPC;
    - the schedule's ``{"reconcile": true}`` puts one reconciliation request per ACTIVE member account on
      the member-events bus and returns {"requested": [...], "failed": [...]};
    - a reconciliation request (from the bus) prepares every VPC that account owns in ``IRREADY_REGIONS``,
      so one run handles one account, and the function's reserved concurrency bounds how many at once.

    Returns {"prepared": [...]} (one entry per VPC) for the first and last; prints one JSON line per VPC
    or request (the function's log)."""
    base = base or boto3.Session()
    settings = settings or Settings.from_environment()
    created = created_vpc(event)
    requested_account = reconciliation_request(event, settings.bus_arn) if settings.bus_arn else None
    if created:
        account_id, region, vpc_id = created
        results = [prepare_vpc(provisioning_session(base, account_id, endpoint_url), account_id, region, vpc_id,
                               settings, endpoint_url)]
    elif requested_account:
        results = reconcile(base, [requested_account], settings, endpoint_url)
    elif event.get("reconcile"):
        requests = request_reconciliations(base, member_accounts(base, endpoint_url), settings.bus_arn, endpoint_url)
        print(json.dumps(requests))
        return requests
    else:
        return {"prepared": [], "ignored": "neither a CreateVpc event nor a reconciliation"}
    for result in results:
        print(json.dumps(result.__dict__))
    return {"prepared": [result.__dict__ for result in results]}
