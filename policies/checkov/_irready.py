"""Shared by the checks in this directory: the readiness rules, and checkov's resource shapes
turned into the AWS API's. checkov wraps every Terraform value in a list (``["All"]``) and keeps
CloudFormation's line markers (``__startline__``); both are undone here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

# checkov imports this directory's files by path, in its own virtualenv; the rules are in the file next
# to this directory, policies/readiness.py (standard library only). Loaded by path, so nothing of
# irready's environment shadows checkov's pinned packages.
_spec = importlib.util.spec_from_file_location("irready_readiness", Path(__file__).resolve().parents[1] /
                                               "readiness.py")
readiness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readiness)

__all__ = ["readiness", "verdict", "one", "blocks", "document", "plain", "tf_selectors", "tf_lifecycle_rules",
           "cfn_lifecycle_rules", "names_a_trail_bucket", "log_prefixes"]


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
    return [readiness.CLOUDTRAIL_PREFIX] + [p for p in prefixes if readiness.CLOUDTRAIL_PREFIX in p]
