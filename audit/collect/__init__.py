"""Collectors: boto3 calls in, plain JSON-serializable data out. No judgement happens here.

``COLLECTORS`` is the one list of them. The collection loop (run.py) runs each one per account (a
global collector once, in the account's first region; a regional one in every audited region) and
stores what it returns under its ``name``; ``nothing_read`` reads the same list to tell whether a
snapshot holds anything at all. Adding a collector is a module here and one entry below.

Three snapshot sections are not collectors of their own: ``cloudtrail_trails`` (each trail once, with
its status and selectors) and ``s3`` (the trail buckets), read in run.py for what the cloudtrail
collector found; and, at the snapshot's top level, ``organization`` (organizations.py: the SCPs and each
account's ancestors), read once from the caller.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from irready.audit.aws import Clients
from irready.audit.collect import (
    account,
    cloudfront,
    cloudtrail,
    ec2,
    ecr,
    ecs,
    eks,
    elbv2,
    events,
    guardduty,
    iam,
    logs,
    rds,
    resourcegroupstaggingapi,
    route53resolver,
    s3_buckets,
    ssm,
)
from irready.audit.config import AuditConfig
from irready.audit.snapshot import MARKER, is_unavailable

functions = importlib.import_module(f"{__name__}.lambda")  # issue #19's Lambda collector; `lambda` is a keyword


class Scope(Enum):
    GLOBAL = "global"  # one section per account
    REGIONAL = "regional"  # one section per audited region


@dataclass(frozen=True)
class Collector:
    """One snapshot section and the function that reads it.

    ``collect(clients, region, config)`` returns the section's data; an API error it raises is recorded
    as an unavailable marker labelled with ``operation``, the API call whose failure loses the whole
    section (calls inside it are guarded one by one). ``service`` is the boto3 service, for knowing
    whether a region offers it. ``chain``: the most calls it makes one after another (each waiting for
    the one before) in the account irready prepares (emulated/seed.py ``prepare_account``; held by
    tests/audit/collect/test_call_floor.py): run.py starts an account's longest chains first, so that the
    account does not end waiting for a chain started last.
    """
    name: str
    scope: Scope
    operation: str
    collect: Callable[[Clients, str, AuditConfig], dict]
    chain: int = 1

    @property
    def service(self) -> str:
        return self.name


def _ignoring_config(collect: Callable[[Clients, str], dict]) -> Callable[[Clients, str, AuditConfig], dict]:
    return lambda clients, region, _config: collect(clients, region)


COLLECTORS = (
    Collector("account", Scope.GLOBAL, "GetAlternateContact", _ignoring_config(account.collect)),
    Collector("iam", Scope.GLOBAL, "GetAccountAuthorizationDetails",
              lambda clients, region, config: iam.collect(clients, region, config.responder_role_name)),
    Collector("cloudtrail", Scope.REGIONAL, "DescribeTrails", _ignoring_config(cloudtrail.collect_region)),
    Collector("ec2", Scope.REGIONAL, "DescribeVpcs",
              lambda clients, region, config: ec2.collect_region(clients, region, config.quarantine_group_name),
              chain=4),
    Collector("logs", Scope.REGIONAL, "DescribeLogGroups", _ignoring_config(logs.collect_region)),
    Collector("guardduty", Scope.REGIONAL, "ListDetectors", _ignoring_config(guardduty.collect_region), chain=3),
    Collector("events", Scope.REGIONAL, "ListRules", _ignoring_config(events.collect_region), chain=3),
    Collector("route53resolver", Scope.REGIONAL, "ListResolverQueryLogConfigAssociations",
              _ignoring_config(route53resolver.collect_region), chain=5),
    Collector("eks", Scope.REGIONAL, "ListClusters", _ignoring_config(eks.collect_region), chain=2),
    # --- workload evidence and business context (issue #19) ---
    Collector("ecs", Scope.REGIONAL, "ListClusters", _ignoring_config(ecs.collect_region), chain=4),
    Collector("ecr", Scope.REGIONAL, "DescribeRepositories", _ignoring_config(ecr.collect_region), chain=2),
    Collector("lambda", Scope.REGIONAL, "ListFunctions", _ignoring_config(functions.collect_region), chain=2),
    Collector("rds", Scope.REGIONAL, "DescribeDBInstances", _ignoring_config(rds.collect_region), chain=2),
    Collector("elbv2", Scope.REGIONAL, "DescribeLoadBalancers", _ignoring_config(elbv2.collect_region), chain=2),
    Collector("ssm", Scope.REGIONAL, "DescribeInstanceInformation", _ignoring_config(ssm.collect_region)),
    Collector("resourcegroupstaggingapi", Scope.REGIONAL, "GetResources",
              _ignoring_config(resourcegroupstaggingapi.collect_region)),
    Collector("s3_buckets", Scope.GLOBAL, "ListBuckets", _ignoring_config(s3_buckets.collect), chain=3),
    Collector("cloudfront", Scope.GLOBAL, "ListDistributions", _ignoring_config(cloudfront.collect), chain=4),
)


def nothing_read(snapshot: dict) -> bool:
    """True when every account, or every collector's section in every account (and every region of a
    regional one), is an unavailable marker: the audit saw nothing."""
    for account_data in snapshot.get("accounts", {}).values():
        if MARKER in account_data:  # the account itself could not be reached
            continue
        services = account_data.get("services", {})
        for collector in COLLECTORS:
            section = services.get(collector.name)
            if section is None:
                continue
            sections = [section] if collector.scope is Scope.GLOBAL or is_unavailable(section) else section.values()
            if any(_read_anything(value) for value in sections):
                return False
    return True


def _read_anything(value) -> bool:
    """False only when every part of ``value`` is an unavailable marker (a section of guarded reads
    that all failed is nothing read, however many keys it has)."""
    if is_unavailable(value):
        return False
    if isinstance(value, dict) and value:
        return any(_read_anything(child) for child in value.values())
    return True
