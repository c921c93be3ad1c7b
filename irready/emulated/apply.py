"""`pulumi up` against the emulated AWS: the program runs under Pulumi's mocks, and each resource it
declares is created in moto by its applier, in the account its provider reaches and the region it
names, with the real ids and ARNs handed back to the resources that use them."""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pulumi

from irready.emulated.appliers import APPLIERS, NOT_EMULATED, Target
from irready.emulated.emulator import Emulator
from irready.infra.offline.program import run_program
from irready.infra.organization import TRUSTED_ACCESS

_PROVIDER = "pulumi:providers:aws"
APPLIERS_FILE = "irready/emulated/appliers.py"  # where a resource type's applier goes (named in the error)


@dataclass
class Provisioned:
    created: list[tuple[str, str, str, str]] = field(default_factory=list)  # (type, name, account, id)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, reason)

    def counts(self) -> Counter:
        return Counter(type_ for type_, *_ in self.created)


class UnknownResourceType(RuntimeError):
    pass


class EmulatedApply(pulumi.runtime.Mocks):
    def __init__(self, emulator: Emulator, result: Provisioned, management_account: str = ""):
        self.emulator = emulator
        self.management_account = management_account
        self.result = result
        self.providers: dict[str, tuple[str, str]] = {}  # provider id -> (account, default region)
        self.default_tags: dict[str, tuple[tuple[str, str], ...]] = {}  # provider id -> its default tags
        self._sessions: dict[str, object] = {}
        self._clients: dict[tuple[str, str, str], object] = {}

    def client(self, account_id: str, service: str, region: str):
        key = (account_id, service, region)
        if key not in self._clients:
            if account_id not in self._sessions:
                self._sessions[account_id] = self.emulator.session(account_id)
            self._clients[key] = self.emulator.client(self._sessions[account_id], service, region)
        return self._clients[key]

    def _target(self, provider_reference: str, region: str | None) -> Target:
        provider_id = provider_reference.rsplit("::", 1)[-1]
        account_id, default_region = self.providers[provider_id]
        return Target(account_id, region or default_region, self.client,
                      tuple(account for account, _ in self.providers.values()), self.management_account,
                      default_tags=self.default_tags.get(provider_id, ()))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = dict(args.inputs)
        if args.typ == _PROVIDER:
            # Every provider of the program is pinned to one account; that is where its resources go.
            allowed = inputs["allowedAccountIds"]
            (account_id,) = json.loads(allowed) if isinstance(allowed, str) else allowed
            self.providers[f"provider-{account_id}"] = (account_id, inputs["region"])
            default_tags = inputs.get("defaultTags") or {}
            default_tags = json.loads(default_tags) if isinstance(default_tags, str) else default_tags
            self.default_tags[f"provider-{account_id}"] = tuple(sorted((default_tags.get("tags") or {}).items()))
            return f"provider-{account_id}", inputs
        if not args.typ.startswith("aws:"):
            return args.name, {}  # a component: nothing to create
        if args.typ in NOT_EMULATED:
            self.result.skipped.append((args.typ, args.name, NOT_EMULATED[args.typ]))
            return f"{args.name}-not-emulated", inputs
        if args.typ not in APPLIERS:
            raise UnknownResourceType(f"{args.typ} ({args.name}): no applier in {APPLIERS_FILE}; "
                                      "add one, or list the type in NOT_EMULATED with the reason")
        target = self._target(args.provider, inputs.get("region"))
        target.import_id = args.resource_id or ""
        resource_id, outputs = APPLIERS[args.typ](target, inputs)
        self.result.created.append((args.typ, args.name, target.account_id, resource_id))
        return resource_id, {**inputs, **outputs}

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:organizations/getOrganization:getOrganization":
            target = self._target(args.provider, None)
            organization = target.client("organizations").describe_organization()["Organization"]
            accounts = target.client("organizations").list_accounts()["Accounts"]
            trusted = target.client("organizations").list_aws_service_access_for_organization()
            roots = target.client("organizations").list_roots()["Roots"]
            return {"id": organization["Id"], "arn": organization["Arn"],
                    "masterAccountId": organization["MasterAccountId"],
                    "awsServiceAccessPrincipals": [p["ServicePrincipal"] for p in trusted["EnabledServicePrincipals"]],
                    "roots": [{"id": r["Id"], "arn": r["Arn"], "name": r["Name"], "policyTypes": []} for r in roots],
                    "accounts": [{"id": a["Id"], "status": a.get("Status", "ACTIVE")} for a in accounts]}
        if args.token == "aws:index/getRegions:getRegions":
            # Enabled regions only, as the data source without all_regions (DescribeRegions without
            # AllRegions lists the enabled ones; moto also lists opt-in regions not enabled:
            # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html).
            # The opt-in-status filter as DescribeRegions applies it (moto ignores it).
            target = self._target(args.provider, None)
            regions = target.client("ec2").describe_regions()["Regions"]
            wanted = next((f["values"] for f in args.args.get("filters") or [] if f["name"] == "opt-in-status"),
                          ["opt-in-not-required", "opted-in"])
            return {"id": "aws", "names": sorted(r["RegionName"] for r in regions
                                                 if r.get("OptInStatus", "opt-in-not-required") in wanted)}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            target = self._target(args.provider, None)
            identity = target.client("sts").get_caller_identity()
            return {"accountId": identity["Account"], "arn": identity["Arn"], "userId": identity["UserId"],
                    "id": identity["Account"]}
        if args.token == "aws:iam/getSessionContext:getSessionContext":
            arn = args.args["arn"]  # an assumed-role session's issuer is its role; any other ARN is its own
            parts = arn.split(":")
            if parts[2] == "sts" and parts[5].startswith("assumed-role/"):
                role = parts[5].split("/")[1]
                return {"arn": arn, "issuerArn": f"arn:aws:iam::{parts[4]}:role/{role}", "id": arn}
            return {"arn": arn, "issuerArn": arn, "id": arn}
        if args.token == "aws:ec2/getVpcs:getVpcs":
            target = self._target(args.provider, args.args.get("region"))
            filters = [{"Name": f["name"], "Values": f["values"]} for f in args.args.get("filters") or []]
            vpcs = target.client("ec2").describe_vpcs(Filters=filters)["Vpcs"]
            return {"id": target.region, "ids": sorted(vpc["VpcId"] for vpc in vpcs), "region": target.region}
        if args.token == "aws:guardduty/getDetector:getDetector":
            # As the provider's data source: the region's one detector, an error if there is none.
            target = self._target(args.provider, args.args.get("region"))
            detectors = target.client("guardduty").list_detectors()["DetectorIds"]
            if not detectors:  # the provider's words
                return {}, [("id", "reading this account's single GuardDuty Detector: empty result")]
            if len(detectors) > 1:
                raise RuntimeError(f"several GuardDuty detectors in {target.account_id} {target.region}")
            return {"id": detectors[0], "status": "ENABLED", "region": target.region}
        raise UnknownResourceType(f"{args.token}: the emulated apply does not answer this lookup")


def provision(emulator: Emulator, config: dict[str, str], management_account: str) -> Provisioned:
    """Create what the program declares for this stack config in the emulator's accounts.

    The management account gets an organization first, as the program expects one.
    """
    result = Provisioned()
    mocks = EmulatedApply(emulator, result, management_account)
    with aws_managed_policies():
        organizations = mocks.client(management_account, "organizations", "us-east-1")
        try:
            organizations.describe_organization()
        except organizations.exceptions.AWSOrganizationsNotInUseException:
            organizations.create_organization(FeatureSet="ALL")
            # What `irready preflight` asks of a new organization before the first `pulumi up`.
            for principal in TRUSTED_ACCESS:
                organizations.enable_aws_service_access(ServicePrincipal=principal)
        run_program(mocks, config)
    return result


@contextmanager
def aws_managed_policies():
    """The audit role attaches SecurityAudit and ViewOnlyAccess; moto knows AWS's managed policies
    only in accounts first used while this is set."""
    before = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"]
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = before
