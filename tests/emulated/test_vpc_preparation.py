"""New-VPC preparation (issue #18), run in-process against moto over HTTP, on what the program built:
a VPC created after deployment is prepared, a second run creates nothing, a VPC shared from another
account is left to its owner, and the audit then passes the new VPC's account and region.

AWS documents encoded here:
- A participant of a shared VPC cannot create flow logs or query-log associations for it; the owner does:
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html
- Flow logs to CloudWatch Logs need the delivery role and TrafficType ALL for forensics:
  https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html
- A new security group gets an allow-all IPv4 egress rule unless it is revoked:
  https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
- CloudTrail's CreateVpc event as EventBridge delivers it (responseElements.vpc.vpcId):
  https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
- A query-logging configuration shared through RAM is listed by the participant with the owner's OwnerId
  and ShareStatus SHARED_WITH_ME, and the participant associates its VPCs with it as with its own:
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfig.html
"""

from __future__ import annotations

import json

import pytest
from irready.audit.model import Status
from irready.infra import stackset_templates as templates
from irready.infra.offline.program import stack_config
from irready.policies import names
from irready.policies import vpc_preparation as prep

from irready import policies, vpc_preparation
from irready.emulated.apply import provision
from irready.emulated.baseline import Organization, audit, audit_config, stack_values
from irready.emulated.brownfield import share_vpc
from irready.emulated.ram_shares import share_query_log_config
from irready.vpc_preparation import Settings

REGION = "us-east-1"
VPC_CHECKS = ("vpc.flow_logs", "dns.resolver_query_logging", "ir.quarantine_security_group")


def global_stack_roles(emulator, account: str, security: str) -> None:
    """The roles the global StackSet's stack gives a member account that the function uses, created from the
    generated template's own properties (the explicit-mode program has no such roles)."""
    template = templates.global_template(templates.BaselineTemplateArgs(
        security_account_id=security, home_region=REGION, trusted_cidrs=("192.0.2.0/24",),
        revoke_sessions_before="2026-01-01T00:00:00Z", deny_except_actions=("sts:GetCallerIdentity",)))
    iam = emulator.client(emulator.session(account), "iam")
    for logical in ("FlowLogDeliveryRole", "VpcPreparationRole"):
        role = resolved(template["Resources"][logical]["Properties"], account)
        iam.create_role(RoleName=role["RoleName"],
                        AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]))
        for policy in role["Policies"]:
            iam.put_role_policy(RoleName=role["RoleName"], PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))


def resolved(node, account: str):
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return node["Fn::Sub"].replace("${AWS::AccountId}", account)
        return {key: resolved(value, account) for key, value in node.items()}
    return [resolved(value, account) for value in node] if isinstance(node, list) else node


def organization_query_logging(emulator, security: str) -> str:
    """The security account's configuration of the region as OrganizationQueryLogging makes it (its names);
    returns its id."""
    session = emulator.session(security)
    logs = emulator.client(session, "logs", REGION)
    logs.create_log_group(logGroupName=prep.ORGANIZATION_QUERY_LOG_GROUP)
    group = logs.describe_log_groups(logGroupNamePrefix=prep.ORGANIZATION_QUERY_LOG_GROUP)["logGroups"][0]["arn"]
    return emulator.client(session, "route53resolver", REGION).create_resolver_query_log_config(
        Name=prep.ORGANIZATION_QUERY_LOG_CONFIG, DestinationArn=group.removesuffix(":*"),
        CreatorRequestId="organization-query-logging")["ResolverQueryLogConfig"]["Id"]


@pytest.fixture(scope="module")
def deployed(_emulator_and_faults, new_account):
    """The program applied to a small organization (one workload account), in one region, with the global
    StackSet's flow-log and provisioning roles in the workload account, and the security account's
    query-logging configuration shared with it. The explicit-mode program also gave the workload account a
    configuration of its own, which the function must not use."""
    emulator, _ = _emulator_and_faults
    org = Organization(management=new_account(), security=new_account(), workloads=(new_account(),),
                       regions=(REGION,))
    provision(emulator, stack_config(stack_values(org, networkLogDestinations=["cloudwatch"])), org.management)
    global_stack_roles(emulator, org.workloads[0], org.security)
    shared = organization_query_logging(emulator, org.security)
    share_query_log_config(org.security, org.workloads[0], REGION, shared)
    return emulator, org, Settings(regions=(REGION,), query_log_configs={REGION: shared})


def create_vpc_event(account: str, vpc_id: str) -> dict:
    """A CreateVpc event as the member rule forwards it to the security account's bus."""
    return {"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", "account": account,
            "region": REGION, "detail": {"eventSource": "ec2.amazonaws.com", "eventName": "CreateVpc",
                                         "responseElements": {"vpc": {"vpcId": vpc_id}}}}


def tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def vpc_state(emulator, account: str, vpc_id: str) -> dict:
    session = emulator.session(account)
    ec2 = emulator.client(session, "ec2", REGION)
    resolver = emulator.client(session, "route53resolver", REGION)
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {
        "flow_logs": [(f["TrafficType"], f.get("LogGroupName")) for f in ec2.describe_flow_logs(
            Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]],
        "groups": {g["GroupName"]: (tags(g).get(policies.CONTAINMENT_GROUP_TAG), len(g["IpPermissions"]),
                                    len(g["IpPermissionsEgress"])) for g in groups if g["GroupName"] != "default"},
        "query_logging": [a["ResolverQueryLogConfigId"] for a in resolver.list_resolver_query_log_config_associations(
            Filters=[{"Name": "ResourceId", "Values": [vpc_id]}])["ResolverQueryLogConfigAssociations"]],
    }


def vpc_findings(emulator, org, account: str, vpc_id: str) -> dict[str, Status]:
    """The audit's verdicts on the VPC (per-VPC checks), or on its account and region (per-region ones)."""
    _, report = audit(emulator, audit_config(org))
    found = [f for f in report.findings if f.account_id == account and f.region == REGION and f.check_id in VPC_CHECKS]
    per_vpc = {f.check_id: f.status for f in found if f.resource_id == vpc_id}
    return {**{f.check_id: f.status for f in found if f.check_id not in per_vpc}, **per_vpc}


@pytest.fixture(scope="module")
def new_vpc(deployed):
    """A VPC created in the workload account after deployment; the audit before and after the function ran."""
    emulator, org, settings = deployed
    account = org.workloads[0]
    vpc_id = emulator.client(emulator.session(account), "ec2", REGION).create_vpc(CidrBlock="10.77.0.0/16")["Vpc"][
        "VpcId"]
    before = vpc_findings(emulator, org, account, vpc_id)
    first = vpc_preparation.handler(create_vpc_event(account, vpc_id), base=emulator.session(org.security),
                                    endpoint_url=emulator.url, settings=settings)
    after = vpc_findings(emulator, org, account, vpc_id)
    return account, vpc_id, before, first, after


def test_a_vpc_created_after_deployment_is_prepared(deployed, new_vpc):
    emulator, _, settings = deployed
    account, vpc_id, _, first, _ = new_vpc
    [prepared] = first["prepared"]
    assert (prepared["account_id"], prepared["vpc_id"], prepared["skipped"], prepared["missing"]) == (
        account, vpc_id, None, [])
    assert prepared["created"] == ["flow-logs", "quarantine-group", "isolation-group", "query-logging"]
    assert vpc_state(emulator, account, vpc_id) == {
        "flow_logs": [("ALL", prep.FLOW_LOG_GROUP)],
        # quarantine: no rule at all; isolation: all traffic in (IPv4 and IPv6 in one permission) and out
        "groups": {names.QUARANTINE_GROUP_NAME: ("quarantine", 0, 0),
                   names.ISOLATION_GROUP_NAME: ("isolation", 1, 1)},
        # the security account's shared configuration, not the member's own irready-queries
        "query_logging": [settings.query_log_configs[REGION]]}


def test_the_association_is_the_security_accounts_configuration_as_the_member_sees_it(deployed, new_vpc):
    """The member lists the shared configuration with the security account as its owner (SHARED_WITH_ME),
    beside its own; the VPC is associated with the shared one only."""
    emulator, org, settings = deployed
    account, vpc_id, *_ = new_vpc
    resolver = emulator.client(emulator.session(account), "route53resolver", REGION)
    seen = {c["Id"]: c for c in resolver.list_resolver_query_log_configs()["ResolverQueryLogConfigs"]}
    shared = seen[settings.query_log_configs[REGION]]
    assert (shared["OwnerId"], shared["ShareStatus"], shared["Name"]) == (
        org.security, "SHARED_WITH_ME", prep.ORGANIZATION_QUERY_LOG_CONFIG)
    assert shared["Arn"].split(":")[4] == org.security  # the ARN the provisioning role is allowed on
    own = [c for c in seen.values() if c["OwnerId"] == account]
    assert own and vpc_state(emulator, account, vpc_id)["query_logging"] == [shared["Id"]]


def test_a_configuration_not_shared_with_the_account_is_reported_missing(deployed, new_account):
    """Until RAM shows the configuration to the account, nothing is associated (not the member's own either)."""
    emulator, org, settings = deployed
    account = org.workloads[0]
    vpc_id = emulator.client(emulator.session(account), "ec2", REGION).create_vpc(CidrBlock="10.79.0.0/16")["Vpc"][
        "VpcId"]
    unshared = Settings(regions=(REGION,), query_log_configs={REGION: "rqlc-notshared0000000"})
    [prepared] = vpc_preparation.handler(create_vpc_event(account, vpc_id), base=emulator.session(org.security),
                                         endpoint_url=emulator.url, settings=unshared)["prepared"]
    assert prepared["missing"] == ["query-logging: rqlc-notshared0000000 is not shared with this account "
                                   f"(RAM share {prep.QUERY_LOG_SHARE})"]
    assert "query-logging" not in prepared["created"] and vpc_state(emulator, account, vpc_id)["query_logging"] == []


def test_a_second_run_creates_nothing(deployed, new_vpc):
    emulator, org, settings = deployed
    account, vpc_id, *_ = new_vpc
    state = vpc_state(emulator, account, vpc_id)
    again = vpc_preparation.handler(create_vpc_event(account, vpc_id), base=emulator.session(org.security),
                                    endpoint_url=emulator.url, settings=settings)
    assert again["prepared"][0]["created"] == []
    assert vpc_state(emulator, account, vpc_id) == state


def test_the_audit_fails_the_new_vpc_before_and_passes_it_after(new_vpc):
    """After: dns.resolver_query_logging credits the association with the security account's shared
    configuration (the member's snapshot lists it SHARED_WITH_ME)."""
    *_, before, _, after = new_vpc
    assert before["vpc.flow_logs"] is Status.FAIL and before["dns.resolver_query_logging"] is Status.FAIL
    assert after == {check: Status.PASS for check in VPC_CHECKS}


def test_a_shared_vpc_is_left_to_its_owner(deployed, new_account):
    emulator, org, settings = deployed
    owner = new_account()
    vpc_id = share_vpc(emulator, owner, org.workloads[0], REGION)
    [prepared] = vpc_preparation.handler(create_vpc_event(org.workloads[0], vpc_id),
                                         base=emulator.session(org.security), endpoint_url=emulator.url,
                                         settings=settings)["prepared"]
    assert prepared["skipped"] == f"shared by {owner}, its owner prepares it" and prepared["created"] == []
    assert vpc_state(emulator, org.workloads[0], vpc_id)["groups"] == {}
    # Reconciliation in the participant's account does not even list it (owner-id filter).
    results = vpc_preparation.reconcile(emulator.session(org.security), [org.workloads[0]], settings, emulator.url)
    assert vpc_id not in {r.vpc_id for r in results}


def test_reconciliation_prepares_every_owned_vpc_it_missed(deployed, new_vpc):
    emulator, org, settings = deployed
    account, prepared_vpc, *_ = new_vpc
    missed = emulator.client(emulator.session(account), "ec2", REGION).create_vpc(CidrBlock="10.78.0.0/16")["Vpc"][
        "VpcId"]
    results = {r.vpc_id: r for r in vpc_preparation.reconcile(emulator.session(org.security), [account], settings,
                                                              emulator.url)}
    assert results[missed].created == ["flow-logs", "quarantine-group", "isolation-group", "query-logging"]
    assert results[prepared_vpc].created == []
    # The explicit-mode program's VPCs logged to the member's own configuration only: they gain the shared one.
    assert all(r.created in ([], ["query-logging"]) for vpc, r in results.items() if vpc != missed)


def test_other_events_are_ignored(deployed):
    emulator, org, settings = deployed
    event = {**create_vpc_event(org.workloads[0], "vpc-1"), "detail": {"eventName": "DeleteVpc"}}
    assert vpc_preparation.handler(event, base=emulator.session(org.security), endpoint_url=emulator.url,
                                   settings=settings)["prepared"] == []


@pytest.mark.parametrize(("value", "expected"), [
    ("", {}), ("us-east-1=rqlc-1", {"us-east-1": "rqlc-1"}),
    ("eu-west-1=rqlc-2,us-east-1=rqlc-1", {"eu-west-1": "rqlc-2", "us-east-1": "rqlc-1"})])
def test_the_configurations_travel_in_the_environment(value, expected):
    assert prep.parse_query_log_configs(value) == expected
    assert prep.query_log_configs_variable(expected) == value
    assert Settings.from_environment({prep.ENV_QUERY_LOG_CONFIGS: value}).query_log_configs == expected
