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
from tests.support.faults import Fault

REGION = "us-east-1"
VPC_CHECKS = ("vpc.flow_logs", "dns.resolver_query_logging", "ir.quarantine_security_group")


def global_stack_roles(emulator, account: str, security: str) -> None:
    """The roles the global StackSet's stack gives a member account that the function uses, created from the
    generated template's own properties (the explicit-mode program has no such roles)."""
    template = templates.global_template(templates.BaselineTemplateArgs(
        security_account_id=security, home_region=REGION, trusted_cidrs=("192.0.2.0/24",),
        revoke_sessions_before="2026-01-01T00:00:00Z", deny_except_actions=("sts:GetCallerIdentity",),
        deploying_principals=("arn:aws:iam::*:role/OrganizationAccountAccessRole",)))
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


def test_a_region_or_vpc_that_refuses_does_not_stop_the_reconciliation(deployed, _emulator_and_faults):
    """A region the account has not enabled, or one a landing zone's SCP denies, refuses DescribeVpcs; a VPC
    may refuse a call: each is reported, and the account's other regions and VPCs are still prepared."""
    emulator, org, settings = deployed
    _, faults = _emulator_and_faults
    account = org.workloads[0]
    missed = emulator.client(emulator.session(account), "ec2", REGION).create_vpc(CidrBlock="10.79.0.0/16")["Vpc"][
        "VpcId"]
    faults.faults.append(Fault("ec2", "DescribeVpcs", region="eu-north-1", code="UnauthorizedOperation"))
    faults.faults.append(Fault("ec2", "DescribeFlowLogs", region=REGION, body_contains=missed,
                               code="UnauthorizedOperation"))
    wider = Settings(("eu-north-1", REGION), settings.quarantine_group_name, settings.query_log_configs)
    try:
        results = vpc_preparation.reconcile(emulator.session(org.security), [account], wider, emulator.url)
    finally:
        del faults.faults[-2:]
    skipped = {(r.region, r.vpc_id): r.skipped for r in results if r.skipped}
    assert skipped == {("eu-north-1", "*"): "cannot list the VPCs: UnauthorizedOperation",
                       (REGION, missed): "refused: UnauthorizedOperation"}
    assert any(r.region == REGION and r.vpc_id != missed and not r.skipped for r in results)


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


# --- Reconciliation fan-out: the schedule requests one run per ACTIVE member account, through the bus ----------
# PutEvents takes at most 10 entries and reports failed entries one by one:
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html

BUS_QUEUE = "reconciliation-requests"


@pytest.fixture(scope="module")
def fan_out(deployed, new_account):
    """The organization (one member suspended), the member-events bus with the function's reconciliation rule
    routed to an SQS queue (to read what the rule hands the function), and a VPC the CreateVpc event missed."""
    from moto.organizations.models import organizations_backends

    from irready.emulated.brownfield import join_organization

    emulator, org, settings = deployed
    suspended = new_account()
    join_organization(emulator, org.management, (*org.accounts, suspended))
    [account] = [a for a in organizations_backends[org.management]["aws"].accounts if a.id == suspended]
    account.status = "SUSPENDED"
    session = emulator.session(org.security)
    events, sqs = emulator.client(session, "events", REGION), emulator.client(session, "sqs", REGION)
    events.create_event_bus(Name=prep.MEMBER_EVENTS_BUS)
    queue = sqs.create_queue(QueueName=BUS_QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="irready-vpc-reconciliation", EventBusName=prep.MEMBER_EVENTS_BUS,
                    EventPattern=json.dumps(prep.reconciliation_pattern(org.security)))
    # AWS hands a target the whole event, ``account`` included
    # (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html); moto's default target
    # input leaves ``account`` out, so the queue's target asks moto for the whole event.
    events.put_targets(Rule="irready-vpc-reconciliation", EventBusName=prep.MEMBER_EVENTS_BUS,
                       Targets=[{"Id": "queue", "Arn": queue_arn, "InputTransformer": {
                           "InputPathsMap": {}, "InputTemplate": "<aws.events.event.json>"}}])
    missed = emulator.client(emulator.session(org.workloads[0]), "ec2", REGION).create_vpc(
        CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    settings = Settings(settings.regions, settings.quarantine_group_name, settings.query_log_configs,
                        bus_arn=prep.member_events_bus_arn(org.security, REGION))
    return emulator, org, settings, suspended, queue, missed


def handed_to_the_function(emulator, security: str, queue: str) -> list[dict]:
    """Every event the reconciliation rule delivered (drains the queue)."""
    sqs = emulator.client(emulator.session(security), "sqs", REGION)
    delivered = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        delivered += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])
    return delivered


@pytest.fixture(scope="module")
def scheduled_run(_emulator_and_faults, fan_out):
    """The scheduled run, in the security account. Organizations answers ListAccounts in a delegated
    administrator account (the security account is GuardDuty's) as in the management account
    (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html); moto answers it in
    the management account only, so the security account is given the management account's answer."""
    from tests.support.faults import Fault

    emulator, org, settings, *_, queue, _ = fan_out
    faults = _emulator_and_faults[1]
    listed = emulator.client(emulator.session(org.management), "organizations").list_accounts()["Accounts"]
    as_delegated = Fault("organizations", "ListAccounts", answer={"Accounts": [
        {key: account[key] for key in ("Id", "Arn", "Name", "Email", "Status")} for account in listed]})
    faults.faults.append(as_delegated)
    try:
        answer = vpc_preparation.handler({"reconcile": True}, base=emulator.session(org.security),
                                         endpoint_url=emulator.url, settings=settings)
    finally:
        faults.faults.remove(as_delegated)
    return answer, handed_to_the_function(emulator, org.security, queue)


def test_the_scheduled_run_requests_one_reconciliation_per_active_member_account(fan_out, scheduled_run):
    emulator, org, _, suspended, *_ = fan_out
    answer, delivered = scheduled_run
    organizations = emulator.client(emulator.session(org.management), "organizations")
    active = {a["Id"] for a in organizations.list_accounts()["Accounts"] if a["Status"] == "ACTIVE"}
    members = active - {org.management}  # the management account has the Pulumi components
    assert org.workloads[0] in members and suspended not in active
    assert sorted(answer["requested"]) == sorted(members) and answer["failed"] == []
    requested = [event["detail"]["accountId"] for event in delivered]
    assert sorted(requested) == sorted(members)  # one each
    assert {(e["source"], e["detail-type"], e["account"]) for e in delivered} == {
        (prep.RECONCILE_SOURCE, prep.RECONCILE_DETAIL_TYPE, org.security)}


def test_a_reconciliation_request_prepares_that_accounts_vpcs_only(fan_out, scheduled_run):
    emulator, org, settings, _, _, missed = fan_out
    _, delivered = scheduled_run
    [request] = [e for e in delivered if e["detail"]["accountId"] == org.workloads[0]]
    prepared = vpc_preparation.handler(request, base=emulator.session(org.security), endpoint_url=emulator.url,
                                       settings=settings)["prepared"]
    assert {p["account_id"] for p in prepared} == {org.workloads[0]}
    [done] = [p for p in prepared if p["vpc_id"] == missed]
    assert done["created"] == ["flow-logs", "quarantine-group", "isolation-group", "query-logging"]


def test_requests_go_ten_to_a_call_and_failed_entries_once_more(fan_out, faults):
    """23 accounts: three PutEvents calls; an entry the first call reports failed is sent again alone, and one
    that fails twice is reported, not lost silently."""
    from tests.support.faults import Fault

    emulator, org, settings, *_, queue, _ = fan_out
    accounts = [f"{n:012d}" for n in range(500000000001, 500000000024)]
    throttled = {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
    faults.faults.append(Fault("events", "PutEvents", times=1, answer={"FailedEntryCount": 1, "Entries": [
        {"EventId": f"e{n}"} if n != 3 else throttled for n in range(10)]}))
    answer = vpc_preparation.request_reconciliations(emulator.session(org.security), accounts, settings.bus_arn,
                                                     emulator.url)
    calls = [c for c in faults.calls if c.operation == "PutEvents"]
    assert [len(json.loads(c.body)["Entries"]) for c in calls] == [10, 1, 10, 3]
    assert json.loads(json.loads(calls[1].body)["Entries"][0]["Detail"]) == {"accountId": accounts[3]}
    assert sorted(answer["requested"]) == accounts and answer["failed"] == []
    # The first batch's nine others were "delivered" by the injected answer; the retried one and the rest by moto.
    assert len(handed_to_the_function(emulator, org.security, queue)) == 1 + 13
    faults.faults.append(Fault("events", "PutEvents", times=2, answer={"FailedEntryCount": 1, "Entries": [throttled]}))
    assert vpc_preparation.request_reconciliations(emulator.session(org.security), accounts[:1], settings.bus_arn,
                                                   emulator.url) == {
        "requested": [], "failed": [{"account_id": accounts[0], "error": "ThrottlingException"}]}


@pytest.mark.parametrize(("sender", "source", "expected"), [
    ("security", prep.RECONCILE_SOURCE, True),  # the function's own request
    ("member", prep.RECONCILE_SOURCE, False),  # forged in a member, forwarded through its forwarder role
    ("security", "irready.alerts", False),
    ("security", "aws.ec2", False),
])
def test_a_member_cannot_forge_a_reconciliation_request(fan_out, sender, source, expected):
    """Who can put events on the member-events bus: the security account's own principals (the function's
    role may put only irready's source and detail-type there) and, through the bus policy, only the
    forwarder roles of the organization's accounts (tests/infra/test_organization_mode.py). A member's admin
    could make its forwarder send any custom source and detail-type, but not choose ``account``: EventBridge
    sets it to the account that put the event and keeps it when a rule forwards the event to another account's
    bus, which is why receivers match on it (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html,
    https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html). Sources starting with
    ``aws.`` are refused to customers' PutEvents. The rule matches only the security account's requests, and
    the function checks again; a forged request could at worst ask to prepare an organization account's VPCs,
    which only adds logging and empty groups, idempotently. (moto's cross-account forwarding re-stamps
    ``account`` with the receiver's, unlike AWS, so the forwarded event is built here as AWS documents it.)"""
    from moto.events.models import EventPattern

    _, org, settings, *_ = fan_out
    event = {"version": "0", "id": "1", "detail-type": prep.RECONCILE_DETAIL_TYPE, "source": source,
             "account": org.security if sender == "security" else org.workloads[0], "time": "2026-11-30T00:00:00Z",
             "region": REGION, "resources": [], "detail": {"accountId": org.workloads[0]}}
    pattern = EventPattern.load(json.dumps(prep.reconciliation_pattern(org.security)))
    assert pattern.matches_event(event) is expected
    assert (vpc_preparation.reconciliation_request(event, settings.bus_arn) == org.workloads[0]) is expected


# --- The flow-log group: made by the function, not by the regional StackSet. A retained group of a fixed name in
# the template would fail the stack instance StackSets creates again for an account that left the OUs and came
# back (CloudFormation creates, never adopts, a named resource:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html);
# the function adopts the group left behind, and only ever raises its retention
# (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).

def test_the_function_makes_the_flow_log_group_and_adopts_one_left_behind(deployed, new_account):
    import dataclasses

    from irready.emulated.brownfield import join_organization
    emulator, org, settings = deployed
    settings = dataclasses.replace(settings, flow_log_retention_days=400)
    account = new_account()  # a member with the StackSets' roles and no flow-log group yet
    join_organization(emulator, org.management, (account,))
    global_stack_roles(emulator, account, org.security)
    share_query_log_config(org.security, account, REGION, settings.query_log_configs[REGION])
    ec2, logs = (emulator.client(emulator.session(account), service, REGION) for service in ("ec2", "logs"))

    def prepare(cidr: str) -> list[str]:
        vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        [prepared] = vpc_preparation.handler(create_vpc_event(account, vpc_id), base=emulator.session(org.security),
                                             endpoint_url=emulator.url, settings=settings)["prepared"]
        assert vpc_state(emulator, account, vpc_id)["flow_logs"] == [("ALL", prep.FLOW_LOG_GROUP)]
        return prepared["created"]

    def retention():
        (group,) = logs.describe_log_groups(logGroupNamePrefix=prep.FLOW_LOG_GROUP)["logGroups"]
        return group.get("retentionInDays")

    assert prepare("10.81.0.0/16")[:2] == ["flow-log-group", "flow-logs"]
    assert retention() == 400
    # Left behind with a shorter retention (an earlier stack's, or changed by hand): adopted, raised.
    logs.put_retention_policy(logGroupName=prep.FLOW_LOG_GROUP, retentionInDays=30)
    assert "flow-log-group" not in prepare("10.82.0.0/16") and retention() == 400
    # Kept longer (or forever) than the stack asks: never shortened, older evidence stays.
    logs.delete_retention_policy(logGroupName=prep.FLOW_LOG_GROUP)
    assert "flow-log-group" not in prepare("10.83.0.0/16") and retention() is None
