"""ec2.*: instance hardening that decides how far one compromised host gets (IMDSv2)."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import require


def _imdsv2(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        for instance in require(data["instances"], f"instances in {region}"):
            if instance["http_endpoint"] == "disabled":
                yield Result.passed(region, instance["instance_id"], "instance metadata service disabled")
            elif instance["http_tokens"] == "required":
                yield Result.passed(region, instance["instance_id"], "IMDSv2 required")
            else:
                yield Result.failed(region, instance["instance_id"], "accepts IMDSv1: an SSRF in the app can read "
                                    "the instance role's credentials")
    return ctx.per_region("ec2", judge)


CHECKS = (
    Check(
        id="ec2.imdsv2_required",
        categories=("hardening",),
        title="Running instances require IMDSv2",
        severity=Severity.HIGH,
        rationale="IMDSv1 answers any request from the host, so an SSRF or a proxy misconfiguration hands out the "
                  "instance role's credentials: a common first step from a web server into the account.",
        remediation="aws ec2 modify-instance-metadata-options --http-tokens required (and set it in launch "
                    "templates); not provisioned by infra/, which does not own workloads.",
        references=("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",),
        evaluate=_imdsv2,
    ),
)
