"""Collect a snapshot: reach each account, list its regions, run every collector, keep failures as data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from audit import __version__
from audit.aws import Clients, assumed_session, caller_account, guarded, marker_for
from audit.collect import account, cloudtrail, ec2, eks, events, guardduty, iam, logs, route53resolver, s3
from audit.config import ALL_REGIONS, AuditConfig
from audit.errors import UnreachableError
from audit.snapshot import SCHEMA, is_unavailable, unavailable

log = logging.getLogger("irready")

_ENABLED = {"opt-in-not-required", "opted-in"}


def _regional_collectors(config: AuditConfig) -> dict[str, Callable[[Clients, str], dict]]:
    return {
        "cloudtrail": cloudtrail.collect_region,
        "ec2": lambda clients, region: ec2.collect_region(clients, region, config.quarantine_group_name),
        "logs": logs.collect_region,
        "guardduty": guardduty.collect_region,
        "events": events.collect_region,
        "route53resolver": route53resolver.collect_region,
        "eks": eks.collect_region,
    }


def collect_snapshot(config: AuditConfig, session: boto3.Session, endpoint_url: str | None = None,
                     max_workers: int = 8) -> dict:
    home = _home_region(config, session)
    caller_clients = Clients(session, endpoint_url, max_pool_connections=max_workers)
    try:
        caller = caller_account(session, endpoint_url, home)
    except (ClientError, BotoCoreError) as exc:
        raise UnreachableError(f"cannot reach AWS: {exc}. Check credentials (--profile, environment, SSO login) "
                               "and --endpoint-url") from exc

    snapshot = {
        "schema": SCHEMA,
        "tool_version": __version__,
        "collected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "caller_account_id": caller,
        "config": config.to_dict(),
        "accounts": {},
    }
    for account_id in config.accounts or (caller,):
        log.info("collecting account %s", account_id)
        if account_id == caller:
            clients = caller_clients
        else:
            role_arn = f"arn:aws:iam::{account_id}:role/{config.role_name}"
            try:
                clients = Clients(assumed_session(caller_clients, role_arn, config.external_id, home),
                                  endpoint_url, max_pool_connections=max_workers)
            except (ClientError, BotoCoreError) as exc:
                log.warning("account %s: cannot assume %s: %s", account_id, role_arn, exc)
                snapshot["accounts"][account_id] = {"account_id": account_id, "regions": [],
                                                    **marker_for(exc, "AssumeRole"), "services": {}}
                continue
        snapshot["accounts"][account_id] = collect_account(clients, account_id, config, home, max_workers)
    return snapshot


def collect_account(clients: Clients, account_id: str, config: AuditConfig, home: str, max_workers: int) -> dict:
    regions, disabled = _regions(clients, config, home)
    if is_unavailable(regions):
        return {"account_id": account_id, "regions": [], **regions, "services": {}}
    global_region = regions[0] if regions else home
    regional = _regional_collectors(config)

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        global_futures = {
            "account": pool.submit(_safely, "GetAlternateContact", account.collect, clients, global_region),
            "iam": pool.submit(_safely, "GetAccountAuthorizationDetails", iam.collect, clients, global_region,
                               config.responder_role_name),
        }
        regional_futures = {
            (service, region): pool.submit(_safely, service, collect, clients, region)
            for service, collect in regional.items() for region in regions if region not in disabled
        }
        services: dict = {name: future.result() for name, future in global_futures.items()}
        for service in regional:
            services[service] = {}
            for region in regions:
                if region in disabled:
                    services[service][region] = unavailable(
                        "DescribeRegions", "OptInRequired", f"{region} is not enabled in account {account_id}",
                        "region not enabled for this account")
                else:
                    services[service][region] = regional_futures[(service, region)].result()

        trails = _unique_trails(services["cloudtrail"])
        trail_details = {arn: pool.submit(_safely, "GetTrailStatus", cloudtrail.collect_details, clients, trail)
                         for arn, trail in trails.items()}
        buckets = {trail["S3BucketName"]: trail["HomeRegion"] for trail in trails.values() if trail.get("S3BucketName")}
        bucket_futures = {name: pool.submit(_safely, "GetBucketVersioning", s3.collect_bucket, clients, name, region)
                          for name, region in buckets.items()}
        account_block = pool.submit(_safely, "GetPublicAccessBlock", s3.collect_account_public_access_block,
                                    clients, account_id, global_region)
        for arn, future in trail_details.items():
            details = future.result()
            if is_unavailable(details):
                details = {"status": details, "event_selectors": details}
            trails[arn].update(details)
        services["cloudtrail_trails"] = trails
        services["s3"] = {"buckets": {name: future.result() for name, future in bucket_futures.items()},
                          "account_public_access_block": account_block.result()}

    return {"account_id": account_id, "regions": regions, "services": services}


def _unique_trails(by_region: dict) -> dict[str, dict]:
    """Each trail once, keyed by ARN, with the audited regions it was seen from."""
    trails: dict[str, dict] = {}
    for region, seen in by_region.items():
        if is_unavailable(seen):
            continue
        for trail in seen["trails"]:
            entry = trails.setdefault(trail["TrailARN"], dict(trail, seen_in=[]))
            entry["seen_in"].append(region)
    return trails


def _regions(clients: Clients, config: AuditConfig, home: str):
    """(regions to audit, the named ones not enabled in this account) or an unavailable marker."""
    described = guarded("DescribeRegions", lambda: clients.client("ec2", home).describe_regions(
        AllRegions=True)["Regions"])
    if is_unavailable(described):
        if config.regions == ALL_REGIONS:
            return described, set()
        return list(config.regions), set()  # audit what was named; failures will show per service
    enabled = sorted(r["RegionName"] for r in described if r.get("OptInStatus", "opt-in-not-required") in _ENABLED)
    if config.regions == ALL_REGIONS:
        return enabled, set()
    return list(config.regions), set(config.regions) - set(enabled)


def _home_region(config: AuditConfig, session: boto3.Session) -> str:
    if config.regions != ALL_REGIONS:
        return config.regions[0]
    return session.region_name or "us-east-1"


def _safely(operation: str, collect: Callable, *args):
    """A collector's data, or a marker: a failed call is recorded, never raised and never 'empty'."""
    try:
        return collect(*args)
    except (ClientError, BotoCoreError) as exc:
        return marker_for(exc, operation)
    except Exception as exc:  # a collector bug must not cost the other accounts' results
        log.exception("collector %s failed", operation)
        return unavailable(operation, type(exc).__name__, str(exc)[:300], "collector error (a bug in irready)")
