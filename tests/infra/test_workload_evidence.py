"""Provisioning where it is cheap and safe (issue #19): the context tag policy and ECR registry scanning."""

from __future__ import annotations

import json

import pytest
from irready.infra.config import StackConfigError, load
from irready.policies import context_tag_policy, names

from tests.infra.mocks import example_config, example_values, run_program

TAG_POLICY = "aws:organizations/policy:Policy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def _with(**values) -> dict:
    config = example_config()
    config.update({f"irready:{key}": value for key, value in values.items()})
    return config


def _getter(**changes):
    values = {**example_values(), **changes}
    return lambda key: values.get(key)


def test_tag_policy_document_follows_aws_syntax_and_only_reports():
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_example-tag-policies.html:
    # the document starts with "tags"; each policy key matches its tag_key but for case; tag_key's @@assign
    # fixes the capitalization; enforced_for would make tagging calls fail: a reporting policy has none.
    document = context_tag_policy()
    assert list(document) == ["tags"]
    assert {key: statement["tag_key"]["@@assign"] for key, statement in document["tags"].items()} == {
        key.lower(): key for key in names.CONTEXT_TAGS}
    assert all(set(statement) == {"tag_key"} for statement in document["tags"].values())
    assert "enforced_for" not in json.dumps(document)
    assert context_tag_policy(("CostCenter",)) == {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}
    with pytest.raises(ValueError, match="but for case"):
        context_tag_policy(("Owner", "owner"))


def test_tag_policy_attached_to_the_guardrail_targets_in_the_management_account_only_when_chosen():
    assert not [p for p in run_program(example_config()).of_type(TAG_POLICY) if p.inputs["type"] == "TAG_POLICY"]
    program = run_program(_with(tagPolicy="true", guardrailTargets=json.dumps(["root", "ou-ab12-cdefgh34"])))
    [policy] = [p for p in program.of_type(TAG_POLICY) if p.inputs["type"] == "TAG_POLICY"]
    assert json.loads(policy.inputs["content"]) == context_tag_policy()
    assert policy.inputs["name"] == "irready-context-tags"
    assert "123456789012" in policy.provider  # the management account's provider
    attachments = [a for a in program.of_type("aws:organizations/policyAttachment:PolicyAttachment")
                   if a.name.startswith("context-tag-policy-")]
    assert {a.inputs["targetId"] for a in attachments} >= {"ou-ab12-cdefgh34"}
    assert len(attachments) == 2


def test_registry_scanning_in_every_listed_account_and_region_only_when_chosen():
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryScanningConfiguration.html:
    # BASIC allows the SCAN_ON_PUSH and MANUAL frequencies only, ENHANCED SCAN_ON_PUSH and CONTINUOUS_SCAN;
    # a WILDCARD filter "*" matches every repository.
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html
    assert run_program(example_config()).of_type(SCANNING) == []
    for choice, scan_type, frequency in (("basic", "BASIC", "SCAN_ON_PUSH"),
                                         ("enhanced", "ENHANCED", "CONTINUOUS_SCAN")):
        program = run_program(_with(ecrRegistryScanning=choice))
        configurations = program.of_type(SCANNING)
        listed = {(a.id, region) for a in load(_getter()).accounts for region in a.regions}
        assert {(c.name.split("-")[2], c.inputs["region"]) for c in configurations} == listed
        for c in configurations:
            assert c.inputs["scanType"] == scan_type
            assert c.inputs["rules"] == [{"scanFrequency": frequency,
                                          "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]


@pytest.mark.parametrize(("values", "message"), [
    ({"tagPolicy": "yes"}, "irready:tagPolicy: expected true or false"),
    ({"ecrRegistryScanning": "on"}, "irready:ecrRegistryScanning: 'on' is not one of none, basic, enhanced"),
])
def test_bad_values_stop_with_one_line_naming_the_key(values, message):
    with pytest.raises(StackConfigError) as error:
        load(_getter(**values))
    assert message in str(error.value) and "\n" not in str(error.value)
