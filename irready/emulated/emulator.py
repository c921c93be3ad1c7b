"""moto's server in this process, on a free loopback port: an AWS endpoint that boto3 reaches
over real HTTP with ``endpoint_url``. Used by ``irready demo`` and by the tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import boto3
import botocore.session
from werkzeug.serving import make_server

from irready.emulated.account_management import (
    AccountManagementLayer,
    allow_account_management_delegation,
    allow_delegation,
)
from irready.emulated.aws_errors import error_response, signed_scope
from irready.emulated.guardduty_organization import GuardDutyOrganizationLayer
from irready.emulated.lambda_concurrency import LambdaConcurrencyLayer

DEFAULT_ACCOUNT = "123456789012"  # the account moto's default credentials belong to
_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

WsgiApp = Callable


class EmulatedAWS:
    """Sessions and clients whose calls land in chosen accounts of a running emulator at ``url``."""

    def __init__(self, url: str):
        self.url = url
        self._loader = botocore.session.Session().get_component("data_loader")

    def session(self, account_id: str = DEFAULT_ACCOUNT, region: str = "us-east-1") -> boto3.Session:
        """A session whose calls land in ``account_id`` (moto maps assumed-role keys to the account)."""
        if account_id == DEFAULT_ACCOUNT:
            return self._session(_CREDENTIALS, region)
        sts = self.client(self._session(_CREDENTIALS, region), "sts", region)
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                                      RoleSessionName="irready-seed")["Credentials"]
        return self._session({"aws_access_key_id": credentials["AccessKeyId"],
                              "aws_secret_access_key": credentials["SecretAccessKey"],
                              "aws_session_token": credentials["SessionToken"]}, region)

    def _session(self, credentials: dict, region: str) -> boto3.Session:
        core = botocore.session.Session()
        core.register_component("data_loader", self._loader)  # load service models once, not per session
        return boto3.Session(botocore_session=core, region_name=region, **credentials)

    def client(self, session: boto3.Session, service: str, region: str = "us-east-1"):
        return session.client(service, region_name=region, endpoint_url=self.url)


class Emulator(EmulatedAWS):
    """moto's server, started with ``with Emulator() as aws: ...``; ``aws.url`` is the endpoint.

    ``middleware``, if given, wraps moto's WSGI app (the tests inject faults with it).
    """

    def __init__(self, middleware: Callable[[WsgiApp], WsgiApp] | None = None):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        from irready.emulated.tagging_gaps import add_athena_batch_get_named_query, add_ecr_and_eks_to_the_tagging_api
        add_ecr_and_eks_to_the_tagging_api()  # issue #19: AWS's Tagging API returns them; moto's does not
        add_athena_batch_get_named_query()  # issue #17: one request for the saved queries, not one each
        allow_account_management_delegation()  # issue #18: moto refuses account.amazonaws.com as one
        allow_delegation("securityhub.amazonaws.com")  # and Security Hub's, which preflight reads

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        app = DomainDispatcherApplication(create_backend_app)

        class KeepAliveHandler(MotoRequestHandler):
            protocol_version = "HTTP/1.1"  # reuse connections, as clients do with AWS
            # Answer at once: with Nagle's algorithm a response written in two pieces waits for the
            # client's delayed ACK (measured: 1 ms more per call here; 40 ms in bench/canned_aws.py).
            disable_nagle_algorithm = True

        # What moto lacks, answered in front of it: GuardDuty's organization side, Account Management's rules.
        # Lambda's per-account concurrency quota: ``lambda_concurrency.limits[(account, region)] = n``.
        self.lambda_concurrency = LambdaConcurrencyLayer(_unimplemented_as_errors(app))
        # Account Management's region opt-in per account: ``account_management.enabled_regions``.
        self.account_management = AccountManagementLayer(self.lambda_concurrency)
        app = GuardDutyOrganizationLayer(self.account_management)
        self._server = make_server("127.0.0.1", 0, middleware(app) if middleware else app, threaded=True,
                                   request_handler=KeepAliveHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        super().__init__(f"http://{host}:{port}")

    def __enter__(self) -> Emulator:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def _unimplemented_as_errors(app: WsgiApp) -> WsgiApp:
    """moto answers an action it does not implement with a bare 500 (which clients retry, and which
    reads as an AWS outage) and a traceback; answer it as AWS answers an unknown action, so the audit
    reports "API not available here"."""
    def wsgi(environ, start_response):
        try:
            return app(environ, start_response)
        except NotImplementedError as exc:
            scope = signed_scope(environ)
            if scope is None:
                raise
            status, headers, body = error_response(scope[2], "501 Not Implemented", "NotImplemented",
                                                   f"not implemented by the emulator (moto): {exc}")
            start_response(status, headers)
            return [body]
    return wsgi
