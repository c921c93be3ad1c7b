"""GuardDuty's organization API, which moto lacks, answered over HTTP in front of moto.

moto implements detectors and the delegated-administrator designation but not the administrator's
side of an organization: UpdateOrganizationConfiguration / DescribeOrganizationConfiguration,
CreateMembers / ListMembers / GetMembers, and a member's GetAdministratorAccount (moto answers it
from the caller's own designation). This layer keeps that state per emulator, keyed as AWS keys
it (account, region), and answers in GuardDuty's REST-JSON shapes:
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html,
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateMembers.html,
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetAdministratorAccount.html.

It enforces what AWS enforces there and moto would not: the caller must own the detector it names,
and only the region's delegated administrator manages the organization's configuration and members
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html). Every other
GuardDuty request goes on to moto.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from irready.emulated.aws_errors import error_response, signed_scope

_PATH = re.compile(r"^/detector/(?P<detector>[^/]+)/(?P<what>admin|member|member/get|administrator)$")


@dataclass
class _Member:
    account_id: str
    email: str
    administrator: str
    detector_id: str
    invited_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def shape(self) -> dict:
        """GuardDuty's Member shape (API_Member.html); organization members are Enabled at once."""
        return {"accountId": self.account_id, "detectorId": self.detector_id, "masterId": self.administrator,
                "administratorId": self.administrator, "email": self.email, "relationshipStatus": "Enabled",
                "invitedAt": self.invited_at, "updatedAt": self.invited_at}


class GuardDutyOrganizationLayer:
    """A WSGI layer over moto's app: ``GuardDutyOrganizationLayer(app)``. State lives in the instance,
    so each emulator has its own organization."""

    def __init__(self, app):
        self.app = app
        self.configurations: dict[tuple[str, str], dict] = {}  # (administrator, region) -> configuration
        self.members: dict[tuple[str, str], dict[str, _Member]] = {}  # (administrator, region) -> members
        self.administrators: dict[tuple[str, str], _Member] = {}  # (member, region) -> its membership

    def __call__(self, environ, start_response):
        scope = signed_scope(environ)
        match = _PATH.match(environ.get("PATH_INFO", "")) if scope and scope[2] == "guardduty" else None
        if not match:
            return self.app(environ, start_response)
        from moto.iam.models import get_account_id_from

        caller, region = get_account_id_from(scope[0]), scope[1]
        method, what, detector = environ["REQUEST_METHOD"], match["what"], match["detector"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        if detector not in _detectors(caller, region):
            return _send(start_response, *error_response(
                "guardduty", "400 Bad Request", "BadRequestException",
                f"The request is rejected because the input detectorId {detector} is not owned by the current "
                "account."))
        if what == "administrator":
            membership = self.administrators.get((caller, region))
            return _ok(start_response, {"administrator": {
                "accountId": membership.administrator, "invitationId": f"organization-{caller}",
                "relationshipStatus": "Enabled", "invitedAt": membership.invited_at}} if membership else {})
        if caller not in _delegated_administrators(region):
            return _send(start_response, *error_response(
                "guardduty", "400 Bad Request", "BadRequestException",
                f"The request is rejected because {caller} is not the GuardDuty delegated administrator of the "
                f"organization in {region}."))
        key = (caller, region)
        if what == "admin" and method == "POST":
            self.configurations[key] = body
            return _ok(start_response, {})
        if what == "admin":
            configuration = self.configurations.get(key, {})
            return _ok(start_response, {
                "autoEnableOrganizationMembers": configuration.get("autoEnableOrganizationMembers", "NONE"),
                "autoEnable": configuration.get("autoEnableOrganizationMembers", "NONE") != "NONE",
                "memberAccountLimitReached": False, "features": configuration.get("features", [])})
        members = self.members.setdefault(key, {})
        if what == "member" and method == "POST":
            for details in body.get("accountDetails", []):
                account = details["accountId"]
                if account == caller:
                    continue
                member_detectors = _detectors(account, region)
                member = _Member(account, details.get("email", ""), caller,
                                 member_detectors[0] if member_detectors else "")
                members[account] = member
                self.administrators[account, region] = member
            return _ok(start_response, {"unprocessedAccounts": []})
        if what == "member":
            return _ok(start_response, {"members": [m.shape() for m in members.values()]})
        wanted = body.get("accountIds", [])  # member/get
        return _ok(start_response, {
            "members": [members[a].shape() for a in wanted if a in members],
            "unprocessedAccounts": [{"accountId": a, "result": "The request is rejected because the given account "
                                     "ID is not an associated member of this account."}
                                    for a in wanted if a not in members]})


def _detectors(account_id: str, region: str) -> list[str]:
    from moto.guardduty.models import guardduty_backends

    return list(guardduty_backends[account_id][region].detectors)


def _delegated_administrators(region: str) -> set[str]:
    """The accounts designated in ``region`` (EnableOrganizationAdminAccount, which moto records in the
    designating management account)."""
    from moto.guardduty.models import guardduty_backends

    return {admin for _, backend_region, backend in guardduty_backends.iter_backends() if backend_region == region
            for admin in backend.admin_account_ids}


def _ok(start_response, payload: dict):
    body = json.dumps(payload).encode()
    return _send(start_response, "200 OK", [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(body)))], body)


def _send(start_response, status: str, headers: list, body: bytes):
    start_response(status, headers)
    return [body]
