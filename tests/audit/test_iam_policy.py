"""The small IAM evaluator the IR checks rely on."""

from __future__ import annotations

import pytest
from irready.audit.iam_policy import allows, role_allows


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


def deny(action, **extra):
    return {"Effect": "Deny", "Action": action, "Resource": "*", **extra}


@pytest.mark.parametrize(("documents", "action", "expected"), [
    ([doc(allow("ec2:RunInstances"))], "ec2:RunInstances", True),
    ([doc(allow("ec2:*"))], "ec2:RunInstances", True),
    ([doc(allow("EC2:run*"))], "ec2:RunInstances", True),  # IAM actions are case-insensitive
    ([doc(allow("*"))], "iam:PassRole", True),
    ([doc(allow("ec2:Describe*"))], "ec2:RunInstances", False),
    ([doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})], "iam:PassRole", False),
    ([doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})], "ec2:RunInstances", True),
    ([doc(allow("*")), doc(deny("iam:PassRole"))], "iam:PassRole", False),
    # A conditional deny may not apply: readiness counts the allow.
    ([doc(allow("*"), deny("iam:PassRole", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
     "iam:PassRole", True),
    # A deny on one resource does not take the action away everywhere.
    ([doc(allow("*"), {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/x"})],
     "iam:PassRole", True),
    ([doc(allow(["s3:GetObject", "iam:PassRole"]))], "iam:PassRole", True),
    ([{"Statement": allow("iam:PassRole")}], "iam:PassRole", True),  # a single statement, not a list
    ([None, {}, doc()], "iam:PassRole", False),
])
def test_allows(documents, action, expected):
    assert allows(documents, action) is expected


def test_a_permissions_boundary_narrows_what_the_role_can_do():
    policies = [doc(allow("*"))]
    assert role_allows(policies, None, "iam:UpdateAccessKey")
    assert not role_allows(policies, doc(allow("ec2:*")), "iam:UpdateAccessKey")
    assert role_allows(policies, doc(allow("iam:*")), "iam:UpdateAccessKey")
