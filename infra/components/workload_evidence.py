"""Workload evidence and business context provisioned where it is cheap and safe (issue #19).

``ContextTagPolicy`` (management account): the Organizations tag policy ``irready-context-tags``
(policies.context_tag_policy: the keys of policies/names.py CONTEXT_TAGS, reporting only, never enforcing),
attached to the root or the guardrail targets. Needs the TAG_POLICY policy type enabled on the root
(`irready preflight`'s preflight.organization reports it with the command).
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_tag-policies.html

``EcrRegistryScanning`` (every prepared account and region, explicit-accounts mode): the registry's scanning
configuration, BASIC with scan on push for every repository (filter ``*``) or ENHANCED (Amazon Inspector,
continuous scan, billed per image). One configuration per registry, i.e. account and region; it replaces any
earlier one. https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.guardrails import attach_policy
from irready.policies import names

from irready import policies

TAG_POLICY_NAME = names.NAME_PREFIX + "context-tags"


@dataclass(frozen=True)
class ContextTagPolicyArgs:
    provider: aws.Provider  # the management account's
    targets: tuple[str, ...] = ("root",)  # "root" or OU ids


class ContextTagPolicy(pulumi.ComponentResource):
    def __init__(self, name: str, args: ContextTagPolicyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:ContextTagPolicy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.policy = aws.organizations.Policy(
            f"{name}-policy", name=TAG_POLICY_NAME, type="TAG_POLICY", opts=child,
            description="irready: the business-context tags a responder reads (reporting only)",
            content=json.dumps(policies.context_tag_policy()))
        self.attachments = attach_policy(name, self.policy, args.targets, args.provider, child)
        self.register_outputs({"policy_id": self.policy.id})


def registry_scanning_rules(scan_type: str) -> list[dict]:
    """The rules for ``scan_type`` ("BASIC" or "ENHANCED") over every repository (WILDCARD ``*``): BASIC
    scans on push (its only automatic frequency), ENHANCED scans continuously (on push, then as new
    vulnerabilities are published). https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html"""
    frequency = {"BASIC": "SCAN_ON_PUSH", "ENHANCED": "CONTINUOUS_SCAN"}[scan_type]
    return [{"scan_frequency": frequency, "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]}]


@dataclass(frozen=True)
class EcrRegistryScanningArgs:
    provider: aws.Provider
    regions: tuple[str, ...]
    scan_type: str = "BASIC"  # or ENHANCED


class EcrRegistryScanning(pulumi.ComponentResource):
    def __init__(self, name: str, args: EcrRegistryScanningArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:EcrRegistryScanning", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.configurations = {
            region: aws.ecr.RegistryScanningConfiguration(
                f"{name}-{region}", scan_type=args.scan_type, region=region, opts=child,
                rules=[aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency=rule["scan_frequency"],
                    repository_filters=[aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(**f)
                                        for f in rule["repository_filters"]])
                    for rule in registry_scanning_rules(args.scan_type)])
            for region in sorted(args.regions)}
        self.register_outputs({})
