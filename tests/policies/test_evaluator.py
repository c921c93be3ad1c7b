"""policies.evaluator's own tests: the AWS semantics it claims, including the awkward corners."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from irready.policies.evaluator import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate


def policy(effect="Allow", action="*", resource="*", condition=None, **extra):
    statement = {"Effect": effect, "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(("condition", "context", "holds"), [
    ({"StringEquals": {"aws:PrincipalAccount": "1"}}, {"aws:PrincipalAccount": "1"}, True),
    ({"StringEquals": {"aws:PrincipalAccount": "1"}}, {}, False),  # missing key: positive operator false
    ({"StringNotEquals": {"aws:PrincipalAccount": "1"}}, {}, True),  # missing key: negated operator true
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, False),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {}, True),  # ...IfExists: absent holds
    ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, {}, False),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, False),
    ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/IR*"}}, {"aws:PrincipalArn": "arn:aws:iam::1:role/IRx"},
     True),
    ({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/A", "arn:aws:iam::*:role/B"]}},
     {"aws:PrincipalArn": "arn:aws:iam::1:role/B"}, False),  # negated: NOR over the values
    ({"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-06-01T00:00:00Z"},
     True),
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}, "Bool": {"aws:SecureTransport": "true"}},
     {"aws:SourceVpc": "vpc-1", "aws:SecureTransport": "false"}, False),  # operators are AND-ed
    ({"StringEquals": {"AWS:SourceVPC": "vpc-1"}}, {"aws:SourceVpc": "vpc-1"}, True),  # keys are case-insensitive
])
def test_condition_semantics(condition, context, holds):
    assert (evaluate([policy(condition=condition)], Request("s3:GetObject", context=context)) == ALLOW) is holds


@pytest.mark.parametrize(("document", "request_", "expected"), [
    (policy(action="ec2:Describe*"), Request("ec2:DescribeInstances"), ALLOW),
    (policy(action="EC2:describe*"), Request("ec2:DescribeInstances"), ALLOW),  # actions are case-insensitive
    (policy(action="ec2:Describe*"), Request("ec2:RunInstances"), IMPLICIT_DENY),
    ({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}, Request("iam:PassRole"),
     IMPLICIT_DENY),
    (policy(resource="arn:aws:s3:::logs/*"), Request("s3:GetObject", "arn:aws:s3:::logs/a.gz"), ALLOW),
    (policy(resource="arn:aws:s3:::logs/*"), Request("s3:GetObject", "arn:aws:s3:::payroll/a"), IMPLICIT_DENY),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::payroll/*"}]},
     Request("s3:GetObject", "arn:aws:s3:::payroll/a"), IMPLICIT_DENY),
])
def test_actions_and_resources(document, request_, expected):
    assert evaluate([document], request_) == expected


def test_an_unknown_operator_is_an_error_not_a_silent_pass():
    with pytest.raises(ValueError, match="NumericLessThan is not implemented"):
        evaluate([policy(condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})],
                 Request("s3:GetObject", context={"aws:MultiFactorAuthAge": "10"}))


actions = st.sampled_from(["s3:GetObject", "iam:PassRole", "ec2:RunInstances", "kms:Decrypt"])
patterns = st.sampled_from(["*", "s3:*", "iam:Pass*", "ec2:RunInstances", "kms:?ecrypt", "sts:*"])


@given(actions, st.lists(patterns, min_size=1, max_size=3), st.lists(patterns, min_size=1, max_size=3))
def test_an_explicit_deny_always_wins(action, allowed, denied):
    documents = [policy(action=allowed), policy("Deny", action=denied)]
    decision = evaluate(documents, Request(action))
    if evaluate([policy(action=denied)], Request(action)) == ALLOW:  # the deny statement matches
        assert decision == EXPLICIT_DENY
    else:
        assert decision == evaluate([policy(action=allowed)], Request(action))


@given(st.ip_addresses(v=4), st.sampled_from(["10.0.0.0/8", "192.0.2.0/24", "0.0.0.0/0", "203.0.113.19/32"]))
def test_ip_address_and_not_ip_address_are_complementary(address, network):
    context = {"aws:SourceIp": str(address)}
    inside = evaluate([policy(condition={"IpAddress": {"aws:SourceIp": network}})], Request("x:Y", context=context))
    outside = evaluate([policy(condition={"NotIpAddress": {"aws:SourceIp": network}})],
                       Request("x:Y", context=context))
    assert {inside, outside} == {ALLOW, IMPLICIT_DENY}


@pytest.mark.parametrize(("condition", "context", "holds"), [
    ({"ForAllValues:StringEquals": {"ec2:Add/userId": ["1"]}}, {"ec2:Add/userId": ["1"]}, True),
    ({"ForAllValues:StringEquals": {"ec2:Add/userId": ["1"]}}, {"ec2:Add/userId": ["1", "2"]}, False),
    ({"ForAllValues:StringEquals": {"ec2:Add/userId": ["1"]}}, {}, True),  # AWS: vacuously true; pair with Null
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
    ({"ForAnyValue:StringLike": {"aws:TagKeys": ["irready:*"]}}, {"aws:TagKeys": ["irready:x"]}, True),
])
def test_set_operators(condition, context, holds):
    assert (evaluate([policy(condition=condition)], Request("ec2:ModifySnapshotAttribute", context=context))
            == ALLOW) is holds


def test_a_negated_set_operator_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="ForAllValues:StringNotEquals is not implemented"):
        evaluate([policy(condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": "a"}})],
                 Request("s3:GetObject", context={"aws:TagKeys": ["b"]}))
