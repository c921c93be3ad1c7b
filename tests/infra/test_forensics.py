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
