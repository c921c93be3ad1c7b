"""The program's resources as a Terraform plan that checkov reads as Terraform would write it."""

from __future__ import annotations

import json

import pytest
from irready.infra.offline.program import record
from irready.infra.offline.terraform_plan import PREVIEW_UNKNOWN, declared_from_preview, main, terraform_type, to_plan

from tests.infra.mocks import ROOT, example_config

# Every type the program declares, and the Terraform resource it was bridged from.
TERRAFORM_TYPES = {
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:athena/namedQuery:NamedQuery": "aws_athena_named_query",
    "aws:athena/workgroup:Workgroup": "aws_athena_workgroup",
    "aws:glue/catalogDatabase:CatalogDatabase": "aws_glue_catalog_database",
    "aws:glue/catalogTable:CatalogTable": "aws_glue_catalog_table",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:guardduty/organizationConfiguration:OrganizationConfiguration": "aws_guardduty_organization_configuration",
    "aws:guardduty/detector:Detector": "aws_guardduty_detector",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "aws_cloudwatch_event_bus_policy",
    "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": "aws_guardduty_organization_admin_account",
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:organizations/policy:Policy": "aws_organizations_policy",
    "aws:organizations/policyAttachment:PolicyAttachment": "aws_organizations_policy_attachment",
    "aws:ssm/document:Document": "aws_ssm_document",
    "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": "aws_route53_resolver_firewall_domain_list",
    "aws:route53/resolverFirewallRule:ResolverFirewallRule": "aws_route53_resolver_firewall_rule",
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": "aws_route53_resolver_firewall_rule_group",
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": "aws_route53_resolver_query_log_config",
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation":
        "aws_route53_resolver_query_log_config_association",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:sns/topic:Topic": "aws_sns_topic",
    # The scheduled audit (Pulumi.example.yaml enables it).
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:scheduler/schedule:Schedule": "aws_scheduler_schedule",
    "aws:sfn/stateMachine:StateMachine": "aws_sfn_state_machine",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    # Signed functions (infra/components/signed_functions.py).
    "aws:lambda/codeSigningConfig:CodeSigningConfig": "aws_lambda_code_signing_config",
    "aws:signer/signingProfile:SigningProfile": "aws_signer_signing_profile",
    "aws:signer/signingJob:SigningJob": "aws_signer_signing_job",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",  # Terraform's name for the object resource
}


@pytest.fixture(scope="module")
def plan():
    return to_plan(record(example_config()).resources)


def planned(plan, address):
    return next(r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == address)


def configured(plan, address):
    return next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == address)


def test_every_declared_type_maps_to_its_terraform_resource():
    declared = {r.type for r in record(example_config()).resources if r.type.startswith("aws:")}
    assert declared == set(TERRAFORM_TYPES)
    assert {t: terraform_type(t) for t in declared} == TERRAFORM_TYPES


def test_properties_and_nested_blocks_take_terraform_names(plan):
    trail = planned(plan, "aws_cloudtrail.organization_trail_trail")["values"]
    assert trail["is_multi_region_trail"] is True and trail["enable_log_file_validation"] is True
    s3 = trail["advanced_event_selector"][1]
    assert s3["field_selector"][1] == {"field": "resources.type", "equals": ["AWS::S3::Object"]}
    rules = planned(plan, "aws_s3_bucket_lifecycle_configuration.organization_trail_retention")["values"]["rule"]
    assert rules[0]["expiration"] == [{"days": 400}] and rules[0]["filter"] == [{"prefix": "AWSLogs/"}]
    assert "region" not in trail  # a provider setting in Terraform


def test_a_value_from_another_resource_is_a_reference_not_a_value(plan):
    address = "aws_s3_bucket_versioning.organization_trail_versioning"
    assert "bucket" not in planned(plan, address)["values"]
    assert configured(plan, address)["expressions"]["bucket"]["references"] == [
        "aws_s3_bucket.organization_trail_bucket.id", "aws_s3_bucket.organization_trail_bucket"]
    change = next(c for c in plan["resource_changes"] if c["address"] == address)
    assert change["change"]["after_unknown"] == {"bucket": True}
    # A role name repeated in every account names none of the roles.
    attachment = configured(plan, "aws_iam_role_policy_attachment.ir_roles_111111111111_audit_SecurityAudit")
    assert attachment["expressions"]["role"] == {"constant_value": "irready-audit"}


def test_a_pulumi_preview_document_becomes_the_same_kind_of_plan():
    urn = "urn:pulumi:prod::irready::irready:index:OrganizationTrail${}::{}"
    preview = {"steps": [
        {"op": "create", "urn": urn.format("aws:s3/bucket:Bucket", "trail-bucket"),
         "newState": {"type": "aws:s3/bucket:Bucket", "urn": urn.format("aws:s3/bucket:Bucket", "trail-bucket"),
                      "inputs": {"bucket": "irready-trail-123456789012-us-east-1"}}},
        {"op": "create", "urn": urn.format("aws:s3/bucketVersioning:BucketVersioning", "trail-versioning"),
         "newState": {"type": "aws:s3/bucketVersioning:BucketVersioning",
                      "urn": urn.format("aws:s3/bucketVersioning:BucketVersioning", "trail-versioning"),
                      "inputs": {"bucket": PREVIEW_UNKNOWN, "versioningConfiguration": {"status": "Enabled"}},
                      "propertyDependencies": {"bucket": [urn.format("aws:s3/bucket:Bucket", "trail-bucket")]}}},
        {"op": "delete", "urn": urn.format("aws:sns/topic:Topic", "old"),
         "newState": {"type": "aws:sns/topic:Topic", "urn": urn.format("aws:sns/topic:Topic", "old")}},
        {"op": "create", "urn": "urn:pulumi:prod::irready::pulumi:providers:aws::account",
         "newState": {"type": "pulumi:providers:aws", "urn": "urn:pulumi:prod::irready::pulumi:providers:aws::a"}},
    ]}
    plan = to_plan(declared_from_preview(preview))
    assert [r["address"] for r in plan["planned_values"]["root_module"]["resources"]] == [
        "aws_s3_bucket.trail_bucket", "aws_s3_bucket_versioning.trail_versioning"]
    assert planned(plan, "aws_s3_bucket_versioning.trail_versioning")["values"] == {
        "versioning_configuration": [{"status": "Enabled"}]}
    assert configured(plan, "aws_s3_bucket_versioning.trail_versioning")["expressions"]["bucket"]["references"] == [
        "aws_s3_bucket.trail_bucket.id", "aws_s3_bucket.trail_bucket"]


def test_the_command_writes_a_plan_or_names_the_bad_key(tmp_path, capsys):
    assert main(["--stack-config", str(ROOT / "Pulumi.example.yaml"), "--output", str(tmp_path / "plan.json")]) == 0
    assert json.loads((tmp_path / "plan.json").read_text())["planned_values"]["root_module"]["resources"]
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text((ROOT / "Pulumi.example.yaml").read_text().replace("logRetentionDays: 400", "logRetentionDays: 401"))
    assert main(["--stack-config", str(bad), "--output", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("terraform_plan: error: irready:logRetentionDays: 401") and "\n" not in err
    assert not (tmp_path / "bad.json").exists()


def test_organization_mode_plans_offline_with_no_aws(tmp_path, capsys):
    """docs/policy-gate.md: "no CLI needed" holds for Pulumi.example-org.yaml too: the offline plan mocks an
    organization with the trusted access the stack needs (StackSets' and RAM's in organization mode), instead of
    stopping at the program's trusted-access check, which is for a real organization (and `irready preflight`)."""
    assert main(["--stack-config", str(ROOT / "Pulumi.example-org.yaml"), "--output", str(tmp_path / "org.json")]) == 0
    types = {r["type"] for r in json.loads((tmp_path / "org.json").read_text())["planned_values"]["root_module"][
        "resources"]}
    assert {"aws_cloudformation_stack_set", "aws_cloudtrail"} <= types
    assert "trusted access" not in capsys.readouterr().err
