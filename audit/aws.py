"""boto3 sessions and clients for the audit, and how their failures are recorded.

Every client the audit makes is read-only by construction: a ``before-call`` hook refuses any
operation that is not a Describe/Get/List-style read, so a bug can never change an account.
"""

from __future__ import annotations

import gc
import itertools
import json
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.client
import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError
from botocore.retries import standard
from irready.audit.snapshot import unavailable

READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "Search")
# Reads named otherwise, each checked in its API reference: BatchGetNamedQuery returns saved queries
# (https://docs.aws.amazon.com/athena/latest/APIReference/API_BatchGetNamedQuery.html).
OTHER_READS = frozenset({"BatchGetNamedQuery"})
# The only non-read operation the audit sends: reaching member accounts.
ALLOWED_OTHER_OPERATIONS = frozenset({"AssumeRole"})

_USER_AGENT = "irready-audit"


@dataclass(frozen=True)
class Patience:
    """How long to wait for AWS, and how often to try again, before recording a call as failed."""
    max_attempts: int = 6  # botocore's adaptive mode: backs off and slows down when throttled
    connect_timeout: float = 10
    read_timeout: float = 30


DEFAULT_PATIENCE = Patience()


class WriteRefused(RuntimeError):
    """The audit tried to send an operation that could change an account. Always a bug."""


def is_read_operation(operation_name: str) -> bool:
    return (operation_name.startswith(READ_PREFIXES) or operation_name in OTHER_READS
            or operation_name in ALLOWED_OTHER_OPERATIONS)


def _refuse_writes(model, **_):
    if not is_read_operation(model.name):
        raise WriteRefused(f"irready audit is read-only; refused {model.service_model.service_name}:{model.name}")


class IncompleteResponse(BotoCoreError):
    """The connection closed before the whole answer arrived."""
    fmt = "incomplete response: {received} of {expected} bytes arrived"


def _require_complete_body(response_dict, **_):
    """botocore parses a cut-short body as an empty answer ("no detectors"), which an audit would
    read as a gap that is not there. Refuse it instead, so the section is recorded as unreadable."""
    expected = response_dict.get("headers", {}).get("content-length")
    body = response_dict.get("body")
    if expected and isinstance(body, bytes) and len(body) < int(expected):
        raise IncompleteResponse(received=len(body), expected=int(expected))


class MalformedResponse(BotoCoreError):
    """A successful HTTP status whose body is not an answer of the service's protocol: an HTML page
    from a proxy or captive portal, a cut JSON document. botocore would read it as an empty answer."""
    fmt = "the answer to {operation} was not an AWS response ({why})"


def _require_protocol_body(response_dict, operation_model=None, **_):
    """Refuse a 2xx body that is not JSON (json, rest-json) or XML (query, ec2, rest-xml), and any HTML.
    https://smithy.io/2.0/aws/protocols/index.html: each protocol answers in one document format."""
    status = response_dict.get("status_code") or 200
    body = response_dict.get("body")
    if not (200 <= int(status) < 300) or not isinstance(body, bytes) or not body.strip():
        return
    operation = getattr(operation_model, "name", "the call")
    protocol = getattr(getattr(operation_model, "service_model", None), "protocol", "")
    if _raw_payload(operation_model):
        return  # the body is the document itself (GetBucketPolicy's policy), not a protocol answer
    head = body.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        raise MalformedResponse(operation=operation, why="an HTML page")
    if protocol in ("json", "rest-json"):
        try:
            document = json.loads(body)
        except ValueError:
            raise MalformedResponse(operation=operation, why="not a complete JSON document") from None
        if not isinstance(document, dict):
            raise MalformedResponse(operation=operation, why="JSON, but not an object")
    elif protocol in ("query", "ec2", "rest-xml") and not head.startswith(b"<"):
        raise MalformedResponse(operation=operation, why="not XML")


def _raw_payload(operation_model) -> bool:
    """Whether the operation's output is one string or blob member sent as the whole body (a rest-xml
    ``payload``, e.g. S3 GetBucketPolicy's Policy)."""
    output = getattr(operation_model, "output_shape", None)
    payload = output.serialization.get("payload") if output is not None else None
    return bool(payload) and output.members[payload].type_name in ("string", "blob")


def single_host_endpoint(request, **_):
    """S3 Control prefixes the host with the account id ({id}.s3-control...); an emulator behind
    one --endpoint-url host cannot be reached that way, so send it to the host as given."""
    request.url = re.sub(r"//\d{12}\.", "//", request.url, count=1)


class CallStats:
    """HTTP requests sent, by service and operation (retries count: each is a round trip)."""

    def __init__(self):
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, event_name: str, **_) -> None:
        _, service, operation = event_name.split(".", 2)  # before-send.<service>.<Operation>
        with self._lock:
            self.requests[f"{service}:{operation}"] += 1

    def add(self, requests: dict[str, int]) -> None:
        """Count requests another process sent (collection processes report theirs at the end)."""
        with self._lock:
            self.requests.update(requests)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


_ACCOUNT_CREDENTIALS: ContextVar[Credentials | None] = ContextVar("irready_account_credentials", default=None)


class _CurrentAccountCredentials(Credentials):
    """Signs each request with the credentials of the account whose ``Clients.acting()`` block the
    calling thread is in; outside any such block it refuses, rather than sign for the wrong account."""

    FREEZE_SECONDS = 10.0

    def __init__(self):  # holds no keys of its own
        self.method = "irready-current-account"

    @staticmethod
    def _current() -> Credentials:
        credentials = _ACCOUNT_CREDENTIALS.get()
        if credentials is None:
            raise RuntimeError("AWS call made outside Clients.acting(): no account to sign it for")
        return credentials

    def get_frozen_credentials(self):
        """The account's keys, frozen at most ``FREEZE_SECONDS`` ago: renewable credentials check their
        expiry against the local time zone on every request (a few percent of a request's CPU), while
        they renew 15 minutes before an expiry an hour away."""
        credentials = self._current()
        held = getattr(credentials, "_irready_frozen", None)  # (good until, on the monotonic clock; keys)
        now = time.monotonic()
        if held is None or held[0] < now:
            held = (now + self.FREEZE_SECONDS, credentials.get_frozen_credentials())
            credentials._irready_frozen = held
        return held[1]

    access_key = property(lambda self: self._current().access_key)
    secret_key = property(lambda self: self._current().secret_key)
    token = property(lambda self: self._current().token)
    account_id = property(lambda self: getattr(self._current(), "account_id", None))


_CREATE_CLIENT_CLASS = botocore.client.ClientCreator._create_client_class
_CLASS_CACHE_ATTRIBUTE = "_irready_client_classes"


def _create_client_class_once(creator, service_name, service_model):
    """botocore builds a client's class (a method and a docstring per operation: 830 for EC2) for every
    client, about two thirds of a client's construction; the class depends on the service and on the
    handlers of the session's ``creating-client-class`` event, not on the region or credentials. For the
    audit's own sessions (made alike by ``_SharedClients``, marked on their event emitter) each service's
    class is built once; any other session is served by botocore as before."""
    classes = getattr(creator._event_emitter, _CLASS_CACHE_ATTRIBUTE, None)
    if classes is None:
        return _CREATE_CLIENT_CLASS(creator, service_name, service_model)
    key = (service_name, service_model.api_version)
    made = classes.get(key)
    if made is None:
        made = classes.setdefault(key, _CREATE_CLIENT_CLASS(creator, service_name, service_model))
    return made


botocore.client.ClientCreator._create_client_class = _create_client_class_once


_KEEPING = 0  # collections in progress in this process (``clients_kept_out_of_gc``)
_KEEPING_LOCK = threading.Lock()


@contextmanager
def clients_kept_out_of_gc():
    """While a collection runs, each client built is moved, with everything then alive, into CPython's
    permanent generation (``gc.freeze``), where full collections do not look.

    A client brings its service model along: about 600,000 objects for the audit's twenty services,
    alive until the process ends. CPython's full collection traverses every tracked object each time
    the survivors of younger collections grow by a quarter, so these models were traversed again and
    again: 6 full collections took 0.8 s of a one-account, 17-region audit's 3.6 s of CPU, 10 took 2.1 s
    of a 60-account audit's 40 s; frozen, 2.6 s and 36 s in all (python -m bench.gc_share). Freezing
    after each construction (at most one per service and region) keeps them out; per-request garbage is
    still collected by the younger generations as before. Leaving the last collection of the process
    unfreezes (``gc.unfreeze``), so a process that goes on (tests, the scheduled audit's function)
    collects everything as usual; what was frozen and became cyclic garbage meanwhile is collected then.
    https://docs.python.org/3/library/gc.html#gc.freeze"""
    global _KEEPING
    with _KEEPING_LOCK:
        _KEEPING += 1
    try:
        yield
    finally:
        with _KEEPING_LOCK:
            _KEEPING -= 1
            if not _KEEPING:
                gc.unfreeze()


class _SharedClients:
    """One client per (service, region) for the whole run, signing for the current account.

    A client depends on its service, its region and this object's endpoint and configuration, which
    are fixed for the run; so (service, region) is the whole key. A cache hit takes no lock (a dict
    read is atomic); a miss takes only its own key's lock, so one client being built (about 8 ms of
    CPU) never holds up a thread that needs another client or one already built. Clients are built
    only when a collector first asks for them: no client exists for a service or region not called.

    boto3 sessions are not thread-safe (clients are, https://boto3.amazonaws.com/v1/documentation/api/
    latest/guide/clients.html#multithreading-or-multiprocessing-with-clients): each construction
    borrows a session no other thread is using. A session costs about 25 ms of CPU before its first
    client, and construction is pure CPU that the GIL runs one thread at a time, so a few sessions
    (``SESSIONS``) serve every construction; a construction waits only for a session, never for a
    lock held by another key. All sessions share one data loader, so service models are read once.
    """

    SESSIONS = 2

    def __init__(self, loader_from: boto3.Session, endpoint_url: str | None, max_pool_connections: int,
                 stats: CallStats | None, patience: Patience, user_agent: str = _USER_AGENT):
        self._loader = loader_from._session.get_component("data_loader")
        self.endpoint_url = endpoint_url
        self.stats = stats
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": patience.max_attempts}, user_agent_extra=user_agent,
            connect_timeout=patience.connect_timeout, read_timeout=patience.read_timeout,
            max_pool_connections=max_pool_connections,
            # An emulator on one host name cannot serve virtual-hosted bucket names.
            s3={"addressing_style": "path"} if endpoint_url else None,
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._building: dict[tuple[str, str], threading.Lock] = {}
        self._idle_sessions: queue.SimpleQueue[boto3.Session] = queue.SimpleQueue()
        self._sessions_made = itertools.count()  # next() is atomic
        self._classes: dict[tuple[str, str], type] = {}  # shared by this object's sessions, which are alike

    def client(self, service: str, region: str):
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._building.setdefault(key, threading.Lock()):  # setdefault is atomic: one lock per key
            if key not in self._clients:
                self._clients[key] = self._build(service, region)
        return self._clients[key]

    def _borrow_session(self) -> boto3.Session:
        try:
            return self._idle_sessions.get_nowait()
        except queue.Empty:
            pass
        if next(self._sessions_made) >= self.SESSIONS:
            return self._idle_sessions.get()  # all made and in use: wait for one to come back
        core = botocore.session.Session()
        core.register_component("data_loader", self._loader)
        core._credentials = _CurrentAccountCredentials()  # boto3 has no public setter for a credentials object
        session = boto3.Session(botocore_session=core)  # registers boto3's handlers, alike in every session
        setattr(core.get_component("event_emitter"), _CLASS_CACHE_ATTRIBUTE, self._classes)
        return session

    def _build(self, service: str, region: str):
        session = self._borrow_session()
        try:
            client = session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=self._config)
        finally:
            self._idle_sessions.put(session)
        _retry_only_what_can_change(client)
        client.meta.events.register("before-call", _refuse_writes)
        client.meta.events.register("before-parse", _require_complete_body)
        client.meta.events.register("before-parse", _require_protocol_body)
        if self.endpoint_url and service == "s3control":
            client.meta.events.register("before-send.s3-control", single_host_endpoint)
        if self.stats:
            client.meta.events.register("before-send", self.stats.record)
        if _KEEPING:
            gc.freeze()
        return client


class Clients:
    """The clients through which one account is audited.

    Building a botocore client costs about 5 ms of CPU, and an audit needs one per service and region:
    125 per account in 17 regions, more CPU than the calls themselves. So the clients are built once
    per run and shared by every account (``for_session``); what differs between accounts is only the
    credentials. Make an account's calls inside ``with clients.acting():``, and every request signed
    in that thread uses that account's credentials.
    """

    def __init__(self, session: boto3.Session, endpoint_url: str | None = None, max_pool_connections: int = 10,
                 stats: CallStats | None = None, patience: Patience = DEFAULT_PATIENCE, *,
                 user_agent: str = _USER_AGENT, _shared: _SharedClients | None = None):
        """``user_agent``: what the calls say they come from (irready-audit; `irready preflight` says its name)."""
        self.session = session
        self.credentials = session.get_credentials()
        self._shared = _shared or _SharedClients(session, endpoint_url, max_pool_connections, stats, patience,
                                                 user_agent)

    @property
    def endpoint_url(self) -> str | None:
        return self._shared.endpoint_url

    def for_session(self, session: boto3.Session) -> Clients:
        """Another account's view of the same clients."""
        return Clients(session, _shared=self._shared)

    def for_credentials(self, credentials: Credentials) -> Clients:
        """Another account's view of the same clients, signing with ``credentials`` (``assumed_credentials``):
        no session of its own (a boto3 session costs about 7 ms of CPU, once per audited account)."""
        view = Clients(self.session, _shared=self._shared)
        view.credentials = credentials
        return view

    @contextmanager
    def acting(self):
        token = _ACCOUNT_CREDENTIALS.set(self.credentials)
        try:
            yield self
        finally:
            _ACCOUNT_CREDENTIALS.reset(token)

    def client(self, service: str, region: str):
        return self._shared.client(service, region)

    def offers(self, service: str, region: str) -> bool:
        """Whether ``service`` exists in ``region``, so the audit does not call where it cannot answer.
        An emulator is assumed to offer everything; a service botocore knows no regions for, too."""
        if self.endpoint_url:
            return True
        known = _service_regions(self.session, service)
        return not known or region in known


_REGIONS_LOCK = threading.Lock()
_SERVICE_REGIONS: dict[str, frozenset[str]] = {}


def _service_regions(session: boto3.Session, service: str) -> frozenset[str]:
    """The regions botocore knows ``service`` in; read once per service, then without a lock."""
    known = _SERVICE_REGIONS.get(service)
    if known is not None:
        return known
    with _REGIONS_LOCK:
        if service not in _SERVICE_REGIONS:
            regions: set[str] = set()
            for partition in session.get_available_partitions():
                regions.update(session.get_available_regions(service, partition_name=partition))
            _SERVICE_REGIONS[service] = frozenset(regions)
        return _SERVICE_REGIONS[service]


def caller_account(session: boto3.Session, endpoint_url: str | None, region: str) -> str:
    """Who the credentials belong to. Few retries: if AWS cannot be reached, say so quickly."""
    return caller_identity(session, endpoint_url, region)["Account"]


def caller_identity(session: boto3.Session, endpoint_url: str | None, region: str) -> dict:
    """sts:GetCallerIdentity's answer: Account, Arn, UserId (the report's evidence names the caller)."""
    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=Config(
        retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=15,
        user_agent_extra=_USER_AGENT))
    sts.meta.events.register("before-parse", _require_complete_body)
    sts.meta.events.register("before-parse", _require_protocol_body)
    answer = sts.get_caller_identity()
    if not isinstance(answer.get("Account"), str) or not answer.get("Account"):
        raise MalformedResponse(operation="GetCallerIdentity", why="no Account in it")
    return {key: answer.get(key) for key in ("Account", "Arn", "UserId")}


def base_session(profile: str | None = None) -> boto3.Session:
    """The standard credential chain: --profile, environment, SSO, instance role..."""
    return boto3.Session(profile_name=profile)


# Values that must never reach a snapshot, a report or a log, even when an AWS error message echoes
# them (an ExternalId in an AssumeRole error): every recorded message passes through redact().
_SECRETS: set[str] = set()
_REDACTED = "[redacted]"


def keep_secret(value: str | None) -> None:
    """Have ``redact`` remove ``value`` from every message recorded from now on."""
    if value:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every value given to ``keep_secret`` replaced by "[redacted]"."""
    for secret in _SECRETS:
        text = text.replace(secret, _REDACTED)
    return text


def assumed_session(base: Clients, role_arn: str, external_id: str | None, region: str) -> boto3.Session:
    """A session in another account whose credentials renew themselves before they expire."""
    core = botocore.session.Session()
    core._credentials = assumed_credentials(base, role_arn, external_id, region)  # boto3 has no public setter
    return boto3.Session(botocore_session=core, region_name=region)


def assumed_credentials(base: Clients, role_arn: str, external_id: str | None, region: str) -> RefreshableCredentials:
    """Credentials of ``role_arn`` (assumed by ``base``'s account through STS in ``region``, for an hour)
    that renew themselves before they expire; what ``Clients.for_credentials`` signs with. Raises the
    ClientError or BotoCoreError of the first AssumeRole."""
    keep_secret(external_id)
    sts = base.client("sts", region)

    def fetch() -> dict:
        params = {"RoleArn": role_arn, "RoleSessionName": "irready-audit", "DurationSeconds": 3600}
        if external_id:
            params["ExternalId"] = external_id
        with base.acting():  # a refresh can start inside another account's call: assume as the caller
            credentials = sts.assume_role(**params)["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    return RefreshableCredentials.create_from_metadata(metadata=fetch(), refresh_using=fetch,
                                                       method="sts-assume-role")


# --- failures ----------------------------------------------------------------------------------------------

_REASONS = (
    ("access denied", {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
        "AuthorizationErrorException", "UnauthorizedException", "Forbidden", "403"}),
    # Not a refusal: the caller's account belongs to no organization (or, in moto, is a member it does not
    # model: moto keeps an organization in its management account only).
    ("the caller's account is in no organization", {"AWSOrganizationsNotInUseException"}),
    ("credentials expired; log in again (e.g. aws sso login)", {"ExpiredToken", "ExpiredTokenException"}),
    ("region not enabled for this account", {
        "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired",
        "InvalidToken", "SubscriptionRequiredException"}),
    ("API not available here", {
        "InvalidAction", "UnknownOperationException", "NotImplemented", "UnsupportedOperation",
        "InvalidRequestException.Unsupported", "404", "NotFound"}),
    ("throttled; retries exhausted", {
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
        "SlowDown", "429", "ThrottledException", "RequestThrottled"}),
)


# Answers that a retry cannot change: the same request meets the same refusal, after seconds of back-off.
FINAL_REASONS = frozenset({"access denied", "region not enabled for this account", "API not available here",
                           "the caller's account is in no organization"})


def is_final(code: str, status: int | None) -> bool:
    """Whether an error answer is final (not worth a retry): 501 Not Implemented, or a code whose
    reason is in ``FINAL_REASONS`` even when it comes with a 5xx status, which botocore would retry."""
    return status == 501 or reason_for(code, status) in FINAL_REASONS


def _retry_only_what_can_change(client) -> None:
    """botocore's retry policy for ``client`` (adaptive mode: throttling, transient 5xx and connection
    errors, with back-off and a client-side rate limit), minus the final answers of ``is_final``.

    botocore retries every 500/502/503/504 whatever its error code, so an emulator's or proxy's
    "500 NotImplemented" would be asked again max_attempts times in every region. Its policy offers
    no hook to exclude codes, so its ``needs-retry`` handler is replaced by the same standard
    handler behind a filter (botocore registers it under the unique id ``retry-config-<service>``;
    the first handler's retry quota stays registered for release after each call, unused: harmless).
    """
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    client.meta.events.unregister(event, unique_id=unique_id)
    botocores = standard.register_retry_handler(client, client.meta.config.retries["total_max_attempts"])
    client.meta.events.unregister(event, unique_id=unique_id)

    def needs_retry(response=None, **kwargs):
        if response is not None:
            http, parsed = response
            if is_final(str((parsed.get("Error") or {}).get("Code") or ""), http.status_code):
                return None
        return botocores.needs_retry(response=response, **kwargs)

    client.meta.events.register(event, needs_retry, unique_id=unique_id)


def reason_for(code: str, status: int | None = None) -> str:
    for reason, codes in _REASONS:
        if code in codes:
            return reason
    if status == 429:
        return "throttled; retries exhausted"
    if (status or 0) >= 500 or (code.isdigit() and code.startswith("5")) or code in {
            "InternalError", "InternalFailure", "ServiceUnavailable"}:
        return "AWS service error; retries exhausted"
    return f"API error {code}"


def marker_for(exc: Exception, operation: str) -> dict:
    """An unavailable marker describing why ``operation`` failed."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(error.get("Code") or status or "Unknown")
        return unavailable(exc.operation_name or operation, code, redact(str(error.get("Message", "")))[:300],
                           reason_for(code, status))
    if isinstance(exc, IncompleteResponse):
        return unavailable(operation, "IncompleteResponse", str(exc), "connection dropped mid-response")
    if isinstance(exc, MalformedResponse | ResponseParserError | ShapeError):
        return unavailable(operation, "MalformedResponse", redact(str(exc))[:300], "the answer was not an AWS response")
    if isinstance(exc, EndpointConnectionError):
        return unavailable(operation, "EndpointConnectionError", redact(str(exc))[:300], "endpoint unreachable")
    return unavailable(operation, type(exc).__name__, redact(str(exc))[:300], "connection or client error")


# What a call can raise that is AWS's (or the network's) doing, not irready's: recorded, never raised.
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


class ShapeError(Exception):
    """An answer parsed, but without what every answer of the operation holds (a KeyError on it)."""


def guarded(operation: str, fetch: Callable[[], Any]) -> Any:
    """``fetch()``, or the unavailable marker saying why it failed: a failure is data, not an absence.
    An answer lacking a key every answer has (``KeyError``) is recorded as malformed, not raised."""
    try:
        return fetch()
    except AWS_ERRORS as exc:
        return marker_for(exc, operation)
    except KeyError as exc:
        return marker_for(ShapeError(f"the answer to {operation} lacks {exc}"), operation)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def paginator(client, operation: str):
    """``client.get_paginator(operation)``, made once per client: botocore builds a class and a docstring
    for every paginator it hands out, and a paginator keeps no state between ``paginate()`` calls."""
    made = client.__dict__.setdefault("_irready_paginators", {})
    if operation not in made:
        made[operation] = client.get_paginator(operation)
    return made[operation]


def paginate(client, operation: str, key: str, page_size: int | None = None, **params) -> list:
    """All items under ``key`` across every page of ``operation``, with the largest pages the API
    allows (``page_size``) so that big accounts cost few calls."""
    if client.can_paginate(operation):
        config = {"PageSize": page_size} if page_size else {}
        items: list = []
        for page in paginator(client, operation).paginate(**params, PaginationConfig=config):
            items.extend(page.get(key, []))
        return items
    return list(getattr(client, operation)(**params).get(key, []))
