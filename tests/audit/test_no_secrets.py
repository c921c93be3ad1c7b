"""No credentials in what the audit leaves behind: snapshots, reports, logs."""

from __future__ import annotations

import logging

from irready.cli import main
from irready.emulated.seed import Seeder, incident_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT


def test_no_key_token_or_external_id_reaches_any_output(emulator, account_id, faults, tmp_path, monkeypatch, caplog,
                                                       capsys):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    incident_account(Seeder(emulator, account_id), [REGION], SECURITY_ACCOUNT)
    faults.calls.clear()
    caplog.set_level(logging.DEBUG, logger="irready")
    outputs = []
    for report_format in ("json", "markdown", "table"):
        path = tmp_path / f"report.{report_format}"
        main(["-v", "audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", account_id,
              "--external-id", "ext-secret-4711", "--format", report_format, "--output", str(path),
              "--snapshot-out", str(tmp_path / "snapshot.json")])
        outputs += [path.read_text(), (tmp_path / "snapshot.json").read_text()]
    outputs += [caplog.text, *capsys.readouterr()]

    audit_calls = [call for call in faults.calls if "irready-audit" in call.user_agent]
    secrets = {call.access_key for call in audit_calls} | {call.session_token for call in audit_calls} - {""}
    assert any(key.startswith(("ASIA", "FSIA")) for key in secrets)  # assumed-role keys were in use
    secrets |= {"ext-secret-4711"}
    for text in outputs:
        leaked = [secret for secret in secrets if secret and secret in text]
        assert not leaked, text[max(0, text.find(leaked[0]) - 300):text.find(leaked[0]) + 100] if leaked else ""


def test_an_external_id_echoed_by_an_aws_error_is_redacted(emulator, account_id, faults, tmp_path, monkeypatch,
                                                           caplog, capsys):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    from tests.support.faults import Fault
    faults.faults.append(Fault("sts", "AssumeRole", body_contains=account_id, message=(
        "User is not authorized to perform: sts:AssumeRole with ExternalId ext-echoed-0815")))
    caplog.set_level(logging.DEBUG, logger="irready")
    snapshot, report = tmp_path / "snapshot.json", tmp_path / "report.md"
    main(["-v", "audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", account_id,
          "--external-id", "ext-echoed-0815", "--output", str(report), "--snapshot-out", str(snapshot)])
    texts = [snapshot.read_text(), report.read_text(), caplog.text, *capsys.readouterr()]
    assert "[redacted]" in texts[0]  # the message was recorded, without the secret
    assert not [text for text in texts if "ext-echoed-0815" in text]
