"""s3.*: a record of who read and wrote each bucket's objects, which decides the scope of a breach notice."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.checks.cloudtrail import region_covered, trail_selectors
from irready.audit.context import AccountContext
from irready.audit.inventory import TAGGING
from irready.audit.model import GLOBAL, Check, Result, Severity, Status
from irready.audit.snapshot import Unavailable, is_unavailable, require
from irready.policies import readiness


def _personal(ctx: AccountContext) -> set[str]:
    """Buckets whose data-classification tag (the last context tag) says personal data, from the Tagging API."""
    key = ctx.config.context_tags[-1]
    values = {v.lower() for v in ctx.config.personal_data_values}
    by_region = ctx.account.get("services", {}).get(TAGGING) or {}
    if is_unavailable(by_region):
        return set()
    return {arn.removeprefix("arn:aws:s3:::") for section in by_region.values()
            if isinstance(section, dict) and not is_unavailable(section)
            for arn, tags in (section.get("tags") or {}).items()
            if arn.startswith("arn:aws:s3:::") and str(tags.get(key, "")).lower() in values}


def _access_evidence(ctx: AccountContext) -> Iterator[Result]:
    try:
        buckets = ctx.service("s3_buckets")["buckets"]
    except Unavailable as exc:
        yield Result.unknown(GLOBAL, "-", exc.reason)
        return
    personal = _personal(ctx)
    results = [_judge(ctx, bucket, bucket["name"] in personal) for bucket in buckets]
    # Buckets holding personal data first: they are the ones a breach notice is about.
    yield from sorted(results, key=lambda r: (not r.reason.startswith("personal data"), r.resource_id))


def _judge(ctx: AccountContext, bucket: dict, personal: bool) -> Result:
    name, region = bucket["name"], bucket["region"]
    label = "personal data; " if personal else ""
    logging = bucket["server_access_logging"]
    if isinstance(logging, dict) and not is_unavailable(logging):
        return Result.passed(region, name, f"{label}server access logs to {logging['target_bucket']}/"
                             f"{logging['target_prefix']}")
    by_trail = region_covered(
        ctx, region, lambda trail: readiness.s3_object_events_of_bucket(trail_selectors(trail), name),
        "no server access logging, and no logging trail records S3 data events for this bucket")
    if by_trail.status is Status.PASS:
        return Result.passed(region, name, f"{label}{by_trail.reason} (trail {by_trail.resource_id})")
    try:
        require(logging, f"server access logging of bucket {name}", none_means_unset=True)
    except Unavailable as exc:
        return Result.unknown(region, name, label + exc.reason)
    if by_trail.status is Status.UNKNOWN:
        return Result.unknown(region, name, f"{label}no server access logging; {by_trail.reason}")
    return Result.failed(region, name, label + by_trail.reason + (
        ": who read it cannot be told, so a breach notice must assume everything was" if personal else ""))


CHECKS = (
    Check(
        id="s3.access_evidence",
        categories=("logging", "forensics-ready"),
        title="Every bucket's object access is recorded",
        severity=Severity.HIGH,
        rationale="Whether an attacker read the objects decides who must be notified of a breach. A ListBuckets "
                  "call proves nothing; only S3 server access logs or CloudTrail S3 data events record GetObject, "
                  "and without them every object must be assumed taken.",
        remediation="Deploy infra component OrganizationTrail (infra/components/org_trail.py), whose S3 data-event "
                    "selector records every bucket's object reads and writes; or enable server access logging on "
                    "the bucket (aws s3api put-bucket-logging) to a log bucket.",
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/logging-with-S3.html",
                    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html"),
        evaluate=_access_evidence,
    ),
)
