"""The containment steps of docs/containment.md, performed on the emulated AWS as IncidentResponder, with
moto's IAM enforcement switched on for the duration (``enforced``).

What moto does not enforce, and so what this cannot prove (tests/policies prove it, with our evaluator and
two analysers, against the document as deployed):

- resources: moto matches a statement's Resource against ``*`` only, so a statement scoped to
  ``instance/*``, ``snapshot/*``, a role or a key would allow nothing here;
- conditions: moto fills in no condition keys (``iam:PolicyARN``, ``aws:ResourceTag/...``, ``ec2:Add/userId``,
  ``kms:ViaService``, ``kms:ResourceAliases``, ``iam:PassedToService``), so a conditional Allow never applies;
- explicit denies on specific resources (the responder's own role, ``irready-*``), for the same reason;
- KMS: copying a snapshot "for the forensic key" calls no KMS in moto (no grant, no re-encryption);
- SSM Automation: moto has no StartAutomationExecution, so the runbooks (revoke older sessions, lock a bucket)
  are not run here; Route 53 Resolver DNS Firewall is missing too;
- cross-account: moto does not check that a shared snapshot or the evidence bucket admit the caller.

Hence ``emulated_copy``: the responder's policy with every Allow widened to ``Resource: *`` and no Condition,
and the resource-scoped Denies dropped. It is put on the role only here, after the audit has judged the
document as deployed; what it shows is that the steps are the calls the role's actions allow, in order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager


def emulated_copy(document: dict) -> dict:
    """``document`` with Allows widened (Resource ``*``, no Condition) and resource-scoped Denies dropped."""
    widened = []
    for statement in copy.deepcopy(document)["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Resource"] = "*"
            statement.pop("Condition", None)
        elif statement.get("Resource") != "*":
            continue
        widened.append(statement)
    return {**document, "Statement": widened}


@contextmanager
def enforced() -> Iterator[None]:
    """moto checks every request's signer against IAM while inside: what moto's own
    ``set_initial_no_auth_action_count(0)`` does, for the in-process server the emulator runs. Only
    credentials IAM knows work inside (e.g. an assumed role's); get them before entering."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    before, count = settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count
    settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = 0, 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = before, count
