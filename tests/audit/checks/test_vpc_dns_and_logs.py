from __future__ import annotations

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.checks.logs import is_ir_relevant

from tests.audit.checks.fragments import DENIED, run, snapshot

VPC = {"vpc_id": "vpc-1", "is_default": True}


def flow(**overrides):
    return {"flow_log_id": "fl-1", "resource_id": "vpc-1", "traffic_type": "ALL", "status": "ACTIVE",
            "deliver_logs_status": "SUCCESS", "destination_type": "s3", "log_group_name": None} | overrides


@pytest.mark.parametrize(("flow_logs", "status"), [
    ([flow()], "PASS"),
    ([flow(traffic_type="ACCEPT")], "FAIL"),
    ([flow(deliver_logs_status="FAILED")], "FAIL"),  # exists, but nothing reaches the destination
    ([flow(resource_id="subnet-1")], "FAIL"),  # a subnet's flow log does not cover the VPC
    ([], "FAIL"),
    (DENIED, "UNKNOWN"),
])
def test_flow_logs(flow_logs, status):
    snap = snapshot({"ec2": {"us-east-1": {"vpcs": [VPC], "flow_logs": flow_logs}}})
    assert run(CHECKS_BY_ID["vpc.flow_logs"], snap)[0][0] == status


def test_a_region_not_enabled_is_unknown_for_every_vpc_check():
    snap = snapshot({"ec2": {"us-east-1": {"vpcs": [VPC], "flow_logs": [flow()]}, "ap-east-1": DENIED}},
                    regions=("us-east-1", "ap-east-1"))
    assert run(CHECKS_BY_ID["vpc.flow_logs"], snap) == [("PASS", "us-east-1", "vpc-1"), ("UNKNOWN", "ap-east-1", "-")]


@pytest.mark.parametrize(("name", "relevant"), [
    ("/aws/lambda/api", True), ("/aws/eks/prod/cluster", True), ("aws-cloudtrail-logs-123", True),
    ("VPC-FlowLogs", True), ("/custom/where-flow-logs-go", True), ("/app/nginx", False),
    ("/aws/rds/instance/db/error", False),
])
def test_ir_relevant_log_groups(name, relevant):
    assert is_ir_relevant(name, {"/custom/where-flow-logs-go"}) is relevant


def test_retention_threshold_comes_from_config():
    snap = snapshot({"logs": {"us-east-1": {"log_groups": [{"name": "/aws/lambda/a", "retention_days": 90}]}}})
    assert run(CHECKS_BY_ID["logs.retention"], snap)[0][0] == "FAIL"
    assert run(CHECKS_BY_ID["logs.retention"], snap, min_log_retention_days=90)[0][0] == "PASS"


def firewall_group(action="BLOCK", domains=("*.",), rules=None):
    rule = {"name": "r", "action": action, "priority": 100, "domain_list_id": "fdl-1", "domains": list(domains)}
    return {"id": "rslvr-frg-1", "name": "irready-block-all-dns", "rules": [rule] if rules is None else rules}


@pytest.mark.parametrize(("groups", "status"), [
    ([firewall_group()], "PASS"),
    ([firewall_group(domains=("evil.example.",)), firewall_group()], "PASS"),
    ([firewall_group(domains=("evil.example.",))], "FAIL"),  # blocks some names, not every name
    ([firewall_group(action="ALERT")], "FAIL"),
    ([firewall_group(rules=[])], "FAIL"),
    ([], "FAIL"),
    (DENIED, "UNKNOWN"),
    ([firewall_group(rules=DENIED)], "UNKNOWN"),
    ([{**firewall_group(), "rules": [{**firewall_group()["rules"][0], "domains": DENIED}]}], "UNKNOWN"),
])
def test_firewall_block_ready(groups, status):
    snap = snapshot({"route53resolver": {"us-east-1": {"query_log_associations": [], "firewall_rule_groups": groups}}})
    assert run(CHECKS_BY_ID["dns.firewall_block_ready"], snap)[0][0] == status


def test_a_snapshot_from_before_the_firewall_check_is_unknown_not_failed():
    snap = snapshot({"route53resolver": {"us-east-1": {"query_log_associations": []}}})
    assert run(CHECKS_BY_ID["dns.firewall_block_ready"], snap) == [("UNKNOWN", "us-east-1", "-")]


# A query log config shared through RAM, shaped like ListResolverQueryLogConfigs' answer in the member
# (OwnerId of the sharing account, ShareStatus SHARED_WITH_ME):
# https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfig.html
SHARED_CONFIG = {"rqlc-1": {"arn": "arn:aws:route53resolver:us-east-1:222222222222:resolver-query-log-config/rqlc-1",
                            "owner_id": "222222222222", "share_status": "SHARED_WITH_ME",
                            "destination_arn": "arn:aws:s3:::org-dns-logs"}}


@pytest.mark.parametrize(("configs", "cited"), [
    (SHARED_CONFIG, "query log config arn:aws:route53resolver:us-east-1:222222222222:resolver-query-log-config/rqlc-1, "
                    "shared by account 222222222222 through RAM, logging to arn:aws:s3:::org-dns-logs"),
    (DENIED, "query log config rqlc-1"),  # the association alone is the evidence; the config's ARN unreadable
])
def test_a_vpc_logged_by_a_config_shared_through_ram_is_credited_with_its_arn(configs, cited):
    from irready.audit.config import AuditConfig
    from irready.audit.context import AccountContext
    snap = snapshot({"ec2": {"us-east-1": {"vpcs": [VPC]}}, "route53resolver": {"us-east-1": {
        "query_log_associations": [{"vpc_id": "vpc-1", "status": "ACTIVE", "config_id": "rqlc-1"}],
        "query_log_configs": configs}}})
    context = AccountContext(snap, "111111111111", AuditConfig())
    [result] = CHECKS_BY_ID["dns.resolver_query_logging"].evaluate(context)
    assert (result.status.value, result.reason) == ("PASS", cited)


@pytest.mark.parametrize(("owner", "judged"), [(None, True), ("OWN", True), ("999999999999", False)])
def test_a_vpc_shared_with_the_account_is_judged_in_its_owners_account(owner, judged):
    # Participants cannot create flow logs or query-log associations for a shared VPC; its owner does:
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html
    from tests.audit.checks.fragments import ACCOUNT

    vpc = VPC | {"owner_id": ACCOUNT if owner == "OWN" else owner}
    snap = snapshot({"ec2": {"us-east-1": {"vpcs": [vpc], "flow_logs": []}},
                     "route53resolver": {"us-east-1": {"query_log_associations": []}}})
    for check_id in ("vpc.flow_logs", "dns.resolver_query_logging"):
        assert bool(run(CHECKS_BY_ID[check_id], snap)) is judged
