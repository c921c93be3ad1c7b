"""A 200 answer that is not an AWS answer (a proxy's HTML page, a JSON document cut short, a body
without the keys every answer has) is UNKNOWN with the reason: never an empty list, never a crash."""

from __future__ import annotations

import pytest
from irready.audit.errors import UnreachableError
from irready.audit.evaluate import evaluate
from irready.audit.model import Status
from irready.audit.snapshot import MARKER

from irready.emulated.seed import Seeder
from tests.audit.emulated import REGION, audit_config, collect
from tests.support.faults import Fault

HTML = "<!DOCTYPE html><html><body><h1>Proxy authentication required</h1></body></html>"


@pytest.mark.parametrize("fault", [
    Fault("eks", "ListClusters", body=HTML),
    Fault("eks", "ListClusters", body='{"clusters": ["apps", "da', content_type="application/json"),
    Fault("eks", "ListClusters", body="[]", content_type="application/json"),
], ids=["HTML page", "cut JSON", "JSON array"])
def test_an_eks_listing_that_is_not_an_answer_is_unknown_not_empty(emulator, account_id, faults, fault):
    Seeder(emulator, account_id).eks_cluster(REGION, log_types=("api",))  # a FAIL that must not disappear
    faults.faults.append(fault)
    snapshot = collect(emulator, account_id)
    section = snapshot["accounts"][account_id]["services"]["eks"][REGION]
    assert section[MARKER]["reason"] == "the answer was not an AWS response"
    findings = [f for f in evaluate(snapshot, audit_config(account_id)) if f.check_id == "eks.audit_logging"]
    assert [f.status for f in findings] == [Status.UNKNOWN]


@pytest.mark.parametrize("body", [HTML, "<DescribeRegionsResponse></DescribeRegionsResponse>"],
                         ids=["HTML page", "XML without Regions"])
def test_describe_regions_not_answered_is_unknown_and_the_run_goes_on(emulator, account_id, faults, body):
    faults.faults.append(Fault("ec2", "DescribeRegions", body=body))
    snapshot = collect(emulator, account_id, regions="all")
    account = snapshot["accounts"][account_id]
    assert account[MARKER]["operation"] == "DescribeRegions"
    assert account[MARKER]["reason"] == "the answer was not an AWS response"


@pytest.mark.parametrize("body", [HTML, "<GetCallerIdentityResponse><GetCallerIdentityResult/>"
                                  "</GetCallerIdentityResponse>"], ids=["HTML page", "no Account"])
def test_get_caller_identity_not_answered_is_unreachable_not_a_crash(emulator, account_id, faults, body):
    faults.faults.append(Fault("sts", "GetCallerIdentity", body=body))
    with pytest.raises(UnreachableError, match="not an AWS response"):
        collect(emulator, account_id)
