"""Workload hardening that decides how far one compromised host gets: IMDSv2, instance-role
escalation, and the EKS audit log."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.checks._iam_docs import role_documents
from irready.audit.context import AccountContext
from irready.audit.iam_policy import role_allows
from irready.audit.model import GLOBAL, Check, Result, Severity
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


ESCALATION_ACTIONS = ("ec2:RunInstances", "iam:PassRole")


def _instance_profile_escalation(ctx: AccountContext) -> Iterator[Result]:
    iam = ctx.service("iam")
    for profile_name, profile in sorted(iam["instance_profiles"].items()):
        for role_name in profile["roles"]:
            role = iam["roles"].get(role_name)
            try:
                if role is None:
                    raise Unavailable(f"role {role_name} of instance profile {profile_name} was not collected")
                documents, boundary = role_documents(iam, role)
            except Unavailable as exc:
                yield Result.unknown(GLOBAL, profile["arn"], exc.reason)
                continue
            if all(role_allows(documents, boundary, action) for action in ESCALATION_ACTIONS):
                yield Result.failed(GLOBAL, profile["arn"], f"role {role_name} allows ec2:RunInstances with "
                                    "iam:PassRole: whoever lands on the instance can launch more, with any role")
            else:
                yield Result.passed(GLOBAL, profile["arn"], f"role {role_name} cannot both launch instances and "
                                    "pass roles")


def _eks_audit_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        for cluster in data["clusters"]:
            try:
                types = require(cluster["enabled_log_types"], f"logging of EKS cluster {cluster['name']}")
            except Unavailable as exc:
                yield Result.unknown(region, cluster["name"], exc.reason)
                continue
            if "audit" in types:
                yield Result.passed(region, cluster["name"], "audit logs shipped")
            else:
                yield Result.failed(region, cluster["name"], "Kubernetes audit logs are not shipped: no record of "
                                    "who did what in the cluster")
    return ctx.per_region("eks", judge)


CHECKS = (
    Check(
        id="ec2.imdsv2_required",
        title="Running instances require IMDSv2",
        severity=Severity.HIGH,
        rationale="IMDSv1 answers any request from the host, so an SSRF or a proxy misconfiguration hands out the "
                  "instance role's credentials: a common first step from a web server into the account.",
        remediation="aws ec2 modify-instance-metadata-options --http-tokens required (and set it in launch "
                    "templates); not provisioned by infra/, which does not own workloads.",
        references=("CIS AWS Foundations v3.0.0 5.6",
                    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html"),
        evaluate=_imdsv2,
    ),
    Check(
        id="iam.instance_profile_escalation",
        title="No instance role can launch instances and pass roles",
        severity=Severity.HIGH,
        rationale="A web server role with ec2:RunInstances and iam:PassRole let an attacker launch a new instance "
                  "from the compromised host (the incident in the source notes), and with a more privileged role "
                  "attached it is full privilege escalation.",
        remediation="Remove ec2:RunInstances or iam:PassRole from the role, or scope iam:PassRole to specific roles "
                    "with an iam:PassedToService condition; not provisioned by infra/.",
        references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",),
        evaluate=_instance_profile_escalation,
    ),
    Check(
        id="eks.audit_logging",
        title="EKS clusters ship audit logs",
        severity=Severity.MEDIUM,
        rationale="The Kubernetes audit log is the only record of API calls inside a cluster: exec into pods, "
                  "secret reads, RBAC changes.",
        remediation="aws eks update-cluster-config --logging '{\"clusterLogging\":[{\"types\":[\"audit\"],"
                    "\"enabled\":true}]}'; not provisioned by infra/.",
        references=("https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",),
        evaluate=_eks_audit_logging,
    ),
)
