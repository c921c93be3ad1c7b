"""ec2.*: instance hardening that decides how far one compromised host gets (IMDSv2)."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, require


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


def _ssm_managed(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        instances = require(data["instances"], f"instances in {region}")
        if not instances:
            return
        try:
            managed = require(ctx.regional("ssm", region), f"Systems Manager in {region}")["managed_instances"]
        except Unavailable as exc:
            for instance in instances:
                yield Result.unknown(region, instance["instance_id"], exc.reason)
            return
        for instance in instances:
            status = managed.get(instance["instance_id"])
            if status == "Online":
                yield Result.passed(region, instance["instance_id"], "managed by Systems Manager (agent online)")
            elif status:
                yield Result.failed(region, instance["instance_id"], f"Systems Manager agent is {status}: no "
                                    "commands reach it")
            else:
                yield Result.failed(region, instance["instance_id"], "not managed by Systems Manager: volatile "
                                    "data and isolation commands need SSH, which an attacker may have closed")
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
    Check(
        id="ec2.ssm_managed",
        categories=("access", "forensics-ready"),
        title="Running instances are managed by Systems Manager",
        severity=Severity.MEDIUM,
        rationale="Systems Manager lets responders collect volatile data (processes, connections, memory) and run "
                  "isolation commands from the inside without SSH keys or open ports; logs left in /var/log are "
                  "deleted by an attacker with root, so collecting early matters.",
        remediation="Install the SSM Agent (preinstalled on Amazon Linux and Windows AMIs), give the instance "
                    "profile AmazonSSMManagedInstanceCore or turn on Default Host Management Configuration, and "
                    "allow it to reach the ssm, ssmmessages and ec2messages endpoints; not provisioned by infra/.",
        references=("https://docs.aws.amazon.com/systems-manager/latest/userguide/managed_instances.html",
                    "https://docs.aws.amazon.com/systems-manager/latest/userguide/fleet-manager-default-host-management-configuration.html"),
        evaluate=_ssm_managed,
    ),
)
