"""cloudfront.*: access logs of distributions, the record of who fetched what from the edge."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, Check, Result, Severity
from irready.audit.snapshot import Unavailable, is_unavailable, require


def _access_logging(ctx: AccountContext) -> Iterator[Result]:
    try:
        data = ctx.service("cloudfront")
    except Unavailable as exc:
        yield Result.unknown(GLOBAL, "-", exc.reason)
        return
    v2 = data.get("v2_delivered", [])
    for distribution in data["distributions"]:
        name, legacy = distribution["id"], distribution["legacy_logging"]
        if isinstance(v2, list) and distribution["arn"] in v2:
            yield Result.passed(GLOBAL, name, "standard logging (v2) delivers its access logs")
        elif isinstance(legacy, dict) and not is_unavailable(legacy) and legacy["enabled"]:
            yield Result.passed(GLOBAL, name, f"standard logging (legacy) to {legacy['bucket']}")
        else:
            try:
                require(legacy, f"logging of distribution {name}")
                require(v2, "CloudFront standard logging (v2) deliveries")
            except Unavailable as exc:
                yield Result.unknown(GLOBAL, name, exc.reason)
                continue
            yield Result.failed(GLOBAL, name, "no access logs: requests to this distribution leave no record")


CHECKS = (
    Check(
        id="cloudfront.access_logging",
        categories=("logging", "forensics-ready"),
        title="CloudFront distributions write access logs",
        severity=Severity.LOW,
        rationale="CloudTrail records no request a viewer makes to a distribution; its access logs are the only "
                  "record of who fetched what, from which address, when content was scraped or an origin probed.",
        remediation="Turn on standard logging for each distribution (CloudFront console > Logging, or a CloudWatch "
                    "Logs delivery of ACCESS_LOGS to S3 or CloudWatch Logs); not provisioned by infra/, which does "
                    "not own workloads.",
        references=("https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html",),
        evaluate=_access_logging,
    ),
)
