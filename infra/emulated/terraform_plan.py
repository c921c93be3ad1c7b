"""The program's planned resources as a Terraform plan (`terraform show -json` format), so IaC scanners
that read plans, checkov among them, can check what `pulumi up` would build.

Resources come from the recording mocks (``infra.emulated.program.record``) or from the JSON of
`pulumi preview --json` on a machine with the Pulumi CLI (``declared_from_preview``). pulumi-aws is
bridged from the Terraform AWS provider, so its types and properties map back one to one: the type
token names the Terraform type, camelCase properties become snake_case, a nested object becomes a
one-element block list, and the few list properties the bridge pluralised get their block name back.
References between resources (a bucket policy naming its bucket's id) are recovered by matching
values to the ids, ARNs and names other resources returned, so graph checks see the connections.
"""

from __future__ import annotations

import re

from infra.emulated.program import Declared

# Types whose Terraform name is not aws_<module>_<resource> (ec2 resources carry no module prefix).
_TERRAFORM_TYPES = {
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
}
# Block names the bridge pluralised (Pulumi name -> Terraform block), by the Terraform type they occur in.
_BLOCK_NAMES = {
    "aws_cloudtrail": {"advancedEventSelectors": "advanced_event_selector", "fieldSelectors": "field_selector",
                       "startsWiths": "starts_with", "endsWiths": "ends_with", "notStartsWiths": "not_starts_with",
                       "notEndsWiths": "not_ends_with", "eventSelectors": "event_selector",
                       "dataResources": "data_resource", "insightSelectors": "insight_selector"},
    "aws_s3_bucket_lifecycle_configuration": {"rules": "rule", "transitions": "transition",
                                              "noncurrentVersionTransitions": "noncurrent_version_transition"},
    "aws_s3_bucket_server_side_encryption_configuration": {"rules": "rule"},
    "aws_provider": {"assumeRoles": "assume_role"},
}
_MAPS = {"tags", "tagsAll", "defaultTags"}  # Terraform maps, not blocks
_PROVIDER = "pulumi:providers:aws"


def terraform_type(pulumi_type: str) -> str:
    if pulumi_type in _TERRAFORM_TYPES:
        return _TERRAFORM_TYPES[pulumi_type]
    module, resource = pulumi_type.split(":")[1].split("/")
    return f"aws_{_snake(resource)}" if module == "ec2" else f"aws_{module}_{_snake(resource)}"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _name(pulumi_name: str) -> str:
    """A Terraform resource name: Terraform expressions would read a hyphen as a minus."""
    return re.sub(r"[^A-Za-z0-9_]", "_", pulumi_name)


def _values(value, blocks: dict[str, str]):
    if isinstance(value, dict):
        return {blocks.get(key, _snake(key)): _block(key, item, blocks) for key, item in value.items()}
    if isinstance(value, list):
        return [_values(item, blocks) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _block(key: str, value, blocks: dict[str, str]):
    if isinstance(value, dict) and key not in _MAPS:
        return [_values(value, blocks)]  # a nested object is a block: a list of one in a plan
    if key in _MAPS:
        return dict(value)
    return _values(value, blocks)


def to_plan(resources: list[Declared]) -> dict:
    """A Terraform plan document of the cloud resources (components and providers left out)."""
    planned, configured, unknowns = [], [], {}
    aws = [r for r in resources if r.type.startswith("aws:")]
    addresses = _addresses(aws)
    for resource in aws:
        tf_type = terraform_type(resource.type)
        address = f"{tf_type}.{_name(resource.name)}"
        values = _values(resource.inputs, _BLOCK_NAMES.get(tf_type, {}))
        values.pop("region", None)  # a provider setting in Terraform
        expressions, unknown = {}, {}
        for key, value in list(values.items()):
            refs = _references(value, addresses, own=address)
            expressions[key] = {"references": refs} if refs else {"constant_value": value}
            if refs and not _is_document(value):
                # Another resource's id or ARN is unknown until apply: a plan carries the reference only.
                del values[key]
                unknown[key] = True
        planned.append({"address": address, "mode": "managed", "type": tf_type, "name": _name(resource.name),
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                        "values": values, "sensitive_values": {}})
        unknowns[address] = unknown
        configured.append({"address": address, "mode": "managed", "type": tf_type, "name": _name(resource.name),
                           "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})
    return {"format_version": "1.2", "terraform_version": "1.9.0",
            "planned_values": {"root_module": {"resources": planned}},
            "resource_changes": [{"address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                                  "provider_name": r["provider_name"],
                                  "change": {"actions": ["create"], "before": None, "after": r["values"],
                                             "after_unknown": unknowns[r["address"]]}} for r in planned],
            "configuration": {"provider_config": {"aws": {"name": "aws"}},
                              "root_module": {"resources": configured}}}


def _addresses(resources: list[Declared]) -> dict[str, tuple[str, str]]:
    """Value -> (address, attribute) for the ids and ARNs resources returned, and for their names
    where only one resource has that name (a role name repeated in every account names none)."""
    exact, names = {}, {}
    for resource in resources:
        tf_type = terraform_type(resource.type)
        address = f"{tf_type}.{_name(resource.name)}"
        exact[resource.id] = (address, "id")
        if resource.outputs.get("arn"):
            exact[resource.outputs["arn"]] = (address, "arn")
        attribute = "bucket" if tf_type == "aws_s3_bucket" else "name"
        if isinstance(resource.outputs.get(attribute), str):
            names.setdefault(resource.outputs[attribute], set()).add((address, attribute))
    named = {value: next(iter(owners)) for value, owners in names.items() if len(owners) == 1}
    return {**named, **exact}


def _references(value, addresses: dict[str, tuple[str, str]], own: str) -> list[str]:
    """Terraform-style references ("aws_s3_bucket.trail.id", "aws_s3_bucket.trail") for the values
    that are another resource's id, ARN or name, also inside a JSON policy."""
    if not isinstance(value, str):
        return []
    refs = []
    for known, (address, attribute) in addresses.items():
        if address == own:
            continue
        # A log group's ARN with ":*" (CloudTrail, flow logs) still names the group.
        if value in (known, f"{known}:*") or (_is_document(value) and f'"{known}' in value):
            refs += [f"{address}.{attribute}", address]
    return refs


def _is_document(value) -> bool:
    return isinstance(value, str) and value.startswith("{")


def declared_from_preview(preview: dict) -> list[Declared]:
    """The resources a `pulumi preview --json` document would create or update."""
    declared = []
    for step in preview.get("steps", []):
        state = step.get("newState") or {}
        if step.get("op") in ("create", "update", "replace", "same") and state.get("type", "").startswith("aws:"):
            name = state["urn"].rsplit("::", 1)[-1]
            declared.append(Declared(state["type"], name, dict(state.get("inputs") or {}), "", state.get("id", ""),
                                     dict(state.get("outputs") or {})))
    return declared
