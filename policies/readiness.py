"""Readiness rules both halves apply: the audit to what AWS reports, the checkov checks in
policies/checkov to what Terraform or CloudFormation declares. One function per rule, so a gap reads
the same before and after deploy (tests/policies/test_shared_rules.py runs one table of inputs
through both). Plain functions over the AWS API's shapes (PascalCase, as DescribeTrails,
GetBucketLifecycleConfiguration, GetBucketVersioning and DescribeSecurityGroups return them);
standard library only, so checkov's own virtualenv can load them (policies/checkov/_irready.py).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .names import is_account_id

S3_OBJECT = "AWS::S3::Object"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
READ, WRITE = "read", "write"


# --- CloudTrail event selectors -----------------------------------------------------------------------------
# How CloudTrail decides whether a trail records an event, after the API reference:
#   https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedEventSelector.html
#   https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
#   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/filtering-data-events.html
# An event is recorded if it matches ANY selector; it matches a selector if it passes EVERY field
# selector; it passes a field selector if it matches one value of its including operators (Equals,
# StartsWith, EndsWith; when any is given) and no value of its excluding ones (NotEquals, NotStartsWith,
# NotEndsWith). So a condition on any field narrows what is recorded, and the audit must read all of them.

INCLUDING = ("Equals", "StartsWith", "EndsWith")
EXCLUDING = ("NotEquals", "NotStartsWith", "NotEndsWith")
_TESTS = {
    "Equals": str.__eq__, "StartsWith": str.startswith, "EndsWith": str.endswith,
    "NotEquals": str.__eq__, "NotStartsWith": str.startswith, "NotEndsWith": str.endswith,
}
# The values a field takes on the events a check needs, where they are few and known: a condition that
# passes all of them does not narrow anything. Every other field (eventName, userIdentity.arn, errorCode,
# vpcEndpointId, and any field AWS adds later) takes open-ended values: any condition on it narrows.
_DATA_EVENT_SOURCES = {S3_OBJECT: "s3.amazonaws.com", LAMBDA_FUNCTION: "lambda.amazonaws.com"}
_MANAGEMENT_EVENT_TYPES = ("AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn")
_BOTH = ("true", "false")
# The resources.ARN values that name every resource of a type (basic selectors' documented "all").
_ALL_RESOURCES = ("arn:aws:s3", "arn:aws:s3:::", "arn:aws:lambda")
_SCOPE_FIELDS = ("resources.ARN",)  # narrows WHICH resources, reported as a scope, not as a gap


def field_matches(condition: dict, value: str) -> bool:
    """Whether an event whose field holds ``value`` passes one AdvancedFieldSelector ``condition``."""
    including = [(op, v) for op in INCLUDING for v in _values(condition, op)]
    if including and not any(_TESTS[op](value, v) for op, v in including):
        return False
    return not any(_TESTS[op](value, v) for op in EXCLUDING for v in _values(condition, op))


def _values(condition: dict, operator: str) -> list[str]:
    values = condition.get(operator) or []
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def _describe(condition: dict) -> str:
    parts = [f"{op} {', '.join(_values(condition, op))}" for op in (*INCLUDING, *EXCLUDING) if _values(condition, op)]
    return f"{condition.get('Field')} {'; '.join(parts)}"


def _known_values(field: str, category: str, resource_type: str | None, mode: str) -> tuple[str, ...] | None:
    """The values ``field`` takes on the events in question, or None where they are open-ended."""
    if field == "eventCategory":
        return (category,)
    if field == "readOnly":
        return ("true",) if mode == READ else ("false",)
    if field == "sessionCredentialFromConsole":
        return _BOTH
    if field == "eventType":
        return ("AwsApiCall",) if category == "Data" else _MANAGEMENT_EVENT_TYPES
    if field == "resources.type" and category == "Data":
        return (resource_type,)
    if field == "eventSource" and category == "Data" and resource_type in _DATA_EVENT_SOURCES:
        return (_DATA_EVENT_SOURCES[resource_type],)
    return None


def _judge_advanced(selector: dict, category: str, resource_type: str | None, mode: str) -> tuple[bool, list[str]]:
    """(whether the selector records events of ``mode`` at all, the conditions that narrow them)."""
    conditions = [c for c in selector.get("FieldSelectors") or [] if isinstance(c, dict)]
    fields = {c.get("Field") for c in conditions}
    if "eventCategory" not in fields or (category == "Data" and "resources.type" not in fields):
        return False, []  # AWS requires both; a selector without them records none of these events
    narrowing = []
    for condition in conditions:
        field = condition.get("Field")
        if category == "Data" and field in _SCOPE_FIELDS:
            continue
        known = _known_values(field, category, resource_type, mode)
        if known is None:
            if any(_values(condition, op) for op in (*INCLUDING, *EXCLUDING)):
                narrowing.append(_describe(condition))
            continue
        passing = [value for value in known if field_matches(condition, value)]
        if not passing:
            return False, []
        if len(passing) < len(known):
            narrowing.append(_describe(condition))
    return True, narrowing


def _judge_basic(selector: dict, category: str, resource_type: str | None, mode: str) -> tuple[bool, list[str]]:
    if mode not in _basic_modes(selector.get("ReadWriteType", "All")):
        return False, []
    if category == "Management":
        if not selector.get("IncludeManagementEvents", True):
            return False, []
        excluded = selector.get("ExcludeManagementEventSources") or []
        return True, [f"ExcludeManagementEventSources {', '.join(map(str, excluded))}"] if excluded else []
    return any(r.get("Type") == resource_type for r in selector.get("DataResources") or []), []


def _basic_modes(read_write_type: str) -> set[str]:
    return {"All": {READ, WRITE}, "ReadOnly": {READ}, "WriteOnly": {WRITE}}.get(read_write_type, set())


def coverage(selectors: dict, category: str, resource_type: str | None = None) -> dict[str, list[str]]:
    """For each of read/write: ``[]`` if some selector records those events unnarrowed, the conditions
    that narrow them if every selector recording them narrows them, absent if none records them.

    ``selectors`` is ``{"basic": EventSelectors, "advanced": AdvancedEventSelectors}`` as
    GetEventSelectors returns them; ``category`` is ``"Management"`` or ``"Data"`` (with the
    ``resource_type``, e.g. ``AWS::S3::Object``). A resources.ARN condition is a scope
    (``data_event_scope``), not a narrowing.
    """
    result: dict[str, list[str]] = {}
    for mode in (READ, WRITE):
        verdicts = [_judge_basic(s, category, resource_type, mode) for s in selectors.get("basic") or []]
        verdicts += [_judge_advanced(s, category, resource_type, mode) for s in selectors.get("advanced") or []]
        recorded = [narrowing for records, narrowing in verdicts if records]
        if recorded:
            result[mode] = [] if any(not n for n in recorded) else sorted({c for n in recorded for c in n})
    return result


def recorded_modes(selectors: dict, category: str, resource_type: str | None = None) -> set[str]:
    """Which of read/write events a trail's selectors record in full (no field narrowing them) for
    management events (``category="Management"``) or for data events of ``resource_type``."""
    return {mode for mode, narrowing in coverage(selectors, category, resource_type).items() if not narrowing}


def narrowings(selectors: dict, category: str, resource_type: str | None = None) -> list[str]:
    """The conditions that keep a trail from recording all read or write events of the kind, e.g.
    ``["eventName Equals PutObject"]``: what a FAIL should name."""
    found = coverage(selectors, category, resource_type)
    return sorted({condition for narrowing in found.values() for condition in narrowing})


def data_event_scope(selectors: dict, resource_type: str) -> str:
    """Which resources' data events are recorded: "all resources", "all resources except N", or
    "N scoped resource(s)" (from basic DataResources values and advanced resources.ARN conditions)."""
    values = [v for s in selectors.get("basic") or [] for r in s.get("DataResources") or []
              if r.get("Type") == resource_type for v in r.get("Values") or []]
    excluded: list[str] = []
    for selector in selectors.get("advanced") or []:
        conditions = [c for c in selector.get("FieldSelectors") or [] if isinstance(c, dict)]
        types = next((c for c in conditions if c.get("Field") == "resources.type"), None)
        if types is None or not field_matches(types, resource_type):
            continue
        arns = [c for c in conditions if c.get("Field") == "resources.ARN"]
        included = [v for c in arns for op in INCLUDING for v in _values(c, op)]
        excluded += [v for c in arns for op in EXCLUDING for v in _values(c, op)]
        values.extend(included or ["*"])
    if any(v in ("*", *_ALL_RESOURCES) for v in values):
        return f"all resources except {len(set(excluded))}" if excluded else "all resources"
    return f"{len(values)} scoped resource(s)"


# --- data events: who read the objects, what ran the function ---------------------------------------------

def s3_object_events(selectors: dict) -> str | None:
    """How S3 object-level reads and writes are recorded (``"S3 object-level read and write events, all
    resources"``), or None if either is not. ``selectors``: ``{"basic": [EventSelectors],
    "advanced": [AdvancedEventSelectors]}`` as GetEventSelectors returns them."""
    if recorded_modes(selectors, "Data", S3_OBJECT) >= {READ, WRITE}:
        return f"S3 object-level read and write events, {data_event_scope(selectors, S3_OBJECT)}"
    return None


def lambda_invoke_events(selectors: dict) -> str | None:
    """How Lambda Invoke is recorded, or None. Invoke is a write-type data event: a read-only selector
    does not record it."""
    if WRITE in recorded_modes(selectors, "Data", LAMBDA_FUNCTION):
        return f"Lambda invoke events, {data_event_scope(selectors, LAMBDA_FUNCTION)}"
    return None


S3_OBJECT_EVENTS_MISSING = "records no S3 object-level read and write data events"
LAMBDA_INVOKE_EVENTS_MISSING = "records no Lambda invoke data events"


def data_event_gaps(selectors: dict) -> list[str]:
    """What a trail's selectors leave out of the data events responders need (empty: nothing)."""
    return ([S3_OBJECT_EVENTS_MISSING] if s3_object_events(selectors) is None else []) + \
           ([LAMBDA_INVOKE_EVENTS_MISSING] if lambda_invoke_events(selectors) is None else [])


# --- the trail bucket: versioned, and no lifecycle rule deletes logs early ---------------------------------

def _rule_applies(rule: dict, log_prefixes: list[str]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    selector = rule.get("Filter", {})
    if "Tag" in selector or selector.get("And", {}).get("Tags"):
        return False  # CloudTrail does not tag the objects it writes
    prefix = selector.get("Prefix", selector.get("And", {}).get("Prefix", rule.get("Prefix", ""))) or ""
    return any(p.startswith(prefix) or prefix.startswith(p) for p in log_prefixes)


def retention_problems(rules: list[dict], log_prefixes: list[str], min_days: int) -> list[str]:
    """The lifecycle rules (GetBucketLifecycleConfiguration's ``Rules``) that delete log files under
    any of ``log_prefixes``, or their noncurrent versions, sooner than ``min_days`` days."""
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


def trail_bucket_problems(versioning: str | None, rules: list[dict], log_prefixes: list[str],
                          min_days: int) -> list[str]:
    """Why a trail bucket may lose logs: not versioned (``versioning`` is GetBucketVersioning's
    Status, ``Enabled`` or ``Suspended``, None for never enabled; a bucket with Object Lock is always
    ``Enabled``), or a lifecycle rule deleting logs or their old versions before ``min_days``.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
    """
    problems = []
    if versioning != "Enabled":
        problems.append(f"versioning is {versioning or 'not enabled'}: a deleted or overwritten log is gone")
    return problems + retention_problems(rules, log_prefixes, min_days)


# --- the quarantine security group: no traffic in or out -------------------------------------------------

LOOPBACK = "127.0.0.1/32"


def reaches_nothing(rule: dict) -> bool:
    """An egress rule (IpPermissions shape) to 127.0.0.1/32 only. Traffic to the loopback address never
    leaves the instance, so the rule allows nothing; CloudFormation needs one to drop the allow-all
    egress rule AWS adds to a new group.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
    """
    return ([r.get("CidrIp") for r in rule.get("IpRanges") or []] == [LOOPBACK]
            and not rule.get("Ipv6Ranges") and not rule.get("UserIdGroupPairs") and not rule.get("PrefixListIds"))


def quarantine_group_problems(ingress: list[dict], egress: list[dict]) -> list[str]:
    """Why a quarantine group lets traffic through: any inbound rule, or an outbound rule that reaches
    anything. Rules in DescribeSecurityGroups' IpPermissions / IpPermissionsEgress shape."""
    problems = []
    if ingress:
        problems.append(f"{len(ingress)} inbound rule(s)")
    open_egress = [rule for rule in egress if not reaches_nothing(rule)]
    if open_egress:
        problems.append(f"{len(open_egress)} outbound rule(s)")
    return problems


# --- the responder role's trust ------------------------------------------------------------------------------

def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _account_of(principal: str) -> str:
    """The account of an AWS principal: an ARN's account field, or a bare account id; the principal
    itself when it has neither (a wildcard ARN, a canonical user id)."""
    parts = principal.split(":")
    return parts[4] if principal.startswith("arn:") and len(parts) > 5 and parts[4] else principal


_ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")


def _lets_assume(statement: dict) -> bool:
    """Whether a statement's Action (or NotAction) covers one of the AssumeRole actions."""
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in _as_list(statement["NotAction"])]
        return any(not any(fnmatchcase(action, pattern) for pattern in excluded) for action in _ASSUME_ACTIONS)
    patterns = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    return any(fnmatchcase(action, pattern) for pattern in patterns for action in _ASSUME_ACTIONS)


_EQUALS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
_WILDCARDS = ("*", "?")


def _narrowed_accounts(condition: dict) -> tuple[set[str] | None, str | None]:
    """What a condition leaves of Principal ``*``: (the accounts it allows, None), or (None, why it still
    lets in principals of accounts nobody chose).

    Read: ``aws:PrincipalAccount`` and ``aws:PrincipalArn`` compared with StringEquals / StringLike /
    ArnEquals / ArnLike (also ...IfExists: both keys are always present for AWS principals) to values
    without wildcards in the account. ``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` allow every
    account of an organization; any other key (``sts:ExternalId``, ``aws:SourceIp``...) narrows no
    account at all.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
    """
    found: set[str] | None = None
    organization = None
    for operator, block in (condition or {}).items():
        if not isinstance(block, dict):
            continue
        base = operator.removesuffix("IfExists")
        for key, values in block.items():
            key = key.lower()
            if key in ("aws:principalorgid", "aws:principalorgpaths") and base in _EQUALS:
                organization = f"any principal of organization {', '.join(map(str, _as_list(values)))}"
            if key not in ("aws:principalaccount", "aws:principalarn") or base not in _EQUALS:
                continue
            accounts = {str(v) if key == "aws:principalaccount" else _account_of(str(v)) for v in _as_list(values)}
            if any(w in a for a in accounts for w in _WILDCARDS):
                continue  # a wildcard account narrows nothing
            found = accounts if found is None else found & accounts  # every condition must hold
    if found is not None:
        return found, None
    return None, organization or "any AWS principal may assume it"


def responder_trust_problems(trust_policy: dict, security_account_id: str | None = None) -> list[str]:
    """Why a responder role's trust policy lets in more than the security account: a responder role
    must be assumable from one account only (``security_account_id`` when known), never from anyone
    (``*``), an organization, several accounts, a service or a federated identity: each is a way in to
    contain, or to sabotage, evidence.

    ``trust_policy`` is the role's AssumeRolePolicyDocument (decoded). Allow statements are read;
    Principal ``*`` is narrowed by its ``aws:PrincipalAccount`` / ``aws:PrincipalArn`` conditions
    (see ``_narrowed_accounts``); a NotPrincipal in an Allow admits everyone else.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    accounts, problems = set(), []
    for statement in _as_list(trust_policy.get("Statement", []) if isinstance(trust_policy, dict) else []):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if not _lets_assume(statement):
            continue
        if "NotPrincipal" in statement:
            problems.append("an Allow with NotPrincipal lets every other principal assume it")
            continue
        principal = statement.get("Principal", {})
        principals = {"AWS": principal} if principal == "*" else principal if isinstance(principal, dict) else {}
        for kind, values in principals.items():
            if kind != "AWS":
                problems.append(f"{kind} principal(s) {', '.join(map(str, _as_list(values)))} may assume it; "
                                "a responder role trusts people of the security account only")
                continue
            for value in _as_list(values):
                if value == "*":
                    narrowed, why = _narrowed_accounts(statement.get("Condition"))
                    if narrowed is None:
                        problems.append(why)
                    accounts |= narrowed or set()
                elif isinstance(value, str):
                    accounts.add(_account_of(value))
    problems = list(dict.fromkeys(problems))
    if len(accounts) > 1:
        problems.append(f"principals of {len(accounts)} accounts may assume it ({', '.join(sorted(accounts))}); "
                        "trust only the security account")
    elif accounts and security_account_id and accounts != {security_account_id}:
        problems.append(f"it is not assumable from the security account {security_account_id} "
                        f"(it trusts {next(iter(accounts))})")
    elif not accounts and not problems:
        problems.append("no account may assume it; trust the security account")
    elif accounts and not all(is_account_id(a) for a in accounts):
        problems.append(f"it trusts {next(iter(accounts))}, not an account; trust the security account")
    return problems


# --- one bucket's object access: S3 data events whose scope takes in the bucket (issue #19) ------------------

def _selector_takes_in(selector: dict, object_arn: str, basic: bool) -> bool:
    """Whether a selector's resource scope includes ``object_arn`` (its other fields are judged by coverage)."""
    if basic:
        values = [v for r in selector.get("DataResources") or [] if r.get("Type") == S3_OBJECT
                  for v in r.get("Values") or []]
        return any(v in _ALL_RESOURCES or object_arn.startswith(v) for v in values)
    arns = [c for c in selector.get("FieldSelectors") or []
            if isinstance(c, dict) and c.get("Field") == "resources.ARN"]
    return all(field_matches(c, object_arn) for c in arns)


def s3_object_events_of_bucket(selectors: dict, bucket: str) -> str | None:
    """How a trail records object-level reads and writes of every object in ``bucket`` (``s3_object_events``
    over the selectors whose resources.ARN scope or DataResources values take in the whole bucket), or None.
    A selector scoped to a prefix of the bucket does not record the rest of it, so it does not count."""
    sample = f"arn:aws:s3:::{bucket}/"  # an object's ARN starts so; a prefix-scoped selector rejects it
    kept = {"basic": [s for s in selectors.get("basic") or [] if _selector_takes_in(s, sample, True)],
            "advanced": [s for s in selectors.get("advanced") or [] if _selector_takes_in(s, sample, False)]}
    return s3_object_events(kept)
