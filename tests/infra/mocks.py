"""Run Pulumi code under the SDK's mocks (no CLI, no cloud) and record every resource declared."""

from __future__ import annotations

from pathlib import Path

import yaml
from irready.infra.offline.program import (
    CREATED_ACCOUNT,
    DISCOVERED_VPC,
    ORGANIZATION_ID,
    Declared,
    Recorder,
    record,
    stack_config_file,
)

__all__ = ["CREATED_ACCOUNT", "DISCOVERED_VPC", "ORGANIZATION_ID", "Declared", "Recorder", "example_config",
           "example_values", "run_program"]

ROOT = Path(__file__).parents[2]


def example_values() -> dict:
    """Pulumi.example.yaml's irready values as `infra.config.reader` returns them."""
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    return {key.removeprefix("irready:"): value for key, value in config.items() if key.startswith("irready:")}


def example_config() -> dict:
    """Pulumi.example.yaml's config, as the runtime passes it (objects as JSON text)."""
    return stack_config_file(ROOT / "Pulumi.example.yaml")


def run_program(config: dict, trusted_services: list[str] | None = None) -> Recorder:
    """Run infra/__main__.py under the recording mocks with this stack config; what it declared.
    ``trusted_services``: the organization's trusted access (default: what the program needs)."""
    return record(config, trusted_services)
