"""Every irready Lambda function and schedule under Pulumi's mocks (Pulumi.example-org.yaml: the scheduled audit,
the VPC preparation and the security contacts functions), held to AWS's documented rules:

- Lambda code signing: a code signing configuration lists the signing profiles allowed to publish, and with
  UntrustedArtifactOnDeployment = Enforce, Lambda refuses a package whose signature fails the checks:
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
- Signer signs an S3 object *version* (the source names bucket, key and version; the source bucket must be
  versioned, both buckets in the profile's region) and writes the signed package under the destination prefix:
  https://docs.aws.amazon.com/signer/latest/api/API_StartSigningJob.html,
  https://docs.aws.amazon.com/signer/latest/developerguide/s3-source-lambda.html; a canceled profile's name is not
  usable again (https://docs.aws.amazon.com/signer/latest/developerguide/signer-console.html), hence a prefix
- Lambda environment variables under a customer managed key; the function decrypts them with the encryption
  context LambdaFunctionName: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
- EventBridge Scheduler payloads under a customer managed key (encryption context aws:scheduler:schedule:arn):
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/encryption-rest.html
- X-Ray for Lambda (Active; PutTraceSegments and PutTelemetryRecords, which take no resource):
  https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html; for Step Functions:
  https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html
- KMS key rotation: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
"""

from __future__ import annotations

import json

import pulumi
import pytest
from irready.infra.components import signed_functions as signed
from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, record, stack_config_file
from irready.policies import alternate_contacts as contacts
from irready.policies import scheduled_audit as audit_names
from irready.policies import vpc_preparation as prep
from irready.policies.evaluator import ALLOW, Request, evaluate
from parliament import analyze_policy_string

from tests.infra.mocks import ROOT, example_config, run_program

SECURITY, REGION = "210987654321", "us-east-1"
FUNCTIONS = {*audit_names.FUNCTIONS, prep.FUNCTION, contacts.FUNCTION}
SCHEDULES = {audit_names.SCHEDULE, f"{prep.FUNCTION}-reconciliation", f"{contacts.FUNCTION}-reconciliation"}
NAME = "irready-functions"
KEY, CSC, PROFILE = (f"arn:aws:mock:::{NAME}-key", f"arn:aws:mock:::{NAME}-code-signing-config",
                     f"arn:aws:mock:::{NAME}-signing-profile/version")
CODE_BUCKET = f"{signed.CODE_BUCKET_PREFIX}{SECURITY}"


@pytest.fixture(scope="module")
def program():
    return record(stack_config_file(ROOT / "Pulumi.example-org.yaml"), ORGANIZATION_TRUSTED_SERVICES)


def of(program, type_: str) -> list:
    return program.of_type(type_)


def by_name(program, type_: str) -> dict:
    return {r.inputs["name"]: r for r in of(program, type_)}


def one(program, type_: str):
    (declared,) = of(program, type_)
    return declared


def allowed(document: dict, action: str, resource: str, **context) -> bool:
    return evaluate([document], Request(action, resource, context=context)) == ALLOW


def role_policies(program, role_pulumi_name: str) -> list[dict]:
    """The inline policies of the role declared as ``role_pulumi_name`` (the mocks' role id is ``<name>-id``)."""
    return [json.loads(p.inputs["policy"]) for p in of(program, "aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] == f"{role_pulumi_name}-id"]


def test_every_irready_function_and_schedule_is_declared_through_signed_functions(program):
    assert set(by_name(program, "aws:lambda/function:Function")) == FUNCTIONS
    assert set(by_name(program, "aws:scheduler/schedule:Schedule")) == SCHEDULES
    assert len(of(program, "irready:index:SignedFunctions")) == 1  # one profile, config, bucket and key for all


def test_lambda_refuses_code_not_signed_by_irreadys_profile(program):
    profile = one(program, "aws:signer/signingProfile:SigningProfile")
    assert (profile.inputs["platformId"], profile.inputs["namePrefix"]) == ("AWSLambda-SHA384-ECDSA",
                                                                          signed.SIGNING_PROFILE)
    config = one(program, "aws:lambda/codeSigningConfig:CodeSigningConfig")
    assert config.inputs["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}  # not Warn
    # The profile is the only publisher allowed (a version ARN: a revoked profile version stops deploying).
    assert config.inputs["allowedPublishers"] == {"signingProfileVersionArns": [PROFILE]}
    for function in of(program, "aws:lambda/function:Function"):
        assert function.inputs["codeSigningConfigArn"] == CSC, function.name


def test_every_irready_function_runs_only_signed_code_from_the_code_bucket(program):
    bucket = next(b for b in of(program, "aws:s3/bucket:Bucket") if b.inputs["bucket"] == CODE_BUCKET)
    profile = one(program, "aws:signer/signingProfile:SigningProfile")
    uploads = {u.name: u for u in of(program, "aws:s3/bucketObjectv2:BucketObjectv2")}
    jobs = {j.name: j for j in of(program, "aws:signer/signingJob:SigningJob")}
    signed_objects = {(o["bucket"], o["key"]): job for job in jobs.values()
                      for o in job.outputs["signedObjects"][0]["s3s"]}
    for function in of(program, "aws:lambda/function:Function"):
        inputs = function.inputs
        assert "code" not in inputs and "filename" not in inputs and "imageUri" not in inputs, function.name
        job = signed_objects[(inputs["s3Bucket"], inputs["s3Key"])]
        assert inputs["s3Bucket"] == bucket.id and inputs["s3Key"].startswith(signed.SIGNED)  # id: the name in AWS
        # The job signs one version of an upload of this program, with irready's profile.
        source = job.inputs["source"]["s3"]
        upload = uploads[job.name.removesuffix("-signing")]
        assert (source["bucket"], source["key"], source["version"]) == (
            upload.outputs["bucket"], upload.inputs["key"], upload.outputs["versionId"])
        assert upload.inputs["key"].startswith(signed.UNSIGNED)
        assert job.inputs["profileName"] == profile.outputs["name"]
        # Signer reads and writes buckets of the profile's region only (API_StartSigningJob above).
        assert upload.inputs["region"] == job.inputs["region"] == profile.inputs["region"] == inputs["region"]
        assert job.inputs["ignoreSigningJobFailure"] is False  # a failed signing stops the deployment
        assert isinstance(upload.inputs["source"], pulumi.Archive)  # the installed package, archived at deploy time
    # One package per function's code: the scheduled audit's three functions share one.
    assert len(jobs) == 3


def test_the_code_bucket_is_versioned_private_encrypted_and_keeps_current_packages(program):
    bucket = next(b for b in of(program, "aws:s3/bucket:Bucket") if b.inputs["bucket"] == CODE_BUCKET)
    mine = [r for r in program.resources if r.name.startswith(f"{NAME}-code-")]
    versioning = next(r for r in mine if r.type == "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}  # Signer signs versions only
    block = next(r for r in mine if r.type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy",
                                         "restrictPublicBuckets"))
    encryption = next(r for r in mine if r.type.endswith("BucketServerSideEncryptionConfiguration"))
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}
    policy = json.loads(next(r for r in mine if r.type == "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = next(r for r in mine if r.type.endswith("BucketLifecycleConfiguration")).inputs["rules"]
    # Replaced packages expire after the logs' retention; the current ones (what runs) never do.
    assert not any("expiration" in rule for rule in rules)
    assert bucket.name == f"{NAME}-code-bucket"


def test_nobody_is_granted_signing_by_the_program(program):
    """Who may sign: the deploying principal, through its own IAM permissions (Pulumi starts the job); the
    program grants signer:StartSigningJob to no other principal or account (no SigningProfilePermission),
    and no role it creates may sign or change a code signing configuration."""
    assert not of(program, "aws:signer/signingProfilePermission:SigningProfilePermission")
    name = one(program, "aws:signer/signingProfile:SigningProfile").outputs["name"]
    profile = f"arn:aws:signer:{REGION}:{SECURITY}:/signing-profiles/{name}"
    for policy in of(program, "aws:iam/rolePolicy:RolePolicy"):
        document = json.loads(policy.inputs["policy"])
        assert not allowed(document, "signer:StartSigningJob", profile), policy.name
        assert not allowed(document, "lambda:UpdateFunctionCodeSigningConfig", f"arn:aws:lambda:{REGION}:{SECURITY}:"
                           f"function:{prep.FUNCTION}"), policy.name


def test_every_function_encrypts_its_environment_with_the_functions_key_and_traces_actively(program):
    for function in of(program, "aws:lambda/function:Function"):
        assert function.inputs["kmsKeyArn"] == KEY
        assert function.inputs["tracingConfig"] == {"mode": "Active"}
    machine = one(program, "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}


def test_the_functions_key_rotates_and_only_this_account_administers_it(program):
    key = next(k for k in of(program, "aws:kms/key:Key") if k.name == f"{NAME}-key")
    assert key.inputs["enableKeyRotation"] is True
    principals = [s["Principal"] for s in json.loads(key.inputs["policy"])["Statement"]]
    assert principals == [{"AWS": f"arn:aws:iam::{SECURITY}:root"}]  # no service, no other account


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_role_decrypts_only_its_own_environment_and_writes_traces(program, function):
    declared = by_name(program, "aws:lambda/function:Function")[function]
    role = declared.inputs["role"].removeprefix("arn:aws:mock:::")
    (runtime,) = [json.loads(p.inputs["policy"]) for p in of(program, "aws:iam/rolePolicy:RolePolicy")
                  if p.inputs["role"] == f"{role}-id" and p.inputs["name"] == signed.RUNTIME_POLICY]
    context = "kms:EncryptionContext:LambdaFunctionName"
    assert allowed(runtime, "kms:Decrypt", KEY, **{context: function})
    for other in FUNCTIONS - {function}:
        assert not allowed(runtime, "kms:Decrypt", KEY, **{context: other})
    assert not allowed(runtime, "kms:Decrypt", KEY)  # another use of the key (a schedule, the code bucket)
    assert not allowed(runtime, "kms:Encrypt", KEY, **{context: function})
    assert allowed(runtime, "xray:PutTraceSegments", "*") and allowed(runtime, "xray:PutTelemetryRecords", "*")
    assert {a for s in runtime["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            } == {"kms:Decrypt", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_each_schedule_is_encrypted_and_its_role_decrypts_only_that_schedule(program, schedule):
    declared = by_name(program, "aws:scheduler/schedule:Schedule")[schedule]
    assert declared.inputs["kmsKeyArn"] == KEY
    role = declared.inputs["target"]["roleArn"].removeprefix("arn:aws:mock:::")
    (payload,) = [json.loads(p.inputs["policy"]) for p in of(program, "aws:iam/rolePolicy:RolePolicy")
                  if p.inputs["role"] == f"{role}-id" and p.inputs["name"] == signed.SCHEDULE_POLICY]
    context = "kms:EncryptionContext:aws:scheduler:schedule:arn"
    assert allowed(payload, "kms:Decrypt", KEY, **{context: signed.schedule_arn(REGION, SECURITY, schedule)})
    for other in SCHEDULES - {schedule}:
        assert not allowed(payload, "kms:Decrypt", KEY, **{context: signed.schedule_arn(REGION, SECURITY, other)})
    assert not allowed(payload, "kms:Decrypt", KEY, **{"kms:EncryptionContext:LambdaFunctionName": prep.FUNCTION})


def test_no_irready_function_can_be_reached_but_by_its_named_invokers(program):
    """CKV_AWS_117's skip rests on this: no function URL, and the functions' resource-based policies admit only
    EventBridge, for a rule this program declares (SourceArn); the schedules and the state machine invoke through
    roles that may invoke their own function only (test_scheduled_audit.py, test_organization_mode.py,
    test_security_contacts.py)."""
    assert not of(program, "aws:lambda/functionUrl:FunctionUrl")
    rules = {r.outputs["arn"] for r in of(program, "aws:cloudwatch/eventRule:EventRule")}
    functions = {f.name: f for f in of(program, "aws:lambda/function:Function")}
    permissions = of(program, "aws:lambda/permission:Permission")
    assert permissions
    for permission in permissions:
        inputs = permission.inputs
        assert inputs["function"] in {f.inputs["name"] for f in functions.values()}
        assert (inputs["action"], inputs["principal"]) == ("lambda:InvokeFunction", "events.amazonaws.com")
        assert inputs["sourceArn"] in rules, permission.name
        assert "functionUrlAuthType" not in inputs and "principalOrgId" not in inputs


def test_the_scheduled_audits_functions_are_invoked_synchronously_by_the_state_machine_only(program):
    """CKV_AWS_116's skip for the scheduled audit rests on this: a dead-letter queue receives failed asynchronous
    invocations only, and these functions are invoked by the state machine's lambda:invoke tasks, which wait for the
    result (RequestResponse, https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html), and by
    nothing else: no resource-based permission names them, and of the program's roles only the state machine's
    may invoke them."""
    machine = one(program, "aws:sfn/stateMachine:StateMachine")
    definition = json.loads(machine.inputs["definition"])

    def tasks(states: dict):
        for state in states.values():
            if state["Type"] == "Task":
                yield state
            if "ItemProcessor" in state:
                yield from tasks(state["ItemProcessor"]["States"])

    invoked = set()
    for task in tasks(definition["States"]):
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"  # not .waitForTaskToken, not an async ARN
        assert task["Parameters"].get("InvocationType", "RequestResponse") == "RequestResponse"
        invoked.add(task["Parameters"]["FunctionName"].rsplit(":", 1)[-1])
    assert invoked == set(audit_names.FUNCTIONS)
    assert not [p for p in of(program, "aws:lambda/permission:Permission")
                if p.inputs["function"] in audit_names.FUNCTIONS]
    for name in audit_names.FUNCTIONS:
        arn = f"arn:aws:lambda:{REGION}:{SECURITY}:function:{name}"
        invokers = {p.inputs["name"] for p in of(program, "aws:iam/rolePolicy:RolePolicy")
                    if allowed(json.loads(p.inputs["policy"]), "lambda:InvokeFunction", arn)}
        assert invokers == {audit_names.STATE_MACHINE_ROLE}, name


def test_functions_keep_their_names_and_parents_so_existing_stacks_update_them_in_place():
    """Moving the code to S3, adding the code signing configuration, the key and tracing are in-place updates of
    a function (UpdateFunctionCode, PutFunctionCodeSigningConfig, UpdateFunctionConfiguration); a changed name or
    parent would be a new URN, hence a replacement."""
    parents: dict[str, str] = {}

    def remember(args: pulumi.ResourceTransformationArgs):
        if args.type_ == "aws:lambda/function:Function":
            parents[args.name] = args.opts.parent._name if args.opts.parent else ""
        return None

    run_program(example_config())  # the explicit stack: the scheduled audit's functions
    record(stack_config_file(ROOT / "Pulumi.example-org.yaml"), ORGANIZATION_TRUSTED_SERVICES, remember)
    audit = f"scheduled-audit-{SECURITY}"
    assert parents == {**{f"{audit}-{f}": audit for f in audit_names.FUNCTIONS},
                       "vpc-preparation-function": "vpc-preparation",
                       "organization-security-contacts-function": "organization-security-contacts"}


def test_without_functions_nothing_of_it_is_declared():
    config = {k: v for k, v in example_config().items() if k != "irready:scheduledAudit"}
    types = {r.type for r in run_program(config).resources}
    assert not types & {"irready:index:SignedFunctions", "aws:signer/signingProfile:SigningProfile",
                        "aws:lambda/codeSigningConfig:CodeSigningConfig", "aws:signer/signingJob:SigningJob"}


def test_only_signed_functions_declares_lambda_functions_and_schedules():
    """A function or schedule declared anywhere else would skip the safeguards: the program's source says where
    they are declared (the tests above cover the example stacks; this covers every path)."""
    infra = ROOT / "infra"
    declaring = {path.relative_to(infra).as_posix() for path in infra.rglob("*.py")
                 for text in [path.read_text()] if "aws.lambda_.Function(" in text or "aws.scheduler.Schedule(" in text}
    assert declaring == {"components/signed_functions.py"}


def test_parliament_finds_nothing_in_the_runtime_and_payload_policies():
    key = f"arn:aws:kms:{REGION}:{SECURITY}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    for document in (signed.runtime_permissions(key, prep.FUNCTION),
                     signed.schedule_payload_permissions(key, signed.schedule_arn(REGION, SECURITY, "x"))):
        findings = analyze_policy_string(json.dumps(document)).findings
        assert [f.issue for f in findings] == [], document
