"""The program's planned resources as a Terraform plan (`terraform show -json` format), so IaC scanners
that read plans, checkov among them, can check what `pulumi up` would build.

Resources come from the recording mocks (``irready.infra.offline.program.record``) or from the JSON of
`pulumi preview --json` on a machine with the Pulumi CLI (``declared_from_preview``). pulumi-aws is
bridged from the Terraform AWS provider, so its types and properties map back one to one: the type
token names the Terraform type, camelCase properties become snake_case, a nested object becomes a
one-element block list, and the few list properties the bridge pluralised get their block name back.
References between resources (a bucket policy naming its bucket's id) are recovered by matching
values to the ids, ARNs and names other resources returned, so graph checks see the connections.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pulumi
from irready.infra.config import file_reader, load
from irready.infra.offline.program import Declared, record, stack_config_file
from irready.infra.organization import needed_trusted_access
from pulumi import RunError

# Types whose Terraform name is not aws_<module>_<resource> (ec2 resources carry no module prefix).
_TERRAFORM_TYPES = {
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
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
    "aws_lambda_function": {"code": "filename"},  # the archive Pulumi builds; Terraform names a local zip
}
_MAPS = {"tags", "tagsAll", "defaultTags", "variables"}  # Terraform maps, not blocks (variables: Lambda's)
PREVIEW_UNKNOWN = "04da6b54-80a4-46f7-96ec-b56ff0331ba9"  # how Pulumi writes a value not known until apply
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


def _address(resource: Declared) -> str:
    return f"{terraform_type(resource.type)}.{_name(resource.name)}"


def _values(value, blocks: dict[str, str]):
    if isinstance(value, pulumi.Archive | pulumi.Asset):
        return "pulumi-asset-archive.zip"  # built by the program at deploy time
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
    by_name = {r.name: _address(r) for r in aws}
    for resource in aws:
        tf_type, tf_name = terraform_type(resource.type), _name(resource.name)
        address = by_name[resource.name]
        values = _values(resource.inputs, _BLOCK_NAMES.get(tf_type, {}))
        values.pop("region", None)  # a provider setting in Terraform
        expressions, unknown = {}, {}
        dependencies = {_snake(key): names for key, names in resource.dependencies.items()}
        for key, value in list(values.items()):
            if value == PREVIEW_UNKNOWN:  # computed from another resource: only the dependency is known
                refs = [ref for name in dependencies.get(key, ()) for ref in (
                    f"{by_name[name]}.id", by_name[name]) if name in by_name]
            else:
                refs = _references(value, addresses, own=address)
            expressions[key] = {"references": refs} if refs else {"constant_value": value}
            if value == PREVIEW_UNKNOWN or (refs and not _is_document(value)):
                # Another resource's id or ARN is unknown until apply: a plan carries the reference only.
                del values[key]
                unknown[key] = True
        planned.append({"address": address, "mode": "managed", "type": tf_type, "name": tf_name,
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                        "values": values, "sensitive_values": {}})
        unknowns[address] = unknown
        configured.append({"address": address, "mode": "managed", "type": tf_type, "name": tf_name,
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
        address = _address(resource)
        exact[resource.id] = (address, "id")
        if resource.outputs.get("arn"):
            exact[resource.outputs["arn"]] = (address, "arn")
        attribute = "bucket" if address.startswith("aws_s3_bucket.") else "name"
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
    """The resources a `pulumi preview --json` document would create, update or keep."""
    declared = []
    for step in preview.get("steps", []):
        state = step.get("newState") or {}
        if step.get("op") == "delete" or not state.get("type", "").startswith("aws:"):
            continue
        dependencies = {key: tuple(urn.rsplit("::", 1)[-1] for urn in urns)
                        for key, urns in (state.get("propertyDependencies") or {}).items()}
        declared.append(Declared(state["type"], state["urn"].rsplit("::", 1)[-1], dict(state.get("inputs") or {}),
                                 "", state.get("id") or f"{state['urn']}-id", dict(state.get("outputs") or {}),
                                 dependencies))
    return declared


def planned_resources(stack_config: Path) -> list[Declared]:
    """What the program declares with this stack config, run under the recording mocks with no AWS at all.
    The mocked organization has exactly the trusted access the config needs (organization mode: StackSets'
    and RAM's too), so the plan shows what `pulumi up` builds in an organization ready for it; whether the real
    one is ready is `irready preflight`'s question. Raises StackConfigError (a ValueError) and RunError."""
    ready = list(needed_trusted_access(load(file_reader(stack_config))))
    return record(stack_config_file(stack_config), trusted_services=ready).resources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m irready.infra.offline.terraform_plan",
        description="Write the Pulumi program's planned AWS resources as a Terraform plan (terraform show -json), "
                    "for `irready iac-scan` or checkov.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack-config", type=Path, metavar="Pulumi.STACK.yaml",
                        help="run the program under Pulumi's mocks with this stack config (no Pulumi CLI needed)")
    source.add_argument("--preview", type=Path, metavar="FILE", help="the output of `pulumi preview --json`")
    parser.add_argument("--output", type=Path, required=True, help="where to write the plan JSON")
    args = parser.parse_args(argv)
    try:
        if args.preview:
            resources = declared_from_preview(json.loads(args.preview.read_text()))
        else:
            resources = planned_resources(args.stack_config)
    except (OSError, ValueError, RunError) as exc:  # RunError: the stack config, one line naming the key
        print(f"terraform_plan: error: {exc}", file=sys.stderr)
        return 2
    args.output.write_text(json.dumps(to_plan(resources), indent=1) + "\n")
    print(f"wrote {args.output}: {sum(r.type.startswith('aws:') for r in resources)} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
