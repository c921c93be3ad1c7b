"""One small applier per resource type the program declares: it creates the resource in the emulated
AWS with the boto3 calls a provider would make, and returns the resource's id and the outputs other
resources read (ARNs, names).

``NOT_EMULATED`` lists the types moto lacks; they are skipped with that reason, and the audit must
report whatever depends on them as UNKNOWN, never PASS. A type in neither table stops the run: a new
resource in the program needs an applier (or a stated gap) before the round trip can vouch for it.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

NOT_EMULATED = {
    "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": "moto has no Route 53 Resolver DNS Firewall",
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": "moto has no Route 53 Resolver DNS Firewall",
    "aws:route53/resolverFirewallRule:ResolverFirewallRule": "moto has no Route 53 Resolver DNS Firewall",
    "aws:securityhub/findingAggregator:FindingAggregator": "moto has no Security Hub CreateFindingAggregator",
}


class AwsRuleViolated(RuntimeError):
    """What AWS would refuse and moto accepts: the round trip stops here, naming the document."""


@dataclass
class Target:
    """Where a resource goes: an account and region of the emulator, reached with that account's keys."""
    account_id: str
    region: str
    client_for: Callable[[str, str, str], Any]  # (account, service, region) -> boto3 client
    stack_accounts: tuple[str, ...]  # every account the stack has a provider for
    management_account_id: str = ""
    import_id: str = ""  # the id of an existing resource the program adopts (Pulumi's import option)
    default_tags: tuple[tuple[str, str], ...] = ()  # the provider's default tags

    def client(self, service: str, account_id: str | None = None):
        return self.client_for(account_id or self.account_id, service, self.region)

    def tags(self, inputs: dict) -> dict[str, str]:
        """The resource's tags as the provider sends them (tags_all): its default tags, then the resource's own."""
        return {**dict(self.default_tags), **(inputs.get("tags") or {})}


Applied = tuple[str, dict]  # (id, outputs besides the inputs)


def number(value) -> int:
    """Pulumi passes numbers as floats."""
    return int(value)


def aws_shape(value, renames: dict[str, str] | None = None):
    """Pulumi's camelCase inputs in the API's PascalCase, with the API's own spellings in ``renames``."""
    renames = renames or {}
    if isinstance(value, dict):
        return {renames.get(k, k[:1].upper() + k[1:]): aws_shape(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [aws_shape(v, renames) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _name(inputs: dict, prefix_key: str = "namePrefix") -> str:
    return inputs.get("name") or f"{inputs[prefix_key]}{secrets.token_hex(6)}"


# --- account, organizations, IAM, KMS ----------------------------------------------------------------------

def alternative_contact(target: Target, inputs: dict) -> Applied:
    # Set from the management account in AWS; moto ignores AccountId, so set it as the account itself.
    account = inputs.get("accountId") or target.account_id
    target.client("account", account).put_alternate_contact(
        AlternateContactType=inputs["alternateContactType"], Name=inputs["name"], Title=inputs["title"],
        EmailAddress=inputs["emailAddress"], PhoneNumber=inputs["phoneNumber"])
    return f"{account}/{inputs['alternateContactType']}", {}


def organizations_policy(target: Target, inputs: dict) -> Applied:
    policy = target.client("organizations").create_policy(
        Name=inputs["name"], Type=inputs["type"], Content=inputs["content"],
        Description=inputs.get("description", ""))["Policy"]["PolicySummary"]
    return policy["Id"], {"arn": policy["Arn"]}


def organizations_policy_attachment(target: Target, inputs: dict) -> Applied:
    """AttachPolicy; a tag policy needs its type enabled on the root first (PolicyTypeNotEnabledException,
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html), which moto does not
    check. (SCPs are not held to it here: the emulated organizations do not enable their type.)"""
    client = target.client("organizations")
    type_ = client.describe_policy(PolicyId=inputs["policyId"])["Policy"]["PolicySummary"]["Type"]
    enabled = {t["Type"] for t in client.list_roots()["Roots"][0].get("PolicyTypes", []) if t["Status"] == "ENABLED"}
    if type_ == "TAG_POLICY" and type_ not in enabled:
        raise AwsRuleViolated(f"PolicyTypeNotEnabledException: attaching {inputs['policyId']} needs {type_} "
                              "enabled on the root (aws organizations enable-policy-type)")
    client.attach_policy(PolicyId=inputs["policyId"], TargetId=inputs["targetId"])
    return f"{inputs['targetId']}:{inputs['policyId']}", {}


def organizations_account(target: Target, inputs: dict) -> Applied:
    client = target.client("organizations")
    request = client.create_account(Email=inputs["email"], AccountName=inputs["name"])["CreateAccountStatus"]
    status = client.describe_create_account_status(CreateAccountRequestId=request["Id"])["CreateAccountStatus"]
    return status["AccountId"], {"arn": f"arn:aws:organizations::{target.account_id}:account/{status['AccountId']}"}


def iam_role(target: Target, inputs: dict) -> Applied:
    name = _name(inputs)
    params = {"RoleName": name, "AssumeRolePolicyDocument": inputs["assumeRolePolicy"]}
    if "maxSessionDuration" in inputs:
        params["MaxSessionDuration"] = number(inputs["maxSessionDuration"])
    if inputs.get("description"):
        params["Description"] = inputs["description"]
    role = target.client("iam").create_role(**params)["Role"]
    return name, {"arn": role["Arn"], "name": name, "uniqueId": role["RoleId"]}


def iam_role_policy(target: Target, inputs: dict) -> Applied:
    name = _name(inputs) if "name" in inputs or "namePrefix" in inputs else f"policy-{secrets.token_hex(6)}"
    target.client("iam").put_role_policy(RoleName=inputs["role"], PolicyName=name, PolicyDocument=inputs["policy"])
    return f"{inputs['role']}:{name}", {"name": name}


def iam_role_policy_attachment(target: Target, inputs: dict) -> Applied:
    target.client("iam").attach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])
    return f"{inputs['role']}-{secrets.token_hex(6)}", {}


def iam_instance_profile(target: Target, inputs: dict) -> Applied:
    client, name = target.client("iam"), _name(inputs)
    profile = client.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    if inputs.get("role"):
        client.add_role_to_instance_profile(InstanceProfileName=name, RoleName=inputs["role"])
    return name, {"arn": profile["Arn"], "name": name, "uniqueId": profile["InstanceProfileId"]}


def ssm_document(target: Target, inputs: dict) -> Applied:
    document = target.client("ssm").create_document(
        Name=inputs["name"], Content=inputs["content"], DocumentType=inputs["documentType"],
        DocumentFormat=inputs.get("documentFormat", "JSON"))["DocumentDescription"]
    return document["Name"], {"arn": f"arn:aws:ssm:{target.region}:{target.account_id}:document/{document['Name']}"}


def kms_alias(target: Target, inputs: dict) -> Applied:
    target.client("kms").create_alias(AliasName=inputs["name"], TargetKeyId=inputs["targetKeyId"])
    return inputs["name"], {"arn": f"arn:aws:kms:{target.region}:{target.account_id}:{inputs['name']}"}


def iam_policy(target: Target, inputs: dict) -> Applied:
    policy = target.client("iam").create_policy(PolicyName=_name(inputs), PolicyDocument=inputs["policy"],
                                                Description=inputs.get("description", ""))["Policy"]
    return policy["Arn"], {"arn": policy["Arn"], "name": policy["PolicyName"], "policyId": policy["PolicyId"]}


def kms_key(target: Target, inputs: dict) -> Applied:
    client = target.client("kms")
    key = client.create_key(Description=inputs.get("description", ""), Policy=inputs["policy"])["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        client.enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {"arn": key["Arn"], "keyId": key["KeyId"]}


# --- the trail, its bucket, CloudWatch Logs ----------------------------------------------------------------

def s3_bucket(target: Target, inputs: dict) -> Applied:
    name = inputs.get("bucket") or f"{inputs['bucketPrefix']}{secrets.token_hex(6)}"
    params: dict = {"Bucket": name, "ObjectLockEnabledForBucket": bool(inputs.get("objectLockEnabled"))}
    if target.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    target.client("s3").create_bucket(**params)
    if tags := target.tags(inputs):
        target.client("s3").put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
            {"Key": k, "Value": v} for k, v in tags.items()]})
    return name, {"arn": f"arn:aws:s3:::{name}", "bucket": name}


def s3_versioning(target: Target, inputs: dict) -> Applied:
    target.client("s3").put_bucket_versioning(
        Bucket=inputs["bucket"], VersioningConfiguration=aws_shape(inputs["versioningConfiguration"]))
    return inputs["bucket"], {}


def s3_public_access_block(target: Target, inputs: dict) -> Applied:
    settings = {key: bool(inputs.get(key[:1].lower() + key[1:])) for key in (
        "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
    target.client("s3").put_public_access_block(Bucket=inputs["bucket"], PublicAccessBlockConfiguration=settings)
    return inputs["bucket"], {}


def s3_encryption(target: Target, inputs: dict) -> Applied:
    rules = aws_shape(inputs["rules"], {"sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"})
    target.client("s3").put_bucket_encryption(Bucket=inputs["bucket"],
                                              ServerSideEncryptionConfiguration={"Rules": rules})
    return inputs["bucket"], {}


def s3_lifecycle(target: Target, inputs: dict) -> Applied:
    rules = aws_shape(inputs["rules"], {"id": "ID"})
    target.client("s3").put_bucket_lifecycle_configuration(Bucket=inputs["bucket"],
                                                           LifecycleConfiguration={"Rules": rules})
    return inputs["bucket"], {}


def s3_object_lock(target: Target, inputs: dict) -> Applied:
    rule = aws_shape(inputs["rule"])
    target.client("s3").put_object_lock_configuration(
        Bucket=inputs["bucket"], ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule})
    return inputs["bucket"], {}


def s3_bucket_policy(target: Target, inputs: dict) -> Applied:
    target.client("s3").put_bucket_policy(Bucket=inputs["bucket"], Policy=inputs["policy"])
    return inputs["bucket"], {}


def log_group(target: Target, inputs: dict) -> Applied:
    name, client = _name(inputs), target.client("logs")
    client.create_log_group(logGroupName=name)
    if inputs.get("retentionInDays"):
        client.put_retention_policy(logGroupName=name, retentionInDays=number(inputs["retentionInDays"]))
    return name, {"arn": f"arn:aws:logs:{target.region}:{target.account_id}:log-group:{name}", "name": name}


def _refuse_unassumable_delivery_role(target: Target, role_arn: str) -> None:
    """CloudTrail cannot assume a delivery role whose trust carries confused-deputy conditions
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html);
    CreateTrail then fails with InvalidCloudWatchLogsRoleArnException. moto does not look."""
    trust = target.client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    for statement in trust["Statement"]:
        conditions = {key for operator in (statement.get("Condition") or {}).values() for key in operator}
        if conditions & {"aws:SourceArn", "aws:SourceAccount"}:
            raise AwsRuleViolated(f"InvalidCloudWatchLogsRoleArnException: CloudTrail cannot assume {role_arn}: its "
                                  f"trust has {sorted(conditions)}, which CloudTrail does not support for "
                                  "CloudWatch Logs delivery (cloudtrail-required-policy-for-cloudwatch-logs.html)")


def trail(target: Target, inputs: dict) -> Applied:
    client = target.client("cloudtrail")
    if inputs.get("cloudWatchLogsRoleArn"):
        _refuse_unassumable_delivery_role(target, inputs["cloudWatchLogsRoleArn"])
    params = {"Name": inputs["name"], "S3BucketName": inputs["s3BucketName"],
              "IncludeGlobalServiceEvents": inputs.get("includeGlobalServiceEvents", True),
              "IsMultiRegionTrail": bool(inputs.get("isMultiRegionTrail")),
              "EnableLogFileValidation": bool(inputs.get("enableLogFileValidation")),
              "IsOrganizationTrail": bool(inputs.get("isOrganizationTrail"))}
    for key, api in (("kmsKeyId", "KmsKeyId"), ("cloudWatchLogsGroupArn", "CloudWatchLogsLogGroupArn"),
                     ("cloudWatchLogsRoleArn", "CloudWatchLogsRoleArn"), ("s3KeyPrefix", "S3KeyPrefix")):
        if inputs.get(key):
            params[api] = inputs[key]
    arn = client.create_trail(**params)["TrailARN"]
    if inputs.get("advancedEventSelectors"):
        client.put_event_selectors(TrailName=arn, AdvancedEventSelectors=aws_shape(
            inputs["advancedEventSelectors"], {"startsWiths": "StartsWith", "endsWiths": "EndsWith",
                                               "notStartsWiths": "NotStartsWith", "notEndsWiths": "NotEndsWith"}))
    if inputs.get("enableLogging", True):
        client.start_logging(Name=arn)
    if params["IsOrganizationTrail"]:
        _show_to_organization(target, inputs["name"])
    return arn, {"arn": arn, "homeRegion": target.region}


def _show_to_organization(target: Target, name: str) -> None:
    """AWS shows an organization trail, with the management account's ARN, in every member account;
    moto keeps it in the management account only. Put the same trail object in the members' backends
    (the one place the harness reaches into moto, which runs in this process)."""
    from moto.cloudtrail.models import cloudtrail_backends

    created = cloudtrail_backends[target.account_id][target.region].trails[name]
    for member in target.stack_accounts:
        if member != target.account_id:
            cloudtrail_backends[member][target.region].trails[name] = created


# --- network -------------------------------------------------------------------------------------------------

def _permissions(rules: list[dict]) -> list[dict]:
    def described(entry: dict, rule: dict) -> dict:
        return {**entry, "Description": rule["description"]} if rule.get("description") else entry
    return [{"IpProtocol": rule["protocol"], "FromPort": number(rule.get("fromPort", 0)),
             "ToPort": number(rule.get("toPort", 0)),
             "IpRanges": [described({"CidrIp": cidr}, rule) for cidr in rule.get("cidrBlocks", [])],
             "Ipv6Ranges": [described({"CidrIpv6": cidr}, rule) for cidr in rule.get("ipv6CidrBlocks", [])]}
            for rule in rules]


def security_group(target: Target, inputs: dict) -> Applied:
    client = target.client("ec2")
    tags = [{"Key": k, "Value": v} for k, v in target.tags(inputs).items()]
    group_id = client.create_security_group(
        GroupName=_name(inputs), Description=inputs["description"], VpcId=inputs["vpcId"],
        **({"TagSpecifications": [{"ResourceType": "security-group", "Tags": tags}]} if tags else {}))["GroupId"]
    # As the provider does: the group's rules are exactly the declared ones, AWS's default egress included.
    client.revoke_security_group_egress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    if inputs.get("ingress"):
        client.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_permissions(inputs["ingress"]))
    if inputs.get("egress"):
        client.authorize_security_group_egress(GroupId=group_id, IpPermissions=_permissions(inputs["egress"]))
    return group_id, {"arn": f"arn:aws:ec2:{target.region}:{target.account_id}:security-group/{group_id}"}


def _refuse_vpc_of_another_account(target: Target, vpc_id: str, what: str) -> None:
    """A participant of a shared VPC cannot create flow logs or query-log associations for it: the
    owner does (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html). moto does not look."""
    (vpc,) = target.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    if vpc["OwnerId"] != target.account_id:
        raise AwsRuleViolated(f"UnauthorizedOperation: {what} for {vpc_id} in {target.account_id}: the VPC is owned by "
                              f"{vpc['OwnerId']} and shared; only its owner can (vpc-sharing.html)")


def flow_log(target: Target, inputs: dict) -> Applied:
    _refuse_vpc_of_another_account(target, inputs["vpcId"], "CreateFlowLogs")
    kind = inputs.get("logDestinationType", "cloud-watch-logs")
    params = {"ResourceIds": [inputs["vpcId"]], "ResourceType": "VPC", "TrafficType": inputs["trafficType"],
              "LogDestinationType": kind}
    if kind == "cloud-watch-logs":
        # The same group by name: moto looks only at LogGroupName and marks a flow log given the
        # group's ARN as failing delivery (AWS accepts either).
        params["LogGroupName"] = inputs["logDestination"].split(":log-group:", 1)[1]
    else:
        params["LogDestination"] = inputs["logDestination"]
    if inputs.get("iamRoleArn"):
        params["DeliverLogsPermissionArn"] = inputs["iamRoleArn"]
    if inputs.get("maxAggregationInterval"):
        params["MaxAggregationInterval"] = number(inputs["maxAggregationInterval"])
    if inputs.get("logFormat"):
        params["LogFormat"] = inputs["logFormat"]
    if inputs.get("destinationOptions"):
        params["DestinationOptions"] = aws_shape(inputs["destinationOptions"])
    response = target.client("ec2").create_flow_logs(**params)
    if response.get("Unsuccessful"):
        raise RuntimeError(f"flow log for {inputs['vpcId']}: {response['Unsuccessful']}")
    return response["FlowLogIds"][0], {}


def query_log_config(target: Target, inputs: dict) -> Applied:
    config = target.client("route53resolver").create_resolver_query_log_config(
        Name=inputs["name"], DestinationArn=inputs["destinationArn"],
        CreatorRequestId=secrets.token_hex(8))["ResolverQueryLogConfig"]
    return config["Id"], {"arn": config["Arn"]}


def query_log_association(target: Target, inputs: dict) -> Applied:
    _refuse_vpc_of_another_account(target, inputs["resourceId"], "AssociateResolverQueryLogConfig")
    association = target.client("route53resolver").associate_resolver_query_log_config(
        ResolverQueryLogConfigId=inputs["resolverQueryLogConfigId"],
        ResourceId=inputs["resourceId"])["ResolverQueryLogConfigAssociation"]
    return association["Id"], {}


# --- the investigation workspace ---------------------------------------------------------------------------

def athena_workgroup(target: Target, inputs: dict) -> Applied:
    configuration = aws_shape(inputs.get("configuration") or {}, {
        "kmsKeyArn": "KmsKey", "enforceWorkgroupConfiguration": "EnforceWorkGroupConfiguration",
        "publishCloudwatchMetricsEnabled": "PublishCloudWatchMetricsEnabled"})
    target.client("athena").create_work_group(Name=inputs["name"], Configuration=configuration,
                                              Description=inputs.get("description", ""))
    arn = f"arn:aws:athena:{target.region}:{target.account_id}:workgroup/{inputs['name']}"
    return inputs["name"], {"arn": arn}


def athena_named_query(target: Target, inputs: dict) -> Applied:
    query_id = target.client("athena").create_named_query(
        Name=inputs["name"], Database=inputs["database"], QueryString=inputs["query"],
        Description=inputs.get("description", ""), WorkGroup=inputs["workgroup"])["NamedQueryId"]
    return query_id, {}


def glue_database(target: Target, inputs: dict) -> Applied:
    target.client("glue").create_database(DatabaseInput={"Name": inputs["name"],
                                                         "Description": inputs.get("description", "")})
    return f"{target.account_id}:{inputs['name']}", {
        "arn": f"arn:aws:glue:{target.region}:{target.account_id}:database/{inputs['name']}"}


def glue_table(target: Target, inputs: dict) -> Applied:
    table = aws_shape({key: inputs[key] for key in ("name", "description", "tableType", "parameters",
                                                    "partitionKeys", "storageDescriptor") if key in inputs},
                      {"serDeInfo": "SerdeInfo"})
    table["Parameters"] = dict(inputs.get("parameters") or {})  # keys as given, not capitalised
    target.client("glue").create_table(DatabaseName=inputs["databaseName"], TableInput=table)
    return f"{target.account_id}:{inputs['databaseName']}:{inputs['name']}", {
        "arn": f"arn:aws:glue:{target.region}:{target.account_id}:table/{inputs['databaseName']}/{inputs['name']}"}


# --- detection ------------------------------------------------------------------------------------------------

def detector(target: Target, inputs: dict) -> Applied:
    """CreateDetector, or the adoption of the region's existing detector (imported, then its settings
    applied with UpdateDetector). A second detector in an account and region is refused by AWS
    (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html: one detector per
    account and region); moto creates one."""
    guardduty = target.client("guardduty")
    existing = guardduty.list_detectors()["DetectorIds"]
    frequency = inputs.get("findingPublishingFrequency", "SIX_HOURS")
    if target.import_id:
        if target.import_id not in existing:
            raise AwsRuleViolated(f"import of GuardDuty detector {target.import_id}: not in {target.account_id} "
                                  f"{target.region}")
        guardduty.update_detector(DetectorId=target.import_id, Enable=bool(inputs.get("enable", True)),
                                  FindingPublishingFrequency=frequency)
        return target.import_id, {"accountId": target.account_id}
    if existing:
        raise AwsRuleViolated(f"BadRequestException: a detector already exists for {target.account_id} in "
                              f"{target.region} ({existing[0]}); adopt it (API_CreateDetector.html)")
    detector_id = guardduty.create_detector(Enable=bool(inputs.get("enable", True)),
                                            FindingPublishingFrequency=frequency)["DetectorId"]
    return detector_id, {"accountId": target.account_id}


def guardduty_admin(target: Target, inputs: dict) -> Applied:
    """As AWS does, the designation also enables GuardDuty in the administrator, in this region
    (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html); moto does not."""
    admin = inputs["adminAccountId"]
    target.client("guardduty").enable_organization_admin_account(AdminAccountId=admin)
    _enable_guardduty(target, admin)
    return admin, {}


def _enable_guardduty(target: Target, account_id: str) -> None:
    client = target.client("guardduty", account_id)
    if not client.list_detectors()["DetectorIds"]:
        client.create_detector(Enable=True)


def guardduty_auto_enable(target: Target, inputs: dict) -> Applied:
    """UpdateOrganizationConfiguration (answered by the emulator's GuardDuty organization layer, which
    moto lacks), then what auto-enable ALL does in AWS: every active account of the organization gets
    GuardDuty in this region, keeping the detectors accounts already have, and becomes a member of the
    delegated administrator (GetAdministratorAccount and ListMembers answer it), recorded here with
    CreateMembers (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html,
    https://docs.aws.amazon.com/guardduty/latest/ug/set-guardduty-auto-enable-preferences.html)."""
    if inputs["autoEnableOrganizationMembers"] != "ALL":
        raise AwsRuleViolated("the emulated apply knows auto-enable ALL only")
    guardduty = target.client("guardduty")
    if inputs["detectorId"] not in guardduty.list_detectors()["DetectorIds"]:
        raise AwsRuleViolated(f"BadRequestException: {inputs['detectorId']} is not the administrator's detector")
    guardduty.update_organization_configuration(DetectorId=inputs["detectorId"], AutoEnableOrganizationMembers="ALL")
    members = [account for account in _organization_accounts(target) if account != target.account_id]
    # Members publish at the administrator's frequency, theirs to set only
    # (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html).
    frequency = guardduty.get_detector(DetectorId=inputs["detectorId"])["FindingPublishingFrequency"]
    for account in members:
        _enable_guardduty(target, account)
        member = target.client("guardduty", account)
        for detector_id in member.list_detectors()["DetectorIds"]:
            member.update_detector(DetectorId=detector_id, FindingPublishingFrequency=frequency)
    if members:
        guardduty.create_members(DetectorId=inputs["detectorId"], AccountDetails=[
            {"AccountId": account, "Email": f"{account}@example.com"} for account in members])
    return f"{inputs['detectorId']}-organization", {}


def _organization_accounts(target: Target) -> list[str]:
    """The organization's active accounts. moto picks the ids of the accounts it creates, so the
    emulator's accounts are not members of moto's organization: the stack's accounts stand for them."""
    organizations = target.client("organizations", target.management_account_id)
    members = [a["Id"] for a in organizations.list_accounts()["Accounts"] if a["Status"] == "ACTIVE"]
    return list(dict.fromkeys([*target.stack_accounts, *members]))


def guardduty_detector_feature(target: Target, inputs: dict) -> Applied:
    """UpdateDetector with the one feature (moto replaces a detector's whole feature list: merged here, as
    AWS keeps the features an update does not name)."""
    _enable_features(target, target.account_id, inputs["detectorId"], inputs["name"])
    return f"{inputs['detectorId']}/{inputs['name']}", {}


def guardduty_organization_feature(target: Target, inputs: dict) -> Applied:
    """moto has no UpdateOrganizationConfiguration: do what a feature's auto-enable ALL does in AWS, turn it
    on in every member's detector of the region (the administrator's own is DetectorFeature's)."""
    if inputs["autoEnable"] != "ALL":
        raise AwsRuleViolated("the emulated apply knows a feature's auto-enable ALL only")
    for account in _organization_accounts(target):
        if account == target.account_id:
            continue
        for detector_id in target.client("guardduty", account).list_detectors()["DetectorIds"]:
            _enable_features(target, account, detector_id, inputs["name"])
    return f"{inputs['detectorId']}/organization/{inputs['name']}", {}


_FEATURES_LOCK = threading.Lock()  # Pulumi registers resources concurrently: one read-modify-write at a time


def _enable_features(target: Target, account_id: str, detector_id: str, feature: str) -> None:
    client = target.client("guardduty", account_id)
    with _FEATURES_LOCK:
        features = {f["Name"]: f.get("Status", "DISABLED")
                    for f in client.get_detector(DetectorId=detector_id).get("Features") or []}
        features[feature] = "ENABLED"
        client.update_detector(DetectorId=detector_id, Features=[{"Name": n, "Status": s}
                                                                 for n, s in features.items()])


def security_hub_auto_enable(target: Target, inputs: dict) -> Applied:
    target.client("securityhub").update_organization_configuration(AutoEnable=bool(inputs["autoEnable"]))
    return f"{target.account_id}-{target.region}", {}


def security_hub_admin(target: Target, inputs: dict) -> Applied:
    target.client("securityhub").enable_organization_admin_account(AdminAccountId=inputs["adminAccountId"])
    return inputs["adminAccountId"], {}


def sns_topic(target: Target, inputs: dict) -> Applied:
    attributes = {"KmsMasterKeyId": inputs["kmsMasterKeyId"]} if inputs.get("kmsMasterKeyId") else {}
    arn = target.client("sns").create_topic(Name=_name(inputs), Attributes=attributes)["TopicArn"]
    return arn, {"arn": arn}


def sns_topic_policy(target: Target, inputs: dict) -> Applied:
    target.client("sns").set_topic_attributes(TopicArn=inputs["arn"], AttributeName="Policy",
                                              AttributeValue=inputs["policy"])
    return inputs["arn"], {}


def sns_subscription(target: Target, inputs: dict) -> Applied:
    arn = target.client("sns").subscribe(TopicArn=inputs["topic"], Protocol=inputs["protocol"],
                                         Endpoint=inputs["endpoint"])["SubscriptionArn"]
    return arn, {"arn": arn}


def event_rule(target: Target, inputs: dict) -> Applied:
    name = _name(inputs)
    arn = target.client("events").put_rule(Name=name, EventPattern=inputs["eventPattern"],
                                           State=inputs.get("state", "ENABLED"))["RuleArn"]
    return name, {"arn": arn, "name": name}


def event_bus_policy(target: Target, inputs: dict) -> Applied:
    """PutPermission with a whole policy on the bus (the provider's aws_cloudwatch_event_bus_policy)."""
    name = inputs.get("eventBusName", "default")
    target.client("events").put_permission(EventBusName=name, Policy=inputs["policy"])
    return name, {}


def event_target(target: Target, inputs: dict) -> Applied:
    """PutTargets. A target that is an event bus in another account or Region needs an execution role
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html), which AWS
    requires and moto does not."""
    target_id = inputs.get("targetId") or f"irready-{secrets.token_hex(6)}"
    entry = {"Id": target_id, "Arn": inputs["arn"]}
    parts = inputs["arn"].split(":")
    if parts[2] == "events" and parts[5].startswith("event-bus/") and not inputs.get("roleArn") and (
            parts[3], parts[4]) != (target.region, target.account_id):
        raise AwsRuleViolated(f"ValidationException: the event bus target {inputs['arn']} of rule {inputs['rule']} "
                              "is in another account or Region and needs RoleArn")
    if inputs.get("roleArn"):
        entry["RoleArn"] = inputs["roleArn"]
    response = target.client("events").put_targets(Rule=inputs["rule"], Targets=[entry])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"event target for rule {inputs['rule']}: {response['FailedEntries']}")
    return f"{inputs['rule']}-{target_id}", {"targetId": target_id}


# --- ECR ----------------------------------------------------------------------------------------------------

def ecr_registry_scanning(target: Target, inputs: dict) -> Applied:
    """PutRegistryScanningConfiguration: one per registry (account and region), replacing the last.
    https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryScanningConfiguration.html"""
    allowed = {"BASIC": {"SCAN_ON_PUSH", "MANUAL"}, "ENHANCED": {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}}
    rules = inputs.get("rules") or []  # ECR's API is camelCase, as Pulumi's inputs
    for rule in rules:
        if rule["scanFrequency"] not in allowed[inputs["scanType"]]:
            raise AwsRuleViolated(f"ValidationException: scan frequency {rule['scanFrequency']} is not allowed "
                                  f"with scan type {inputs['scanType']}")
    target.client("ecr").put_registry_scanning_configuration(scanType=inputs["scanType"], rules=rules)
    return f"{target.account_id}-{target.region}", {"registryId": target.account_id}


APPLIERS: dict[str, Callable[[Target, dict], Applied]] = {
    "aws:account/alternativeContact:AlternativeContact": alternative_contact,
    "aws:organizations/policy:Policy": organizations_policy,
    "aws:organizations/account:Account": organizations_account,
    "aws:organizations/policyAttachment:PolicyAttachment": organizations_policy_attachment,
    "aws:iam/role:Role": iam_role,
    "aws:iam/rolePolicy:RolePolicy": iam_role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": iam_role_policy_attachment,
    "aws:iam/policy:Policy": iam_policy,
    "aws:iam/instanceProfile:InstanceProfile": iam_instance_profile,
    "aws:ssm/document:Document": ssm_document,
    "aws:kms/alias:Alias": kms_alias,
    "aws:kms/key:Key": kms_key,
    "aws:s3/bucket:Bucket": s3_bucket,
    "aws:s3/bucketVersioning:BucketVersioning": s3_versioning,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3_public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": s3_encryption,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": s3_lifecycle,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": s3_object_lock,
    "aws:s3/bucketPolicy:BucketPolicy": s3_bucket_policy,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudtrail/trail:Trail": trail,
    "aws:ec2/securityGroup:SecurityGroup": security_group,
    "aws:ec2/flowLog:FlowLog": flow_log,
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": query_log_config,
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": query_log_association,
    "aws:guardduty/detector:Detector": detector,
    "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": guardduty_admin,
    "aws:guardduty/organizationConfiguration:OrganizationConfiguration": guardduty_auto_enable,
    "aws:guardduty/detectorFeature:DetectorFeature": guardduty_detector_feature,
    "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature": guardduty_organization_feature,
    "aws:securityhub/organizationConfiguration:OrganizationConfiguration": security_hub_auto_enable,
    "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": security_hub_admin,
    "aws:sns/topic:Topic": sns_topic,
    "aws:sns/topicPolicy:TopicPolicy": sns_topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": sns_subscription,
    "aws:cloudwatch/eventRule:EventRule": event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": event_target,
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": event_bus_policy,
    "aws:athena/workgroup:Workgroup": athena_workgroup,
    "aws:athena/namedQuery:NamedQuery": athena_named_query,
    "aws:glue/catalogDatabase:CatalogDatabase": glue_database,
    "aws:glue/catalogTable:CatalogTable": glue_table,
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": ecr_registry_scanning,
}
