"""Every check, against moto over HTTP: a passing case, a failing case, and UNKNOWN when the
API it needs answers with an error. The collectors, snapshot and checks all run for real."""

from __future__ import annotations

import pytest
from irready.audit.model import Status

from irready import policies
from irready.emulated.seed import ADVANCED_SELECTORS, LEAST_PRIVILEGE_WEB_ROLE, WEB_SERVER_ROLE, Seeder, trust_account
from irready.emulated.seed_workloads import CONTEXT
from tests.audit.emulated import REGION, SECURITY_ACCOUNT, audit, firewall, of_check, organization
from tests.support.faults import Fault

PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
MGMT, S3, LAMBDA = ADVANCED_SELECTORS["management"], ADVANCED_SELECTORS["s3"], ADVANCED_SELECTORS["lambda"]
S3_READ_ONLY = {"Name": "S3 reads",
                "FieldSelectors": [*S3["FieldSelectors"], {"Field": "readOnly", "Equals": ["true"]}]}
S3_PUT_ONLY = {"Name": "S3 puts",
               "FieldSelectors": [*S3["FieldSelectors"], {"Field": "eventName", "Equals": ["PutObject"]}]}
S3_ALL_BUT_GET = {"Name": "S3 but reads of objects",
                  "FieldSelectors": [*S3["FieldSelectors"], {"Field": "eventName", "NotEquals": ["GetObject"]}]}
MGMT_WRITE_ONLY = {"Name": "writes",
                   "FieldSelectors": [*MGMT["FieldSelectors"], {"Field": "readOnly", "Equals": ["false"]}]}
BASIC_S3_ALL = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                 "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]
NO_SNAPSHOTS = {"Version": "2012-10-17", "Statement": [
    {**statement, "Action": [a for a in (statement["Action"] if isinstance(statement["Action"], list)
                                         else [statement["Action"]])
                             if a not in ("ec2:CreateSnapshot", "ec2:CreateSnapshots")]}
    for statement in policies.responder_permissions("210987654321")["Statement"]]}
ALLOW_ALL_BUT_PASSROLE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]}


def nothing(seeder: Seeder) -> None:
    pass


def deny(service: str, operation: str | None = None):
    return Fault(service, operation)


def altered_deny_all(seeder: Seeder) -> None:
    seeder.containment_policies(skip=(policies.DENY_ALL.name,))
    seeder.managed_policy(policies.DENY_ALL.name, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def managed_instances(seeder: Seeder, ping: str | None) -> list[Fault]:
    """A running instance, and Systems Manager's answer for it (``ping`` None: not managed)."""
    instance = seeder.instance(REGION, imdsv2=True, role_policy=LEAST_PRIVILEGE_WEB_ROLE)
    managed = [{"InstanceId": instance, "PingStatus": ping, "ResourceType": "EC2Instance"}] if ping else []
    return [Fault("ssm", "DescribeInstanceInformation", answer={"InstanceInformationList": managed})]


def instance_with(role_policy: dict):
    return lambda seeder: seeder.instance(REGION, imdsv2=True, role_policy=role_policy)


# (check id, case, how to set the account up, fault to inject, statuses the check must report)
CASES = [
    ("account.security_contact", "set", lambda s: s.security_contact(), None, {PASS}),
    ("account.security_contact", "missing", nothing, None, {FAIL}),
    ("account.security_contact", "denied", nothing, deny("account", "GetAlternateContact"), {UNKNOWN}),

    ("cloudtrail.multi_region_logging", "multi-region, logging", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.multi_region_logging", "no trail", nothing, None, {FAIL}),
    ("cloudtrail.multi_region_logging", "single-region", lambda s: s.trail(multi_region=False), None, {FAIL}),
    ("cloudtrail.multi_region_logging", "stopped", lambda s: s.trail(logging=False), None, {FAIL}),
    ("cloudtrail.multi_region_logging", "trails denied", nothing, deny("cloudtrail", "DescribeTrails"), {UNKNOWN}),
    ("cloudtrail.multi_region_logging", "status denied", lambda s: s.trail(), deny("cloudtrail", "GetTrailStatus"),
     {UNKNOWN}),

    ("cloudtrail.management_events_rw", "advanced, read and write", lambda s: s.trail(selectors=[MGMT]), None,
     {PASS}),
    ("cloudtrail.management_events_rw", "write only", lambda s: s.trail(selectors=[MGMT_WRITE_ONLY]), None, {FAIL}),
    ("cloudtrail.management_events_rw", "no trail", nothing, None, {FAIL}),
    ("cloudtrail.management_events_rw", "selectors denied", lambda s: s.trail(),
     deny("cloudtrail", "GetEventSelectors"), {UNKNOWN}),

    ("cloudtrail.log_file_validation", "on", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.log_file_validation", "off", lambda s: s.trail(validation=False), None, {FAIL}),
    ("cloudtrail.log_file_validation", "status denied", lambda s: s.trail(), deny("cloudtrail", "GetTrailStatus"),
     {UNKNOWN}),

    ("cloudtrail.kms_encryption", "KMS key", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.kms_encryption", "SSE-S3 only", lambda s: s.trail(kms=False), None, {FAIL}),
    ("cloudtrail.kms_encryption", "trails denied", lambda s: s.trail(), deny("cloudtrail", "DescribeTrails"),
     {UNKNOWN}),

    ("cloudtrail.s3_data_events", "advanced", lambda s: s.trail(selectors=[MGMT, S3]), None, {PASS}),
    ("cloudtrail.s3_data_events", "basic", lambda s: s.trail(basic_selectors=BASIC_S3_ALL), None, {PASS}),
    ("cloudtrail.s3_data_events", "management only", lambda s: s.trail(selectors=[MGMT]), None, {FAIL}),
    ("cloudtrail.s3_data_events", "reads only", lambda s: s.trail(selectors=[MGMT, S3_READ_ONLY]), None, {FAIL}),
    ("cloudtrail.s3_data_events", "PutObject only", lambda s: s.trail(selectors=[MGMT, S3_PUT_ONLY]), None, {FAIL}),
    ("cloudtrail.s3_data_events", "all but GetObject", lambda s: s.trail(selectors=[MGMT, S3_ALL_BUT_GET]), None,
     {FAIL}),
    ("cloudtrail.s3_data_events", "selectors denied", lambda s: s.trail(selectors=[MGMT, S3]),
     deny("cloudtrail", "GetEventSelectors"), {UNKNOWN}),

    ("cloudtrail.lambda_data_events", "recorded", lambda s: s.trail(selectors=[MGMT, LAMBDA]), None, {PASS}),
    ("cloudtrail.lambda_data_events", "not recorded", lambda s: s.trail(selectors=[MGMT, S3]), None, {FAIL}),
    ("cloudtrail.lambda_data_events", "selectors denied", lambda s: s.trail(selectors=[MGMT, LAMBDA]),
     deny("cloudtrail", "GetEventSelectors"), {UNKNOWN}),

    ("cloudtrail.bucket_retention", "versioned, 400 days", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.bucket_retention", "no lifecycle", lambda s: s.trail(expire_days=None), None, {PASS}),
    ("cloudtrail.bucket_retention", "expires after 30 days", lambda s: s.trail(expire_days=30), None, {FAIL}),
    ("cloudtrail.bucket_retention", "unversioned", lambda s: s.trail(versioned=False), None, {FAIL}),
    ("cloudtrail.bucket_retention", "bucket denied", lambda s: s.trail(), deny("s3", "GetBucketVersioning"),
     {UNKNOWN}),

    ("cloudtrail.bucket_not_public", "bucket block", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.bucket_not_public", "account block", lambda s: (s.trail(public_block=False),
                                                                 s.account_public_access_block()), None, {PASS}),
    ("cloudtrail.bucket_not_public", "no block", lambda s: s.trail(public_block=False), None, {FAIL}),
    ("cloudtrail.bucket_not_public", "bucket denied", lambda s: s.trail(), deny("s3", "GetPublicAccessBlock"),
     {UNKNOWN}),

    ("cloudtrail.cloudwatch_logs", "delivers", lambda s: s.trail(), None, {PASS}),
    ("cloudtrail.cloudwatch_logs", "S3 only", lambda s: s.trail(cloudwatch=False), None, {FAIL}),
    ("cloudtrail.cloudwatch_logs", "trails denied", lambda s: s.trail(), deny("cloudtrail", "DescribeTrails"),
     {UNKNOWN}),

    ("vpc.flow_logs", "ALL traffic", lambda s: s.flow_logs(REGION), None, {PASS}),
    ("vpc.flow_logs", "none", nothing, None, {FAIL}),
    ("vpc.flow_logs", "rejects only", lambda s: s.flow_logs(REGION, traffic_type="REJECT"), None, {FAIL}),
    ("vpc.flow_logs", "denied", lambda s: s.flow_logs(REGION), deny("ec2", "DescribeFlowLogs"), {UNKNOWN}),

    ("dns.resolver_query_logging", "logged", lambda s: s.query_logging(REGION), None, {PASS}),
    ("dns.resolver_query_logging", "not logged", nothing, None, {FAIL}),
    ("dns.resolver_query_logging", "denied", lambda s: s.query_logging(REGION), deny("route53resolver"), {UNKNOWN}),

    # moto has no DNS Firewall: the emulator answers NotImplemented, and the check must say UNKNOWN, never
    # PASS. For PASS and FAIL, canned answers stand in for the three reads (the collector still parses real
    # HTTP responses).
    ("dns.firewall_block_ready", "emulator lacks the API", nothing, None, {UNKNOWN}),
    ("dns.firewall_block_ready", "block-all group", nothing, firewall(["*."]), {PASS}),
    ("dns.firewall_block_ready", "blocks some domains", nothing, firewall(["evil.example."]), {FAIL}),
    ("dns.firewall_block_ready", "no rule groups", nothing, firewall(None), {FAIL}),
    ("dns.firewall_block_ready", "rules denied", nothing,
     [deny("route53resolver", "ListFirewallRules"), *firewall(["*."])], {UNKNOWN}),

    ("logs.retention", "400 days", lambda s: s.log_group(REGION, "/aws/lambda/api", 400), None, {PASS}),
    ("logs.retention", "never expires", lambda s: s.log_group(REGION, "/aws/eks/prod/cluster", None), None, {PASS}),
    ("logs.retention", "30 days", lambda s: s.log_group(REGION, "/aws/lambda/api", 30), None, {FAIL}),
    ("logs.retention", "flow log group by destination", lambda s: s.flow_logs(REGION) or s.client(
        "logs", REGION).put_retention_policy(logGroupName="/irready/flow-logs-all", retentionInDays=7), None, {FAIL}),
    ("logs.retention", "denied", lambda s: s.log_group(REGION, "/aws/lambda/api", 400), deny("logs"), {UNKNOWN}),

    ("guardduty.enabled", "enabled", lambda s: s.guardduty(REGION), None, {PASS}),
    ("guardduty.enabled", "absent", nothing, None, {FAIL}),
    ("guardduty.enabled", "suspended", lambda s: s.guardduty(REGION, enabled=False), None, {FAIL}),
    ("guardduty.enabled", "denied", lambda s: s.guardduty(REGION), deny("guardduty", "ListDetectors"), {UNKNOWN}),

    ("guardduty.findings_routed", "rule with target", lambda s: (s.guardduty(REGION), s.findings_rule(REGION)),
     None, {PASS}),
    ("guardduty.findings_routed", "no rule", lambda s: s.guardduty(REGION), None, {FAIL}),
    ("guardduty.findings_routed", "rule without target",
     lambda s: (s.guardduty(REGION), s.findings_rule(REGION, with_target=False)), None, {FAIL}),
    ("guardduty.findings_routed", "rules denied", lambda s: (s.guardduty(REGION), s.findings_rule(REGION)),
     deny("events", "ListRules"), {UNKNOWN}),
    # the collector fetches targets for every rule the check credits, by the same predicate
    ("guardduty.findings_routed", "prefix pattern", lambda s: (s.guardduty(REGION), s.findings_rule(
        REGION, pattern={"source": [{"prefix": "aws.guard"}]})), None, {PASS}),
    ("guardduty.findings_routed", "topic nobody subscribed to",
     lambda s: (s.guardduty(REGION), s.findings_rule(REGION, subscribed=False)), None, {FAIL}),
    ("guardduty.findings_routed", "subscriptions denied", lambda s: (s.guardduty(REGION), s.findings_rule(REGION)),
     deny("sns", "ListSubscriptionsByTopic"), {UNKNOWN}),
    ("guardduty.findings_routed", "targets denied", lambda s: (s.guardduty(REGION), s.findings_rule(REGION)),
     deny("events", "ListTargetsByRule"), {UNKNOWN}),
    # a member whose administrator (not audited here) receives its findings: cannot tell, not FAIL
    ("guardduty.findings_routed", "administrator outside the audit", lambda s: s.guardduty(REGION),
     Fault("guardduty", "GetAdministratorAccount", answer={"administrator": {
         "accountId": "999999999999", "relationshipStatus": "Enabled"}}), {UNKNOWN}),
    ("guardduty.findings_routed", "administrator denied", lambda s: s.guardduty(REGION),
     deny("guardduty", "GetAdministratorAccount"), {UNKNOWN}),

    ("ir.responder_role", "ready", lambda s: s.responder_role(SECURITY_ACCOUNT), None, {PASS}),
    ("ir.responder_role", "missing", nothing, None, {FAIL}),
    ("ir.responder_role", "trusts another account", lambda s: s.responder_role(
        SECURITY_ACCOUNT, trust=trust_account("999999999999")), None, {FAIL}),
    ("ir.responder_role", "cannot snapshot", lambda s: s.responder_role(SECURITY_ACCOUNT, permissions=NO_SNAPSHOTS),
     None, {FAIL}),
    ("ir.responder_role", "trusts anyone", lambda s: s.responder_role(SECURITY_ACCOUNT, trust={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                "Action": "sts:AssumeRole"}]}), None, {FAIL}),
    ("ir.responder_role", "can escalate", lambda s: s.responder_role(SECURITY_ACCOUNT, permissions={
        "Version": "2012-10-17", "Statement": [*policies.responder_permissions(SECURITY_ACCOUNT)["Statement"][:-2],
                                               {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}]}),
     None, {FAIL}),
    ("ir.responder_role", "denied", lambda s: s.responder_role(SECURITY_ACCOUNT),
     deny("iam", "GetAccountAuthorizationDetails"), {UNKNOWN}),

    ("ir.quarantine_security_group", "empty group", lambda s: s.quarantine_group(REGION), None, {PASS}),
    ("ir.quarantine_security_group", "no group", nothing, None, {FAIL}),
    ("ir.quarantine_security_group", "no isolation group", lambda s: s.quarantine_group(REGION, isolation=False),
     None, {FAIL}),
    ("ir.quarantine_security_group", "default egress left", lambda s: s.quarantine_group(
        REGION, keep_default_egress=True), None, {FAIL}),
    ("ir.quarantine_security_group", "denied", lambda s: s.quarantine_group(REGION),
     deny("ec2", "DescribeSecurityGroups"), {UNKNOWN}),

    ("org.guardrail_scp", "on the root", nothing, organization("r-root"), {PASS}),
    ("org.guardrail_scp", "attached nowhere", nothing, organization(None), {FAIL}),
    ("org.guardrail_scp", "Organizations denied", nothing, deny("organizations", "DescribeOrganization"), {UNKNOWN}),

    ("ir.containment_policies", "all three", lambda s: s.containment_policies(), None, {PASS}),
    ("ir.containment_policies", "revoke missing", lambda s: s.containment_policies(
        skip=(policies.REVOKE_OLDER_SESSIONS.name,)), None, {FAIL}),
    ("ir.containment_policies", "deny-all altered", altered_deny_all, None, {FAIL}),
    ("ir.containment_policies", "denied", lambda s: s.containment_policies(),
     deny("iam", "GetAccountAuthorizationDetails"), {UNKNOWN}),

    ("ec2.imdsv2_required", "IMDSv2", instance_with(LEAST_PRIVILEGE_WEB_ROLE), None, {PASS}),
    ("ec2.imdsv2_required", "IMDSv1", lambda s: s.instance(REGION, imdsv2=False, role_policy=LEAST_PRIVILEGE_WEB_ROLE),
     None, {FAIL}),
    ("ec2.imdsv2_required", "denied", instance_with(LEAST_PRIVILEGE_WEB_ROLE), deny("ec2", "DescribeInstances"),
     {UNKNOWN}),

    ("iam.instance_profile_escalation", "least privilege", instance_with(LEAST_PRIVILEGE_WEB_ROLE), None, {PASS}),
    ("iam.instance_profile_escalation", "explicit deny on PassRole", instance_with(ALLOW_ALL_BUT_PASSROLE), None,
     {PASS}),
    ("iam.instance_profile_escalation", "RunInstances + PassRole", instance_with(WEB_SERVER_ROLE), None, {FAIL}),
    ("iam.instance_profile_escalation", "denied", instance_with(WEB_SERVER_ROLE),
     deny("iam", "GetAccountAuthorizationDetails"), {UNKNOWN}),

    ("eks.audit_logging", "audit shipped", lambda s: s.eks_cluster(REGION), None, {PASS}),
    ("eks.audit_logging", "api only", lambda s: s.eks_cluster(REGION, log_types=("api",)), None, {FAIL}),
    ("eks.audit_logging", "describe denied", lambda s: s.eks_cluster(REGION), deny("eks", "DescribeCluster"),
     {UNKNOWN}),

    ("investigation.queries_ready", "as provisioned", lambda s: s.investigation_workspace(REGION, [s.account_id]),
     None, {PASS}),
    ("investigation.queries_ready", "no workspace", nothing, None, {FAIL}),
    ("investigation.queries_ready", "limits not enforced",
     lambda s: s.investigation_workspace(REGION, [s.account_id], enforce=False), None, {FAIL}),
    ("investigation.queries_ready", "workgroup denied", lambda s: s.investigation_workspace(REGION, [s.account_id]),
     deny("athena", "GetWorkGroup"), {UNKNOWN}),
    ("investigation.queries_ready", "tables denied", lambda s: s.investigation_workspace(REGION, [s.account_id]),
     deny("glue", "GetTables"), {UNKNOWN}),

    # --- workload evidence and business context (issue #19) ---
    ("ecs.task_logging", "awslogs", lambda s: s.ecs_task(REGION), None, {PASS}),
    ("ecs.task_logging", "no log configuration", lambda s: s.ecs_task(REGION, logging=False), None, {FAIL}),
    ("ecs.task_logging", "task definition denied", lambda s: s.ecs_task(REGION),
     deny("ecs", "DescribeTaskDefinition"), {UNKNOWN}),

    ("ecr.image_scanning", "repository scans on push", lambda s: s.ecr_repository(REGION), None, {PASS}),
    ("ecr.image_scanning", "registry rule", lambda s: (s.ecr_repository(REGION, scan_on_push=False),
                                                       s.registry_scan_on_push(REGION)), None, {PASS}),
    ("ecr.image_scanning", "no scanning", lambda s: s.ecr_repository(REGION, scan_on_push=False), None, {FAIL}),
    ("ecr.image_scanning", "registry denied", lambda s: s.ecr_repository(REGION),
     deny("ecr", "GetRegistryScanningConfiguration"), {UNKNOWN}),

    ("lambda.code_history", "published, alias to a version",
     lambda s: s.lambda_function(REGION, alias_to="version"), None, {PASS}),
    ("lambda.code_history", "only $LATEST", lambda s: s.lambda_function(REGION, publish=False), None, {FAIL}),
    ("lambda.code_history", "alias to $LATEST", lambda s: s.lambda_function(REGION, alias_to="$LATEST"), None,
     {FAIL}),
    ("lambda.code_history", "aliases denied", lambda s: s.lambda_function(REGION), deny("lambda", "ListAliases"),
     {UNKNOWN}),

    ("s3.access_evidence", "server access logging", lambda s: s.bucket(f"orders-{s.account_id}", access_logging=True),
     None, {PASS}),
    ("s3.access_evidence", "trail with S3 data events", lambda s: (s.trail(selectors=[MGMT, S3]),
                                                                   s.bucket(f"orders-{s.account_id}")), None, {PASS}),
    ("s3.access_evidence", "nothing records it", lambda s: (s.trail(selectors=[MGMT]),
                                                            s.bucket(f"orders-{s.account_id}")), None, {FAIL}),
    ("s3.access_evidence", "logging denied", lambda s: s.bucket(f"orders-{s.account_id}"),
     deny("s3", "GetBucketLogging"), {UNKNOWN}),

    ("rds.log_exports", "postgresql log exported", lambda s: s.database(REGION), None, {PASS}),
    ("rds.log_exports", "nothing exported", lambda s: s.database(REGION, exports=()), None, {FAIL}),
    ("rds.log_exports", "denied", lambda s: s.database(REGION), deny("rds", "DescribeDBInstances"), {UNKNOWN}),

    ("cloudfront.access_logging", "standard logging", lambda s: s.distribution(), None, {PASS}),
    ("cloudfront.access_logging", "no logging", lambda s: s.distribution(logging=False), None, {FAIL}),
    ("cloudfront.access_logging", "config denied", lambda s: s.distribution(),
     deny("cloudfront", "GetDistributionConfig"), {UNKNOWN}),

    ("elb.access_logging", "access logs", lambda s: s.load_balancer(REGION), None, {PASS}),
    ("elb.access_logging", "no access logs", lambda s: s.load_balancer(REGION, access_logs=False), None, {FAIL}),
    ("elb.access_logging", "attributes denied", lambda s: s.load_balancer(REGION),
     deny("elasticloadbalancing", "DescribeLoadBalancerAttributes"), {UNKNOWN}),

    # moto has no DescribeInstanceInformation: answers shaped as the API reference documents stand in for it.
    ("ec2.ssm_managed", "agent online", lambda s: managed_instances(s, "Online"), None, {PASS}),
    ("ec2.ssm_managed", "agent lost", lambda s: managed_instances(s, "ConnectionLost"), None, {FAIL}),
    ("ec2.ssm_managed", "not managed", lambda s: managed_instances(s, None), None, {FAIL}),
    ("ec2.ssm_managed", "denied", instance_with(LEAST_PRIVILEGE_WEB_ROLE), deny("ssm", "DescribeInstanceInformation"),
     {UNKNOWN}),

    ("guardduty.protection_plans", "the four plans", lambda s: s.guardduty_plans(REGION), None, {PASS}),
    ("guardduty.protection_plans", "S3 only", lambda s: s.guardduty_plans(REGION, features=("S3_DATA_EVENTS",)),
     None, {FAIL}),
    ("guardduty.protection_plans", "detector denied", lambda s: s.guardduty_plans(REGION),
     deny("guardduty", "GetDetector"), {UNKNOWN}),

    ("inventory.business_context", "tagged", lambda s: s.database(REGION, tags=CONTEXT), None, {PASS}),
    ("inventory.business_context", "untagged", lambda s: s.database(REGION), None, {FAIL}),
    ("inventory.business_context", "Tagging API denied", lambda s: s.database(REGION, tags=CONTEXT),
     deny("resourcegroupstaggingapi", "GetResources"), {UNKNOWN}),
]
# Audit config a check needs beyond the default (the audited account as the security account).
OVERRIDES = {"investigation.queries_ready": lambda account_id: {"security_account_id": account_id}}


@pytest.mark.parametrize(("check_id", "setup", "fault", "expected"),
                         [pytest.param(c, setup, fault, expected, id=f"{c}: {case}")
                          for c, case, setup, fault, expected in CASES])
def test_check_against_emulator(emulator, faults, account_id, check_id, setup, fault, expected):
    answers = setup(Seeder(emulator, account_id))  # a setup may return answers for an API moto lacks
    if isinstance(answers, list):
        faults.faults.extend(answers)
    if fault:
        faults.faults.extend(fault if isinstance(fault, list) else [fault])
    findings = of_check(audit(emulator, account_id, **OVERRIDES.get(check_id, lambda _: {})(account_id)), check_id)
    assert {f.status for f in findings} == expected, [(f.status.value, f.resource_id, f.reason) for f in findings]
    if UNKNOWN in expected:
        assert all(f.reason for f in findings)  # an UNKNOWN always says why


def test_every_check_has_a_pass_a_fail_and_an_unknown_case():
    from irready.audit.checks import ALL_CHECKS
    covered = {(check_id, status) for check_id, _, _, _, expected in CASES for status in expected}
    # WAIVED is given by a waivers file, never by a check.
    verdicts = (Status.PASS, Status.FAIL, Status.UNKNOWN)
    missing = [(c.id, s.value) for c in ALL_CHECKS for s in verdicts if (c.id, s) not in covered]
    assert not missing


def test_the_emulator_lacking_an_api_is_reported_as_such(emulator, account_id):
    (finding,) = of_check(audit(emulator, account_id), "dns.firewall_block_ready")
    assert finding.status is UNKNOWN
    assert finding.reason == ("DNS Firewall rule groups in us-east-1: API not available here "
                              "(ListFirewallRuleGroups: NotImplemented)")
