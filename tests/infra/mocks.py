"""Run Pulumi code under the SDK's mocks (no CLI, no cloud) and record every resource declared."""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass
from pathlib import Path

import pulumi
import yaml

ROOT = Path(__file__).parents[2]
DISCOVERED_VPC = "vpc-0d15c0e4ed000001"
ORGANIZATION_ID = "o-exampleorg1"
CREATED_ACCOUNT = "999888777666"  # the id the mocks give an account the program creates


@dataclass
class Declared:
    type: str
    name: str
    inputs: dict
    provider: str  # the provider reference ("urn::id"), "" for providers and components


class Recorder(pulumi.runtime.Mocks):
    def __init__(self):
        self.resources: list[Declared] = []
        self.calls: list[tuple[str, dict]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(Declared(args.typ, args.name, dict(args.inputs), args.provider or ""))
        resource_id = CREATED_ACCOUNT if args.typ == "aws:organizations/account:Account" else f"{args.name}-id"
        return resource_id, {**args.inputs, "arn": f"arn:aws:mock:::{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:ec2/getVpcs:getVpcs":
            return {"id": "vpcs", "ids": [DISCOVERED_VPC], "region": args.args.get("region")}
        if args.token == "aws:organizations/getOrganization:getOrganization":
            return {"id": ORGANIZATION_ID, "masterAccountId": "123456789012"}
        return {}

    def of_type(self, type_: str) -> list[Declared]:
        return [r for r in self.resources if r.type == type_]


def example_values() -> dict:
    """Pulumi.example.yaml's irready values as `infra.config.reader` returns them."""
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    return {key.removeprefix("irready:"): value for key, value in config.items() if key.startswith("irready:")}


def example_config() -> dict:
    """Pulumi.example.yaml's config, as the runtime passes it (objects as JSON text)."""
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def run_program(config: dict) -> Recorder:
    """Run infra/__main__.py under the mocks with this stack config; what it declared."""
    recorder = Recorder()
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def run():
        runpy.run_path(str(ROOT / "infra" / "__main__.py"))
        return pulumi.Output.from_input(None)

    run()
    return recorder
