"""Waivers: accepted risks with an owner and an expiry. Live ones turn a FAIL into WAIVED; expired ones
leave the FAIL and say so; an UNKNOWN is never waived; a bad file is one line and exit 2."""

from __future__ import annotations

from datetime import date

import pytest
from irready.audit import waivers
from irready.audit.checks import CHECKS_BY_ID
from irready.audit.errors import UsageError
from irready.audit.model import Finding, Severity, Status, exceeds

TODAY = date(2026, 11, 29)
IDS = set(CHECKS_BY_ID)


def f(check_id, status, resource="-", account="111111111111", region="us-east-1"):
    check = CHECKS_BY_ID[check_id]
    return Finding(check_id, check.title, status, check.severity, account, region, resource, "why",
                   check.remediation)


def load(tmp_path, text):
    path = tmp_path / "waivers.toml"
    path.write_text(text)
    return waivers.load(path, IDS)


ENTRY = '''
[[waiver]]
check = "vpc.flow_logs"
account = "111111111111"
region = "us-east-1"
resource = "vpc-sandbox-*"
reason = "sandbox VPC, no data"
owner = "alice@example.com"
ticket = "SEC-1"
expires = {expires}
'''


def test_a_live_waiver_waives_a_matching_fail_only(tmp_path):
    file = load(tmp_path, ENTRY.format(expires="2027-01-31"))
    findings = [f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-1"), f("vpc.flow_logs", Status.FAIL, "vpc-prod-1"),
                f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-2", region="eu-west-1"),
                f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-3", account="222222222222"),
                f("vpc.flow_logs", Status.UNKNOWN, "vpc-sandbox-4"), f("vpc.flow_logs", Status.PASS, "vpc-sandbox-5")]
    result = waivers.apply(findings, file, TODAY)
    assert [x.status for x in result] == [Status.WAIVED, Status.FAIL, Status.FAIL, Status.FAIL, Status.UNKNOWN,
                                          Status.PASS]
    assert result[0].waiver == {"reason": "sandbox VPC, no data", "owner": "alice@example.com", "ticket": "SEC-1",
                                "expires": "2027-01-31", "expired": False}
    assert result[4].waiver is None  # what could not be seen is never accepted
    assert exceeds(result, Severity.LOW)  # vpc-prod-1 still fails
    assert not exceeds(result[:1], Severity.LOW)  # a waived FAIL does not fail the run


def test_an_expired_waiver_turns_back_into_fail_and_says_so(tmp_path):
    file = load(tmp_path, ENTRY.format(expires="2026-11-28"))
    [result] = waivers.apply([f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-1")], file, TODAY)
    assert result.status is Status.FAIL and result.waiver["expired"] is True
    assert "waiver expired on 2026-11-28: sandbox VPC, no data; owner alice@example.com, SEC-1" in result.reason
    # The last day is still covered.
    [today] = waivers.apply([f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-1")],
                            load(tmp_path, ENTRY.format(expires="2026-11-29")), TODAY)
    assert today.status is Status.WAIVED


@pytest.mark.parametrize("fmt", ["markdown", "html"])  # the formats that print a finding's reason and waiver
def test_an_expired_waivers_reason_appears_once_per_finding(tmp_path, fmt):
    """Once in the finding's row (the reason waivers.apply wrote); the waivers register is a section of its own."""
    from irready.audit.evaluate import summarize
    from irready.audit.model import Report
    from irready.audit.report import FORMATS

    live = load(tmp_path, ENTRY.format(expires="2027-01-31").replace("sandbox VPC, no data", "live reason"))
    expired = waivers.apply([f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-1")],
                            load(tmp_path, ENTRY.format(expires="2025-01-01")), TODAY)
    waived = waivers.apply([f("vpc.flow_logs", Status.FAIL, "vpc-sandbox-2")], live, TODAY)
    findings = expired + waived
    report = Report(findings, summarize(findings, {"accounts": {"111111111111": {}}}), [CHECKS_BY_ID["vpc.flow_logs"]],
                    {})
    lines = FORMATS[fmt](report).splitlines()
    rows = [line for line in lines if "vpc-sandbox-1" in line and "waiver expired on 2025-01-01" in line]
    assert len(rows) == 1, lines
    assert rows[0].count("sandbox VPC, no data") == 1 and "EXPIRED 2025" not in rows[0]
    live_rows = [line for line in lines if "vpc-sandbox-2" in line and "live reason" in line]
    assert live_rows and all(line.count("live reason") == 1 for line in live_rows)  # a live waiver still shown


def test_waivers_expiring_within_the_window_are_listed(tmp_path):
    file = load(tmp_path, ENTRY.format(expires="2026-12-09") + ENTRY.format(expires="2027-06-01").replace(
        "SEC-1", "SEC-2") + ENTRY.format(expires="2026-01-01").replace("SEC-1", "SEC-3"))
    soon = waivers.expiring(file, 30, TODAY)
    assert [(w["ticket"], w["days_left"]) for w in soon] == [("SEC-1", 10)]


@pytest.mark.parametrize(("text", "message"), [
    ("[[waiver]]\ncheck = 'vpc.flow_logs'\n", "waiver 1: field 'reason' is required"),
    (ENTRY.format(expires="'2027-01-01'"), "waiver 1: field 'expires' must be a TOML date"),
    (ENTRY.format(expires="2027-01-01T00:00:00Z"), "field 'expires' must be a TOML date"),
    (ENTRY.format(expires="2027-01-01").replace("vpc.flow_logs", "vpc.flowlogs"),
     "waiver 1: field 'check' names no check: 'vpc.flowlogs'"),
    (ENTRY.format(expires="2027-01-01").replace("111111111111", "１１１１１１１１１１１１"),
     "field 'account' must be a 12-digit account id"),
    (ENTRY.format(expires="2027-01-01") + "team = 'x'\n", "unknown field 'team'"),
    (ENTRY.format(expires="2027-01-01").replace('owner = "alice@example.com"', 'owner = ""'),
     "field 'owner' must be a non-empty string"),
    ("[waivers]\n", "unknown table 'waivers'"),
    ("[[waiver]\n", "not valid TOML"),
])
def test_a_bad_file_is_one_line_naming_entry_and_field(tmp_path, text, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        load(tmp_path, text)
    assert "\n" not in str(error.value) and str(error.value).startswith(f"waivers {tmp_path / 'waivers.toml'}")
    assert error.value.exit_code == 2


def test_the_file_hash_is_recorded(tmp_path):
    import hashlib
    file = load(tmp_path, ENTRY.format(expires="2027-01-31"))
    assert file.sha256 == hashlib.sha256((tmp_path / "waivers.toml").read_bytes()).hexdigest()
