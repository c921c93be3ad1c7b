"""Run infra/__main__.py under Pulumi's mocks: no CLI, no engine, no cloud.

The mocks decide what "creating" a resource means: ``Recorder`` only writes it down (tests, the
Terraform-plan export); ``irready.emulated.apply`` creates it in the emulated AWS.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

PROGRAM = Path(__file__).parents[1] / "__main__.py"
# What the recording mocks answer for the program's lookups.
DISCOVERED_VPC = "vpc-0d15c0e4ed000001"
ORGANIZATION_ID = "o-exampleorg1"
CREATED_ACCOUNT = "999888777666"
# What Organizations lists: the example stack's accounts, its security account, and one that joined
# the organization without being listed in the stack.
ORGANIZATION_ACCOUNTS = ("123456789012", "111111111111", "222222222222", "210987654321", "333333333333")


def admin_detector(region: str) -> str:
    """The id the recording mocks give the security account's existing detector in ``region`` (32 hex
    characters, one per region, as GuardDuty's)."""
    import hashlib

    return hashlib.md5(region.encode(), usedforsecurity=False).hexdigest()


ROOT_ID = "r-ex4m"
# The provider's answer to a detector lookup in an account that has none.
NO_DETECTOR = "reading this account's single GuardDuty Detector: empty result"
# The regions the recording mocks say are enabled: the example's two, and one nobody listed.
ENABLED_REGIONS = ["ap-southeast-2", "eu-west-1", "us-east-1"]
OPTED_IN_REGIONS: list[str] = []  # opt-in regions the management account enabled (none here; tests add some)
# An organization ready for the program: the trusted access `irready preflight` asks for.
TRUSTED_SERVICES = ["account.amazonaws.com", "cloudtrail.amazonaws.com", "guardduty.amazonaws.com"]
# ... and in organization mode (irready:organization), StackSets' and RAM's.
ORGANIZATION_TRUSTED_SERVICES = [*TRUSTED_SERVICES, "member.org.stacksets.cloudformation.amazonaws.com",
                                 "ram.amazonaws.com"]
DEPLOYER_ROLE = "arn:aws:iam::123456789012:role/irready-deployer"  # Pulumi.example.yaml's irready:trailAdminPrincipals


def run_program(mocks: pulumi.runtime.Mocks, config: dict[str, str], transformation=None) -> None:
    """Run the program once with this stack config (keys like ``irready:accounts``; objects as JSON text).
    ``transformation``, if given, is registered as a stack transformation first (tests read resource
    options with it: protect, retain_on_delete, ignore_changes, depends_on)."""
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(mocks, preview=False)

    @pulumi.runtime.test
    def run():
        if transformation is not None:
            pulumi.runtime.register_stack_transformation(transformation)
        runpy.run_path(str(PROGRAM))
        return pulumi.Output.from_input(None)

    run()


def stack_config_file(path: Path) -> dict[str, str]:
    """A Pulumi.<stack>.yaml's config in the form the runtime passes it (objects as JSON text)."""
    import yaml  # pulumi depends on PyYAML

    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def stack_config(values: dict) -> dict[str, str]:
    """``irready:`` config values (as in Pulumi.<stack>.yaml) in the form the runtime passes them."""
    return {f"irready:{key}": value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}


@dataclass
class Declared:
    type: str
    name: str
    inputs: dict
    provider: str  # the provider reference ("urn::id"), "" for providers and components
    id: str = ""
    outputs: dict = field(default_factory=dict)
    # Inputs whose values come from other resources (property -> their names), where known only so
    # (a preview, whose values are still unknown).
    dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    import_id: str = ""  # the existing resource's id, when the program adopts it (the import option)


# Outputs AWS computes that the program reads back (the stand-in values the recording mocks answer).
_COMPUTED = {
    "aws:s3/bucketObjectv2:BucketObjectv2": lambda name, inputs: {"versionId": f"{name}-version"},
    "aws:signer/signingProfile:SigningProfile": lambda name, inputs: {
        "versionArn": f"arn:aws:mock:::{name}/version",
        "name": inputs.get("name") or f"{inputs['namePrefix']}20260101000000000000000001"},  # Terraform's suffix
    # Signer writes the signed package under the destination prefix, named after the job.
    "aws:signer/signingJob:SigningJob": lambda name, inputs: {"signedObjects": [{"s3s": [{
        "bucket": inputs["destination"]["s3"]["bucket"],
        "key": f"{inputs['destination']['s3'].get('prefix', '')}{name}-job.zip"}]}]},
}


class Recorder(pulumi.runtime.Mocks):
    """Writes down every resource the program declares, with stand-in ids and ARNs."""

    def __init__(self, trusted_services: list[str] | None = None, existing_detectors: bool = True,
                 delegated_administrators: dict[str, list[str]] | None = None):
        self.resources: list[Declared] = []
        # service principal -> the accounts registered as its delegated administrators (none by default)
        self.delegated_administrators = delegated_administrators or {}
        self.existing_detectors = existing_detectors  # False: the security account has no GuardDuty detector yet
        self.calls: list[tuple[str, dict]] = []
        self.trusted_services = TRUSTED_SERVICES if trusted_services is None else trusted_services

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        resource_id = args.resource_id or (
            CREATED_ACCOUNT if args.typ == "aws:organizations/account:Account" else f"{args.name}-id")
        outputs = {**args.inputs, "arn": f"arn:aws:mock:::{args.name}",
                   **(_COMPUTED[args.typ](args.name, args.inputs) if args.typ in _COMPUTED else {})}
        self.resources.append(Declared(args.typ, args.name, dict(args.inputs), args.provider or "", resource_id,
                                       outputs, import_id=args.resource_id or ""))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:ec2/getVpcs:getVpcs":
            return {"id": "vpcs", "ids": [DISCOVERED_VPC], "region": args.args.get("region")}
        if args.token == "aws:organizations/getOrganization:getOrganization":
            return {"id": ORGANIZATION_ID, "masterAccountId": "123456789012",
                    "arn": f"arn:aws:organizations::123456789012:organization/{ORGANIZATION_ID}",
                    "accounts": [{"id": account, "status": "ACTIVE"} for account in ORGANIZATION_ACCOUNTS],
                    "awsServiceAccessPrincipals": self.trusted_services,
                    "roots": [{"id": ROOT_ID, "name": "Root", "policyTypes": [],
                               "arn": f"arn:aws:organizations::123456789012:root/{ORGANIZATION_ID}/{ROOT_ID}"}]}
        if args.token == "aws:index/getRegions:getRegions":
            default_only = any(f["name"] == "opt-in-status" and f["values"] == ["opt-in-not-required"]
                               for f in args.args.get("filters") or [])
            return {"id": "aws", "names": ENABLED_REGIONS if default_only else sorted(ENABLED_REGIONS
                                                                                      + OPTED_IN_REGIONS)}
        if args.token == "aws:guardduty/getDetector:getDetector":
            if not self.existing_detectors:
                return {}, [("id", NO_DETECTOR)]
            return {"id": admin_detector(args.args["region"]), "status": "ENABLED", "region": args.args["region"]}
        if args.token == "aws:organizations/getDelegatedAdministrators:getDelegatedAdministrators":
            principal = args.args.get("servicePrincipal")
            return {"id": "delegated", "servicePrincipal": principal, "delegatedAdministrators": [
                {"id": account, "arn": f"arn:aws:organizations::123456789012:account/{ORGANIZATION_ID}/{account}",
                 "name": account, "email": f"{account}@example.com", "status": "ACTIVE", "joinedMethod": "INVITED",
                 "joinedTimestamp": "2026-01-01T00:00:00Z", "delegationEnabledDate": "2026-01-01T00:00:00Z"}
                for account in self.delegated_administrators.get(principal, [])]}
        return {}

    def of_type(self, type_: str) -> list[Declared]:
        return [r for r in self.resources if r.type == type_]


def record(config: dict[str, str], trusted_services: list[str] | None = None, transformation=None) -> Recorder:
    recorder = Recorder(trusted_services)
    run_program(recorder, config, transformation)
    return recorder
