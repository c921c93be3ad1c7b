"""Small hand-written snapshots for the pure check tests."""

from __future__ import annotations

from irready.audit.config import AuditConfig
from irready.audit.context import AccountContext
from irready.audit.snapshot import SCHEMA, unavailable

ACCOUNT = "111111111111"
DENIED = unavailable("SomeCall", "AccessDenied", "no", "access denied")


def snapshot(services: dict, regions=("us-east-1",), account=ACCOUNT, **more_accounts) -> dict:
    accounts = {account: {"account_id": account, "regions": list(regions), "services": services}}
    for other, other_services in more_accounts.items():
        accounts[other] = {"account_id": other, "regions": list(regions), "services": other_services}
    return {"schema": SCHEMA, "accounts": accounts, "config": {}}


def run(check, snap: dict, account=ACCOUNT, **config) -> list[tuple[str, str, str]]:
    """(status, region, resource) of what ``check`` says about ``account``."""
    context = AccountContext(snap, account, AuditConfig(**config))
    return [(r.status.value, r.region, r.resource_id) for r in check.evaluate(context)]


def trail(name="t", home="us-east-1", multi=True, logging=True, selectors=None, **fields) -> dict:
    return {"Name": name, "TrailARN": f"arn:aws:cloudtrail:{home}:{ACCOUNT}:trail/{name}", "HomeRegion": home,
            "IsMultiRegionTrail": multi, "status": {"is_logging": logging},
            "event_selectors": selectors if selectors is not None else {"basic": [], "advanced": []}, **fields}


def trails_seen(*trails, regions=("us-east-1",)) -> dict:
    return {"cloudtrail": {r: {"trails": list(trails)} for r in regions},
            "cloudtrail_trails": {t["TrailARN"]: t for t in trails}}
