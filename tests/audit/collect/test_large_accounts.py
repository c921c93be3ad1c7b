"""Large accounts paginate and finish: 10,000 log groups and 1,000 VPCs in one region."""

from __future__ import annotations

from irready.audit.aws import CallStats
from irready.audit.collect.run import collect_snapshot
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from moto.ec2.models import ec2_backends
from moto.logs.models import logs_backends

from tests.audit.emulated import REGION, audit_config, caller_session

LOG_GROUPS, VPCS = 10_000, 1_000


def test_ten_thousand_log_groups_and_a_thousand_vpcs(emulator, account_id):
    # Seeded straight into moto's models: thousands of API calls would only slow the test down.
    logs = logs_backends[account_id][REGION]
    for n in range(LOG_GROUPS):
        logs.create_log_group(f"/aws/lambda/function-{n:05d}", tags={})
    ec2 = ec2_backends[account_id][REGION]
    for n in range(VPCS):
        ec2.create_vpc(f"10.{n // 256}.{n % 256}.0/24")

    stats = CallStats()
    config = audit_config(account_id)
    snapshot = collect_snapshot(config, caller_session(), endpoint_url=emulator.url, max_workers=8, stats=stats)
    services = snapshot["accounts"][account_id]["services"]
    assert len(services["logs"][REGION]["log_groups"]) == LOG_GROUPS
    assert len(services["ec2"][REGION]["vpcs"]) == VPCS + 1  # and the default VPC
    # The largest page DescribeLogGroups allows is 50. (moto answers DescribeVpcs in one page whatever
    # MaxResults asks, so the VPC page size cannot be checked here.)
    assert stats.requests["cloudwatch-logs:DescribeLogGroups"] == LOG_GROUPS // 50

    findings = evaluate(snapshot, config)
    flow_logs = [f for f in findings if f.check_id == "vpc.flow_logs"]
    assert len(flow_logs) == VPCS + 1 and {f.status for f in flow_logs} == {Status.FAIL}
    assert len([f for f in findings if f.check_id == "logs.retention"]) == LOG_GROUPS
