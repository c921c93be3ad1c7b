"""Organization-wide mode (issue #18) under Pulumi's mocks with Pulumi.example-org.yaml: three service-managed
StackSets with automatic deployment targeted at the root, templates generated from policies/, the management
account's Pulumi baseline equal to the templates, and a stack whose size does not follow the organization's.

AWS documents encoded here:
- Service-managed permissions, trusted access and automatic deployment:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
- StackSets with service-managed permissions never deploy to the management account, even when the root
  is targeted: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html
- Operation preferences (percentages per region, region concurrency):
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html
- A rule sending to a bus of another account needs a role in the sending account; the receiving bus's
  policy may admit an organization with aws:PrincipalOrgID:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
- IAM's CloudTrail events reach EventBridge in us-east-1 only; a rule may target a bus in another region:
  https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from irready.infra import stackset_templates as templates
from irready.infra.config import StackConfigError, file_reader, load
from irready.infra.offline import program as offline
from irready.infra.offline.program import (
    ORGANIZATION_ID,
    ORGANIZATION_TRUSTED_SERVICES,
    ROOT_ID,
    TRUSTED_SERVICES,
    stack_config_file,
)

from irready import policies
from tests.infra.mocks import ROOT, run_program

EXAMPLE = ROOT / "Pulumi.example-org.yaml"
MANAGEMENT, SECURITY = "123456789012", "210987654321"
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"
ORG_TRUSTED = ORGANIZATION_TRUSTED_SERVICES


def example(**changes) -> dict[str, str]:
    config = stack_config_file(EXAMPLE)
    for key, value in changes.items():
        config[f"irready:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


@pytest.fixture(scope="module")
def program():
    return run_program(example(), ORG_TRUSTED)


def stacksets(program) -> dict[str, offline.Declared]:
    return {r.inputs["name"]: r for r in program.of_type("aws:cloudformation/stackSet:StackSet")}


def template(program, name: str) -> dict:
    return json.loads(stacksets(program)[name].inputs["templateBody"])


def test_three_service_managed_stacksets_deploy_automatically_to_new_accounts(program):
    sets = stacksets(program)
    assert set(sets) == {"irready-baseline-global", "irready-baseline-regional", "irready-baseline-iam-events"}
    for stackset in sets.values():
        assert stackset.inputs["permissionModel"] == "SERVICE_MANAGED"
        assert stackset.inputs["autoDeployment"]["enabled"] is True
        # An account that leaves the targeted OUs loses the stacks (no orphaned roles trusting us).
        assert stackset.inputs["autoDeployment"]["retainStacksOnAccountRemoval"] is False
        assert stackset.inputs["capabilities"] == ["CAPABILITY_NAMED_IAM"]  # named roles
        assert stackset.inputs["region"] == "us-east-1"
        assert "administrationRoleArn" not in stackset.inputs  # self-managed only
    # The regional rules send through the global stack's role: auto-deployment waits for it.
    for name in ("irready-baseline-regional", "irready-baseline-iam-events"):
        assert sets[name].inputs["autoDeployment"]["dependsOnStackSets"] == [
            "arn:aws:mock:::organization-baseline-global"]


def test_instances_target_the_root_once_per_region_with_the_configured_preferences(program):
    instances = program.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
    by_set = Counter(i.inputs["stackSetName"] for i in instances)
    # Global: one region; regional: every enabled region (regions: all), not one per account; IAM events: one.
    assert by_set == {"irready-baseline-global": 1, "irready-baseline-regional": len(offline.ENABLED_REGIONS),
                      "irready-baseline-iam-events": 1}
    assert sorted(i.inputs["stackSetInstanceRegion"] for i in instances
                  if i.inputs["stackSetName"] == "irready-baseline-regional") == offline.ENABLED_REGIONS
    for instance in instances:
        assert instance.inputs["deploymentTargets"] == {"organizationalUnitIds": [ROOT_ID]}
        assert "accountId" not in instance.inputs
        assert instance.inputs["operationPreferences"] == {
            "failureTolerancePercentage": 10, "maxConcurrentPercentage": 25, "regionConcurrencyType": "PARALLEL"}


def test_ous_regions_and_preferences_come_from_the_stack_config():
    recorded = run_program(example(organization={
        "units": ["ou-ab12-cdef3456", "ou-ab12-7890abcd"], "regions": ["eu-west-1", "us-east-1"],
        "failureTolerancePercentage": 0, "maxConcurrentPercentage": 5, "regionConcurrency": "SEQUENTIAL"}),
        ORG_TRUSTED)
    instances = recorded.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
    assert sorted(i.inputs["stackSetInstanceRegion"] for i in instances) == ["eu-west-1", "us-east-1", "us-east-1",
                                                                              "us-east-1"]
    for instance in instances:
        assert instance.inputs["deploymentTargets"]["organizationalUnitIds"] == ["ou-ab12-cdef3456",
                                                                                 "ou-ab12-7890abcd"]
        assert instance.inputs["operationPreferences"] == {
            "failureTolerancePercentage": 0, "maxConcurrentPercentage": 5, "regionConcurrencyType": "SEQUENTIAL"}


def test_the_stack_does_not_grow_with_the_organization(monkeypatch):
    sizes = {}
    for accounts in (5, 200):
        members = tuple(f"{n:012d}" for n in range(100000000000, 100000000000 + accounts))
        monkeypatch.setattr(offline, "ORGANIZATION_ACCOUNTS", (MANAGEMENT, SECURITY, *members))
        sizes[accounts] = Counter(r.type for r in run_program(example(), ORG_TRUSTED).resources)
    assert sizes[5] == sizes[200]


def test_the_management_account_keeps_the_components_and_only_it(program):
    """StackSets skip the management account: the Pulumi components prepare it, and no other account."""
    roles = program.of_type("aws:iam/role:Role")
    responders = [r for r in roles if r.inputs.get("name") == policies.names.RESPONDER_ROLE_NAME]
    assert len(responders) == 1 and f"account-{MANAGEMENT}" in responders[0].provider
    assert Counter(r.type for r in program.resources)["irready:index:IncidentResponseRoles"] == 1


def _resolved(node, account: str):
    """A template value with Fn::Sub of the pseudo parameters resolved for ``account``."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return node["Fn::Sub"].replace("${AWS::AccountId}", account)
        return {key: _resolved(value, account) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(value, account) for value in node]
    return node


def _by_name(program, type_: str, key: str = "name") -> dict[str, dict]:
    return {r.inputs[key]: r.inputs for r in program.of_type(type_) if key in r.inputs}


def test_the_global_template_holds_the_management_accounts_documents(program):
    """Written once: each template document equals the management account's Pulumi document, but for the
    statement only the management account has (the quarantine SCP it may attach)."""
    resources = _resolved(template(program, "irready-baseline-global")["Resources"], MANAGEMENT)
    managed = {p["ManagedPolicyName"]: p["PolicyDocument"] for p in
               (r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy")}
    pulumi_policies = {name: json.loads(inputs["policy"])
                       for name, inputs in _by_name(program, "aws:iam/policy:Policy").items()}
    assert managed == pulumi_policies and len(managed) == len(policies.CONTAINMENT_POLICIES)

    roles = {r["Properties"]["RoleName"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"}
    pulumi_roles = _by_name(program, "aws:iam/role:Role")
    inline = {(r.inputs["name"]): json.loads(r.inputs["policy"]) for r in program.of_type(
        "aws:iam/rolePolicy:RolePolicy") if r.name.startswith(f"ir-roles-{MANAGEMENT}")}
    for role in (policies.names.RESPONDER_ROLE_NAME, policies.names.AUDIT_ROLE_NAME,
                 policies.QUARANTINE_INSTANCE_ROLE, policies.RUNBOOK_ROLE):
        assert roles[role]["AssumeRolePolicyDocument"] == json.loads(pulumi_roles[role]["assumeRolePolicy"]), role
        for policy in roles[role].get("Policies", []):
            expected = inline[policy["PolicyName"]]
            if role == policies.names.RESPONDER_ROLE_NAME:
                management_only = "QuarantineMemberAccountsWithTheQuarantineScpOnly"
                expected = {**expected, "Statement": [s for s in expected["Statement"] if s["Sid"] != management_only]}
            assert policy["PolicyDocument"] == expected, (role, policy["PolicyName"])
    assert roles[policies.names.RESPONDER_ROLE_NAME]["MaxSessionDuration"] == pulumi_roles[
        policies.names.RESPONDER_ROLE_NAME]["maxSessionDuration"]
    assert sorted(roles[policies.names.AUDIT_ROLE_NAME]["ManagedPolicyArns"]) == sorted(
        r.inputs["policyArn"] for r in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith(f"ir-roles-{MANAGEMENT}"))


def test_the_regional_template_holds_the_management_accounts_rules_runbooks_and_dns_group(program):
    resources = template(program, "irready-baseline-regional")["Resources"]
    rules = {r["Properties"]["Name"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"}
    pulumi_rules = {name: json.loads(inputs["eventPattern"]) for name, inputs in
                    _by_name(program, "aws:cloudwatch/eventRule:EventRule").items()
                    if not inputs.get("eventBusName")}
    for name, own in ((templates.RUN_INSTANCES_RULE, "irready-unexpected-run-instances"),
                      (templates.TAMPER_RULE, "irready-tamper"),
                      *((rule, f"irready-{suffix}") for suffix, rule in templates.RESOURCE_TAMPER_RULES.items())):
        assert rules[name]["EventPattern"] == pulumi_rules[own], name
    documents = {r["Properties"]["Name"]: r["Properties"]["Content"] for r in resources.values()
                 if r["Type"] == "AWS::SSM::Document"}
    assert documents == {name: json.loads(inputs["content"])
                         for name, inputs in _by_name(program, "aws:ssm/document:Document").items()}
    group = next(r["Properties"] for r in resources.values() if r["Type"] == "AWS::Route53Resolver::FirewallRuleGroup")
    pulumi_rule = program.of_type("aws:route53/resolverFirewallRule:ResolverFirewallRule")[0].inputs
    assert group["Name"] == program.of_type(
        "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup")[0].inputs["name"]
    assert {k: group["FirewallRules"][0][k] for k in ("Action", "BlockResponse", "Priority")} == {
        "Action": pulumi_rule["action"], "BlockResponse": pulumi_rule["blockResponse"],
        "Priority": pulumi_rule["priority"]}
    # No flow-log group: the VPC preparation function makes it (a retained group of a fixed name would fail a
    # re-created stack instance: tests/policies/test_stackset_templates.py), with the stack's retention.
    assert "AWS::Logs::LogGroup" not in {r["Type"] for r in resources.values()}


# What each template resource type is named by, and the Pulumi type and input of the same AWS resource.
_NAMED = {"AWS::Events::Rule": ("Name", "aws:cloudwatch/eventRule:EventRule", "name"),
          "AWS::IAM::Role": ("RoleName", "aws:iam/role:Role", "name"),
          "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "aws:iam/policy:Policy", "name"),
          "AWS::Logs::LogGroup": ("LogGroupName", "aws:cloudwatch/logGroup:LogGroup", "name"),
          "AWS::SSM::Document": ("Name", "aws:ssm/document:Document", "name"),
          "AWS::Route53Resolver::FirewallRuleGroup": (
              "Name", "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "name"),
          "AWS::Route53Resolver::FirewallDomainList": (
              "Name", "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "name")}


def test_the_iam_events_template_holds_the_management_accounts_iam_rule_and_deploys_in_us_east_1_only():
    """An EU-only organization still gets the IAM rule, in us-east-1 (where IAM's events reach EventBridge),
    forwarding to the member-events bus of the EU home region; the management account's own rule is there too."""
    eu = {"regions": ["eu-west-1", "eu-central-1"], "units": ["root"]}
    recorded = run_program(example(organization=eu, unlistedRegions="deny", accounts=[
        {"id": MANAGEMENT, "regions": ["eu-west-1"], "management": True}]), ORG_TRUSTED)
    (instance,) = [i for i in recorded.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
                   if i.inputs["stackSetName"] == "irready-baseline-iam-events"]
    assert instance.inputs["stackSetInstanceRegion"] == policies.names.IAM_EVENTS_REGION == "us-east-1"
    regional = [i.inputs["stackSetInstanceRegion"] for i in
                recorded.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
                if i.inputs["stackSetName"] == "irready-baseline-regional"]
    assert sorted(regional) == ["eu-central-1", "eu-west-1"]
    (rule,) = template(recorded, "irready-baseline-iam-events")["Resources"].values()
    own = {(r.inputs["region"], r.inputs["name"]): json.loads(r.inputs["eventPattern"])  # the management account's
           for r in recorded.of_type("aws:cloudwatch/eventRule:EventRule") if r.name.startswith("tamper-alerts-")}
    assert rule["Properties"]["EventPattern"] == own[("us-east-1", "irready-iam-tamper")]
    assert rule["Properties"]["Targets"][0]["Arn"] == templates.member_events_bus_arn(SECURITY, "eu-west-1")
    assert not [key for key in own if key[1] == "irready-iam-tamper" and key[0] != "us-east-1"]


def test_nothing_the_stacksets_name_in_the_security_account_is_declared_there_by_the_program(program):
    """Service-managed StackSets deploy to every account of the targeted OUs or root but the management
    account (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html),
    so the security account gets both templates beside what the program declares there; a stack cannot create
    a rule, role, policy, log group, document or rule group whose name exists (default bus, per account)."""
    security = [r for r in program.resources if "account-security" in r.provider]
    for name in ("irready-baseline-global", "irready-baseline-regional", "irready-baseline-iam-events"):
        for logical, resource in template(program, name)["Resources"].items():
            if resource["Type"] not in _NAMED:
                continue
            key, pulumi_type, pulumi_key = _NAMED[resource["Type"]]
            taken = {r.inputs.get(pulumi_key) for r in security if r.type == pulumi_type
                     and not (pulumi_type.endswith("EventRule") and r.inputs.get("eventBusName"))}
            assert resource["Properties"][key] not in taken, (name, logical)
    assert any(r.type == "aws:cloudwatch/eventRule:EventRule" for r in security)  # the test sees the account


def test_member_rules_send_to_the_security_accounts_bus_through_the_forwarder_role(program):
    resources = template(program, "irready-baseline-regional")["Resources"]
    bus = templates.member_events_bus_arn(SECURITY, "us-east-1")
    rules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    assert {r["Name"] for r in rules} == {templates.RUN_INSTANCES_RULE, templates.TAMPER_RULE,
                                          templates.CREATE_VPC_RULE,
                                          "irready-org-automation-tamper", "irready-org-evidence-tamper"}
    # IAM's events arrive in us-east-1 only: their rule is the one-region StackSet's, not every region's.
    (iam_rule,) = [r["Properties"] for r in template(program, "irready-baseline-iam-events")["Resources"].values()]
    assert iam_rule["Name"] == templates.IAM_TAMPER_RULE
    rules.append(iam_rule)
    for rule in rules:
        assert rule["Targets"] == [{"Id": "security-account", "Arn": bus, "RoleArn": {
            "Fn::Sub": f"arn:aws:iam::${{AWS::AccountId}}:role/{templates.FORWARDER_ROLE}"}}]
    forwarder = _resolved(template(program, "irready-baseline-global")["Resources"]["AlertForwarderRole"],
                          "444455556666")["Properties"]
    assert forwarder["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]
    assert forwarder["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "444455556666"}}


def test_the_bus_admits_the_organizations_forwarders_only_and_routes_alerts_to_the_topic(program):
    [member_bus_policy] = [p for p in program.of_type("aws:cloudwatch/eventBusPolicy:EventBusPolicy")
                           if p.inputs.get("eventBusName") == templates.MEMBER_EVENTS_BUS]
    policy = json.loads(member_bus_policy.inputs["policy"])
    [statement] = policy["Statement"]
    assert statement["Action"] == "events:PutEvents"
    forwarders = f"arn:aws:iam::*:role/{templates.FORWARDER_ROLE}"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID},
                                      "ArnLike": {"aws:PrincipalArn": forwarders}}
    on_bus = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
              if r.inputs.get("eventBusName") == templates.MEMBER_EVENTS_BUS]
    assert {r.inputs["name"] for r in on_bus} == {"irready-member-unexpected-run-instances", "irready-member-tamper",
                                                  "irready-member-iam-tamper", "irready-member-automation-tamper",
                                                  "irready-member-evidence-tamper", "irready-member-create-vpc",
                                                  "irready-organization-membership", "irready-vpc-reconciliation"}
    targets = [t for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")
               if t.inputs.get("eventBusName") == templates.MEMBER_EVENTS_BUS  # but those to functions (below)
               and t.inputs["rule"] not in ("irready-member-create-vpc", "irready-organization-membership",
                                            "irready-vpc-reconciliation")]
    assert {t.inputs["arn"] for t in targets} == {"arn:aws:mock:::security-account-us-east-1-alerts"}


# --- DNS query logging: the security account's configurations, shared with the organization through RAM ------
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html (the destination's policy)
# https://docs.aws.amazon.com/ram/latest/APIReference/API_CreateResourceShare.html (allowExternalPrincipals)

def test_members_get_no_query_logging_configuration_of_their_own(program):
    """Evidence out of the member's reach: the regional template creates no configuration or query-log group."""
    resources = template(program, "irready-baseline-regional")["Resources"]
    assert not [r for r in resources.values() if r["Type"].startswith("AWS::Route53Resolver::ResolverQueryLogging")]
    assert [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"] == []


def test_one_shared_configuration_per_region_in_the_security_account(program):
    from irready.policies import vpc_preparation as prep
    configs = [c for c in program.of_type("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")
               if c.inputs["name"] == prep.ORGANIZATION_QUERY_LOG_CONFIG]
    assert sorted(c.inputs["region"] for c in configs) == offline.ENABLED_REGIONS
    assert all(f"account-{MANAGEMENT}" not in c.provider for c in configs)
    groups = {g.name: g for g in program.of_type("aws:cloudwatch/logGroup:LogGroup")
              if g.inputs["name"] == prep.ORGANIZATION_QUERY_LOG_GROUP}
    for config in configs:
        group = groups[f"organization-query-logging-{config.inputs['region']}-queries"]
        assert config.inputs["destinationArn"] == group.outputs["arn"]
        assert group.inputs["retentionInDays"] == 400 and group.inputs["region"] == config.inputs["region"]


def test_each_configuration_is_shared_with_the_organization_only(program):
    shares = {s.inputs["region"]: s for s in program.of_type("aws:ram/resourceShare:ResourceShare")}
    assert sorted(shares) == offline.ENABLED_REGIONS
    assert all(s.inputs["allowExternalPrincipals"] is False for s in shares.values())
    principals = program.of_type("aws:ram/principalAssociation:PrincipalAssociation")
    assert {(p.inputs["region"], p.inputs["principal"], p.inputs["resourceShareArn"]) for p in principals} == {
        (region, f"arn:aws:organizations::{MANAGEMENT}:organization/{ORGANIZATION_ID}", share.outputs["arn"])
        for region, share in shares.items()}
    configs = {c.inputs["region"]: c for c in program.of_type(
        "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig") if c.name.startswith("organization-query")}
    shared = program.of_type("aws:ram/resourceAssociation:ResourceAssociation")
    assert {(a.inputs["resourceArn"], a.inputs["resourceShareArn"]) for a in shared} == {
        (configs[region].outputs["arn"], share.outputs["arn"]) for region, share in shares.items()}


def test_the_destination_admits_the_security_accounts_log_deliveries_only(program):
    from irready.policies import vpc_preparation as prep
    policies_ = {p.inputs["region"]: json.loads(p.inputs["policyDocument"])
                 for p in program.of_type("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")}
    assert sorted(policies_) == offline.ENABLED_REGIONS
    for region, policy in policies_.items():
        [statement] = policy["Statement"]
        assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
        assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert statement["Resource"] == (f"arn:aws:logs:{region}:{SECURITY}:log-group:"
                                         f"{prep.ORGANIZATION_QUERY_LOG_GROUP}:log-stream:*")
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": SECURITY},
                                          "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{SECURITY}:*"}}


def test_the_log_groups_are_kept_and_the_configurations_wait_for_their_delivery_policy():
    """Evidence: the groups are protected and kept on delete. The policy is declared before the configuration,
    so AWS does not add a broader one of its own on first delivery."""
    from irready.infra.offline.program import record
    seen: dict = {}

    def remember(args):
        seen[args.name] = args.opts

    record(example(), ORG_TRUSTED, transformation=remember)
    for region in offline.ENABLED_REGIONS:
        group = seen[f"organization-query-logging-{region}-queries"]
        assert group.protect and group.retain_on_delete
        assert {r._name for r in seen[f"organization-query-logging-{region}-config"].depends_on} == {
            f"organization-query-logging-{region}-delivery"}


def test_the_function_gets_each_regions_shared_configuration(program):
    from irready.policies import vpc_preparation as prep
    [function] = [f for f in program.of_type("aws:lambda/function:Function") if f.inputs["name"] == prep.FUNCTION]
    variables = function.inputs["environment"]["variables"]
    assert prep.parse_query_log_configs(variables[prep.ENV_QUERY_LOG_CONFIGS]) == {
        region: f"organization-query-logging-{region}-config-id" for region in offline.ENABLED_REGIONS}


def test_org_mode_needs_rams_sharing_with_the_organization():
    with pytest.raises(Exception, match=r"ram\.amazonaws\.com.*`aws ram enable-sharing-with-aws-organization`"):
        run_program(example(), [*TRUSTED_SERVICES, STACKSETS])


def test_org_mode_needs_stacksets_trusted_access():
    with pytest.raises(Exception, match=STACKSETS.replace(".", r"\.")):
        run_program(example(), TRUSTED_SERVICES)


def test_explicit_mode_makes_no_stacksets_and_needs_no_stacksets_access():
    from tests.infra.mocks import example_config
    recorded = run_program(example_config(), TRUSTED_SERVICES)
    assert not recorded.of_type("aws:cloudformation/stackSet:StackSet")


def values(**changes):
    raw = {key.removeprefix("irready:"): value for key, value in
           (__import__("yaml").safe_load(EXAMPLE.read_text())["config"]).items() if key.startswith("irready:")}
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not None}


@pytest.mark.parametrize(("changes", "message"), [
    ({"organization": {"units": []}}, "irready:organization.units: expected [root] or OU ids"),
    ({"organization": {"units": ["ou-bad"]}}, "irready:organization.units: expected [root] or OU ids"),
    ({"organization": {"units": ["root", "ou-ab12-cdef3456"]}}, "irready:organization.units: root already covers"),
    ({"organization": {"units": ["root"], "regions": ["mars-1"]}}, "irready:organization.regions: unknown region"),
    ({"organization": {"units": ["root"], "regions": ["all", "mars-1"]}},
     "irready:organization.regions: unknown region"),
    ({"organization": {"units": ["root"], "regions": ["me-central-1", "all"]}},
     "irready:organization.regions: put all first"),
    ({"organization": {"units": ["root"], "failureTolerancePercentage": 101}},
     "irready:organization.failureTolerancePercentage: 101 is out of range"),
    ({"organization": {"units": ["root"], "maxConcurrentPercentage": 0}},
     "irready:organization.maxConcurrentPercentage: 0 is out of range"),
    ({"organization": {"units": ["root"], "regionConcurrency": "FAST"}},
     "irready:organization.regionConcurrency: 'FAST' is not one of PARALLEL, SEQUENTIAL"),
    ({"organization": {"units": ["root"], "accountz": 1}}, "irready:organization: unknown key 'accountz'"),
    ({"organization": "root"}, "irready:organization: expected {units"),
    ({"mode": "accounts"}, "irready:mode: accounts, but irready:organization is set"),
    ({"mode": "everything"}, "irready:mode: 'everything' is not one of accounts, organization"),
    ({"accounts": [{"id": MANAGEMENT, "management": True, "regions": ["us-east-1"]},
                   {"id": "111111111111", "regions": ["us-east-1"]}]},
     "irready:accounts: in organization mode list only the management account"),
    ({"networkLogDestinations": ["cloudwatch", "s3"]}, "irready:networkLogDestinations: s3 is not yet available"),
])
def test_bad_organization_config_is_one_line_naming_the_key(changes, message):
    with pytest.raises(StackConfigError) as raised:
        load(values(**changes).get)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_modes_default_from_the_config():
    assert load(file_reader(EXAMPLE)).organization.units == ("root",)
    assert load(file_reader(EXAMPLE)).organization.regions == "all"
    assert load(file_reader(ROOT / "Pulumi.example.yaml")).organization is None
    with pytest.raises(StackConfigError, match="^irready:organization: expected"):
        load(values(organization=None, mode="organization").get)


# --- New-VPC preparation in the security account (irready/vpc_preparation.py, infra/components/vpc_preparation.py)

def test_the_preparation_function_runs_on_create_vpc_events_and_a_daily_reconciliation(program):
    from irready.policies import vpc_preparation as prep
    [function] = [f for f in program.of_type("aws:lambda/function:Function") if f.inputs["name"] == prep.FUNCTION]
    assert function.inputs["handler"] == prep.HANDLER == "irready.vpc_preparation.handler"
    assert f"account-{MANAGEMENT}" not in function.provider  # the security account's
    variables = function.inputs["environment"]["variables"]
    assert {k: v for k, v in variables.items() if k != prep.ENV_QUERY_LOG_CONFIGS} == {
        prep.ENV_REGIONS: ",".join(offline.ENABLED_REGIONS), prep.ENV_QUARANTINE_GROUP: "irready-quarantine",
        prep.ENV_MEMBER_EVENTS_BUS: templates.member_events_bus_arn(SECURITY, "us-east-1"),
        prep.ENV_FLOW_LOG_RETENTION: "400"}  # irready:logRetentionDays, for the flow-log group it makes
    [rule] = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
              if r.inputs["name"] == "irready-member-create-vpc"]
    assert rule.inputs["eventBusName"] == templates.MEMBER_EVENTS_BUS
    assert json.loads(rule.inputs["eventPattern"]) == templates.create_vpc_pattern()
    [target] = [t for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")
                if t.inputs["rule"] == "irready-member-create-vpc"]
    assert target.inputs["arn"] == "arn:aws:mock:::vpc-preparation-function"
    permissions = [p for p in program.of_type("aws:lambda/permission:Permission")
                   if p.inputs["function"] == prep.FUNCTION]
    assert {(p.inputs["principal"], p.inputs["sourceArn"]) for p in permissions} == {
        ("events.amazonaws.com", "arn:aws:mock:::vpc-preparation-create-vpc"),
        ("events.amazonaws.com", "arn:aws:mock:::vpc-preparation-reconcile-account")}
    [reconciliation] = [r for r in program.of_type("aws:cloudwatch/eventRule:EventRule")
                        if r.inputs["name"] == "irready-vpc-reconciliation"]
    assert reconciliation.inputs["eventBusName"] == templates.MEMBER_EVENTS_BUS
    assert json.loads(reconciliation.inputs["eventPattern"]) == prep.reconciliation_pattern(SECURITY)
    assert {t.inputs["arn"] for t in program.of_type("aws:cloudwatch/eventTarget:EventTarget")
            if t.inputs["rule"] == "irready-vpc-reconciliation"} == {"arn:aws:mock:::vpc-preparation-function"}
    [schedule] = [s for s in program.of_type("aws:scheduler/schedule:Schedule")
                  if s.inputs["name"] == f"{prep.FUNCTION}-reconciliation"]
    assert schedule.inputs["scheduleExpression"] == "rate(1 day)"
    assert json.loads(schedule.inputs["target"]["input"]) == {"reconcile": True}


def test_the_function_role_assumes_only_the_provisioning_role_of_the_organization(program):
    from irready.policies import vpc_preparation as prep
    [policy] = [p for p in program.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs.get("name") == prep.FUNCTION]
    [assume] = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == f"arn:aws:iam::*:role/{prep.PROVISIONING_ROLE}"
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORGANIZATION_ID}}
    # ... and the template's provisioning role trusts exactly that role, by name.
    [role] = [r for r in program.of_type("aws:iam/role:Role") if r.inputs.get("name") == prep.FUNCTION_ROLE]
    trust = template(program, "irready-baseline-global")["Resources"]["VpcPreparationRole"]["Properties"][
        "AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{SECURITY}:role/{role.inputs['name']}"}}


def test_the_guardrail_exempts_the_provisioning_role_in_organization_mode_only(program):
    from irready.policies import vpc_preparation as prep

    from tests.infra.mocks import example_config

    def exempt(recorded) -> list[str]:
        [scp] = [p for p in recorded.of_type("aws:organizations/policy:Policy")
                 if p.inputs["name"] == "irready-guardrail"]
        return json.loads(scp.inputs["content"])["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]

    assert f"arn:aws:iam::*:role/{prep.PROVISIONING_ROLE}" in exempt(program)
    assert f"arn:aws:iam::*:role/{prep.PROVISIONING_ROLE}" not in exempt(run_program(example_config()))


def test_the_function_package_holds_only_the_function_and_policies(tmp_path):
    """Archived from the installed package without importing it; runs without audit or infra."""
    import subprocess
    import sys

    from irready.infra.components.vpc_preparation import code_files
    files = code_files()
    assert {"irready/__init__.py", "irready/vpc_preparation.py", "irready/policies/__init__.py",
            "irready/policies/vpc_preparation.py", "irready/policies/iam/responder.json"} <= set(files)
    assert not [path for path in files if path.startswith(("irready/audit", "irready/infra", "irready/emulated"))]
    for path, source in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(source.read_bytes())
    done = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                           "import irready.vpc_preparation as m; print(m.__file__)", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.stdout.strip() == str(tmp_path / "irready" / "vpc_preparation.py"), done.stderr


# --- regions: all and opt-in regions. A member that has not enabled an opt-in region fails its stack instance
# there (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html), so `all` is the regions
# that need no opt-in; an opt-in region is deployed when named.

@pytest.mark.parametrize(("regions", "expected"), [
    ("all", offline.ENABLED_REGIONS),  # the management account's me-central-1 is left out
    (["all", "me-central-1"], sorted([*offline.ENABLED_REGIONS, "me-central-1"])),
    (["eu-west-1", "me-central-1"], ["eu-west-1", "me-central-1"]),
])
def test_all_regions_leaves_opt_in_regions_out_unless_named(monkeypatch, regions, expected):
    monkeypatch.setattr(offline, "OPTED_IN_REGIONS", ["me-central-1"])
    recorded = run_program(example(organization={"units": ["root"], "regions": regions}), ORG_TRUSTED)
    instances = recorded.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
    assert sorted(i.inputs["stackSetInstanceRegion"] for i in instances
                  if i.inputs["stackSetName"] == "irready-baseline-regional") == expected
    # Monitoring is not narrowed: GuardDuty still covers every region the management account enabled.
    assert "me-central-1" in {d.inputs.get("region") for d in recorded.of_type("aws:guardduty/detector:Detector")}
