"""Lambda's account concurrency, as AWS keeps it and moto does not, answered over HTTP in front of moto.

moto has no GetAccountSettings, and enforces the unreserved minimum only against one process-wide quota
(MOTO_LAMBDA_CONCURRENCY_QUOTA). AWS keeps a ConcurrentExecutions quota per account and region and refuses
a PutFunctionConcurrency that would leave less than 100 of it unreserved
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html,
https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html,
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html). This layer keeps the quota
per (account, region) in ``limits`` (1,000 unless a test sets it: a new account's is often 10), answers
GetAccountSettings from it and moto's functions, and refuses such a PutFunctionConcurrency as AWS does.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote

from irready.emulated.aws_errors import error_response, signed_scope
from irready.policies.lambda_concurrency import UNRESERVED_MINIMUM

DEFAULT_LIMIT = 1000
_SETTINGS = re.compile(r"^/2016-08-19/account-settings/?$")
_CONCURRENCY = re.compile(r"^/2017-10-31/functions/(?P<function>[^/]+)/concurrency/?$")


def _functions(account: str, region: str) -> list:
    from moto.awslambda.models import lambda_backends

    return list(lambda_backends[account][region].list_functions())


class LambdaConcurrencyLayer:
    """A WSGI layer over moto's app: ``LambdaConcurrencyLayer(app)``; ``limits[(account, region)] = n`` sets
    an account's ConcurrentExecutions quota in a region."""

    def __init__(self, app):
        self.app = app
        self.limits: dict[tuple[str, str], int] = {}

    def __call__(self, environ, start_response):
        scope = signed_scope(environ)
        if not scope or scope[2] != "lambda":
            return self.app(environ, start_response)
        from moto.iam.models import get_account_id_from

        account, region, path = get_account_id_from(scope[0]), scope[1], environ.get("PATH_INFO", "")
        limit = self.limits.get((account, region), DEFAULT_LIMIT)
        method = environ["REQUEST_METHOD"]
        if method == "GET" and _SETTINGS.match(path):
            functions = _functions(account, region)
            reserved = sum(int(f.reserved_concurrency or 0) for f in functions)
            return _send(start_response, "200 OK", {
                "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                 "CodeSizeZipped": 52428800, "ConcurrentExecutions": limit,
                                 "UnreservedConcurrentExecutions": limit - reserved},
                "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(functions)}})
        match = _CONCURRENCY.match(path)
        if method == "PUT" and match:
            name = unquote(match["function"])
            name = name.split(":")[6] if name.startswith("arn:") else name
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)  # moto reads it again
            wanted = int(json.loads(raw or b"{}").get("ReservedConcurrentExecutions", 0))
            others = sum(int(f.reserved_concurrency or 0) for f in _functions(account, region)
                         if f.function_name != name)
            if limit - others - wanted < UNRESERVED_MINIMUM:
                status, headers, body = error_response(
                    "lambda", "400 Bad Request", "InvalidParameterValueException",
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}].")
                start_response(status, headers)
                return [body]
        return self.app(environ, start_response)


def _send(start_response, status: str, payload: dict):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
