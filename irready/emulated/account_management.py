"""Account Management in an organization, as AWS enforces it and moto does not, answered over HTTP in front
of moto.

moto's ``account`` backend sets and reads an alternate contact for whatever ``AccountId`` it is given, from
any caller. AWS allows ``AccountId`` only from the organization's management account or its delegated
administrator for ``account.amazonaws.com``, with trusted access enabled, for a member account of the same
organization; the management account cannot name itself
(https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html,
https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html). This layer refuses
the rest with AccessDeniedException and passes what AWS allows on to moto.

Region opt-in (GetRegionOptStatus, EnableRegion), which moto lacks, is kept here per account. Two more gaps,
closed here: moto refuses ``account.amazonaws.com`` as a delegated-administrator service
(AWS lists it: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html),
and answers a member's ListAccounts with its own (empty) list, where AWS answers a delegated administrator
with the organization's accounts
(https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html).
"""

from __future__ import annotations

import io
import json

from irready.emulated.aws_errors import error_response, signed_scope

SERVICE_PRINCIPAL = "account.amazonaws.com"


def allow_delegation(principal: str) -> None:
    """Let moto register (and list) a delegated administrator for ``principal``, which its short list lacks
    and AWS accepts (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html).
    Idempotent."""
    from moto.organizations.models import FakeDelegatedAdministrator

    if principal not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(principal)


def allow_account_management_delegation() -> None:
    """Let moto register a delegated administrator for Account Management (idempotent)."""
    allow_delegation(SERVICE_PRINCIPAL)


def _organization_of(account_id: str):
    """(management account id, its moto backend) of the organization ``account_id`` is in, or None."""
    from moto.organizations.models import organizations_backends

    if organizations_backends[account_id]["aws"].org is not None:
        return account_id, organizations_backends[account_id]["aws"]
    if account_id in organizations_backends.master_accounts:
        management, partition = organizations_backends.master_accounts[account_id]
        return management, organizations_backends[management][partition]
    return None


def _delegated(backend, account_id: str, principal: str | None = None) -> bool:
    return any(admin.account.id == account_id and (principal is None or principal in admin.services)
               for admin in backend.admins)


def refusal(caller: str, account_id: str) -> str | None:
    """Why AWS refuses ``caller`` naming ``account_id`` in an Account Management call, or None if it allows it."""
    organization = _organization_of(caller)
    if organization is None:
        return f"{caller} is not in an organization: call without AccountId"
    management, backend = organization
    if SERVICE_PRINCIPAL not in {s["ServicePrincipal"] for s in backend.services}:
        return f"trusted access for {SERVICE_PRINCIPAL} is not enabled in the organization"
    if caller != management and not _delegated(backend, caller, SERVICE_PRINCIPAL):
        return f"{caller} is neither the management account nor the delegated administrator for {SERVICE_PRINCIPAL}"
    if account_id == management:
        return "the management account cannot be named with AccountId: call it in standalone context"
    if not any(a.id == account_id and a.status == "ACTIVE" for a in backend.accounts):
        return f"{account_id} is not a member account of the organization"
    return None


class AccountManagementLayer:
    """A WSGI layer over moto's app: ``AccountManagementLayer(app)``."""

    def __init__(self, app):
        self.app = app
        self.enabled_regions: dict[str, set[str]] = {}  # account -> opt-in regions it enabled (EnableRegion)

    def __call__(self, environ, start_response):
        scope = signed_scope(environ)
        if not scope or scope[2] not in ("account", "organizations"):
            return self.app(environ, start_response)
        from moto.iam.models import get_account_id_from

        caller = get_account_id_from(scope[0])
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # moto reads it again
        body = json.loads(raw or b"{}")
        if scope[2] == "account" and body.get("AccountId"):
            reason = refusal(caller, body["AccountId"])
            if reason:
                return _send(start_response, *error_response("account", "403 Forbidden", "AccessDeniedException",
                                                             reason))
        if scope[2] == "account" and environ.get("PATH_INFO") in ("/getRegionOptStatus", "/enableRegion"):
            return self._region_opt_status(start_response, environ["PATH_INFO"], body.get("AccountId") or caller,
                                           body.get("RegionName", ""))
        if scope[2] == "organizations" and environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListAccounts"):
            organization = _organization_of(caller)
            if organization and caller != organization[0] and _delegated(organization[1], caller):
                accounts, _ = organization[1].list_accounts()
                payload = json.dumps({"Accounts": accounts}).encode()
                return _send(start_response, "200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                                        ("Content-Length", str(len(payload)))], payload)
        return self.app(environ, start_response)

    def _region_opt_status(self, start_response, path: str, account_id: str, region: str):
        """GetRegionOptStatus and EnableRegion, which moto lacks, kept per account: a region moto's DescribeRegions
        marks ``not-opted-in`` is DISABLED until EnableRegion, the others ENABLED_BY_DEFAULT
        (https://docs.aws.amazon.com/accounts/latest/reference/API_GetRegionOptStatus.html,
        https://docs.aws.amazon.com/accounts/latest/reference/API_EnableRegion.html). EC2's DescribeRegions in the
        account does not follow EnableRegion here."""
        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

        opt_in = {r.name for r in RegionsAndZonesBackend.regions if r.opt_in_status == "not-opted-in"}
        known = {r.name for r in RegionsAndZonesBackend.regions}
        if region not in known:
            return _send(start_response, *error_response("account", "400 Bad Request", "ValidationException",
                                                         f"{region!r} is not a region"))
        if path == "/enableRegion":
            if region not in opt_in:
                return _send(start_response, *error_response(
                    "account", "400 Bad Request", "ValidationException",
                    f"{region} is enabled by default and cannot be enabled or disabled"))
            self.enabled_regions.setdefault(account_id, set()).add(region)
            payload = b""
        else:
            status = ("ENABLED" if region in self.enabled_regions.get(account_id, set()) else "DISABLED") \
                if region in opt_in else "ENABLED_BY_DEFAULT"
            payload = json.dumps({"RegionName": region, "RegionOptStatus": status}).encode()
        return _send(start_response, "200 OK", [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(payload)))], payload)


def _send(start_response, status: str, headers: list, body: bytes):
    start_response(status, headers)
    return [body]
