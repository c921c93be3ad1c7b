"""The program when it creates the security account instead of adopting one."""

from __future__ import annotations

import json

from irready import policies
from tests.infra.mocks import CREATED_ACCOUNT, example_config, run_program


def test_a_created_security_account_is_the_one_every_role_and_key_trusts():
    config = {key: value for key, value in example_config().items() if key != "irready:securityAccountId"}
    config["irready:createSecurityAccount"] = json.dumps({"name": "Security", "email": "aws-security@example.com"})
    recorder = run_program(config)
    (account,) = recorder.of_type("aws:organizations/account:Account")
    assert account.inputs["email"] == "aws-security@example.com" and account.inputs["closeOnDeletion"] is False
    responders = [r for r in recorder.of_type("aws:iam/role:Role") if r.inputs.get("name") == "IncidentResponder"]
    assert responders and all(json.loads(r.inputs["assumeRolePolicy"]) == policies.responder_trust_policy(
        CREATED_ACCOUNT) for r in responders)
    (key,) = [k for k in recorder.of_type("aws:kms/key:Key") if k.name == "organization-trail-key"]
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    decrypt = statements["SecurityAccountReadsTrailLogs"]
    assert decrypt["Principal"] == {"AWS": f"arn:aws:iam::{CREATED_ACCOUNT}:root"}
    admins = recorder.of_type("aws:guardduty/organizationAdminAccount:OrganizationAdminAccount")
    assert {a.inputs["adminAccountId"] for a in admins} == {CREATED_ACCOUNT}
