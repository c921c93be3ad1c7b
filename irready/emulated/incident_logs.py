"""A synthetic, realistic day of an organization's logs with the incident of the source notes in it.

The incident (the notes' walk-through, 2022-03-22, us-east-1): a WordPress instance is brute-forced
over SSH from one address; the attacker logs in, then uses the instance's role from the instance's own
public IP (the AWS CLI on the box): GetCallerIdentity, discovery, a refused AssumeRole, ListBuckets,
and RunInstances (four failing, one launching an instance with an instance profile). Around it, a
normal day: an administrator in the console, a CI role launching instances, a backup job on another
instance reading S3, SSM sessions, AWS services acting for the account, web traffic, internet
scanners knocking on other hosts, and DNS lookups from every instance.

The files are written in the layouts and formats AWS documents, under one folder per bucket:
- CloudTrail (organization trail): ``AWSLogs/<org id>/<account>/CloudTrail/<region>/YYYY/MM/DD/
  <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz``, each a gzipped ``{"Records": [...]}``
  with records in the documented shape:
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html,
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
- VPC flow logs: Parquet, Hive-compatible prefixes ``AWSLogs/aws-account-id=<account>/aws-service=
  vpcflowlogs/aws-region=<region>/year=YYYY/month=MM/day=DD/``, the fields of
  ``policies.investigation.FLOW_LOG_FIELDS`` with hyphens as underscores:
  https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html,
  https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
- Resolver query logs: ``AWSLogs/<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/``, gzipped JSON lines:
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html

``write_day`` returns the ground truth (``Incident``): which records are the attacker's, so that a
test can hold every saved query to "the attacker's calls and nothing of the background".
"""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irready.policies.investigation import FLOW_LOG_FIELDS

ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT, WORKLOAD, DATA = "123456789012", "111111111111", "222222222222"
ACCOUNTS = (MANAGEMENT, WORKLOAD, DATA)
REGIONS = ("us-east-1", "eu-west-1")
TRAIL_BUCKET = f"irready-trail-{MANAGEMENT}-us-east-1"
NETWORK_BUCKET = f"irready-network-logs-{MANAGEMENT}-us-east-1"
DAY = datetime(2022, 3, 22, tzinfo=UTC)

# The incident's actors, as in the notes.
ATTACKER_IP = "123.214.118.119"
VICTIM_INSTANCE = "i-0a1b2c3d4e5f60718"
VICTIM_PUBLIC_IP = "44.202.228.109"
VICTIM_PRIVATE_IP = "172.31.20.15"
VICTIM_ENI = "eni-0c0ffee0c0ffee001"
VICTIM_VPC, VICTIM_SUBNET = "vpc-0a0a0a0a0a0a0a0a0", "subnet-0b0b0b0b0b0b0b0b0"
VICTIM_ROLE = "WordPressInstanceRole"
VICTIM_ROLE_ARN = f"arn:aws:iam::{WORKLOAD}:role/{VICTIM_ROLE}"
LAUNCHED_INSTANCE = "i-0deadbeef0000cafe"
PASSED_PROFILE = "MyInstanceRole"
# The background's actors.
ADMIN_ARN = f"arn:aws:iam::{WORKLOAD}:user/admin"
ADMIN_IP = "198.51.100.23"
CI_ROLE_ARN = f"arn:aws:iam::{WORKLOAD}:role/ci-deployer"
CI_IP = "203.0.113.50"
BACKUP_INSTANCE, BACKUP_PUBLIC_IP, BACKUP_PRIVATE_IP = "i-0fedcba9876543210", "3.88.10.20", "172.31.30.40"
BACKUP_ROLE_ARN = f"arn:aws:iam::{WORKLOAD}:role/BackupInstanceRole"
WEB_INSTANCE, WEB_PRIVATE_IP, WEB_VPC = "i-0bbbbbbbbbbbbbbb1", "10.20.1.15", "vpc-0c0c0c0c0c0c0c0c0"


@dataclass
class Incident:
    """The ground truth of one written day. Event ids are CloudTrail ``eventID``s; a flow is
    (srcaddr, srcport, dstaddr, dstport, start); a lookup is (query_timestamp, query_name)."""
    day: str = DAY.strftime("%Y/%m/%d")
    attacker_events: set[str] = field(default_factory=set)
    background_events: set[str] = field(default_factory=set)
    attacker_run_instances: set[str] = field(default_factory=set)
    backup_object_reads: set[str] = field(default_factory=set)
    on_launched_instance: set[str] = field(default_factory=set)
    attacker_flows: set[tuple] = field(default_factory=set)
    background_flows: set[tuple] = field(default_factory=set)
    victim_lookups: set[tuple] = field(default_factory=set)
    attacker_lookups: set[tuple] = field(default_factory=set)
    background_lookups: set[tuple] = field(default_factory=set)
    vpcs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # account -> VPC ids


def write_day(root: Path, *, scale: int = 1, seed: int = 20220322) -> Incident:
    """Write the day under ``root/<bucket>/AWSLogs/...``; ``scale`` multiplies the background (1:
    about 3,000 CloudTrail events, 8,000 flow records and 3,000 DNS queries). Returns the truth."""
    rng = random.Random(seed)
    truth = Incident()
    trail = _CloudTrail(rng)
    flows = _Flows(rng)
    dns = _Dns(rng)
    _incident(trail, flows, dns, truth, rng)
    _background(trail, flows, dns, truth, rng, scale)
    trail.write(root / TRAIL_BUCKET)
    flows.write(root / NETWORK_BUCKET)
    dns.write(root / NETWORK_BUCKET, truth)
    return truth


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


# --- CloudTrail ------------------------------------------------------------------------------------------

def _session(role_arn: str, session_name: str, rng: random.Random, ec2: bool = False) -> dict:
    account, role = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    role_id = "AROA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(17))
    context = {"sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn, "accountId": account,
                                 "userName": role},
               "webIdFederationData": {},
               "attributes": {"creationDate": DAY.strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"}}
    if ec2:
        context["ec2RoleDelivery"] = "2.0"
    return {"type": "AssumedRole", "principalId": f"{role_id}:{session_name}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session_name}", "accountId": account,
            "accessKeyId": "ASIA" + uuid.UUID(int=rng.getrandbits(128)).hex[:16].upper(),
            "sessionContext": context}


def _user(arn: str) -> dict:
    account = arn.split(":")[4]
    return {"type": "IAMUser", "principalId": "AIDA" + arn.rsplit("/", 1)[1].upper().ljust(17, "X"), "arn": arn,
            "accountId": account, "accessKeyId": "ASIAADMINCONSOLE01", "userName": arn.rsplit("/", 1)[1],
            "sessionContext": {"attributes": {"creationDate": at(7, 55).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                              "mfaAuthenticated": "true"}}}


def _service(service: str) -> dict:
    return {"type": "AWSService", "invokedBy": service}


_READ_ONLY = ("Describe", "Get", "List", "Lookup")
_CLI = "aws-cli/2.4.27 Python/3.8.8 Linux/4.14.262-200.489.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/"
_CONSOLE = "AWS Internal"


class _CloudTrail:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.records: list[dict] = []

    def call(self, when: datetime, identity: dict, source: str, name: str, *, ip: str, agent: str,
             account: str = WORKLOAD, region: str = "us-east-1", request: dict | None = None,
             response: dict | None = None, error: tuple[str, str] | None = None, resources: list | None = None,
             data: bool = False) -> str:
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        record = {
            "eventVersion": "1.08", "userIdentity": identity, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": f"{source}.amazonaws.com", "eventName": name, "awsRegion": region,
            "sourceIPAddress": ip, "userAgent": agent, "requestParameters": request,
            "responseElements": None if error else response,
            "requestID": str(uuid.UUID(int=self.rng.getrandbits(128))), "eventID": event_id,
            "readOnly": name.startswith(_READ_ONLY), "eventType": "AwsApiCall",
            "managementEvent": not data, "recipientAccountId": account,
            "eventCategory": "Data" if data else "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                           "clientProvidedHostHeader": f"{source}.{region}.amazonaws.com"},
        }
        if error:
            record["errorCode"], record["errorMessage"] = error
        if resources:
            record["resources"] = resources
        self.records.append(record)
        return event_id

    def write(self, bucket: Path) -> None:
        """One file per account, region and hour (CloudTrail delivers about every five minutes; the
        layout and the record shape are what matter to a query)."""
        files: dict[tuple, list[dict]] = defaultdict(list)
        for record in sorted(self.records, key=lambda r: r["eventTime"]):
            files[(record["recipientAccountId"], record["awsRegion"], record["eventTime"][:13])].append(record)
        for (account, region, hour), records in files.items():
            when = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            folder = bucket / "AWSLogs" / ORGANIZATION_ID / account / "CloudTrail" / region / when.strftime("%Y/%m/%d")
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{account}_CloudTrail_{region}_{when.strftime('%Y%m%dT%H%MZ')}_{self._unique()}.json.gz"
            (folder / name).write_bytes(gzip.compress(json.dumps({"Records": records}).encode(), mtime=0))

    def _unique(self) -> str:
        return "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                       for _ in range(16))


# --- flow logs ----------------------------------------------------------------------------------------------

class _Flows:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.rows: list[dict] = []

    def flow(self, when: datetime, src: str, sport: int, dst: str, dport: int, *, instance: str, eni: str,
             vpc: str, subnet: str, account: str = WORKLOAD, region: str = "us-east-1", action: str = "ACCEPT",
             packets: int = 12, size: int = 2400, ingress: bool = True, protocol: int = 6) -> tuple:
        """One record per direction, as flow logs write an accepted TCP session seen on an ENI."""
        start = int(when.timestamp())
        directions = [(src, sport, dst, dport, "ingress" if ingress else "egress")]
        if action == "ACCEPT":
            directions.append((dst, dport, src, sport, "egress" if ingress else "ingress"))
        keys = []
        for s, sp, d, dp, direction in directions:
            self.rows.append({
                "version": 5, "account_id": account, "interface_id": eni, "srcaddr": s, "dstaddr": d,
                "srcport": sp, "dstport": dp, "protocol": protocol, "packets": packets, "bytes": size,
                "start": start, "end": start + 60, "action": action, "log_status": "OK", "vpc_id": vpc,
                "subnet_id": subnet, "instance_id": instance, "tcp_flags": 2 if action == "REJECT" else 19,
                "type": "IPv4", "pkt_srcaddr": s, "pkt_dstaddr": d, "region": region, "az_id": "use1-az4",
                "flow_direction": direction})
            keys.append((s, sp, d, dp, start))
        return tuple(keys)

    def write(self, bucket: Path) -> None:
        import duckdb  # a dev/demo dependency: writes the Parquet files

        assert tuple(self.rows[0]) == tuple(f.replace("-", "_") for f in FLOW_LOG_FIELDS)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row in self.rows:
            groups[(row["account_id"], row["region"], row["start"] // 3600)].append(row)
        connection = duckdb.connect()
        for (account, region, hour), rows in groups.items():
            when = datetime.fromtimestamp(hour * 3600, UTC)
            folder = (bucket / "AWSLogs" / f"aws-account-id={account}" / "aws-service=vpcflowlogs"
                      / f"aws-region={region}" / f"year={when:%Y}" / f"month={when:%m}" / f"day={when:%d}")
            folder.mkdir(parents=True, exist_ok=True)
            staging = folder / "rows.json"
            staging.write_text("\n".join(json.dumps(r) for r in sorted(rows, key=lambda r: r["start"])))
            name = f"{account}_vpcflowlogs_{region}_fl-0123456789abcdef0_{when:%Y%m%dT%H%MZ}_{hour:x}.log.parquet"
            target = folder / name
            connection.execute(f"""COPY (SELECT * FROM read_json('{staging}', format='newline_delimited',
                columns={_FLOW_COLUMNS})) TO '{target}' (FORMAT parquet, COMPRESSION gzip)""")
            staging.unlink()


_FLOW_TYPES = {"version": "INTEGER", "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "BIGINT",
               "packets": "BIGINT", "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "tcp_flags": "INTEGER"}
_FLOW_COLUMNS = "{" + ", ".join(f"'{f.replace('-', '_')}': '{_FLOW_TYPES.get(f.replace('-', '_'), 'VARCHAR')}'"
                                for f in FLOW_LOG_FIELDS) + "}"


# --- Resolver query logs -------------------------------------------------------------------------------

class _Dns:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.records: list[dict] = []

    def lookup(self, when: datetime, instance: str, address: str, name: str, *, vpc: str,
               account: str = WORKLOAD, region: str = "us-east-1", answer: str | None = None) -> tuple:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.records.append({
            "version": "1.100000", "account_id": account, "region": region, "vpc_id": vpc,
            "query_timestamp": stamp, "query_name": name + ".", "query_type": "A", "query_class": "IN",
            "rcode": "NOERROR" if answer else "NXDOMAIN",
            "answers": [{"Rdata": answer, "Type": "A", "Class": "IN"}] if answer else [],
            "srcaddr": address, "srcport": str(self.rng.randint(32768, 60999)), "transport": "UDP",
            "srcids": {"instance": instance}})
        return stamp, name + "."

    def write(self, bucket: Path, truth: Incident) -> None:
        files: dict[tuple, list[dict]] = defaultdict(list)
        for record in sorted(self.records, key=lambda r: r["query_timestamp"]):
            files[(record["account_id"], record["vpc_id"], record["query_timestamp"][:13])].append(record)
            truth.vpcs[record["account_id"]].add(record["vpc_id"])
        for (account, vpc, hour), records in files.items():
            when = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            folder = bucket / "AWSLogs" / account / "vpcdnsquerylogs" / vpc / when.strftime("%Y/%m/%d")
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{account}_vpcdnsquerylogs_{vpc}_{when:%Y%m%dT%H%MZ}_{abs(hash((account, vpc, hour))):x}.log.gz"
            text = "\n".join(json.dumps(r) for r in records) + "\n"
            (folder / name).write_bytes(gzip.compress(text.encode(), mtime=0))


# --- the day ---------------------------------------------------------------------------------------------

def _incident(trail: _CloudTrail, flows: _Flows, dns: _Dns, truth: Incident, rng: random.Random) -> None:
    victim = {"instance": VICTIM_INSTANCE, "eni": VICTIM_ENI, "vpc": VICTIM_VPC, "subnet": VICTIM_SUBNET}
    # 1. SSH brute force from one address, 14:50 to 15:31, then the login and an interactive session.
    when = at(14, 50)
    while when < at(15, 31):
        truth.attacker_flows.update(flows.flow(when, ATTACKER_IP, rng.randint(32768, 60999), VICTIM_PRIVATE_IP, 22,
                                               packets=rng.randint(14, 22), size=rng.randint(2800, 4200), **victim))
        when += timedelta(seconds=rng.randint(20, 40))
    truth.attacker_flows.update(flows.flow(at(15, 31, 7), ATTACKER_IP, 51234, VICTIM_PRIVATE_IP, 22, packets=900,
                                           size=160_000, **victim))
    # 2. The instance role, from the instance's own public IP, with the AWS CLI.
    role = _session(VICTIM_ROLE_ARN, VICTIM_INSTANCE, rng, ec2=True)

    def cli(minute: int, second: int, source: str, name: str, command: str, **kwargs) -> str:
        event = trail.call(at(15, minute, second), role, source, name, ip=VICTIM_PUBLIC_IP, agent=_CLI + command,
                           **kwargs)
        truth.attacker_events.add(event)
        return event

    lookups = [("sts.amazonaws.com", "52.94.241.129"), ("ec2.us-east-1.amazonaws.com", "52.46.155.10"),
               ("s3.amazonaws.com", "52.216.8.35"), ("iam.amazonaws.com", "52.46.128.220"),
               ("transfer.sh", "144.76.136.153")]
    for n, (name, answer) in enumerate(lookups):
        truth.attacker_lookups.add(dns.lookup(at(15, 38, n * 7), VICTIM_INSTANCE, VICTIM_PRIVATE_IP, name,
                                              vpc=VICTIM_VPC, answer=answer))
    cli(40, 2, "sts", "GetCallerIdentity", "sts.get-caller-identity", request=None,
        response={"account": WORKLOAD, "arn": role["arn"]})
    cli(40, 40, "iam", "ListAttachedRolePolicies", "iam.list-attached-role-policies",
        request={"roleName": VICTIM_ROLE}, error=("AccessDenied", "User is not authorized to perform "
                                                  "iam:ListAttachedRolePolicies"))
    cli(41, 15, "sts", "AssumeRole", "sts.assume-role",
        request={"roleArn": f"arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole",
                 "roleSessionName": "x"},
        error=("AccessDenied", "User is not authorized to perform: sts:AssumeRole"))
    cli(42, 3, "s3", "ListBuckets", "s3.ls", request={"Host": "s3.amazonaws.com"})
    cli(42, 50, "ec2", "DescribeInstances", "ec2.describe-instances", request={"instancesSet": {},
                                                                              "filterSet": {}})
    cli(43, 30, "ec2", "DescribeImages", "ec2.describe-images",
        request={"imagesSet": {"items": [{"imageId": "ami-0c02fb55956c7d316"}]}})
    launch = {"instancesSet": {"items": [{"imageId": "ami-0c02fb55956c7d316", "minCount": 1, "maxCount": 1,
                                          "keyName": "myKeyPair"}]},
              "instanceType": "t2.micro", "iamInstanceProfile": {"name": PASSED_PROFILE},
              "groupSet": {"items": [{"groupId": "sg-08bb08a0f76ec0ec"}]}, "monitoring": {"enabled": False},
              "disableApiTermination": False, "userData": "<sensitiveDataRemoved>"}
    failures = [("Client.InvalidKeyPair.NotFound", "The key pair 'myKeyPair' does not exist"),
                ("Client.InvalidGroup.NotFound", "The security group 'sg-08bb08a0f76ec0ec' does not exist"),
                ("Client.InvalidParameterValue", "Value (MyInstanceRole) for parameter iamInstanceProfile.name "
                                                 "is invalid"),
                ("Client.UnauthorizedOperation", "You are not authorized to perform this operation.")]
    for n, error in enumerate(failures):
        truth.attacker_run_instances.add(cli(45 + n // 2, 10 + 25 * (n % 2), "ec2", "RunInstances",
                                             "ec2.run-instances", request=launch, error=error))
    launched = cli(48, 2, "ec2", "RunInstances", "ec2.run-instances", request=launch, response={
        "requestId": str(uuid.UUID(int=rng.getrandbits(128))), "reservationId": "r-0123456789abcdef0",
        "ownerId": WORKLOAD, "groupSet": {},
        "instancesSet": {"items": [{"instanceId": LAUNCHED_INSTANCE, "imageId": "ami-0c02fb55956c7d316",
                                    "instanceState": {"code": 0, "name": "pending"},
                                    "iamInstanceProfile": {"arn": f"arn:aws:iam::{WORKLOAD}:instance-profile/"
                                                                  f"{PASSED_PROFILE}"}}]}})
    truth.attacker_run_instances.add(launched)
    truth.on_launched_instance.add(launched)
    truth.on_launched_instance.add(cli(48, 40, "ec2", "DescribeInstanceStatus", "ec2.describe-instance-status",
                                       request={"instancesSet": {"items": [{"instanceId": LAUNCHED_INSTANCE}]}}))
    # The victim's own lookups all day (WordPress updates): the instance's, not the attacker's.
    for hour in range(24):
        truth.victim_lookups.add(dns.lookup(at(hour, 5), VICTIM_INSTANCE, VICTIM_PRIVATE_IP, "api.wordpress.org",
                                            vpc=VICTIM_VPC, answer="198.143.164.251"))


def _background(trail: _CloudTrail, flows: _Flows, dns: _Dns, truth: Incident, rng: random.Random,
                scale: int) -> None:
    def event(*args, **kwargs) -> str:
        event_id = trail.call(*args, **kwargs)
        truth.background_events.add(event_id)
        return event_id

    admin, console = _user(ADMIN_ARN), "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36"
    ci = _session(CI_ROLE_ARN, "GitHubActions-4711", rng)
    backup = _session(BACKUP_ROLE_ARN, BACKUP_INSTANCE, rng, ec2=True)
    admin_launch = {"instancesSet": {"items": [{"imageId": "ami-0c02fb55956c7d316", "minCount": 1, "maxCount": 1}]},
                    "instanceType": "t3.small"}
    # The administrator in the console: two launches (the notes' "AWS Internal" RunInstances), reads.
    for minute in (12, 14):
        event(at(9, minute), admin, "ec2", "RunInstances", ip=_CONSOLE, agent=_CONSOLE, request=admin_launch,
              response={"instancesSet": {"items": [{"instanceId": f"i-0a00000000000{minute:04d}"}]}})
    event(at(9, 20), admin, "ec2", "CreateTags", ip=ADMIN_IP, agent=console,
          request={"resourcesSet": {"items": [{"resourceId": VICTIM_INSTANCE}]},
                   "tagSet": {"items": [{"key": "Owner", "value": "web"}]}})
    event(at(10, 2), admin, "ssm", "StartSession", ip=ADMIN_IP, agent=console, request={"target": BACKUP_INSTANCE},
          response={"sessionId": "admin-0a1b2c3d4e5f"})
    event(at(10, 30), admin, "ssm", "SendCommand", ip=ADMIN_IP, agent=console,
          request={"instanceIds": [WEB_INSTANCE], "documentName": "AWS-RunPatchBaseline"})
    event(at(11, 0), admin, "s3", "ListBuckets", ip=_CONSOLE, agent=_CONSOLE, request={"Host": "s3.amazonaws.com"})
    # CI: assumes its deploy role and launches instances.
    for n in range(3):
        event(at(13, 10 + n), _user(f"arn:aws:iam::{WORKLOAD}:user/ci-bootstrap"), "sts", "AssumeRole", ip=CI_IP,
              agent="Boto3/1.21.0", request={"roleArn": CI_ROLE_ARN, "roleSessionName": "GitHubActions-4711"})
        event(at(13, 11 + n), ci, "ec2", "RunInstances", ip=CI_IP, agent="Boto3/1.21.0",
              request=admin_launch, response={"instancesSet": {"items": [{"instanceId": f"i-0c1000000000000{n}"}]}})
    # The backup job on another instance: its role from its own IP, listing buckets then reading objects.
    event(at(2, 0), backup, "s3", "ListBuckets", ip=BACKUP_PUBLIC_IP, agent="aws-cli/2.4.27 command/s3.ls",
          request={"Host": "s3.amazonaws.com"})
    for n in range(20):
        key = f"wp-backups/2022-03-21/part-{n:03d}.tar.gz"
        truth.backup_object_reads.add(event(
            at(2, 1, n), backup, "s3", "GetObject", ip=BACKUP_PUBLIC_IP, agent="aws-cli/2.4.27 command/s3.cp",
            account=DATA, data=True, request={"bucketName": "corp-backups", "Host": "corp-backups.s3.amazonaws.com",
                                              "key": key},
            resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::corp-backups/{key}"},
                       {"accountId": DATA, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::corp-backups"}]))
    # AWS services acting for the accounts, and reads by everyone, all day, in every account and region.
    readers = [(admin, ADMIN_IP, console), (ci, CI_IP, "Boto3/1.21.0"), (backup, BACKUP_PUBLIC_IP, "aws-cli/2.4.27"),
               (_service("config.amazonaws.com"), "config.amazonaws.com", "config.amazonaws.com"),
               (_service("autoscaling.amazonaws.com"), "autoscaling.amazonaws.com", "autoscaling.amazonaws.com")]
    reads = [("ec2", "DescribeInstances"), ("ec2", "DescribeVolumes"), ("s3", "GetBucketAcl"),
             ("iam", "GetRole"), ("cloudwatch", "GetMetricData"), ("kms", "Decrypt"), ("sts", "GetCallerIdentity"),
             ("logs", "DescribeLogGroups"), ("ssm", "GetParameter"), ("lambda", "ListFunctions")]
    for _ in range(3000 * scale):
        who, ip, agent = rng.choice(readers)
        source, name = rng.choice(reads)
        event(at(0, 0) + timedelta(seconds=rng.randint(0, 86399)), who, source, name, ip=ip, agent=agent,
              account=rng.choice(ACCOUNTS), region=rng.choice(REGIONS), request={"maxResults": 100})
    # Flows: web clients to the web tier, the victim's normal traffic, scanners rejected elsewhere.
    web = {"instance": WEB_INSTANCE, "eni": "eni-0web0web0web0web1", "vpc": WEB_VPC, "subnet": "subnet-0web0web0web01",
           "account": DATA}
    victim = {"instance": VICTIM_INSTANCE, "eni": VICTIM_ENI, "vpc": VICTIM_VPC, "subnet": VICTIM_SUBNET}
    for _ in range(3000 * scale):
        client = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        when = at(0, 0) + timedelta(seconds=rng.randint(0, 86399))
        truth.background_flows.update(flows.flow(when, client, rng.randint(32768, 60999), WEB_PRIVATE_IP,
                                                 rng.choice((80, 443)), **web))
    for _ in range(800 * scale):
        client = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        when = at(0, 0) + timedelta(seconds=rng.randint(0, 86399))
        truth.background_flows.update(flows.flow(when, client, rng.randint(32768, 60999), VICTIM_PRIVATE_IP, 443,
                                                 **victim))
    for _ in range(400 * scale):
        scanner = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        when = at(0, 0) + timedelta(seconds=rng.randint(0, 86399))
        truth.background_flows.update(flows.flow(when, scanner, rng.randint(32768, 60999), WEB_PRIVATE_IP,
                                                 rng.choice((22, 3389, 23, 445)), action="REJECT", packets=1,
                                                 size=44, **web))
    # DNS from every instance all day.
    names = [("api.github.com", "140.82.112.6"), ("s3.amazonaws.com", "52.216.8.35"),
             ("ssm.us-east-1.amazonaws.com", "52.46.141.18"), ("www.google.com", "142.250.72.196"),
             ("db.internal.example", "10.20.2.30"), ("nonexistent.example", None)]
    sources = [(WEB_INSTANCE, WEB_PRIVATE_IP, WEB_VPC, DATA),
               (BACKUP_INSTANCE, BACKUP_PRIVATE_IP, VICTIM_VPC, WORKLOAD)]
    for _ in range(3000 * scale):
        instance, address, vpc, account = rng.choice(sources)
        name, answer = rng.choice(names)
        truth.background_lookups.add(dns.lookup(at(0, 0) + timedelta(seconds=rng.randint(0, 86399)), instance,
                                                address, name, vpc=vpc, account=account, answer=answer))
