"""The small IAM evaluator the IR checks rely on."""

from __future__ import annotations

import pytest
from irready.audit.iam_policy import allows, principal_account, restricts_caller, role_allows, trusted_principals


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


@pytest.mark.parametrize(("trust", "expected"), [
    (doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole"}),
     [("arn:aws:iam::210987654321:root", {})]),
    (doc({"Effect": "Allow", "Principal": {"AWS": ["210987654321", "arn:aws:iam::1:role/x"]}, "Action": "sts:*"}),
     [("210987654321", {}), ("arn:aws:iam::1:role/x", {})]),
    (doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}), [("*", {})]),
    (doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}), []),
    (doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}), []),
    (doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:TagSession"}), []),
])
def test_trusted_principals(trust, expected):
    assert trusted_principals(trust) == expected


@pytest.mark.parametrize(("principal", "account"), [
    ("210987654321", "210987654321"),
    ("arn:aws:iam::210987654321:root", "210987654321"),
    ("arn:aws:sts::210987654321:assumed-role/Responder/alice", "210987654321"),
    ("*", None),
    ("ec2.amazonaws.com", None),
])
def test_principal_account(principal, account):
    assert principal_account(principal) == account


def test_restricting_conditions():
    assert restricts_caller({"StringEquals": {"aws:PrincipalAccount": "210987654321"}})
    assert restricts_caller({"StringEquals": {"sts:ExternalId": "x"}})
    assert not restricts_caller({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
