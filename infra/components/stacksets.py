"""Organization-wide baseline: three service-managed StackSets, owned by this program, deploying
infra/stackset_templates.py's templates to every account of the targeted OUs, now and later: the global one
in the home region, the regional one in every chosen region, the IAM-events one in names.IAM_EVENTS_REGION.

- Service-managed permissions: StackSets creates the execution roles itself in the target accounts
  (``stacksets-exec-*``, exempt from the guardrail SCP) once trusted access is enabled for
  ``member.org.stacksets.cloudformation.amazonaws.com``
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html).
- Automatic deployment: an account that joins a targeted OU gets the stacks, one that leaves loses them
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html);
  the regional StackSet's auto-deployment waits for the global one (``depends_on_stack_sets``), whose
  roles its rules use.
- Service-managed StackSets never deploy to the management account, even when the root is targeted
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html#stacksets-concepts-stackset-permission-models):
  its baseline stays the Pulumi components, which a test holds equal to the templates.

The number of resources here depends on the number of regions, never on the number of accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.policies import names

GLOBAL_STACKSET = names.NAME_PREFIX + "baseline-global"
REGIONAL_STACKSET = names.NAME_PREFIX + "baseline-regional"
IAM_EVENTS_STACKSET = names.NAME_PREFIX + "baseline-iam-events"


@dataclass(frozen=True)
class OrganizationBaselineArgs:
    provider: aws.Provider  # the management account's (StackSets of the organization are created there)
    home_region: str  # where both StackSets live, and where the global one deploys its stacks
    regions: tuple[str, ...]  # where the regional StackSet deploys its stacks
    target_ids: tuple[pulumi.Input[str], ...]  # the root id or OU ids (DeploymentTargets.OrganizationalUnitIds)
    global_template: pulumi.Input[str]  # TemplateBody, JSON
    regional_template: pulumi.Input[str]
    iam_events_template: pulumi.Input[str]  # deployed in names.IAM_EVENTS_REGION only, listed or not
    failure_tolerance_percentage: int = 10  # of accounts, per region
    max_concurrent_percentage: int = 25  # of accounts at once, per region
    region_concurrency: str = "PARALLEL"  # or SEQUENTIAL


class OrganizationBaseline(pulumi.ComponentResource):
    """The StackSets and their instances (one for the global and the IAM-events StackSets, one per region for
    the regional one). Outputs: ``global_stackset_arn``, ``regional_stackset_arn``, ``iam_events_stackset_arn``."""

    def __init__(self, name: str, args: OrganizationBaselineArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:OrganizationBaseline", name, None, opts)
        # The provider reads AdministrationRoleARN back from the API for service-managed StackSets,
        # where it is not set: ignore it, or every preview shows a change.
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, ignore_changes=["administration_role_arn"])
        preferences = {"failure_tolerance_percentage": args.failure_tolerance_percentage,
                       "max_concurrent_percentage": args.max_concurrent_percentage,
                       "region_concurrency_type": args.region_concurrency}
        targets = aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
            organizational_unit_ids=list(args.target_ids))

        def stackset(suffix: str, stackset_name: str, template, description: str, depends_on=None):
            return aws.cloudformation.StackSet(
                f"{name}-{suffix}", name=stackset_name, description=description, permission_model="SERVICE_MANAGED",
                auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
                    enabled=True, retain_stacks_on_account_removal=False, depends_on_stack_sets=depends_on),
                capabilities=["CAPABILITY_NAMED_IAM"], template_body=template, region=args.home_region,
                # The default concurrency mode (STRICT_FAILURE_TOLERANCE) starts at most tolerance + 1
                # accounts at once; the preferences never apply to automatic deployments
                # (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
                operation_preferences=aws.cloudformation.StackSetOperationPreferencesArgs(**preferences),
                opts=child)

        self.global_stackset = stackset("global", GLOBAL_STACKSET, args.global_template,
                                        "irready: IR roles and containment policies in every member account")
        self.regional_stackset = stackset("regional", REGIONAL_STACKSET, args.regional_template,
                                          "irready: runbooks, alerts, DNS containment and log groups in every "
                                          "member account and region", depends_on=[self.global_stackset.arn])
        # Its rule forwards through the global stack's role, as the regional rules do.
        self.iam_events_stackset = stackset("iam-events", IAM_EVENTS_STACKSET, args.iam_events_template,
                                            f"irready: the alert on IAM changes, in {names.IAM_EVENTS_REGION} (where "
                                            "IAM's events arrive) of every member account",
                                            depends_on=[self.global_stackset.arn])
        instance_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.global_instance = aws.cloudformation.StackSetInstance(
            f"{name}-global-{args.home_region}", stack_set_name=self.global_stackset.name,
            deployment_targets=targets, stack_set_instance_region=args.home_region, region=args.home_region,
            operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(**preferences),
            opts=instance_opts)
        self.regional_instances = {
            region: aws.cloudformation.StackSetInstance(
                f"{name}-regional-{region}", stack_set_name=self.regional_stackset.name,
                deployment_targets=targets, stack_set_instance_region=region, region=args.home_region,
                operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(**preferences),
                opts=pulumi.ResourceOptions.merge(instance_opts,
                                                  pulumi.ResourceOptions(depends_on=[self.global_instance])))
            for region in args.regions}
        self.iam_events_instance = aws.cloudformation.StackSetInstance(
            f"{name}-iam-events-{names.IAM_EVENTS_REGION}", stack_set_name=self.iam_events_stackset.name,
            deployment_targets=targets, stack_set_instance_region=names.IAM_EVENTS_REGION, region=args.home_region,
            operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(**preferences),
            opts=pulumi.ResourceOptions.merge(instance_opts, pulumi.ResourceOptions(depends_on=[self.global_instance])))
        self.register_outputs({"global_stackset_arn": self.global_stackset.arn,
                               "regional_stackset_arn": self.regional_stackset.arn,
                               "iam_events_stackset_arn": self.iam_events_stackset.arn})
