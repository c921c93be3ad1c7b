"""CloudTrail: the record responders reconstruct an incident from."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import Unavailable, is_unavailable, require
from irready.policies import readiness
from irready.policies.names import cloudtrail_log_prefix
from irready.policies.readiness import LAMBDA_FUNCTION, READ, S3_OBJECT, WRITE, coverage, recorded_modes

# --- reading trails --------------------------------------------------------------------------------------

def _trails(ctx: AccountContext) -> list[dict]:
    """The trails that record this account: its own, and organization trails of the management account.

    A member sees the organization trail in DescribeTrails but may not read its status or selectors;
    the management account can. Where the owner's reading is in the snapshot it is used, and the
    trail carries ``covered_by`` (the owner). In an organization audit (``--org``), an organization trail
    also covers members whose listing does not show it (AWS logs every member account in it):
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
    """
    try:
        own = list(ctx.service("cloudtrail_trails").values())
    except Unavailable:
        own = []
        if not _organization_audit(ctx):
            raise
    trails = [_owners_reading(ctx, trail) for trail in own]
    if _organization_audit(ctx):
        seen = {trail.get("TrailARN") for trail in own}
        trails += [dict(trail, covered_by=owner) for owner, trail in _organization_trails(ctx)
                   if trail.get("TrailARN") not in seen and owner != ctx.account_id]
    return trails


def _organization_audit(ctx: AccountContext) -> bool:
    return (ctx.snapshot.get("config") or {}).get("org") is True


def _organization_trails(ctx: AccountContext) -> list[tuple[str, dict]]:
    """(owner, trail) for each organization trail read in the account that owns it (from the organization's
    index: evaluating one account never walks the others)."""
    return ctx.org.organization_trails


def _arn_account(arn) -> str | None:
    parts = str(arn).split(":")
    return parts[4] if len(parts) > 5 else None


def _owners_reading(ctx: AccountContext, trail: dict) -> dict:
    """An organization trail this account could not read, as read by its owner (if audited)."""
    owner = _arn_account(trail.get("TrailARN"))
    if not trail.get("IsOrganizationTrail") or owner == ctx.account_id:
        return trail
    if not (is_unavailable(trail.get("status")) or is_unavailable(trail.get("event_selectors"))):
        return dict(trail, covered_by=owner)
    for account_id, theirs in _organization_trails(ctx):
        if account_id == owner and theirs.get("TrailARN") == trail.get("TrailARN"):
            return dict(theirs, covered_by=owner)
    return trail


def _is_logging(trail: dict) -> bool:
    return require(trail.get("status"), f"status of trail {trail['Name']}")["is_logging"]


def _covers(trail: dict, region: str) -> bool:
    return bool(trail.get("IsMultiRegionTrail")) or trail.get("HomeRegion") == region


def _selectors(trail: dict) -> dict:
    return require(trail.get("event_selectors"), f"event selectors of trail {trail['Name']}")


def _listing_gaps(ctx: AccountContext) -> Iterator[Result]:
    """UNKNOWN for each region whose trails could not be listed."""
    for region in ctx.regions:
        try:
            ctx.regional("cloudtrail", region)
        except Unavailable as exc:
            yield Result.unknown(region, NO_RESOURCE, exc.reason)


def _region_covered(ctx: AccountContext, region: str, has: Callable[[dict], str | Narrowed | None],
                    missing: str) -> Result:
    """PASS if a logging trail covering ``region`` satisfies ``has`` (which returns a description of
    how, a ``Narrowed`` saying what it leaves out, or None); UNKNOWN if that cannot be ruled out;
    FAIL otherwise, naming what narrowed the trails that come close."""
    unknowns, narrowed = [], []
    try:
        ctx.regional("cloudtrail", region)
    except Unavailable as exc:
        unknowns.append(exc.reason)
    for trail in _trails(ctx):
        if not _covers(trail, region):
            continue
        try:
            how = _is_logging(trail) and has(trail)
        except Unavailable as exc:
            unknowns.append(exc.reason)
            continue
        if isinstance(how, Narrowed):
            narrowed.append(f"trail {trail['Name']} records only events passing {how}")
        elif how:
            if trail.get("covered_by"):
                how += f" (organization trail {trail['TrailARN']} of account {trail['covered_by']})"
            return Result.passed(region, trail["TrailARN"], how)
    if unknowns:
        return Result.unknown(region, NO_RESOURCE, unknowns[0])
    return Result.failed(region, NO_RESOURCE, "; ".join([missing, *narrowed]))


def region_covered(ctx: AccountContext, region: str, has: Callable[[dict], str | Narrowed | None],
                   missing: str) -> Result:
    """``_region_covered`` for other check modules (s3.access_evidence credits a trail with it)."""
    return _region_covered(ctx, region, has, missing)


def trail_selectors(trail: dict) -> dict:
    """A trail's event selectors (Unavailable if they could not be read)."""
    return _selectors(trail)


class Narrowed(str):
    """What a trail's selectors leave out of the events a check needs (the narrowing conditions)."""


def _narrowed(selectors: dict, modes: set[str], category: str, resource_type: str | None = None) -> Narrowed | None:
    """What narrows the selectors that come close to recording ``modes``, or None if none do."""
    found = coverage(selectors, category, resource_type)
    conditions = sorted({c for mode in modes for c in found.get(mode, [])})
    return Narrowed(" and ".join(conditions)) if conditions else None


def _per_region_coverage(has: Callable[[dict], str | None], missing: str):
    def evaluate(ctx: AccountContext) -> Iterator[Result]:
        for region in ctx.regions:
            yield _region_covered(ctx, region, has, missing)
    return evaluate


def _logging_trails(ctx: AccountContext) -> Iterator[tuple[dict | None, Result | None]]:
    """(trail, None) for each logging trail; (None, UNKNOWN) where that cannot be told."""
    for gap in _listing_gaps(ctx):
        yield None, gap
    for trail in _trails(ctx):
        try:
            if _is_logging(trail):
                yield trail, None
        except Unavailable as exc:
            yield None, Result.unknown(trail.get("HomeRegion", GLOBAL), trail["TrailARN"], exc.reason)


def _records_management_rw(trail: dict) -> str | Narrowed | None:
    selectors = _selectors(trail)
    if recorded_modes(selectors, "Management") >= {READ, WRITE}:
        return "management events, read and write"
    return _narrowed(selectors, {READ, WRITE}, "Management")


def _records_s3_data(trail: dict) -> str | Narrowed | None:
    selectors = _selectors(trail)
    return readiness.s3_object_events(selectors) or _narrowed(selectors, {READ, WRITE}, "Data", S3_OBJECT)


def _records_lambda_invoke(trail: dict) -> str | Narrowed | None:
    selectors = _selectors(trail)
    return readiness.lambda_invoke_events(selectors) or _narrowed(selectors, {WRITE}, "Data", LAMBDA_FUNCTION)


def _delivers_to_cloudwatch(trail: dict) -> str | None:
    if trail.get("CloudWatchLogsLogGroupArn"):
        return f"delivers to {trail['CloudWatchLogsLogGroupArn']}"
    return None


# --- account-wide and per-trail checks ---------------------------------------------------------------------

def _multi_region_logging(ctx: AccountContext) -> Iterator[Result]:
    unknowns = [gap.reason for gap in _listing_gaps(ctx)]
    for trail in _trails(ctx):
        if not trail.get("IsMultiRegionTrail"):
            continue
        try:
            if _is_logging(trail):
                via = f" (organization trail of account {trail['covered_by']})" if trail.get("covered_by") else ""
                yield Result.passed(GLOBAL, trail["TrailARN"], f"multi-region trail is logging{via}")
                return
        except Unavailable as exc:
            unknowns.append(exc.reason)
    if unknowns:
        yield Result.unknown(GLOBAL, NO_RESOURCE, unknowns[0])
    else:
        yield Result.failed(GLOBAL, NO_RESOURCE, "no multi-region trail is logging")


def _per_logging_trail(judge: Callable[[dict], Result]):
    def evaluate(ctx: AccountContext) -> Iterator[Result]:
        for trail, gap in _logging_trails(ctx):
            yield gap or judge(trail)
    return evaluate


def _log_file_validation(trail: dict) -> Result:
    region = trail.get("HomeRegion", GLOBAL)
    if trail.get("LogFileValidationEnabled"):
        return Result.passed(region, trail["TrailARN"], "log file validation enabled")
    return Result.failed(region, trail["TrailARN"], "log file validation is off: tampering with logs cannot be proven")


def _kms_encryption(trail: dict) -> Result:
    region = trail.get("HomeRegion", GLOBAL)
    if trail.get("KmsKeyId"):
        return Result.passed(region, trail["TrailARN"], f"encrypted with {trail['KmsKeyId']}")
    return Result.failed(region, trail["TrailARN"], "log files are not encrypted with a KMS key (SSE-S3 only)")


# --- the trail bucket --------------------------------------------------------------------------------------

def _trail_buckets(ctx: AccountContext) -> Iterator[tuple[str, str, list[str] | None, Result | None]]:
    """(bucket, region, log prefixes written there, None), or UNKNOWN results, for logging trails."""
    buckets: dict[str, tuple[str, list[str]]] = {}
    for trail, gap in _logging_trails(ctx):
        if gap:
            yield "", "", None, gap
            continue
        if trail.get("S3BucketName"):
            prefix = cloudtrail_log_prefix(trail.get("S3KeyPrefix"))
            _, prefixes = buckets.setdefault(trail["S3BucketName"], (trail.get("HomeRegion", GLOBAL), []))
            prefixes.append(prefix)
    for name, (region, prefixes) in sorted(buckets.items()):
        yield name, region, prefixes, None


def _bucket_retention(ctx: AccountContext) -> Iterator[Result]:
    minimum = ctx.config.min_log_retention_days
    for name, region, prefixes, gap in _trail_buckets(ctx):
        if gap:
            yield gap
            continue
        try:
            bucket, _ = ctx.bucket(name)
            versioning = require(bucket["versioning"], f"versioning of bucket {name}")
            rules = require(bucket["lifecycle_rules"], f"lifecycle of bucket {name}")
        except Unavailable as exc:
            yield Result.unknown(region, name, exc.reason)
            continue
        problems = readiness.trail_bucket_problems(versioning, rules, prefixes, minimum)
        if problems:
            yield Result.failed(region, name, "; ".join(problems))
        else:
            lock = bucket.get("object_lock")
            locked = " and Object Lock" if lock and not is_unavailable(lock) else ""
            yield Result.passed(region, name, f"versioned{locked}; no lifecycle rule deletes logs before "
                                f"{minimum} days")


_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _full_block(configuration) -> bool:
    return isinstance(configuration, dict) and all(configuration.get(key) for key in _BLOCK_KEYS)


def _bucket_not_public(ctx: AccountContext) -> Iterator[Result]:
    for name, region, _, gap in _trail_buckets(ctx):
        if gap:
            yield gap
            continue
        try:
            bucket, owner = ctx.bucket(name)
            bucket_block = require(bucket["public_access_block"], f"public access block of bucket {name}",
                                   none_means_unset=True)
        except Unavailable as exc:
            yield Result.unknown(region, name, exc.reason)
            continue
        if _full_block(bucket_block):
            yield Result.passed(region, name, "bucket blocks all public access")
            continue
        account_block = ctx.account_public_access_block(owner)
        if _full_block(account_block):
            yield Result.passed(region, name, f"account {owner} blocks all public access")
        elif is_unavailable(account_block):
            yield Result.unknown(region, name, "bucket has no full public access block and the account-level "
                                 f"block could not be read ({account_block['unavailable']['reason']})")
        else:
            yield Result.failed(region, name, "neither the bucket nor its account blocks all public access")


# --- the checks --------------------------------------------------------------------------------------------

_TRAIL_COMPONENT = "infra component OrganizationTrail (infra/components/org_trail.py)"

CHECKS = (
    Check(
        id="cloudtrail.multi_region_logging",
        categories=("logging", "forensics-ready"),
        title="A multi-region trail is logging",
        severity=Severity.CRITICAL,
        rationale="Without a trail, API activity older than the 90-day Event history is gone, and activity in "
                  "regions you do not use is never recorded. Responders cannot say what an attacker did.",
        remediation=f"Deploy {_TRAIL_COMPONENT}: an organization trail, multi-region, with global service events.",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html",),
        evaluate=_multi_region_logging,
    ),
    Check(
        id="cloudtrail.management_events_rw",
        categories=("logging", "forensics-ready"),
        title="Management events, read and write, are recorded",
        severity=Severity.HIGH,
        rationale="Reconnaissance (List*, Describe*, GetCallerIdentity) shows up only in read events; write-only "
                  "trails hide how an attacker found their way.",
        remediation=f"Deploy {_TRAIL_COMPONENT}, whose management-events selector records read and write.",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html",),
        evaluate=_per_region_coverage(_records_management_rw, "no logging trail records management events, both "
                                      "read and write, in this region"),
    ),
    Check(
        id="cloudtrail.log_file_validation",
        categories=("logging", "forensics-ready"),
        title="Trails validate their log files",
        severity=Severity.MEDIUM,
        rationale="Digest files prove logs were not altered or deleted: evidence that stands up later.",
        remediation=f"Deploy {_TRAIL_COMPONENT}, which enables log file validation; or aws cloudtrail update-trail "
                    "--enable-log-file-validation.",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",),
        evaluate=_per_logging_trail(_log_file_validation),
    ),
    Check(
        id="cloudtrail.kms_encryption",
        categories=("logging", "forensics-ready"),
        title="Trails are encrypted with a KMS key",
        severity=Severity.MEDIUM,
        rationale="A KMS key adds a second permission (kms:Decrypt) between a reader of the bucket and the logs, "
                  "and every decrypt is itself logged.",
        remediation=f"Deploy {_TRAIL_COMPONENT}, which encrypts with a customer managed key (rotation, "
                    "least-privilege key policy).",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",),
        evaluate=_per_logging_trail(_kms_encryption),
    ),
    Check(
        id="cloudtrail.s3_data_events",
        categories=("logging", "forensics-ready"),
        title="S3 object-level read and write events are recorded",
        severity=Severity.HIGH,
        rationale="Only data events (GetObject, PutObject, DeleteObject) answer the breach question: which objects "
                  "were read or destroyed. A ListBuckets call is not proof of exfiltration; a GetObject is.",
        remediation=f"Deploy {_TRAIL_COMPONENT} with data_events.s3 set to 'all' or to the buckets that hold sensitive "
                    "data (see docs/provisioning.md for the cost trade-off).",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",),
        evaluate=_per_region_coverage(_records_s3_data, "no logging trail records S3 object-level read and write "
                                      "events in this region"),
    ),
    Check(
        id="cloudtrail.lambda_data_events",
        categories=("logging", "forensics-ready"),
        title="Lambda invoke events are recorded",
        severity=Severity.MEDIUM,
        rationale="Invocations of a backdoored or abused function are data events; without them responders cannot "
                  "tell who ran it, or when.",
        remediation=f"Deploy {_TRAIL_COMPONENT} with data_events.lambda set to 'all' or to the functions that matter.",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",),
        evaluate=_per_region_coverage(_records_lambda_invoke, "no logging trail records Lambda invoke events in "
                                      "this region"),
    ),
    Check(
        id="cloudtrail.bucket_retention",
        categories=("logging", "forensics-ready"),
        title="The trail bucket keeps logs long enough and is versioned",
        severity=Severity.HIGH,
        rationale="Intrusions are often found months late. Logs deleted by a lifecycle rule, or by an attacker "
                  "in an unversioned bucket, cannot be investigated.",
        remediation=f"Deploy {_TRAIL_COMPONENT}: versioning, lifecycle keeping at least min_log_retention_days, "
                    "optional Object Lock.",
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
                    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html"),
        evaluate=_bucket_retention,
    ),
    Check(
        id="cloudtrail.bucket_not_public",
        categories=("logging", "forensics-ready"),
        title="The trail bucket blocks public access",
        severity=Severity.HIGH,
        rationale="Trail logs map your whole estate; public logs hand an attacker the map and the evidence.",
        remediation=f"Deploy {_TRAIL_COMPONENT}, which sets a full public access block and a TLS-only bucket policy.",
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",),
        evaluate=_bucket_not_public,
    ),
    Check(
        id="cloudtrail.cloudwatch_logs",
        categories=("logging", "forensics-ready"),
        title="A trail delivers to CloudWatch Logs",
        severity=Severity.MEDIUM,
        rationale="CloudWatch Logs makes trail events searchable in minutes (Logs Insights) and alarmable, instead "
                  "of downloading and parsing S3 objects mid-incident.",
        remediation=f"Deploy {_TRAIL_COMPONENT}, which delivers to a CloudWatch log group with retention.",
        references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",),
        evaluate=_per_region_coverage(_delivers_to_cloudwatch, "no logging trail covering this region delivers to "
                                      "CloudWatch Logs"),
    ),
)
