"""The resources the audit saw, in one shape: what inventory.business_context counts and what
`irready inventory` writes.

The list of resources comes from the audit's own collectors (EC2 instances, Lambda functions, ECR
repositories, ECS and EKS clusters, RDS instances and clusters, load balancers, S3 buckets, CloudFront
distributions). Their tags come from the Resource Groups Tagging API, which returns only resources that
are or were tagged, so it cannot say which resources exist (never-tagged ones are invisible to it):
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from irready.audit.model import GLOBAL
from irready.audit.report.csv_report import _cell as safe_cell  # the one CSV-injection guard
from irready.audit.snapshot import is_unavailable

TAGGING = "resourcegroupstaggingapi"
# Where each collector's resources are, and how their ARN and type are read:
# (collector, section key, resource type, ARN from (item, account, region)).
_SOURCES: tuple[tuple[str, str, str, Callable[[dict, str, str], str]], ...] = (
    ("ec2", "instances", "AWS::EC2::Instance", lambda i, a, r: f"arn:aws:ec2:{r}:{a}:instance/{i['instance_id']}"),
    ("lambda", "functions", "AWS::Lambda::Function", lambda i, a, r: i["arn"]),
    ("ecr", "repositories", "AWS::ECR::Repository", lambda i, a, r: i["arn"]),
    ("ecs", "clusters", "AWS::ECS::Cluster", lambda i, a, r: i["arn"]),
    ("eks", "clusters", "AWS::EKS::Cluster", lambda i, a, r: f"arn:aws:eks:{r}:{a}:cluster/{i['name']}"),
    ("rds", "instances", "AWS::RDS::DBInstance", lambda i, a, r: i["arn"]),
    ("rds", "clusters", "AWS::RDS::DBCluster", lambda i, a, r: i["arn"]),
    ("elbv2", "load_balancers", "AWS::ElasticLoadBalancingV2::LoadBalancer", lambda i, a, r: i["arn"]),
)
# Global collectors: (collector, section key, resource type, ARN, region of the item).
_GLOBAL_SOURCES = (
    ("s3_buckets", "buckets", "AWS::S3::Bucket", lambda i: f"arn:aws:s3:::{i['name']}", lambda i: i["region"]),
    ("cloudfront", "distributions", "AWS::CloudFront::Distribution", lambda i: i["arn"], lambda i: GLOBAL),
)
COLLECTOR_SOURCES = tuple(dict.fromkeys(s[0] for s in (*_SOURCES, *_GLOBAL_SOURCES)))


@dataclass
class Resource:
    account_id: str
    region: str
    type: str
    arn: str
    tags: dict[str, str] | None  # None: its tags could not be read (the Tagging API failed there)
    sources: list[str] = field(default_factory=list)  # the collectors (and/or the Tagging API) that saw it


@dataclass
class Inventory:
    """One account's resources, and the reads that failed (``unread``: "ecs in eu-west-1", ...)."""
    resources: list[Resource]
    unread: list[str]
    tags_unread: list[str]  # regions whose Tagging API read failed


def account_inventory(account: dict, *, with_tagging_only: bool = False) -> Inventory:
    """The resources of one snapshot account (``snapshot["accounts"][id]``). ``with_tagging_only`` adds the
    resources the Tagging API knows of that no collector saw (type read from the ARN)."""
    account_id, services = account.get("account_id", ""), account.get("services") or {}
    tags, tags_unread = _tags(services)
    unread: list[str] = []
    found: dict[str, Resource] = {}
    for name, key, kind, arn_of in _SOURCES:
        for region, section in _regions(services.get(name)):
            if is_unavailable(section) or is_unavailable(section.get(key)):
                unread.append(f"{name} in {region}")
                continue
            for item in section.get(key) or []:
                _add(found, Resource(account_id, region, kind, arn_of(item, account_id, region), None), name)
    for name, key, kind, arn_of, region_of in _GLOBAL_SOURCES:
        section = services.get(name)
        if section is None:
            continue
        if is_unavailable(section):
            unread.append(name)
            continue
        for item in section.get(key) or []:
            _add(found, Resource(account_id, region_of(item), kind, arn_of(item), None), name)
    if with_tagging_only:
        for arn in tags:
            if arn not in found:
                parts = arn.split(":")
                _add(found, Resource(account_id, parts[3] if len(parts) > 3 and parts[3] else GLOBAL,
                                     _type_from_arn(arn), arn, None), TAGGING)
    for resource in found.values():
        if resource.arn in tags:
            resource.tags = tags[resource.arn]
            if TAGGING not in resource.sources:
                resource.sources.append(TAGGING)
        elif not _tags_unread_for(resource, tags_unread):
            resource.tags = {}  # the Tagging API answered and does not know it: never tagged
    return Inventory(sorted(found.values(), key=lambda r: (r.region, r.type, r.arn)), unread, tags_unread)


def _add(found: dict[str, Resource], resource: Resource, source: str) -> None:
    entry = found.setdefault(resource.arn, resource)
    if source not in entry.sources:
        entry.sources.append(source)


def _regions(by_region) -> Iterator[tuple[str, dict]]:
    if by_region is None:
        return
    if is_unavailable(by_region):
        yield "every region", by_region
        return
    yield from by_region.items()


def _tags(services: dict) -> tuple[dict[str, dict[str, str]], list[str]]:
    tags: dict[str, dict[str, str]] = {}
    unread = []
    for region, section in _regions(services.get(TAGGING)):
        if is_unavailable(section):
            unread.append(region)
        else:
            tags.update(section.get("tags") or {})
    return tags, unread


def _tags_unread_for(resource: Resource, tags_unread: list[str]) -> bool:
    # CloudFront's tags are served in us-east-1; an S3 bucket's in its own region.
    region = "us-east-1" if resource.region == GLOBAL else resource.region
    return region in tags_unread or "every region" in tags_unread


def _type_from_arn(arn: str) -> str:
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 else "unknown"
    kind = parts[5].split("/")[0] if len(parts) > 5 else ""
    return f"{service}:{kind}" if kind else service


def missing_context(resource: Resource, context_tags: tuple[str, ...]) -> list[str]:
    """The context tags ``resource`` lacks (a tag with an empty value counts as missing)."""
    tags = resource.tags or {}
    return [key for key in context_tags if not str(tags.get(key, "")).strip()]


# --- the export (`irready inventory`): every account of a snapshot, as rows ------------------------------------

SOURCES_NOTE = ("resources listed by irready's collectors ({collectors}) and, with their tags, by the Resource Groups "
                "Tagging API (GetResources), which lists only resources that are or were tagged; AWS Config and "
                "Resource Explorer are not read")


def export_rows(snapshot: dict, context_tags: tuple[str, ...]) -> tuple[list[dict], dict]:
    """(one row per resource of every readable account: ``{"account_id", "region", "type", "arn",
    "sources", "tags_read", <each context tag>}``, what the export says about its sources and gaps)."""
    rows, unread, tags_unread = [], [], []
    for account_id, account in sorted(snapshot.get("accounts", {}).items()):
        if not isinstance(account, dict) or "unavailable" in account:  # the account itself was not reached
            unread.append(f"account {account_id}")
            continue
        inventory = account_inventory(account, with_tagging_only=True)
        unread += [f"{account_id}: {what}" for what in inventory.unread]
        tags_unread += [f"{account_id}: {region}" for region in inventory.tags_unread]
        for resource in inventory.resources:
            tags = resource.tags or {}
            rows.append({"account_id": account_id, "region": resource.region, "type": resource.type,
                         "arn": resource.arn, "sources": "+".join(resource.sources),
                         "tags_read": resource.tags is not None,
                         **{key: tags.get(key, "") for key in context_tags}})
    about = {"sources": SOURCES_NOTE.format(collectors=", ".join(COLLECTOR_SOURCES)),
             "context_tags": list(context_tags), "collected_at": snapshot.get("collected_at"),
             "not_listed": unread, "tags_not_read": tags_unread}
    return rows, about


def write_export(snapshot: dict, context_tags: tuple[str, ...], fmt: str) -> str:
    """The export as text: ``fmt`` "json" (``{"about": ..., "resources": [rows]}``) or "csv" (a header row, then
    one row per resource; the sources and gaps on leading ``#`` lines, which CSV readers can skip)."""
    rows, about = export_rows(snapshot, context_tags)
    if fmt == "json":
        return json.dumps({"about": about, "resources": rows}, indent=1) + "\n"
    buffer = io.StringIO()
    for key in ("sources", "collected_at", "not_listed", "tags_not_read"):
        value = about[key]
        buffer.write(f"# {key}: {'; '.join(value) if isinstance(value, list) else value}\n")
    columns = ["account_id", "region", "type", "arn", *context_tags, "tags_read", "sources"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(str(row[key]).lower() if isinstance(row[key], bool) else row[key])
                         for key in columns})
    return buffer.getvalue()

