"""One rule, both halves: each row of one table runs through the audit check (on a snapshot fragment)
and through the checkov check (checkov itself, from its own virtualenv, on a Terraform plan and a
CloudFormation template generated from the same row), and the verdicts must be the same.

The rows are in the AWS API's shapes (what the audit collects); the generated Terraform and
CloudFormation declare the same thing. A case one format cannot express (CloudFormation cannot
declare a group without egress rules) is left out of that format only.
"""

from __future__ import annotations

import json

import pytest
from irready.audit.checks import CHECKS_BY_ID
from irready.policies import names, responder_permissions
from irready.policies.gate import CUSTOM_CHECK_IDS, run_checkov

from tests.audit.checks.fragments import run, snapshot, trail, trails_seen

SECURITY, OTHER = "210987654321", "123456789012"
PASS, FAIL = "PASS", "FAIL"


def allow(principal, condition=None, action="sts:AssumeRole", key="Principal") -> dict:
    statement = {"Effect": "Allow", key: principal, "Action": action}
    return statement | ({"Condition": condition} if condition else {})


def trust(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
ROOT = f"arn:aws:iam::{SECURITY}:root"
TRUST = [  # (case, trust policy, verdict)
    ("security account with MFA", trust(allow({"AWS": ROOT}, MFA)), PASS),
    ("security account by bare id", trust(allow({"AWS": SECURITY})), PASS),
    ("security and another account", trust(allow({"AWS": [ROOT, f"arn:aws:iam::{OTHER}:root"]})), FAIL),
    ("a second statement for another account", trust(allow({"AWS": ROOT}), allow({"AWS": OTHER})), FAIL),
    ("another account may only tag sessions", trust(allow({"AWS": ROOT}), allow({"AWS": OTHER},
                                                                                 action="sts:TagSession")), PASS),
    ("anyone", trust(allow("*")), FAIL),
    ("anyone with an ExternalId", trust(allow({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "x"}})), FAIL),
    ("anyone of the security account", trust(allow({"AWS": "*"}, {"StringEquals": {
        "aws:PrincipalAccount": SECURITY}})), PASS),
    ("anyone whose ARN is in the security account", trust(allow({"AWS": "*"}, {"ArnEquals": {
        "aws:PrincipalArn": f"arn:aws:iam::{SECURITY}:role/Responders"}})), PASS),
    ("anyone of two accounts", trust(allow({"AWS": "*"}, {"StringEquals": {
        "aws:PrincipalAccount": [SECURITY, OTHER]}})), FAIL),
    ("anyone of accounts like 2109...", trust(allow({"AWS": "*"}, {"StringLike": {
        "aws:PrincipalAccount": "2109*"}})), FAIL),
    ("anyone of the organization", trust(allow({"AWS": "*"}, {"StringEquals": {
        "aws:PrincipalOrgID": "o-a1b2c3d4e5"}})), FAIL),
    ("a service as well", trust(allow({"AWS": ROOT}), allow({"Service": "ec2.amazonaws.com"})), FAIL),
    ("a SAML provider as well", trust(allow({"AWS": ROOT}), allow(
        {"Federated": f"arn:aws:iam::{SECURITY}:saml-provider/idp"}, action="sts:AssumeRoleWithSAML")), FAIL),
    ("everyone but one principal", trust(allow({"AWS": ROOT}, key="NotPrincipal")), FAIL),
    ("nobody", trust(), FAIL),
]


def lifecycle_rule(name, prefix="AWSLogs/", days=None, noncurrent=None, status="Enabled") -> dict:
    rule = {"ID": name, "Status": status, "Filter": {"Prefix": prefix}}
    if days is not None:
        rule["Expiration"] = {"Days": days}
    if noncurrent is not None:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent}
    return rule


BUCKET = [  # (case, GetBucketVersioning Status or None for never enabled, lifecycle rules, verdict)
    ("versioned, kept 400 days", "Enabled", [lifecycle_rule("keep", days=400, noncurrent=400)], PASS),
    ("versioned, no lifecycle", "Enabled", [], PASS),
    ("never versioned", None, [], FAIL),
    ("never versioned, kept 400 days", None, [lifecycle_rule("keep", days=400)], FAIL),
    ("versioning suspended", "Suspended", [lifecycle_rule("keep", days=400)], FAIL),
    ("every object expires after 90 days", "Enabled", [lifecycle_rule("cheap", prefix="", days=90)], FAIL),
    ("old versions purged after a week", "Enabled", [lifecycle_rule("tidy", noncurrent=7)], FAIL),
    ("a rule for other objects", "Enabled", [lifecycle_rule("tmp", prefix="tmp/", days=1)], PASS),
    ("a disabled rule", "Enabled", [lifecycle_rule("off", prefix="", days=1, status="Disabled")], PASS),
]


def field(name, **operators) -> dict:
    return {"Field": name, **operators}


MANAGEMENT = {"FieldSelectors": [field("eventCategory", Equals=["Management"])]}


def data(resource_type, *more) -> dict:
    return {"FieldSelectors": [field("eventCategory", Equals=["Data"]),
                               field("resources.type", Equals=[resource_type]), *more]}


S3, LAMBDA = data("AWS::S3::Object"), data("AWS::Lambda::Function")
READ_ONLY, WRITE_ONLY = field("readOnly", Equals=["true"]), field("readOnly", Equals=["false"])
SELECTORS = [  # (case, {"basic": [...], "advanced": [...]}, verdict)
    ("management, S3 and Lambda", {"advanced": [MANAGEMENT, S3, LAMBDA]}, PASS),
    ("management only", {"advanced": [MANAGEMENT]}, FAIL),
    ("S3 without Lambda", {"advanced": [MANAGEMENT, S3]}, FAIL),
    ("S3 reads only", {"advanced": [data("AWS::S3::Object", READ_ONLY), LAMBDA]}, FAIL),
    ("S3 reads and writes in two selectors", {"advanced": [data("AWS::S3::Object", READ_ONLY),
                                                           data("AWS::S3::Object", WRITE_ONLY), LAMBDA]}, PASS),
    ("S3 scoped to two buckets", {"advanced": [data("AWS::S3::Object", field(
        "resources.ARN", StartsWith=["arn:aws:s3:::payroll/", "arn:aws:s3:::pii/"])), LAMBDA]}, PASS),
    ("Lambda reads only", {"advanced": [S3, data("AWS::Lambda::Function", READ_ONLY)]}, FAIL),
    ("basic selectors for both", {"basic": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                             "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]},
                                                               {"Type": "AWS::Lambda::Function",
                                                                "Values": ["arn:aws:lambda"]}]}]}, PASS),
    ("basic selectors, writes only", {"basic": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
                                                 "DataResources": [{"Type": "AWS::S3::Object",
                                                                    "Values": ["arn:aws:s3"]},
                                                                   {"Type": "AWS::Lambda::Function",
                                                                    "Values": ["arn:aws:lambda"]}]}]}, FAIL),
]


def permission(protocol="-1", ports=(None, None), v4=(), v6=(), groups=()) -> dict:
    rule = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": c} for c in v4],
            "Ipv6Ranges": [{"CidrIpv6": c} for c in v6], "UserIdGroupPairs": [{"GroupId": g} for g in groups],
            "PrefixListIds": []}
    return rule | ({"FromPort": ports[0], "ToPort": ports[1]} if ports[0] is not None else {})


LOOPBACK = permission(v4=["127.0.0.1/32"])
QUARANTINE = [  # (case, IpPermissions, IpPermissionsEgress, verdict)
    ("no rules at all", [], [], PASS),
    ("egress to loopback only", [], [LOOPBACK], PASS),
    ("ssh for the admin", [permission("tcp", (22, 22), v4=["198.51.100.7/32"])], [LOOPBACK], FAIL),
    ("egress left open", [], [permission(v4=["0.0.0.0/0"])], FAIL),
    ("DNS out", [], [permission("udp", (53, 53), v4=["10.0.0.2/32"])], FAIL),
    ("loopback and all of IPv6", [], [permission(v4=["127.0.0.1/32"], v6=["::/0"])], FAIL),
    ("from another group", [permission("tcp", (443, 443), groups=["sg-0123456789abcdef0"])], [LOOPBACK], FAIL),
]


# --- the audit's verdicts, from snapshot fragments -------------------------------------------------------

def _verdict(statuses: list[str]) -> str:
    assert statuses, "the check said nothing"
    return FAIL if FAIL in statuses else PASS if set(statuses) == {PASS} else "/".join(sorted(set(statuses)))


def audit_trust(policy: dict) -> str:
    role = {"arn": f"arn:aws:iam::111111111111:role/{names.RESPONDER_ROLE_NAME}", "trust_policy": policy,
            "inline_policies": {"containment": responder_permissions(SECURITY)}, "attached_policies": [],
            "permissions_boundary": None}
    iam = {"roles": {names.RESPONDER_ROLE_NAME: role}, "managed_policies": {}, "instance_profiles": {},
           "containment_policies": {}}
    results = run(CHECKS_BY_ID["ir.responder_role"], snapshot({"iam": iam}), security_account_id=SECURITY)
    return _verdict([status for status, _, _ in results])


def audit_bucket(versioning: str | None, rules: list[dict], name: str = "trail-logs") -> str:
    services = trails_seen(trail(S3BucketName=name))
    services["s3"] = {"buckets": {name: {"versioning": versioning or "Disabled", "lifecycle_rules": rules,
                                                 "public_access_block": None, "object_lock": None}},
                      "account_public_access_block": None}
    return _verdict([status for status, _, _ in run(CHECKS_BY_ID["cloudtrail.bucket_retention"],
                                                     snapshot(services))])


def audit_selectors(selectors: dict) -> str:
    snap = snapshot(trails_seen(trail(selectors={"basic": [], "advanced": []} | selectors)))
    return _verdict([status for check in ("cloudtrail.s3_data_events", "cloudtrail.lambda_data_events")
                     for status, _, _ in run(CHECKS_BY_ID[check], snap)])


def audit_quarantine(ingress: list[dict], egress: list[dict]) -> str:
    group = {"group_id": "sg-0a", "name": names.QUARANTINE_GROUP_NAME, "vpc_id": "vpc-1", "ingress": ingress,
             "egress": egress}
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    isolation = {"group_id": "sg-0b", "name": names.ISOLATION_GROUP_NAME, "vpc_id": "vpc-1", "ingress": everything,
                 "egress": everything}  # step 1 of the swap, as provisioned: the rows judge the quarantine group
    ec2 = {"ec2": {"us-east-1": {"vpcs": [{"vpc_id": "vpc-1"}], "quarantine_groups": [group, isolation]}}}
    return _verdict([status for status, _, _ in run(CHECKS_BY_ID["ir.quarantine_security_group"], snapshot(ec2))])


# --- the same rows as Terraform plan resources and CloudFormation resources ------------------------------

def _tf_rule(rule: dict) -> dict:
    return {"protocol": rule["IpProtocol"], "from_port": rule.get("FromPort", 0), "to_port": rule.get("ToPort", 0),
            "cidr_blocks": [r["CidrIp"] for r in rule["IpRanges"]],
            "ipv6_cidr_blocks": [r["CidrIpv6"] for r in rule["Ipv6Ranges"]],
            "security_groups": [g["GroupId"] for g in rule["UserIdGroupPairs"]], "prefix_list_ids": [],
            "self": False, "description": ""}


def _cfn_rules(rules: list[dict], egress: bool) -> list[dict]:
    """One CloudFormation rule per address range or group (its rules name one destination each)."""
    out = []
    for rule in rules:
        base = {"IpProtocol": rule["IpProtocol"]} | (
            {"FromPort": rule["FromPort"], "ToPort": rule["ToPort"]} if "FromPort" in rule else {})
        out += [base | {"CidrIp": r["CidrIp"]} for r in rule["IpRanges"]]
        out += [base | {"CidrIpv6": r["CidrIpv6"]} for r in rule["Ipv6Ranges"]]
        key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
        out += [base | {key: g["GroupId"]} for g in rule["UserIdGroupPairs"]]
    return out


def _tf_lifecycle(rule: dict) -> dict:
    out = {"id": rule["ID"], "status": rule["Status"], "filter": [{"prefix": rule["Filter"]["Prefix"]}]}
    if "Expiration" in rule:
        out["expiration"] = [{"days": rule["Expiration"]["Days"]}]
    if "NoncurrentVersionExpiration" in rule:
        out["noncurrent_version_expiration"] = [{"noncurrent_days": rule["NoncurrentVersionExpiration"][
            "NoncurrentDays"]}]
    return out


def _cfn_lifecycle(rule: dict) -> dict:
    out = {"Id": rule["ID"], "Status": rule["Status"], "Prefix": rule["Filter"]["Prefix"]}
    if "Expiration" in rule:
        out["ExpirationInDays"] = rule["Expiration"]["Days"]
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    return out


def _tf_selectors(selectors: dict) -> dict:
    operators = {"Equals": "equals", "StartsWith": "starts_with", "NotEquals": "not_equals",
                 "EndsWith": "ends_with", "NotStartsWith": "not_starts_with", "NotEndsWith": "not_ends_with"}
    return {
        "event_selector": [{"read_write_type": s["ReadWriteType"],
                            "include_management_events": s["IncludeManagementEvents"],
                            "data_resource": [{"type": r["Type"], "values": r["Values"]} for r in s["DataResources"]]}
                           for s in selectors.get("basic", [])],
        "advanced_event_selector": [{"name": f"selector {n}", "field_selector": [
            {"field": f["Field"], **{operators[k]: v for k, v in f.items() if k != "Field"}}
            for f in s["FieldSelectors"]]} for n, s in enumerate(selectors.get("advanced", []))],
    }


def declarations() -> tuple[list[dict], dict, dict]:
    """(Terraform plan resources, CloudFormation resources, address -> (rule, case index))."""
    plan, template, where = [], {}, {}

    def add(kind: str, n: int, tf_type: str, tf_values: dict, cfn_type: str | None, cfn_properties: dict | None):
        name = f"{kind}_{n}"
        plan.append({"address": f"{tf_type}.{name}", "mode": "managed", "type": tf_type, "name": name,
                     "provider_name": "registry.terraform.io/hashicorp/aws", "values": tf_values})
        where[f"{tf_type}.{name}"] = (kind, n)
        if cfn_type:
            logical = "".join(part.title() for part in name.split("_"))
            template[logical] = {"Type": cfn_type, "Properties": cfn_properties}
            where[f"{cfn_type}.{logical}"] = (kind, n)

    for n, (_, policy, _) in enumerate(TRUST):
        role = f"IncidentResponder{n}"
        add("trust", n, "aws_iam_role", {"name": role, "assume_role_policy": json.dumps(policy)},
            "AWS::IAM::Role", {"RoleName": role, "AssumeRolePolicyDocument": policy})
    for n, (_, versioning, rules, _) in enumerate(BUCKET):
        bucket = f"trail-logs-{n}"
        if versioning:
            plan.append({"address": f"aws_s3_bucket_versioning.bucket_{n}", "mode": "managed",
                         "type": "aws_s3_bucket_versioning", "name": f"bucket_{n}",
                         "values": {"bucket": bucket, "versioning_configuration": [{"status": versioning}]}})
        if rules:
            plan.append({"address": f"aws_s3_bucket_lifecycle_configuration.bucket_{n}", "mode": "managed",
                         "type": "aws_s3_bucket_lifecycle_configuration", "name": f"bucket_{n}",
                         "values": {"bucket": bucket, "rule": [_tf_lifecycle(r) for r in rules]}})
        cfn = {"BucketName": bucket} | ({"VersioningConfiguration": {"Status": versioning}} if versioning else {}) | (
            {"LifecycleConfiguration": {"Rules": [_cfn_lifecycle(r) for r in rules]}} if rules else {})
        add("bucket", n, "aws_s3_bucket", {"bucket": bucket, "object_lock_enabled": False}, "AWS::S3::Bucket", cfn)
    # A bucket whose name does not say "trail", but a trail of the same configuration writes to it.
    add("written", 0, "aws_s3_bucket", {"bucket": "evidence-0"}, None, None)
    plan.append({"address": "aws_cloudtrail.writes_to_evidence", "mode": "managed", "type": "aws_cloudtrail",
                 "name": "writes_to_evidence", "values": {"name": "org", "s3_bucket_name": "evidence-0"}})
    for n, (_, selectors, _) in enumerate(SELECTORS):
        cfn = {"IsLogging": True, "S3BucketName": "logs", "EventSelectors": selectors.get("basic", []),
               "AdvancedEventSelectors": selectors.get("advanced", [])}
        add("selectors", n, "aws_cloudtrail", {"name": f"trail-{n}", **_tf_selectors(selectors)},
            "AWS::CloudTrail::Trail", cfn)
    for n, (_, ingress, egress, _) in enumerate(QUARANTINE):
        group = f"{names.QUARANTINE_GROUP_NAME}-{n}"
        cfn = {"GroupName": group, "GroupDescription": "quarantine", "VpcId": "vpc-1",
               "SecurityGroupIngress": _cfn_rules(ingress, False), "SecurityGroupEgress": _cfn_rules(egress, True)}
        add("quarantine", n, "aws_security_group", {"name": group, "vpc_id": "vpc-1",
                                                    "ingress": [_tf_rule(r) for r in ingress],
                                                    "egress": [_tf_rule(r) for r in egress]},
            # CloudFormation cannot declare a group without egress rules (AWS then adds allow-all).
            "AWS::EC2::SecurityGroup" if egress else None, cfn)
    return plan, template, where


@pytest.fixture(scope="module")
def checkov_verdicts(tmp_path_factory) -> dict[tuple[str, int], dict[str, str]]:
    """(rule, case index) -> {framework: verdict}, from one checkov run over both files."""
    plan, template, where = declarations()
    directory = tmp_path_factory.mktemp("shared-rules")
    (directory / "rows.tfplan.json").write_text(json.dumps({
        "format_version": "1.2", "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": plan}}}))
    (directory / "rows.template.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                                                              "Resources": template}))
    verdicts: dict[tuple[str, int], dict[str, str]] = {}
    for result in run_checkov(directory, ("terraform_plan", "cloudformation"), CUSTOM_CHECK_IDS):
        if result.resource in where:
            framework = "cloudformation" if result.resource.startswith("AWS::") else "terraform"
            verdicts.setdefault(where[result.resource], {})[framework] = PASS if result.passed else FAIL
    return verdicts


def _both(checkov_verdicts, kind: str, n: int, audit: str, expected: str, cloudformation: bool = True) -> None:
    assert audit == expected, f"audit says {audit}"
    frameworks = {"terraform": expected} | ({"cloudformation": expected} if cloudformation else {})
    assert checkov_verdicts.get((kind, n)) == frameworks, "checkov disagrees with the audit"


@pytest.mark.parametrize(("n", "case"), [(n, row[0]) for n, row in enumerate(TRUST)])
def test_responder_trust(checkov_verdicts, n, case):
    _, policy, expected = TRUST[n]
    _both(checkov_verdicts, "trust", n, audit_trust(policy), expected)


@pytest.mark.parametrize(("n", "case"), [(n, row[0]) for n, row in enumerate(BUCKET)])
def test_trail_bucket_versioning_and_retention(checkov_verdicts, n, case):
    _, versioning, rules, expected = BUCKET[n]
    _both(checkov_verdicts, "bucket", n, audit_bucket(versioning, rules), expected)


def test_a_bucket_a_trail_writes_to_is_a_trail_bucket_whatever_its_name(checkov_verdicts):
    _both(checkov_verdicts, "written", 0, audit_bucket(None, [], name="evidence-0"), FAIL, cloudformation=False)


@pytest.mark.parametrize(("n", "case"), [(n, row[0]) for n, row in enumerate(SELECTORS)])
def test_data_events(checkov_verdicts, n, case):
    _, selectors, expected = SELECTORS[n]
    _both(checkov_verdicts, "selectors", n, audit_selectors(selectors), expected)


@pytest.mark.parametrize(("n", "case"), [(n, row[0]) for n, row in enumerate(QUARANTINE)])
def test_quarantine_group(checkov_verdicts, n, case):
    _, ingress, egress, expected = QUARANTINE[n]
    _both(checkov_verdicts, "quarantine", n, audit_quarantine(ingress, egress), expected, cloudformation=bool(egress))


def test_before_deploy_only_one_account_can_be_asked_for():
    """The one row the halves cannot agree on: iac-scan does not know which account is the security
    account, so a role trusting one other account passes there and fails the audit."""
    policy = trust(allow({"AWS": f"arn:aws:iam::{OTHER}:root"}))
    assert audit_trust(policy) == FAIL
    from irready.policies.readiness import responder_trust_problems
    assert responder_trust_problems(policy) == []
