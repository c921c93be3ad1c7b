"""Readiness rules both halves apply: the audit to what AWS reports, the checkov checks in
policies/checkov to what Terraform or CloudFormation declares. Plain functions over the AWS API's
shapes (PascalCase, as DescribeTrails and GetBucketLifecycleConfiguration return them); standard
library only, so checkov's own virtualenv can import them.
"""

from __future__ import annotations

S3_OBJECT = "AWS::S3::Object"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
READ, WRITE = "read", "write"
CLOUDTRAIL_PREFIX = "AWSLogs/"  # where CloudTrail writes under a bucket's (optional) key prefix
# Intrusions are found months late; logs must outlive that (CIS, AWS guidance: at least a year).
MIN_LOG_RETENTION_DAYS = 365


def recorded_modes(selectors: dict, category: str, resource_type: str | None = None) -> set[str]:
    """Which of read/write events a trail's selectors record for management events
    (``category="Management"``) or for data events of ``resource_type``."""
    modes: set[str] = set()
    for selector in selectors.get("basic", []):
        if category == "Management":
            matches = selector.get("IncludeManagementEvents", True)
        else:
            matches = any(r.get("Type") == resource_type for r in selector.get("DataResources", []))
        if matches:
            modes |= _basic_modes(selector.get("ReadWriteType", "All"))
    for selector in selectors.get("advanced", []):
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        if category not in (fields.get("eventCategory") or {}).get("Equals", []):
            continue
        if resource_type and resource_type not in (fields.get("resources.type") or {}).get("Equals", []):
            continue
        read_only = (fields.get("readOnly") or {}).get("Equals")
        modes |= {READ, WRITE} if not read_only else {READ if v == "true" else WRITE for v in read_only}
    return modes


def _basic_modes(read_write_type: str) -> set[str]:
    return {"All": {READ, WRITE}, "ReadOnly": {READ}, "WriteOnly": {WRITE}}.get(read_write_type, set())


def data_event_scope(selectors: dict, resource_type: str) -> str:
    """A short description of which resources' data events are recorded: all, or how many."""
    values = [v for s in selectors.get("basic", []) for r in s.get("DataResources", [])
              if r.get("Type") == resource_type for v in r.get("Values", [])]
    for selector in selectors.get("advanced", []):
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        if resource_type in (fields.get("resources.type") or {}).get("Equals", []):
            arn = fields.get("resources.ARN") or {}
            values.extend(arn.get("StartsWith", []) + arn.get("Equals", []) or ["*"])
    if any(v in ("*", "arn:aws:s3", "arn:aws:s3:::", "arn:aws:lambda") for v in values):
        return "all resources"
    return f"{len(values)} scoped resource(s)"


def _rule_applies(rule: dict, log_prefixes: list[str]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    selector = rule.get("Filter", {})
    if "Tag" in selector or selector.get("And", {}).get("Tags"):
        return False  # CloudTrail does not tag the objects it writes
    prefix = selector.get("Prefix", selector.get("And", {}).get("Prefix", rule.get("Prefix", ""))) or ""
    return any(p.startswith(prefix) or prefix.startswith(p) for p in log_prefixes)


def retention_problems(rules: list[dict], log_prefixes: list[str], min_days: int) -> list[str]:
    problems = []
    for rule in rules:
        if not _rule_applies(rule, log_prefixes):
            continue
        name = rule.get("ID", "unnamed rule")
        expiration = rule.get("Expiration", {})
        if "Days" in expiration and expiration["Days"] < min_days:
            problems.append(f"lifecycle rule {name} deletes logs after {expiration['Days']} days (< {min_days})")
        if "Date" in expiration:
            problems.append(f"lifecycle rule {name} deletes logs on {expiration['Date']}")
        noncurrent = rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        if noncurrent is not None and noncurrent < min_days:
            problems.append(f"lifecycle rule {name} purges deleted or overwritten logs after {noncurrent} days "
                            f"(< {min_days})")
    return problems


# --- the responder role's trust ------------------------------------------------------------------------------

def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _account_of(principal: str) -> str:
    """The account of an AWS principal: an ARN's account field, or a bare account id."""
    parts = principal.split(":")
    return parts[4] if principal.startswith("arn:") and len(parts) > 5 else principal


def responder_trust_problems(trust_policy: dict) -> list[str]:
    """A responder role must be assumable from one account only (the security account): never from
    anyone (``*``), and not from several accounts, each a way in to contain, or to sabotage, evidence."""
    accounts, problems = set(), []
    for statement in _as_list(trust_policy.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {})
        aws = principal if principal == "*" else principal.get("AWS", []) if isinstance(principal, dict) else []
        for value in _as_list(aws):
            if value == "*":
                problems.append("any AWS principal may assume it")
            elif isinstance(value, str):
                accounts.add(_account_of(value))
    if len(accounts) > 1:
        problems.append(f"principals of {len(accounts)} accounts may assume it ({', '.join(sorted(accounts))}); "
                        "trust only the security account")
    if not accounts and not problems:
        problems.append("no account may assume it; trust the security account")
    return problems
