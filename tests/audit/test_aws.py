"""The client factory: shared client classes, per-client hooks, service availability."""

from __future__ import annotations

import boto3
import pytest

from audit.aws import Clients, WriteRefused


def test_client_classes_are_built_once_but_hooks_stay_per_client():
    first = Clients(boto3.Session(aws_access_key_id="a", aws_secret_access_key="b"))
    other_account = Clients(boto3.Session(aws_access_key_id="c", aws_secret_access_key="d"))
    ec2_east, ec2_west = first.client("ec2", "us-east-1"), other_account.client("ec2", "eu-west-1")
    assert type(ec2_east) is type(ec2_west)
    assert type(ec2_east) is not type(first.client("logs", "us-east-1"))
    assert ec2_west.meta.region_name == "eu-west-1"
    assert ec2_east._request_signer._credentials.access_key == "a"
    assert ec2_west._request_signer._credentials.access_key == "c"
    with pytest.raises(WriteRefused):
        ec2_west.terminate_instances(InstanceIds=["i-1"])


def test_services_are_skipped_only_where_botocore_knows_they_are_absent():
    clients = Clients(boto3.Session(aws_access_key_id="a", aws_secret_access_key="b"))
    assert clients.offers("guardduty", "eu-west-1")
    assert not clients.offers("guardduty", "us-isob-west-1")  # an isolated-partition region without GuardDuty
    emulated = Clients(boto3.Session(aws_access_key_id="a", aws_secret_access_key="b"), "http://127.0.0.1:1")
    assert emulated.offers("eks", "not-a-region-1")  # an emulator answers for every service
