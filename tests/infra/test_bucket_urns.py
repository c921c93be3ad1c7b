"""Existing stacks keep their buckets: the S3 resources the program declares (the four hardened buckets:
organization trail, network log archive, forensic evidence, scheduled audit, and every setting
resource beside them) keep the URNs they had before the hardened-bucket helper (tests/infra/fixtures/
bucket_urns.json, recorded from the code before it; the functions' code bucket and package uploads added with
infra/components/signed_functions.py), or carry a ``pulumi.Alias`` to them. A changed URN
without an alias is a delete and a create: the evidence in the bucket would be lost.
https://www.pulumi.com/docs/iac/concepts/options/aliases/ and
https://www.pulumi.com/docs/iac/concepts/resources/names/#urns (a URN is stack, project, parent type
chain, type and name)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, Recorder, run_program, stack_config_file
from pulumi.runtime import mocks as pulumi_mocks

from tests.infra.mocks import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "bucket_urns.json"
STACKS = {"example": "Pulumi.example.yaml", "example-org": "Pulumi.example-org.yaml"}
TRUSTED = ORGANIZATION_TRUSTED_SERVICES  # explicit mode needs a subset


def _alias_urns(request, urn: str) -> set[str]:
    """The URNs a registration's aliases name (given as URNs, or as specs changing name, type or parent)."""
    found = set()
    for alias in request.aliases:
        if alias.urn:
            found.add(alias.urn)
            continue
        spec = alias.spec
        stack, project, qualified, name = urn.split(":", 2)[2].split("::", 3)
        type_ = spec.type or request.type
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        found.add("urn:pulumi:" + "::".join([spec.stack or stack, spec.project or project, type_,
                                             spec.name or name]))
    return found


def s3_urns(stack_file: str) -> dict[str, list[str]]:
    """URN -> its aliases' URNs, for every aws:s3/* resource the program declares with this stack config."""
    registered: dict[str, list[str]] = {}
    original = pulumi_mocks.MockMonitor.RegisterResource

    def register(monitor, request):
        response = original(monitor, request)
        if request.type.startswith("aws:s3/"):
            registered[response.urn] = sorted(_alias_urns(request, response.urn))
        return response

    pulumi_mocks.MockMonitor.RegisterResource = register
    try:
        run_program(Recorder(TRUSTED), stack_config_file(ROOT / stack_file))
    finally:
        pulumi_mocks.MockMonitor.RegisterResource = original
    return registered


@pytest.mark.parametrize("stack", STACKS)
def test_every_bucket_resource_keeps_its_urn_or_aliases_it(stack):
    before = set(json.loads(FIXTURE.read_text())[stack])
    now = s3_urns(STACKS[stack])
    resolved = {alias for aliases in now.values() for alias in aliases} | set(now)
    assert before - resolved == set(), "these would be replaced: add pulumi.Alias or keep name and parent"
    assert set(now) - before == set() or all(now[urn] for urn in set(now) - before), \
        "new S3 resources without aliases: a bucket set-up changed"


def record_fixture() -> None:  # pragma: no cover - run once, by hand, on the code before a refactor
    FIXTURE.write_text(json.dumps({stack: sorted(s3_urns(file)) for stack, file in STACKS.items()}, indent=1) + "\n")


if __name__ == "__main__":  # pragma: no cover
    record_fixture()
