"""What every irready Lambda function and schedule carries, declared once: signed code, enforced.

irready's functions act with strong roles (the scheduled audit reads every account, the VPC preparation creates
flow logs and associations in every member, the security contacts function sets every account's SECURITY
contact): whoever can change their code acts with their role. So, in the security account's home region:

- an AWS Signer signing profile (platform ``AWSLambda-SHA384-ECDSA``) and a Lambda code signing configuration
  that allows only that profile and *enforces* it (``UntrustedArtifactOnDeployment: Enforce``: Lambda refuses
  code not signed by the profile, https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html);
- a versioned, private, KMS-encrypted code bucket in the profile's region (Signer signs an S3 object version, from
  a versioned bucket of its own region: https://docs.aws.amazon.com/signer/latest/api/API_StartSigningJob.html);
  each package is uploaded there, signed by a ``SigningJob``, and the function deploys the signed object;
- one customer managed key (rotated yearly) for the functions' environment variables and the schedules'
  payloads; each role may decrypt only its own function's or schedule's data (the encryption context
  ``LambdaFunctionName`` or ``aws:scheduler:schedule:arn``), so one key separates them as well as a key each
  would, without a key policy and a monthly charge per function. The key policy delegates to IAM (AWS's default),
  which covers what Scheduler and Lambda need: the deploying principal's use through the services and the
  roles' kms:Decrypt, neither needing a service principal in the key policy;
- X-Ray tracing, Active: Lambda records a trace of (sampled) invocations, each role may write traces
  (X-Ray's actions take no resource: https://docs.aws.amazon.com/xray/latest/devguide/security_iam_id-based-policy-examples.html).

Who may sign: the principal that deploys the stack (Pulumi starts the signing job with its own credentials).
The program grants ``signer:StartSigningJob`` to no one (no ``SigningProfilePermission``): in the security
account, only principals its administrators give it through IAM can sign.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.hardened_bucket import (
    ABORT_INCOMPLETE_UPLOADS,
    HardenedBucketArgs,
    deny_plain_http,
    hardened_bucket,
)

SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"  # Signer's platform for Lambda
SIGNING_PROFILE = "irready_functions_"  # the profile's name prefix (Signer names: letters, digits, underscores)
SIGNATURE_VALIDITY = {"value": 12, "type": "MONTHS"}  # a signed package older than this is refused at deployment
CODE_BUCKET_PREFIX = "irready-function-code-"  # + the security account's id
UNSIGNED, SIGNED = "unsigned/", "signed/"  # the code bucket's prefixes: uploads, and Signer's output
KEY_ALIAS = "alias/irready-functions"
TRACING_MODE = "Active"
RUNTIME_POLICY = "irready-function-runtime"  # the inline policy every function role gets here
SCHEDULE_POLICY = "irready-schedule-payload"  # ... and every schedule's role


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def key_policy(account: str, partition: str = "aws") -> dict:
    """The account administers and uses the key through IAM (the key policy AWS creates by default:
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html); no other account and no
    service principal is named. The roles' own policies narrow each use to one encryption context."""
    return _doc({"Sid": "AccountAdministersTheKeyThroughIam", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
                 "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}})


def runtime_permissions(key_arn: str, function_name: str) -> dict:
    """What a function needs to run with these safeguards: decrypt its own environment variables (Lambda
    encrypts them with the context ``LambdaFunctionName``) and write its traces."""
    return _doc(
        {"Sid": "DecryptOwnEnvironment", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:EncryptionContext:LambdaFunctionName": function_name}}},
        # X-Ray's PutTraceSegments and PutTelemetryRecords have no resource type: "*"
        # (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html, execution role permissions).
        {"Sid": "WriteTraces", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
         "Resource": "*"})


def schedule_arn(region: str, account: str, name: str, group: str = "default", partition: str = "aws") -> str:
    return f"arn:{partition}:scheduler:{region}:{account}:schedule/{group}/{name}"


def schedule_payload_permissions(key_arn: str, schedule: str) -> dict:
    """The schedule's execution role decrypts that schedule's payload, and nothing else, when Scheduler
    invokes the target (https://docs.aws.amazon.com/scheduler/latest/UserGuide/encryption-rest.html); the context
    key is a string (StringEquals, as the Scheduler guide's examples)."""
    return _doc({"Sid": "DecryptOwnSchedule", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
                 "Condition": {"StringEquals": {"kms:EncryptionContext:aws:scheduler:schedule:arn": schedule}}})


def code_bucket_policy(bucket_arn: str) -> dict:
    return _doc(deny_plain_http(bucket_arn))


@dataclass(frozen=True)
class SignedCode:
    """A package as Lambda deploys it: the signed object's bucket and key."""
    bucket: pulumi.Output[str]
    key: pulumi.Output[str]


@dataclass(frozen=True)
class SignedFunctionsArgs:
    provider: aws.Provider  # the security account's
    security_account_id: pulumi.Input[str]
    region: str  # the home region, where every irready function and schedule runs
    noncurrent_code_days: int = 400  # how long a replaced package stays readable (which code ran when)


class SignedFunctions(pulumi.ComponentResource):
    """The signing profile, the code signing configuration, the code bucket and the functions' key. Functions
    and schedules are declared through ``signed_code``, ``function`` and ``schedule``.
    Outputs: ``code_signing_config_arn``, ``signing_profile_version_arn``, ``code_bucket``, ``key_arn``."""

    def __init__(self, name: str, args: SignedFunctionsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:SignedFunctions", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.region, self.account = args.region, pulumi.Output.from_input(args.security_account_id)
        self.key = aws.kms.Key(f"{name}-key", description="irready functions: environment and schedule payloads",
                               enable_key_rotation=True, deletion_window_in_days=30, region=args.region, opts=child,
                               policy=self.account.apply(lambda a: json.dumps(key_policy(a))))
        aws.kms.Alias(f"{name}-key-alias", name=KEY_ALIAS, target_key_id=self.key.key_id, region=args.region,
                      opts=child)
        # A prefix, not a name: a canceled profile's name cannot be used again for two years
        # (https://docs.aws.amazon.com/signer/latest/developerguide/signer-console.html).
        self.profile = aws.signer.SigningProfile(f"{name}-signing-profile", name_prefix=SIGNING_PROFILE,
                                                 platform_id=SIGNING_PLATFORM, region=args.region, opts=child,
                                                 signature_validity_period=SIGNATURE_VALIDITY)
        self.code_signing_config = aws.lambda_.CodeSigningConfig(
            f"{name}-code-signing-config", region=args.region, opts=child,
            description=f"irready: only code signed by the {SIGNING_PROFILE} profile deploys",
            allowed_publishers={"signing_profile_version_arns": [self.profile.version_arn]},
            policies={"untrusted_artifact_on_deployment": "Enforce"})
        # Old packages stay readable (noncurrent versions) as long as the logs, then expire; current ones stay.
        keep_replaced = {"id": "expire-replaced-packages", "status": "Enabled", "filter": {"prefix": ""},
                         "noncurrent_version_expiration": {"noncurrent_days": args.noncurrent_code_days}}
        code = hardened_bucket(f"{name}-code", HardenedBucketArgs(
            bucket_name=self.account.apply(lambda a: f"{CODE_BUCKET_PREFIX}{a}"), region=args.region,
            key_arn=self.key.arn, owner_enforced=True, policy=code_bucket_policy,
            lifecycle_rules=(keep_replaced, ABORT_INCOMPLETE_UPLOADS)), opts=child)
        self.code_bucket, self._bucket_ready = code.bucket, code.policy
        self.register_outputs({"code_signing_config_arn": self.code_signing_config.arn,
                               "signing_profile_version_arn": self.profile.version_arn,
                               "code_bucket": self.code_bucket.bucket, "key_arn": self.key.arn})

    def signed_code(self, name: str, package: str, archive: pulumi.Archive,
                    opts: pulumi.ResourceOptions) -> SignedCode:
        """Upload ``archive`` as ``unsigned/<package>.zip`` (``<name>-code``, a new object version when it
        changes) and sign that version (``<name>-code-signing``, a new job per version, the output under
        ``signed/``). ``opts``: the caller's parent and provider."""
        upload = aws.s3.BucketObjectv2(f"{name}-code", bucket=self.code_bucket.id, key=f"{UNSIGNED}{package}.zip",
                                       source=archive, server_side_encryption="aws:kms", kms_key_id=self.key.arn,
                                       region=self.region,
                                       opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                                           depends_on=[self._bucket_ready])))
        job = aws.signer.SigningJob(f"{name}-code-signing", profile_name=self.profile.name, region=self.region,
                                    source={"s3": {"bucket": upload.bucket, "key": upload.key,
                                                   "version": upload.version_id}},
                                    destination={"s3": {"bucket": self.code_bucket.id, "prefix": SIGNED}},
                                    ignore_signing_job_failure=False, opts=opts)
        signed = job.signed_objects.apply(lambda objects: objects[0]["s3s"][0])  # one object per job
        return SignedCode(bucket=signed.apply(lambda s: s["bucket"]), key=signed.apply(lambda s: s["key"]))

    def function(self, name: str, *, function_name: str, role: aws.iam.Role, code: SignedCode,
                 opts: pulumi.ResourceOptions, **settings) -> aws.lambda_.Function:
        """The Lambda function ``name`` (``function_name`` in AWS), with the caller's ``settings`` (runtime,
        handler, sizes, environment, logging) and this component's safeguards: the signed code, the code signing
        configuration, the key for its environment, Active tracing, and the role's runtime permissions
        (``<name>-runtime``, on ``role``, which the function waits for)."""
        runtime = aws.iam.RolePolicy(f"{name}-runtime", role=role.id, name=RUNTIME_POLICY,
                                     opts=pulumi.ResourceOptions(parent=opts.parent, provider=opts.provider),
                                     policy=self.key.arn.apply(lambda k: json.dumps(runtime_permissions(
                                         k, function_name))))
        return aws.lambda_.Function(
            name, name=function_name, role=role.arn, s3_bucket=code.bucket, s3_key=code.key,
            code_signing_config_arn=self.code_signing_config.arn, kms_key_arn=self.key.arn,
            tracing_config={"mode": TRACING_MODE}, region=self.region, **settings,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[runtime])))

    def schedule(self, name: str, *, schedule_name: str, role: aws.iam.Role, opts: pulumi.ResourceOptions,
                 **settings) -> aws.scheduler.Schedule:
        """The EventBridge Scheduler schedule ``name`` (``schedule_name`` in the default group) with the caller's
        ``settings``, its payload encrypted with the functions' key; ``role`` (its execution role) may decrypt
        that schedule's payload only (``<name>-payload-key``)."""
        decrypt = aws.iam.RolePolicy(f"{name}-payload-key", role=role.id, name=SCHEDULE_POLICY,
                                     opts=pulumi.ResourceOptions(parent=opts.parent, provider=opts.provider),
                                     policy=pulumi.Output.all(self.key.arn, self.account).apply(
                                         lambda v: json.dumps(schedule_payload_permissions(
                                             v[0], schedule_arn(self.region, v[1], schedule_name)))))
        return aws.scheduler.Schedule(
            name, name=schedule_name, group_name="default", region=self.region, kms_key_arn=self.key.arn, **settings,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[decrypt])))
