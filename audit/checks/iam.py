"""iam.*: instance roles that let whoever lands on the host launch more, with any role."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.checks._iam_docs import role_documents
from irready.audit.context import AccountContext
from irready.audit.iam_policy import role_allows
from irready.audit.model import GLOBAL, Check, Result, Severity
from irready.audit.snapshot import Unavailable

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


CHECKS = (
    Check(
        id="iam.instance_profile_escalation",
        categories=("hardening",),
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
)
