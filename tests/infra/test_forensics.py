"""ForensicEvidence under mocks, with what AWS documents for it.

- Object Lock can be enabled only when the bucket is created, and needs versioning:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
- A snapshot encrypted with the AWS managed key cannot be shared; re-encrypt with a customer managed key the
  recipient may use: https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html
- Key policies that let other accounts use a key: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from irready.policies.evaluator import ALLOW, IMPLICIT_DENY, Request, evaluate

from irready import policies
from tests.infra.mocks import ORGANIZATION_ID, Recorder

SECURITY, MEMBER = "210987654321", "111111111111"


def _declared() -> Recorder:
    from irready.infra.components.forensics import ForensicEvidence, ForensicEvidenceArgs

    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def declare():
        security = aws.Provider("security", region="us-east-1")
        evidence = ForensicEvidence("forensics", ForensicEvidenceArgs(
            provider=security, security_account_id=SECURITY, organization_id=ORGANIZATION_ID, region="us-east-1",
            retention_days=400))
        return evidence.bucket.id

    declare()
    return recorder


def test_the_evidence_bucket_is_versioned_locked_and_private():
    recorder = _declared()
    (bucket,) = recorder.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs["objectLockEnabled"] is True  # only at creation
    assert bucket.inputs["bucket"] == policies.evidence_bucket_name(SECURITY, "us-east-1")
    (versioning,) = recorder.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (lock,) = recorder.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "GOVERNANCE", "days": 400}
    (block,) = recorder.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy",
                                         "restrictPublicBuckets"))
    (alias,) = recorder.of_type("aws:kms/alias:Alias")
    assert alias.inputs["name"] == policies.FORENSIC_KEY_ALIAS


def test_member_responders_reencrypt_through_ec2_and_nobody_else_uses_the_key():
    (key,) = _declared().of_type("aws:kms/key:Key")
    policy = [json.loads(key.inputs["policy"])]
    responder = f"arn:aws:iam::{MEMBER}:role/IncidentResponder"
    member = {"aws:PrincipalOrgID": ORGANIZATION_ID, "aws:PrincipalArn": responder,
              "kms:ViaService": "ec2.us-east-1.amazonaws.com"}
    assert evaluate(policy, Request("kms:ReEncryptTo", principal=responder, context=member)) == ALLOW
    assert evaluate(policy, Request("kms:Decrypt", principal=responder, context=member)) == IMPLICIT_DENY
    assert evaluate(policy, Request("kms:ReEncryptTo", principal=responder,
                                    context={**member, "kms:ViaService": "lambda.us-east-1.amazonaws.com"})) \
        == IMPLICIT_DENY
    outsider = f"arn:aws:iam::{MEMBER}:role/web"
    assert evaluate(policy, Request("kms:ReEncryptTo", principal=outsider,
                                    context={**member, "aws:PrincipalArn": outsider})) == IMPLICIT_DENY
    assert evaluate(policy, Request("kms:Decrypt", principal=f"arn:aws:iam::{SECURITY}:role/Investigator")) == ALLOW


# --- Organization-wide mode: Principal * bounded by the organization and the responder role name ----------------
# A policy listing every account passes S3's 20 KB bucket-policy limit near 550 accounts
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html); organization-wide the
# statement admits "*" with aws:PrincipalOrgID and aws:PrincipalArn. checkov's CKV_AWS_70 flags the "*"; these
# tests are why policies/gate.py skips it there: nobody outside the organization, and no other role inside it,
# gains any S3 action, and the responders gain s3:PutObject alone (the global condition keys:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid).

def _organization_wide_policy() -> dict:
    from irready.infra.offline.program import ORGANIZATION_TRUSTED_SERVICES, record, stack_config_file

    from tests.infra.mocks import ROOT
    program = record(stack_config_file(ROOT / "Pulumi.example-org.yaml"), ORGANIZATION_TRUSTED_SERVICES)
    (policy,) = [r for r in program.of_type("aws:s3/bucketPolicy:BucketPolicy")
                 if r.name == "forensic-evidence-bucket-policy"]
    return json.loads(policy.inputs["policy"])


def _every_s3_action() -> list[str]:
    """Every S3 API operation as an IAM action (botocore's S3 model; the object- and bucket-level ones)."""
    import botocore.session

    return sorted(f"s3:{name}" for name in botocore.session.get_session().get_service_model("s3").operation_names)


def test_organization_wide_the_evidence_policy_names_no_account_and_stays_under_s3s_size_limit():
    policy = _organization_wide_policy()
    (admit,) = [s for s in policy["Statement"] if s["Sid"] == "MemberRespondersAddEvidence"]
    assert admit["Principal"] == {"AWS": "*"}
    # A fixed aws:PrincipalOrgID keeps the policy non-public, so BlockPublicPolicy admits it:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
    assert admit["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": ORGANIZATION_ID}
    assert len(json.dumps(policy)) < 20 * 1024


def test_organization_wide_only_the_organizations_responders_add_evidence_and_nothing_else():
    policy = [_organization_wide_policy()]
    bucket = policy[0]["Statement"][0]["Resource"][0]  # the bucket's ARN (the mocks' stand-in)
    actions = _every_s3_action()
    assert "s3:PutObject" in actions and len(actions) > 80

    def allowed(principal: str, org: str | None, **extra) -> set[str]:
        context = {"aws:PrincipalArn": principal, "aws:SecureTransport": "true", **extra}
        if org:
            context["aws:PrincipalOrgID"] = org
        return {action for action in actions for resource in (bucket, f"{bucket}/case-42/disk.img")
                if evaluate(policy, Request(action, resource, principal, context)) == ALLOW}

    new_member = "444455556666"  # joined after the last `pulumi up`: listed nowhere
    responder = f"arn:aws:iam::{new_member}:role/IncidentResponder"
    assert allowed(responder, ORGANIZATION_ID) == {"s3:PutObject"}
    assert allowed(f"arn:aws:iam::{new_member}:role/web", ORGANIZATION_ID) == set()
    assert allowed(f"arn:aws:iam::{new_member}:role/IncidentResponderLike", ORGANIZATION_ID) == set()
    assert allowed(f"arn:aws:iam::{new_member}:user/IncidentResponder", ORGANIZATION_ID) == set()
    assert allowed("arn:aws:iam::999999999999:role/IncidentResponder", "o-otherorg123") == set()
    assert allowed("arn:aws:iam::999999999999:role/IncidentResponder", None) == set()
    assert allowed(responder, ORGANIZATION_ID, **{"aws:SecureTransport": "false"}) == set()
