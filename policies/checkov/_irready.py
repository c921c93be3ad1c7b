"""Shared by the checks in this directory: the readiness rules, and checkov's resource shapes
turned into the AWS API's. checkov wraps every Terraform value in a list (``["All"]``) and keeps
CloudFormation's line markers (``__startline__``); both are undone here."""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path

# checkov imports this directory's files by path, in its own virtualenv. The rules and names are in
# policies/readiness.py and policies/names.py (standard library only), loaded here as modules of a
# private package over the policies/ folder: nothing of irready's environment joins checkov's sys.path,
# policies/__init__.py is not run, and readiness.py's relative import of names.py resolves.
_PACKAGE = "_irready_policies"
if _PACKAGE not in sys.modules:
    _package = types.ModuleType(_PACKAGE)
    _package.__path__ = [str(Path(__file__).resolve().parents[1])]
    sys.modules[_PACKAGE] = _package
names = importlib.import_module(f"{_PACKAGE}.names")
readiness = importlib.import_module(f"{_PACKAGE}.readiness")

__all__ = ["names", "readiness", "verdict", "one", "blocks", "document", "plain", "tf_selectors",
           "tf_lifecycle_rules", "cfn_lifecycle_rules", "names_a_trail_bucket", "log_prefixes", "graph_resources",
           "names_bucket", "tf_group_rules", "cfn_group_rules"]


def verdict(check, problems: list[str]):
    """FAILED with the problems as the result's details (checkov reports them), or PASSED."""
    from checkov.common.models.enums import CheckResult

    check.details = list(problems)
    return CheckResult.FAILED if problems else CheckResult.PASSED


def one(conf: dict, key: str, default=None):
    """A Terraform attribute's value (checkov wraps it in a one-element list)."""
    value = conf.get(key, default)
    while isinstance(value, list) and len(value) == 1 and not isinstance(value[0], dict):
        value = value[0]
    return default if value is None else value


def blocks(conf: dict, key: str) -> list[dict]:
    """A Terraform block's instances (``ingress { }`` twice, or ``ingress = [...]``)."""
    found = []
    for item in conf.get(key) or []:
        found.extend(i for i in (item if isinstance(item, list) else [item]) if isinstance(i, dict))
    return found


def plain(value):
    """CloudFormation values without checkov's line markers."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def document(value) -> dict:
    """A policy document given as JSON text or as an object (jsonencode, CloudFormation)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return plain(value) if isinstance(value, dict) else {}


def _strings(value) -> list[str]:
    flat = value if isinstance(value, list) else [value]
    return [v for item in flat for v in (item if isinstance(item, list) else [item]) if isinstance(v, str)]


def tf_selectors(conf: dict) -> dict:
    """aws_cloudtrail event_selector / advanced_event_selector blocks as GetEventSelectors returns them."""
    basic = [{"ReadWriteType": one(s, "read_write_type", "All"),
              "IncludeManagementEvents": one(s, "include_management_events", True),
              "DataResources": [{"Type": one(r, "type"), "Values": _strings(r.get("values", []))}
                                for r in blocks(s, "data_resource")]} for s in blocks(conf, "event_selector")]
    operators = {"equals": "Equals", "starts_with": "StartsWith", "ends_with": "EndsWith",
                 "not_equals": "NotEquals", "not_starts_with": "NotStartsWith", "not_ends_with": "NotEndsWith"}
    advanced = [{"FieldSelectors": [{"Field": one(f, "field"), **{api: _strings(f[tf]) for tf, api in operators.items()
                                                                   if f.get(tf)}}
                                    for f in blocks(s, "field_selector")]}
                for s in blocks(conf, "advanced_event_selector")]
    return {"basic": basic, "advanced": advanced}


def tf_lifecycle_rules(conf: dict) -> list[dict]:
    """aws_s3_bucket_lifecycle_configuration rules as GetBucketLifecycleConfiguration returns them."""
    rules = []
    for rule in blocks(conf, "rule"):
        api: dict = {"ID": one(rule, "id", "unnamed rule"), "Status": one(rule, "status")}
        filters = blocks(rule, "filter")
        if filters:
            selector = filters[0]
            conjunction = (blocks(selector, "and") or [{}])[0]
            prefix = one(selector, "prefix", one(conjunction, "prefix", ""))
            api["Filter"] = {"Prefix": prefix}
            if blocks(selector, "tag") or one(conjunction, "tags"):
                api["Filter"]["Tag"] = True
        elif one(rule, "prefix") is not None:
            api["Prefix"] = one(rule, "prefix")
        for expiration in blocks(rule, "expiration"):
            if one(expiration, "days") is not None:
                api["Expiration"] = {"Days": int(one(expiration, "days"))}
            elif one(expiration, "date"):
                api["Expiration"] = {"Date": one(expiration, "date")}
        for noncurrent in blocks(rule, "noncurrent_version_expiration"):
            if one(noncurrent, "noncurrent_days") is not None:
                api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(one(noncurrent, "noncurrent_days"))}
        rules.append(api)
    return rules


def cfn_lifecycle_rules(properties: dict) -> list[dict]:
    """AWS::S3::Bucket LifecycleConfiguration rules as GetBucketLifecycleConfiguration returns them."""
    rules = []
    for rule in plain(properties.get("LifecycleConfiguration", {})).get("Rules", []):
        api: dict = {"ID": rule.get("Id", "unnamed rule"), "Status": rule.get("Status"),
                     "Filter": {"Prefix": rule.get("Prefix", "")}}
        if rule.get("TagFilters"):
            api["Filter"]["Tag"] = True
        if "ExpirationInDays" in rule:
            api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        elif "ExpirationDate" in rule:
            api["Expiration"] = {"Date": rule["ExpirationDate"]}
        noncurrent = rule.get("NoncurrentVersionExpiration", {}).get(
            "NoncurrentDays", rule.get("NoncurrentVersionExpirationInDays"))
        if noncurrent is not None:
            api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent)}
        rules.append(api)
    return rules


def names_a_trail_bucket(bucket, rules: list[dict]) -> bool:
    """Whether a lifecycle configuration is a trail bucket's: its bucket's name or reference says
    "trail", or one of its rules targets CloudTrail's AWSLogs/ prefix explicitly."""
    if "trail" in json.dumps(bucket).lower():
        return True
    return bool(log_prefixes(rules)[1:])


def log_prefixes(rules: list[dict]) -> list[str]:
    """Where CloudTrail's objects are: AWSLogs/, and any rule prefix under a trail's key prefix."""
    prefixes = [rule.get("Filter", {}).get("Prefix", rule.get("Prefix", "")) or "" for rule in rules]
    return [names.CLOUDTRAIL_PREFIX] + [p for p in prefixes if names.CLOUDTRAIL_PREFIX in p]


# --- Terraform: other resources of the same configuration (checkov's graph) --------------------------------

def graph_resources(check, resource_type: str) -> list[tuple[str, dict]]:
    """(address, conf as a check sees it) of every ``resource_type`` resource in the scanned
    configuration; empty when checkov gives the check no graph."""
    graph = getattr(check, "graph", None)
    if graph is None:
        return []
    # rustworkx (checkov's default) holds (index, attributes) payloads; networkx gives them with data=True.
    nodes = graph.nodes() if type(graph).__name__ == "PyDiGraph" else graph.nodes(data=True)
    found = []
    for node in nodes:
        attributes = node[1] if isinstance(node, tuple) else node
        if isinstance(attributes, dict) and attributes.get("resource_type") == resource_type \
                and attributes.get("block_type_") == "resource":
            config = attributes.get("config_") or {}
            conf = next(iter(next(iter(config.values()), {}).values()), {}) if config else {}
            found.append((str(attributes.get("__address__") or attributes.get("block_name_")), conf))
    return found


def _module_of(address: str) -> str:
    """``module.logs`` of ``module.logs.aws_s3_bucket.trail``; "" for the root module."""
    return address.rsplit(".", 2)[0] if address.count(".") >= 2 else ""


def names_bucket(referrer: str, reference, address: str, bucket_name) -> bool:
    """Whether the resource at ``referrer``, whose ``bucket`` argument is ``reference``, means the bucket at
    ``address`` called ``bucket_name``: by name, or by a reference (``aws_s3_bucket.trail.id``) from
    the same module."""
    if bucket_name and one({"v": reference}, "v") == bucket_name:
        return True
    text = reference if isinstance(reference, str) else json.dumps(reference)
    local = ".".join(address.split(".")[-2:])
    return _module_of(referrer) == _module_of(address) and f"{local}." in text


# --- security group rules in DescribeSecurityGroups' IpPermissions shape ------------------------------------

def tf_group_rules(rules: list[dict]) -> list[dict]:
    """Terraform ingress/egress blocks (or a rule resource) as IpPermissions."""
    api = []
    for rule in rules:
        v4 = _strings(rule.get("cidr_blocks", [])) + _strings(rule.get("cidr_ipv4", []))
        v6 = _strings(rule.get("ipv6_cidr_blocks", [])) + _strings(rule.get("cidr_ipv6", []))
        groups = _strings(rule.get("security_groups", [])) + _strings(rule.get("referenced_security_group_id", [])) \
            + _strings(rule.get("source_security_group_id", [])) + (["self"] if one(rule, "self") is True else [])
        prefixes = _strings(rule.get("prefix_list_ids", [])) + _strings(rule.get("prefix_list_id", []))
        api.append({"IpProtocol": str(one(rule, "protocol", one(rule, "ip_protocol", "-1"))),
                    "IpRanges": [{"CidrIp": c} for c in v4], "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
                    "UserIdGroupPairs": [{"GroupId": g} for g in groups],
                    "PrefixListIds": [{"PrefixListId": p} for p in prefixes]})
    return api


def cfn_group_rules(rules: list[dict]) -> list[dict]:
    """AWS::EC2::SecurityGroup SecurityGroupIngress/Egress entries as IpPermissions."""
    api = []
    for rule in plain(rules or []):
        group = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId") \
            or rule.get("SourceSecurityGroupName")
        prefix = rule.get("SourcePrefixListId") or rule.get("DestinationPrefixListId")
        api.append({"IpProtocol": str(rule.get("IpProtocol", "-1")),
                    "IpRanges": [{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                    "Ipv6Ranges": [{"CidrIpv6": rule["CidrIpv6"]}] if rule.get("CidrIpv6") else [],
                    "UserIdGroupPairs": [{"GroupId": json.dumps(group)}] if group else [],
                    "PrefixListIds": [{"PrefixListId": json.dumps(prefix)}] if prefix else []})
    return api
