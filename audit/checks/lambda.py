"""lambda.*: a function's code recoverable as it ran (published versions, aliases that name them)."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, require


def _code_history(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        for function in data["functions"]:
            if not function["versions"]:
                yield Result.failed(region, function["name"], "only $LATEST exists: each update overwrites the "
                                    "code that ran before it")
                continue
            try:
                aliases = require(function["aliases"], f"aliases of function {function['name']}")
            except Unavailable as exc:
                yield Result.unknown(region, function["name"], exc.reason)
                continue
            floating = [a["name"] for a in aliases if a["version"] == "$LATEST"]
            if floating:
                yield Result.failed(region, function["name"], f"alias(es) {', '.join(floating)} point to $LATEST: "
                                    "what they ran is overwritten by the next update")
            else:
                yield Result.passed(region, function["name"], f"{len(function['versions'])} published version(s) "
                                    "kept" + (f"; aliases {', '.join(a['name'] for a in aliases)} name versions"
                                              if aliases else ""))
    return ctx.per_region("lambda", judge)


CHECKS = (
    Check(
        id="lambda.code_history",
        categories=("logging", "forensics-ready"),
        title="Lambda functions keep published versions of their code",
        severity=Severity.LOW,
        rationale="Responders to a serverless compromise want the function's code and its previous versions: "
                  "with only $LATEST, an attacker's update (or the fix after it) overwrites the code that ran, and "
                  "there is no host to image.",
        remediation="Publish a version on every deployment (aws lambda publish-version, or publish: true in the "
                    "deployment tool) and point aliases at versions, not $LATEST; not provisioned by infra/, "
                    "which does not own workloads.",
        references=("https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html",
                    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html"),
        evaluate=_code_history,
    ),
)
