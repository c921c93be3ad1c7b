"""A WSGI middleware in front of moto that fails chosen AWS calls the way AWS would.

Requests are matched by the signing service and region of their SigV4 credential scope and by
operation name (found from X-Amz-Target, the Action parameter, or the REST route in botocore's
service model), and answered with the error body of the service's protocol, so boto3 raises the
same ClientError it would raise against AWS. Every call that passes through is recorded.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs

from irready.emulated.aws_errors import error_response, service_model, signed_scope


@dataclass
class Fault:
    service: str  # the botocore service name, e.g. "guardduty"
    operation: str | None = None  # e.g. "ListDetectors"; None fails every call to the service
    region: str | None = None
    body_contains: str | None = None  # e.g. an account id in an AssumeRole RoleArn
    code: str | None = "AccessDenied"  # None: no error (a delay only)
    status: int = 403
    message: str = "injected by the test"
    times: int | None = None  # fail only the first N matching calls, then let them through
    delay: float = 0.0  # seconds to wait before answering (slow responses, time-outs)
    drop: bool = False  # cut the connection in the middle of the response
    # Answer with this JSON body instead (JSON-protocol services): stands in for an API moto lacks.
    answer: dict | None = None
    # Answer 200 with this body as it stands (an HTML page from a proxy, a cut JSON document).
    body: str | None = None
    content_type: str = "text/html"


@dataclass(frozen=True)
class Call:
    service: str
    region: str
    operation: str | None
    body: str = ""
    user_agent: str = ""
    access_key: str = ""
    session_token: str = ""


class FaultInjector:
    def __init__(self):
        self.faults: list[Fault] = []
        self.calls: list[Call] = []  # since the last clear()
        self.audit_operations: set[tuple[str, str | None]] = set()  # every (service, operation) irready sent
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.calls.clear()

    def __call__(self, app):
        def middleware(environ, start_response):
            call = self._identify(environ)
            if call is None:
                return app(environ, start_response)
            with self._lock:
                self.calls.append(call)
                if "irready-audit" in call.user_agent:
                    self.audit_operations.add((call.service, call.operation))
                fault = next((f for f in self.faults if _matches(f, call) and f.times != 0), None)
                if fault is not None and fault.times is not None:
                    fault.times -= 1
            if fault is None:
                return app(environ, start_response)
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                start_response("200 OK", [("Content-Length", "1000"), ("Content-Type", "text/xml")])
                return _cut_short()
            if fault.body is not None:
                raw = fault.body.encode()
                start_response("200 OK", [("Content-Type", fault.content_type), ("Content-Length", str(len(raw)))])
                return [raw]
            if fault.answer is not None:
                body = json.dumps(fault.answer).encode()
                start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                          ("Content-Length", str(len(body)))])
                return [body]
            if fault.code is None:
                return app(environ, start_response)
            status, headers, body = _error_response(call.service, fault)
            start_response(status, headers)
            return [body]
        return middleware

    def _identify(self, environ) -> Call | None:
        scope = signed_scope(environ)
        if not scope:
            return None  # moto's own API (reset) and unsigned requests
        access_key, region, service = scope
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        return Call(service, region, _operation(service, environ, body), body.decode(errors="replace"),
                    environ.get("HTTP_USER_AGENT", ""), access_key, environ.get("HTTP_X_AMZ_SECURITY_TOKEN", ""))


def _cut_short():
    """A response that promises 1000 bytes and stops after a few: the connection drops mid-answer."""
    yield b"<Resp"
    raise ConnectionAbortedError("injected: connection dropped")


def _matches(fault: Fault, call: Call) -> bool:
    return (fault.service == call.service and fault.region in (None, call.region)
            and fault.operation in (None, call.operation)
            and (fault.body_contains is None or fault.body_contains in call.body))


def _operation(service: str, environ, body: bytes) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qs(body.decode(), keep_blank_values=True))
    if "Action" in params:
        return params["Action"][0]
    return _rest_operation(service, environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), set(params))


def _rest_operation(service: str, method: str, path: str, query_keys: set[str]) -> str | None:
    best, best_score = None, -1
    for name, (http_method, pattern, required_query) in _routes(service).items():
        if http_method == method and pattern.match(path) and required_query <= query_keys:
            score = len(required_query) * 100 + len(pattern.pattern)
            if score > best_score:
                best, best_score = name, score
    return best


@cache
def _routes(service: str) -> dict:
    model = service_model(service)
    routes = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri_path, _, uri_query = http["requestUri"].partition("?")
        parts = re.split(r"(\{[^}]+\})", uri_path)
        regex = "".join(".+" if p.endswith("+}") else "[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        required = {pair.split("=")[0] for pair in uri_query.split("&") if pair}
        routes[name] = (http["method"], re.compile(f"^{regex}/?$"), required)
    return routes


def _error_response(service: str, fault: Fault):
    return error_response(service, f"{fault.status} Injected", fault.code, fault.message)
