"""irready's own resources carry the business context the audit asks of every resource (issue #19's
inventory.business_context): irready:resourceTags become every provider's default tags, which the AWS
provider adds to each taggable resource (tags_all;
https://www.pulumi.com/registry/packages/aws/api-docs/provider/#default_tags) and which CloudFormation
StackSets propagate to their stacks' resources
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html, Tags)."""

from __future__ import annotations

import json

import pytest
from irready.infra.config import StackConfigError, load
from irready.policies import names

from tests.infra.mocks import example_config, example_values, run_program


def _load(**changes):
    values = {**example_values(), **changes}
    return load(lambda key: values.get(key))


def test_defaults_name_every_context_tag_the_audit_reads():
    tags = dict(_load().resource_tags)
    assert set(names.CONTEXT_TAGS) <= set(tags)
    assert tags == {"environment": "security", "owner": example_values()["securityContact"]["email"],
                    "data-classification": "confidential"}


def test_the_stack_config_overrides_and_adds_tags():
    tags = dict(_load(resourceTags={"owner": "secops@example.com", "cost-center": "4711"}).resource_tags)
    assert tags["owner"] == "secops@example.com" and tags["cost-center"] == "4711"
    assert tags["environment"] == "security"


@pytest.mark.parametrize(("value", "message"), [
    (["owner"], "irready:resourceTags: expected a map"),
    ({"aws:owner": "x"}, "tag name 'aws:owner' is not a valid AWS tag key"),
    ({"owner": "x" * 257}, "irready:resourceTags.owner: expected text of at most 256"),
    ({"owner": 7}, "irready:resourceTags.owner: expected text"),
])
def test_bad_context_tags_stop_with_one_line(value, message):
    with pytest.raises(StackConfigError, match=message):
        _load(resourceTags=value)


def test_every_provider_sets_the_context_as_default_tags():
    program = run_program(example_config())
    providers = program.of_type("pulumi:providers:aws")
    assert providers
    # and the tag by which the guardrail SCP finds irready's KMS keys (tests/infra/test_guarded_resources.py)
    expected = {**dict(_load().resource_tags), names.GUARDED_TAG: names.GUARDED_TAG_VALUE}
    for provider in providers:
        default_tags = provider.inputs.get("defaultTags")
        default_tags = json.loads(default_tags) if isinstance(default_tags, str) else default_tags
        assert default_tags == {"tags": expected}, provider.name
