"""The whole program under Pulumi's mocks with Pulumi.example.yaml: 3 accounts x 2 regions."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from irready.infra.offline.program import DEPLOYER_ROLE, ROOT_ID

from irready import policies
from tests.infra.mocks import DISCOVERED_VPC, example_config, example_values, run_program

ACCOUNTS = ["123456789012", "111111111111", "222222222222"]
SECURITY = "210987654321"


def with_security_account_unlisted() -> dict:
    """Pulumi.example.yaml with its security account left out of irready:accounts (adopted by id only, reached
    through memberRoleName, as a stack may do): the three accounts this module's counts are written for."""
    config = example_config()
    config["irready:accounts"] = json.dumps([a for a in example_values()["accounts"] if a["id"] != SECURITY])
    return config


@pytest.fixture(scope="module")
def program():
    return run_program(with_security_account_unlisted())


def test_the_example_lists_its_security_account_which_so_gets_its_own_roles():
    """docs/provisioning.md, "From an empty organization", step 2: listed, the security account gets what every
    listed account gets (the responder and audit roles, runbooks, flow logs, alerts); left out, none of it."""
    shipped = run_program(example_config())
    assert SECURITY in [a["id"] for a in example_values()["accounts"]]
    roles = {(r.name, r.inputs.get("name")) for r in shipped.of_type("aws:iam/role:Role")}
    assert {(f"ir-roles-{SECURITY}-responder", "IncidentResponder"), (f"ir-roles-{SECURITY}-audit", "irready-audit")} \
        <= roles
    unlisted = run_program(with_security_account_unlisted())
    assert not [r for r in unlisted.of_type("aws:iam/role:Role") if r.name.startswith(f"ir-roles-{SECURITY}")]


def test_resource_counts_for_three_accounts_in_two_regions(program):
    counts = Counter(r.type for r in program.resources) - SCHEDULED_AUDIT
    # One VPC listed for 111111111111 in us-east-1; one discovered in each of the other five account-regions.
    vpcs = 6
    assert counts == {
        # One per listed account, and the security account's (not listed: reached through memberRoleName),
        # made once and shared by SecurityAccount, the scheduled audit and the investigation workspace
        # (SCHEDULED_AUDIT counts it once, and is subtracted above).
        "pulumi:providers:aws": 3,
        "irready:index:SecurityContacts": 1,
        "aws:account/alternativeContact:AlternativeContact": 3,
        "irready:index:IncidentResponseRoles": 3,
        # Responder, audit, quarantine-instance and runbook roles, a flow-log delivery role and an alert
        # forwarder per account; the trail's delivery role; the investigator; the security account's
        # findings forwarder (its other regions to the home bus).
        "aws:iam/role:Role": 6 + 6 + 3 + 3 + 1 + 1 + 1,
        "aws:iam/rolePolicy:RolePolicy": 6 + 3 + 3 + 3 + 1 + 1 + 1,  # the quarantine-instance role has none
        "aws:iam/instanceProfile:InstanceProfile": 3,
        "aws:ssm/document:Document": 2 * 6,  # the two runbooks per account and listed region
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 6,
        "irready:index:ContainmentPolicies": 3,
        "aws:iam/policy:Policy": 12,
        "irready:index:QuarantineSecurityGroups": 3,
        "aws:ec2/securityGroup:SecurityGroup": 2 * vpcs,
        "irready:index:VpcFlowLogs": 3,
        "aws:ec2/flowLog:FlowLog": 2 * vpcs,  # to CloudWatch Logs and to the S3 archive
        "aws:cloudwatch/logGroup:LogGroup": 6 + 6 + 1,  # flow logs and DNS query logs per account-region; trail
        "irready:index:DnsContainment": 3,
        "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": 6,
        "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": 6,
        "aws:route53/resolverFirewallRule:ResolverFirewallRule": 6,
        "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": 2 * 6,  # CloudWatch Logs and S3
        "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": 2 * vpcs,
        "irready:index:DetectionRouting": 3,
        # Alerts in one place: one topic (its own key) and subscription in the security account's home region,
        # with the findings rule and one rule per forwarded alert (RunInstances, tamper, IAM tamper, irready's
        # automation and its evidence tampered with) on the home bus, whose policy admits the accounts'
        # forwarders; a findings rule forwarding home in each other enabled region (two listed, one not); a
        # RunInstances and three tamper rules per account and enabled region, forwarded to the home bus; the
        # IAM tamper rule once per account, in us-east-1 (IAM's events arrive there only).
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:cloudwatch/eventBusPolicy:EventBusPolicy": 1,
        "aws:cloudwatch/eventRule:EventRule": 6 + 2 + 4 * 9 + 3,
        "aws:cloudwatch/eventTarget:EventTarget": 6 + 2 + 4 * 9 + 3,
        "irready:index:TamperAlerts": 3,
        "irready:index:GuardrailScp": 1,
        "aws:organizations/policyAttachment:PolicyAttachment": 1,  # the guardrail, to the root
        "irready:index:OrganizationTrail": 1,
        "irready:index:NetworkLogArchive": 1,
        "irready:index:InvestigationWorkspace": 1,
        # The trail's, the network log archive's, the query results' and the evidence keys and buckets; the
        # alert topic's key.
        "aws:kms/key:Key": 4 + 1,
        "aws:s3/bucket:Bucket": 4,
        "aws:s3/bucketVersioning:BucketVersioning": 4,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 4,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 4,
        "irready:index:ForensicEvidence": 1,
        "aws:kms/alias:Alias": 2,  # alias/irready-forensics, alias/irready-ir-alerts
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 1,  # the evidence bucket
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 3,
        "aws:s3/bucketPolicy:BucketPolicy": 4,
        "aws:athena/workgroup:Workgroup": 1,
        "aws:athena/namedQuery:NamedQuery": 12,
        "aws:glue/catalogDatabase:CatalogDatabase": 1,
        "aws:glue/catalogTable:CatalogTable": 3,
        "aws:cloudtrail/trail:Trail": 1,
        "irready:index:SecurityAccount": 1,
        "aws:organizations/policy:Policy": 2,  # quarantine and guardrail SCPs
        "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": 3,  # one per enabled region
        "aws:guardduty/organizationConfiguration:OrganizationConfiguration": 3,  # auto-enable ALL, per region
        "aws:guardduty/detector:Detector": 3,  # the administrator's, adopted, per region
    }


# The scheduled audit in the security account (not a listed account: reached through a provider of its own):
# the reports bucket and its key, three functions with roles and log groups,
# the state machine and the scheduler with their roles. Its contents are tested in test_scheduled_audit.py.
SCHEDULED_AUDIT = Counter({
    "pulumi:providers:aws": 1, "irready:index:ScheduledAudit": 1, "aws:kms/key:Key": 1, "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1, "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1, "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:iam/role:Role": 5,  # no topic: the summary goes to the security account's alert topic
    # five roles' own, each function's runtime policy (its environment's key, traces), the schedule's payload key
    "aws:iam/rolePolicy:RolePolicy": 5 + 3 + 1,
    "aws:cloudwatch/logGroup:LogGroup": 3, "aws:lambda/function:Function": 3,
    "aws:sfn/stateMachine:StateMachine": 1, "aws:scheduler/schedule:Schedule": 1,
    # its package, uploaded and signed (tests/infra/test_signed_functions.py)
    "aws:s3/bucketObjectv2:BucketObjectv2": 1, "aws:signer/signingJob:SigningJob": 1}) + Counter({
    # what every irready function needs, made with the first: signing profile, code signing configuration,
    # the code bucket and the functions' key
    "irready:index:SignedFunctions": 1, "aws:kms/key:Key": 1, "aws:kms/alias:Alias": 1,
    "aws:signer/signingProfile:SigningProfile": 1, "aws:lambda/codeSigningConfig:CodeSigningConfig": 1,
    "aws:s3/bucket:Bucket": 1, "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1, "aws:s3/bucketPolicy:BucketPolicy": 1})


def provider_inputs(program, name: str) -> dict:
    """A provider's inputs; the SDK passes its nested values as JSON text."""
    provider = next(r for r in program.of_type("pulumi:providers:aws") if r.name == name)
    return {key: json.loads(value) if key in ("assumeRoles", "allowedAccountIds") else value
            for key, value in provider.inputs.items()}


def provider_account(program, declared) -> str:
    return provider_inputs(program, declared.provider.split("::")[-2])["allowedAccountIds"][0]


def test_every_account_gets_its_resources_through_its_own_provider(program):
    assert provider_inputs(program, "account-123456789012")["assumeRoles"] == []  # management: own credentials
    assert provider_inputs(program, "account-111111111111")["assumeRoles"] == [{
        "roleArn": "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", "sessionName": "irready-provision"}]
    for declared in program.resources:
        # Contacts are all set from the management account (tested below); the rest are named
        # <component>-<account>-... and must go through that account's provider.
        if declared.type.startswith("aws:") and "alternativeContact" not in declared.type:
            account = next((part for part in declared.name.split("-") if part.isdigit() and len(part) == 12),
                           "123456789012")  # the trail and the delegations are the management account's
            if declared.provider.split("::")[-2] == "account-security":
                # Auto-enable and the routing point are the security account's, reached through the member role.
                assert provider_inputs(program, "account-security")["assumeRoles"][0]["roleArn"] == \
                    f"arn:aws:iam::{SECURITY}:role/OrganizationAccountAccessRole", declared.name
                continue
            if declared.name.startswith("investigation-"):
                account = SECURITY  # the workspace is the security account's
            assert account == provider_account(program, declared), declared.name


def test_quarantine_groups_have_no_rules_and_isolation_groups_allow_all_both_ways(program):
    groups = program.of_type("aws:ec2/securityGroup:SecurityGroup")
    quarantine = [g for g in groups if g.inputs["name"] == "irready-quarantine"]
    isolation = [g for g in groups if g.inputs["name"] == "irready-isolation"]
    assert len(quarantine) == len(isolation) == 6
    for group in quarantine:
        assert group.inputs["ingress"] == [] and group.inputs["egress"] == []
    for group in isolation:
        for rules in (group.inputs["ingress"], group.inputs["egress"]):
            assert rules[0]["cidrBlocks"] == ["0.0.0.0/0"] and rules[0]["ipv6CidrBlocks"] == ["::/0"]
    assert {g.inputs["vpcId"] for g in quarantine} == {"vpc-0a1b2c3d4e5f60718", DISCOVERED_VPC}
    assert {g.inputs["region"] for g in quarantine} == {"us-east-1", "eu-west-1"}


def test_the_responder_role_trusts_only_the_security_account_with_mfa(program):
    responders = [r for r in program.of_type("aws:iam/role:Role") if r.inputs.get("name") == "IncidentResponder"]
    assert len(responders) == 3
    for role in responders:
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust == policies.responder_trust_policy(SECURITY)
        assert role.inputs["maxSessionDuration"] == 3600


def test_the_audit_role_carries_exactly_the_reads_the_audit_makes(program):
    reads = [p for p in program.of_type("aws:iam/rolePolicy:RolePolicy")
             if p.inputs.get("name") == "irready-audit-reads"]
    assert len(reads) == 3
    assert all(json.loads(p.inputs["policy"]) == policies.audit_read_policy() for p in reads)
    attached = {a.inputs["policyArn"] for a in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert attached == {"arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}


def test_containment_policies_equal_the_documents_in_policies(program):
    created = {(p.name.split("-")[1], p.inputs["name"]): json.loads(p.inputs["policy"])
               for p in program.of_type("aws:iam/policy:Policy")}
    for account in ACCOUNTS:
        assert created[(account, "irready-deny-all")] == policies.deny_all()
        assert created[(account, "irready-deny-unless-trusted-ip")] == policies.deny_unless_trusted_ip(
            ["192.0.2.0/24", "203.0.113.19/32"])
        assert created[(account, "irready-revoke-older-sessions")] == policies.revoke_older_sessions(
            "2026-01-01T00:00:00Z")
        assert created[(account, "irready-deny-except")] == policies.deny_except(
            ["sts:GetCallerIdentity", "logs:PutLogEvents"])


def test_security_contacts_are_set_from_the_management_account(program):
    contacts = program.of_type("aws:account/alternativeContact:AlternativeContact")
    assert sorted(c.inputs.get("accountId", "management") for c in contacts) == [
        "111111111111", "222222222222", "management"]
    assert {c.inputs["emailAddress"] for c in contacts} == {"cloud-security-alerts@example.com"}
    assert {provider_account(program, c) for c in contacts} == {"123456789012"}


def test_every_vpc_has_a_flow_log_of_all_traffic_with_retention(program):
    flow_logs = program.of_type("aws:ec2/flowLog:FlowLog")
    assert {f.inputs["trafficType"] for f in flow_logs} == {"ALL"}
    assert {f.inputs["vpcId"] for f in flow_logs} == {"vpc-0a1b2c3d4e5f60718", DISCOVERED_VPC}
    assert {g.inputs["retentionInDays"] for g in program.of_type("aws:cloudwatch/logGroup:LogGroup")} == {400}


def test_dns_containment_blocks_every_domain_and_logs_every_vpc(program):
    assert {d.inputs["domains"][0] for d in program.of_type(
        "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList")} == {"*."}
    rules = program.of_type("aws:route53/resolverFirewallRule:ResolverFirewallRule")
    assert {(r.inputs["action"], r.inputs["blockResponse"]) for r in rules} == {("BLOCK", "NXDOMAIN")}
    associations = program.of_type("aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation")
    assert len(associations) == 2 * 6  # one per VPC to CloudWatch Logs, one to the S3 archive


def test_guardduty_findings_and_unexpected_launches_reach_the_ir_email(program):
    patterns = {r.inputs["name"]: json.loads(r.inputs["eventPattern"])
                for r in program.of_type("aws:cloudwatch/eventRule:EventRule")}
    assert patterns["irready-guardduty-findings"]["detail"]["severity"] == [{"numeric": [">=", 7.0]}]
    launch = patterns["irready-unexpected-run-instances"]["detail"]
    assert launch["eventName"] == ["RunInstances"]
    subscriptions = program.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert {(s.inputs["protocol"], s.inputs["endpoint"]) for s in subscriptions} == {
        ("email", "cloud-security-alerts@example.com")}


def one(program, type_: str, name_prefix: str = "organization-trail"):
    (declared,) = [r for r in program.of_type(type_) if r.name.startswith(name_prefix)]
    return declared


def test_the_organization_trail_is_multi_region_validated_and_encrypted(program):
    trail = one(program, "aws:cloudtrail/trail:Trail").inputs
    assert (trail["isOrganizationTrail"], trail["isMultiRegionTrail"], trail["includeGlobalServiceEvents"],
            trail["enableLogFileValidation"]) == (True, True, True, True)
    assert trail["kmsKeyId"] == "arn:aws:mock:::organization-trail-key"
    assert trail["cloudWatchLogsGroupArn"].endswith(":*") and trail["cloudWatchLogsRoleArn"]
    assert one(program, "aws:kms/key:Key").inputs["enableKeyRotation"] is True


def test_data_event_selectors_follow_the_config(program):
    selectors = {s["name"]: s["fieldSelectors"] for s in one(program, "aws:cloudtrail/trail:Trail").inputs[
        "advancedEventSelectors"]}
    assert selectors["Management events"] == [{"field": "eventCategory", "equals": ["Management"]}]
    assert not any(f["field"] == "readOnly" for fields in selectors.values() for f in fields)  # reads and writes
    assert [f["field"] for f in selectors["S3 object-level events"]] == ["eventCategory", "resources.type"]  # all
    assert selectors["Lambda invocations"][2] == {  # scoped to the listed function
        "field": "resources.ARN", "startsWiths": ["arn:aws:lambda:us-east-1:111111111111:function:api"]}


@pytest.mark.parametrize(("s3", "lambda_", "names"), [
    ("all", "all", ["Management events", "S3 object-level events", "Lambda invocations"]),
    ("none", "none", ["Management events"]),
    (("arn:aws:s3:::payroll",), "none", ["Management events", "S3 object-level events"]),
])
def test_event_selectors_for_every_scope(s3, lambda_, names):
    from irready.infra.components.org_trail import event_selectors
    selectors = event_selectors(s3, lambda_)
    assert [s["name"] for s in selectors] == names
    if isinstance(s3, tuple):
        assert selectors[1]["field_selectors"][2] == {"field": "resources.ARN",
                                                      "starts_withs": ["arn:aws:s3:::payroll/"]}


def test_the_trail_bucket_keeps_logs_and_refuses_public_access_and_plain_http(program):
    block = one(program, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[key] for key in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy",
                                      "restrictPublicBuckets"))
    assert one(program, "aws:s3/bucketVersioning:BucketVersioning").inputs["versioningConfiguration"]["status"] \
        == "Enabled"
    keep, abort = one(program, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert keep["expiration"]["days"] >= 365 and keep["noncurrentVersionExpiration"]["noncurrentDays"] >= 365
    assert "expiration" not in abort and abort["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
    policy = json.loads(one(program, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["DenyPlainHttp"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["CloudTrailWritesThisTrailOnly"]["Resource"][1].endswith("/AWSLogs/o-exampleorg1/*")


def test_the_security_account_administers_guardduty_in_every_region(program):
    admins = program.of_type("aws:guardduty/organizationAdminAccount:OrganizationAdminAccount")
    assert {(a.inputs["adminAccountId"], a.inputs["region"]) for a in admins} == {
        (SECURITY, "us-east-1"), (SECURITY, "eu-west-1"), (SECURITY, "ap-southeast-2")}
    assert {provider_account(program, a) for a in admins} == {"123456789012"}  # from the management account


def test_the_quarantine_scp_is_created_in_the_management_account_and_spares_the_responders(program):
    (scp,) = [p for p in program.of_type("aws:organizations/policy:Policy")
              if p.inputs["name"] == "irready-quarantine-account"]
    assert scp.inputs["type"] == "SERVICE_CONTROL_POLICY"
    assert json.loads(scp.inputs["content"]) == policies.quarantine_scp(["arn:aws:iam::*:role/IncidentResponder",
                                                                         "arn:aws:iam::*:role/irready-audit"])
    assert provider_account(program, scp) == "123456789012"
    assert "targetId" not in scp.inputs  # created, attached to nothing until a responder does


def test_the_program_creates_what_the_audit_looks_for_by_default(program):
    from irready.audit.config import AuditConfig

    audit = AuditConfig()
    roles = Counter(r.inputs.get("name") for r in program.of_type("aws:iam/role:Role"))
    assert roles[audit.responder_role_name] == roles[audit.role_name] == len(ACCOUNTS)
    groups = Counter(g.inputs["name"] for g in program.of_type("aws:ec2/securityGroup:SecurityGroup"))
    assert groups[audit.quarantine_group_name] == 6
    assert {p.inputs["name"] for p in program.of_type("aws:iam/policy:Policy")} >= {
        p.name for p in policies.REQUIRED_CONTAINMENT_POLICIES}


# --- issue #12: guardrails, runbooks, the quarantine instance profile, the audit trust, the trail's denies ---

def test_the_guardrail_scp_is_attached_to_the_root_and_exempts_the_deploying_principals(program):
    (scp,) = [p for p in program.of_type("aws:organizations/policy:Policy") if p.inputs["name"] == "irready-guardrail"]
    assert json.loads(scp.inputs["content"]) == policies.guardrail_scp([
        "arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::*:role/stacksets-exec-*"])
    (attachment,) = program.of_type("aws:organizations/policyAttachment:PolicyAttachment")
    assert attachment.inputs["targetId"] == ROOT_ID
    assert provider_account(program, scp) == provider_account(program, attachment) == "123456789012"


def test_tamper_alerts_go_where_findings_go_in_every_account_and_region(program):
    """Every enabled region, as the RunInstances alert (unlistedRegions: monitor, the example's choice),
    forwarded to the security account's home bus with the account's forwarding role, where a rule of the
    same pattern sends them to the one alert topic (cross-account bus targets need the role:
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html)."""
    from irready.infra.offline.program import ENABLED_REGIONS

    rules = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule") if "tamper" in r.inputs["name"]]
    forwarded = [r for r in rules if provider_account(program, r) != SECURITY]
    assert {(provider_account(program, r), r.inputs["region"], r.inputs["name"]) for r in forwarded} == {
        (account, region, name) for account in ACCOUNTS for region in ENABLED_REGIONS
        for name in ("irready-tamper", "irready-automation-tamper", "irready-evidence-tamper")} | {
        (account, "us-east-1", "irready-iam-tamper") for account in ACCOUNTS}
    tamper = json.loads(next(r for r in rules if r.inputs["name"] == "irready-tamper").inputs["eventPattern"])
    assert set(tamper["detail"]["eventName"]) == {a.split(":")[1] for a in policies.TAMPER_ACTIONS}
    home_bus = f"arn:aws:events:us-east-1:{SECURITY}:event-bus/default"
    targets = {t.name: t.inputs for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    assert all(targets[f"{r.name}-to-alerts"]["arn"] == home_bus and targets[f"{r.name}-to-alerts"]["roleArn"]
               for r in forwarded)
    (topic,) = program.of_type("aws:sns/topic:Topic")
    at_home = {(r.inputs["region"], json.loads(r.inputs["eventPattern"])["detail"].get("eventName") ==
                tamper["detail"]["eventName"]) for r in rules if provider_account(program, r) == SECURITY}
    assert ("us-east-1", True) in at_home
    assert all(targets[f"{r.name}-to-sns"]["arn"] == topic.outputs["arn"] for r in rules
               if provider_account(program, r) == SECURITY)


def test_every_account_has_the_runbooks_and_the_quarantine_instance_profile(program):
    documents = program.of_type("aws:ssm/document:Document")
    assert {(provider_account(program, d), d.inputs["region"], d.inputs["name"]) for d in documents} == {
        (account, region, name) for account in ACCOUNTS for region in ("us-east-1", "eu-west-1")
        for name in policies.RUNBOOKS}
    assert all(d.inputs["documentType"] == "Automation" for d in documents)
    profiles = program.of_type("aws:iam/instanceProfile:InstanceProfile")
    assert {p.inputs["name"] for p in profiles} == {policies.QUARANTINE_INSTANCE_ROLE}
    quarantine_roles = [r for r in program.of_type("aws:iam/role:Role")
                        if r.inputs.get("name") == policies.QUARANTINE_INSTANCE_ROLE]
    assert len(quarantine_roles) == 3
    with_policies = {p.inputs["role"] for p in program.of_type("aws:iam/rolePolicy:RolePolicy")}
    assert not any(r.name + "-id" in with_policies for r in quarantine_roles)  # permission-less


def test_only_the_management_responder_may_attach_the_quarantine_scp(program):
    documents = {provider_account(program, p): json.loads(p.inputs["policy"])
                 for p in program.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs.get("name") == "containment"}
    sids = {account: {s["Sid"] for s in doc["Statement"]} for account, doc in documents.items()}
    assert [a for a in ACCOUNTS if "QuarantineMemberAccountsWithTheQuarantineScpOnly" in sids[a]] == ["123456789012"]
    assert documents["111111111111"] == policies.responder_permissions(SECURITY)


def test_the_audit_role_trusts_humans_with_mfa_and_the_scheduled_audit_by_name(program):
    """No principals named in the example: any principal of the security account with MFA; the scheduled
    audit (enabled there) by its function role's name, without MFA."""
    from irready.policies import scheduled_audit as scheduled_names

    audit = [r for r in program.of_type("aws:iam/role:Role") if r.inputs.get("name") == "irready-audit"]
    scheduled = f"arn:aws:iam::*:role/{scheduled_names.role_name(scheduled_names.ACCOUNT_FUNCTION)}"
    assert len(audit) == 3 and all(json.loads(r.inputs["assumeRolePolicy"]) == policies.audit_trust_policy(
        SECURITY, (), (scheduled,)) for r in audit)


def test_the_trail_bucket_and_key_deny_changes_to_all_but_the_deployer(program):
    (bucket_policy,) = [p for p in program.of_type("aws:s3/bucketPolicy:BucketPolicy")
                        if p.name.startswith("organization-trail")]
    (key,) = [k for k in program.of_type("aws:kms/key:Key") if k.name.startswith("organization-trail")]
    for document, sid in ((json.loads(bucket_policy.inputs["policy"]), "OnlyTheAdminsChangeOrDeleteTheTrailBucket"),
                          (json.loads(key.inputs["policy"]), "OnlyTheAdminsDisableOrDeleteTheTrailKey")):
        (deny,) = [s for s in document["Statement"] if s["Sid"] == sid]
        assert deny["Effect"] == "Deny" and deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [DEPLOYER_ROLE]
    assert example_values()["trailAdminPrincipals"] == [DEPLOYER_ROLE]  # named in the stack config, not the caller


def test_the_swap_groups_carry_the_tag_the_responder_is_limited_to(program):
    groups = program.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert {(g.inputs["name"], g.inputs["tags"][policies.CONTAINMENT_GROUP_TAG]) for g in groups} == {
        ("irready-quarantine", "quarantine"), ("irready-isolation", "isolation")}
