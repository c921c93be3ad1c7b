"""Can a role's policies escalate? The probes the audit (``ir.responder_role``) and the tests put to a
role's documents, judged by policies.evaluator, so conditions and resources count (``iam:PolicyARN``
limited to irready's policies closes AttachRolePolicy; a condition-blind analyser cannot see that).

Each probe is one request an attacker holding the role would make to gain more than the role has:
attach or put an arbitrary policy, rewrite a managed policy, pass an arbitrary role to a service,
change the role's own trust, mint credentials for another user, or open a bucket with its policy.
The list follows the privilege-escalation methods cloudsplaining checks (Rhino Security Labs'
catalogue), restricted to those a responder's kind of permissions could reach. Standard library only,
so checkov's virtualenv can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

try:
    from irready.policies.evaluator import ALLOW, Request, evaluate
except ImportError:  # loaded by path from checkov's own virtualenv (policies/checkov/_irready.py does so)
    import importlib.util
    import sys
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location("irready_evaluator", Path(__file__).with_name("evaluator.py"))
    _evaluator = sys.modules.setdefault("irready_evaluator", importlib.util.module_from_spec(_spec))
    _spec.loader.exec_module(_evaluator)
    ALLOW, Request, evaluate = _evaluator.ALLOW, _evaluator.Request, _evaluator.evaluate

_ANY_ROLE = "arn:aws:iam::111122223333:role/any-workload-role"
_ANY_USER = "arn:aws:iam::111122223333:user/any-user"
_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True)
class Probe:
    """One escalating request: ``reason`` is what the audit says when the documents allow it."""
    reason: str
    action: str
    resource: str = "*"
    context: dict = field(default_factory=dict)


def probes(own_role_arn: str) -> tuple[Probe, ...]:
    """The escalating requests for a role whose ARN is ``own_role_arn``."""
    return (
        Probe("attach an arbitrary policy to a role (AdministratorAccess)", "iam:AttachRolePolicy", _ANY_ROLE,
              {"iam:PolicyARN": _ADMIN}),
        Probe("attach an arbitrary policy to itself", "iam:AttachRolePolicy", own_role_arn,
              {"iam:PolicyARN": _ADMIN}),
        Probe("attach an arbitrary policy to a user", "iam:AttachUserPolicy", _ANY_USER, {"iam:PolicyARN": _ADMIN}),
        Probe("put an inline policy on a role", "iam:PutRolePolicy", _ANY_ROLE),
        Probe("put an inline policy on itself", "iam:PutRolePolicy", own_role_arn),
        Probe("put an inline policy on a user", "iam:PutUserPolicy", _ANY_USER),
        Probe("rewrite a managed policy (CreatePolicyVersion)", "iam:CreatePolicyVersion",
              "arn:aws:iam::111122223333:policy/any-policy"),
        Probe("rewrite irready's own policies", "iam:CreatePolicyVersion",
              "arn:aws:iam::111122223333:policy/irready-deny-all"),
        Probe("pass an arbitrary role to EC2", "iam:PassRole", _ANY_ROLE,
              {"iam:PassedToService": "ec2.amazonaws.com"}),
        Probe("pass an arbitrary role to Lambda", "iam:PassRole", _ANY_ROLE,
              {"iam:PassedToService": "lambda.amazonaws.com"}),
        Probe("change its own trust policy", "iam:UpdateAssumeRolePolicy", own_role_arn),
        Probe("create access keys for a user", "iam:CreateAccessKey", _ANY_USER),
        Probe("set a user's console password", "iam:UpdateLoginProfile", _ANY_USER),
        Probe("change an instance's user data (ModifyInstanceAttribute)", "ec2:ModifyInstanceAttribute",
              "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0", {"ec2:Attribute": "userData"}),
        Probe("replace a function's code", "lambda:UpdateFunctionCode",
              "arn:aws:lambda:us-east-1:111122223333:function:any"),
        Probe("write any bucket's policy", "s3:PutBucketPolicy", "arn:aws:s3:::any-bucket"),
    )


def escalation_paths(documents: list[dict], boundary: dict | None, own_role_arn: str) -> list[str]:
    """The reasons (``probes``) the identity ``documents``, within the permissions ``boundary`` if any,
    allow. Raises ValueError if a document uses a condition operator policies.evaluator does not
    implement (the caller reports that it cannot judge, never a pass)."""
    found = []
    for probe in probes(own_role_arn):
        request = Request(probe.action, probe.resource, context=probe.context)
        if evaluate(documents, request) == ALLOW and (boundary is None or evaluate([boundary], request) == ALLOW):
            found.append(probe.reason)
    return found
