"""AWS error responses in each service's own protocol, and which service a signed request is for.

The emulator uses them to answer what moto does not implement, and the tests' fault injector to
fail chosen calls, so that boto3 raises the same ClientError it would raise against AWS.
"""

from __future__ import annotations

import json
import re
from functools import cache

import botocore.session

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
# Signing names that differ from the botocore service name.
_SERVICE_BY_SIGNING_NAME = {"s3": "s3", "execute-api": "apigateway", "tagging": "resourcegroupstaggingapi"}


def signed_scope(environ) -> tuple[str, str, str] | None:
    """(access key, region, botocore service name) of a SigV4-signed request; None when unsigned."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not scope:
        return None
    access_key, region, signing_name = scope.groups()
    service = _SERVICE_BY_SIGNING_NAME.get(signing_name, signing_name)
    if service == "s3" and environ.get("PATH_INFO", "").startswith("/v20180820/"):
        service = "s3control"
    return access_key, region, service


@cache
def service_model(service: str):
    return botocore.session.get_session().get_service_model(service)


def error_response(service: str, status: str, code: str, message: str) -> tuple[str, list, bytes]:
    """(status line, headers, body) of an error as ``service`` would send it."""
    protocol = service_model(service).metadata["protocol"]
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
                "</Errors><RequestID>emulated</RequestID></Response>").encode()
        headers = [("Content-Type", "text/xml")]
    elif protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
                "</Message></Error><RequestId>emulated</RequestId></ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    else:  # rest-xml
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = [("Content-Type", "text/xml")]
    return status, [*headers, ("Content-Length", str(len(body)))], body
