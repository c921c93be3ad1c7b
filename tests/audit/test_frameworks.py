"""Framework mappings are data outside the checks; these keep them honest and complete."""

from __future__ import annotations

import pytest
from irready.audit import compliance
from irready.audit.checks import ALL_CHECKS, CHECKS_BY_ID
from irready.audit.errors import UsageError
from irready.audit.frameworks import all_frameworks, get
from irready.audit.model import DOMAINS, Finding, Status


def test_every_mapping_names_existing_checks_and_every_check_is_mapped_somewhere():
    mapped = set()
    for framework in all_frameworks().values():
        assert framework.requirements, framework.id
        ids = [r.id for r in framework.requirements]
        assert len(ids) == len(set(ids)), f"{framework.id}: duplicate requirement ids"
        for requirement in framework.requirements:
            assert requirement.title and requirement.url.startswith("https://"), (framework.id, requirement.id)
            unknown = set(requirement.checks) - set(CHECKS_BY_ID)
            assert not unknown, f"{framework.id} {requirement.id} names unknown checks {unknown}"
            mapped |= set(requirement.checks)
    assert mapped == set(CHECKS_BY_ID), f"checks mapped nowhere: {set(CHECKS_BY_ID) - mapped}"


def test_the_four_frameworks_and_one_cis_version():
    assert set(all_frameworks()) == {"nist-800-61r3", "cis-aws-5.0.0", "aws-wa-sec10", "aws-ir-guide"}
    assert {r.id for r in get("sec10").requirements} >= {f"SEC10-BP0{n}" for n in range(1, 8)}
    assert {r.id.split("-")[0] for r in get("nist").requirements} >= {"DE.CM", "RS.MA", "RS.MI", "RS.AN"}
    for check in ALL_CHECKS:  # no free-text framework references left in check metadata
        assert all(ref.startswith("https://") for ref in check.references), check.id
        assert not any("CIS" in ref for ref in check.references), check.id
        assert check.categories and check.categories[0] in DOMAINS, check.id
    cis = {c["framework"] for check in ALL_CHECKS for c in check.compliance if c["framework"].startswith("cis")}
    assert cis == {"cis-aws-5.0.0"}


def test_an_unknown_framework_is_a_usage_error_naming_the_choices():
    with pytest.raises(UsageError, match="unknown framework 'pci'.*nist-800-61r3"):
        get("pci")


def f(check_id, status, resource="-"):
    check = CHECKS_BY_ID[check_id]
    return Finding(check_id, check.title, status, check.severity, "111111111111", "us-east-1", resource, "why",
                   check.remediation)


@pytest.mark.parametrize(("findings", "ran", "expected"), [
    # DE.CM-01 is answered by vpc.flow_logs, dns.resolver_query_logging, guardduty.enabled.
    ([f("vpc.flow_logs", Status.PASS), f("dns.resolver_query_logging", Status.PASS),
      f("guardduty.enabled", Status.PASS)], None, "pass"),
    ([f("vpc.flow_logs", Status.FAIL), f("dns.resolver_query_logging", Status.FAIL),
      f("guardduty.enabled", Status.FAIL)], None, "fail"),
    ([f("vpc.flow_logs", Status.FAIL), f("dns.resolver_query_logging", Status.PASS),
      f("guardduty.enabled", Status.PASS)], None, "partial"),
    ([f("vpc.flow_logs", Status.UNKNOWN), f("dns.resolver_query_logging", Status.PASS),
      f("guardduty.enabled", Status.PASS)], None, "partial"),
    ([f("vpc.flow_logs", Status.UNKNOWN), f("dns.resolver_query_logging", Status.UNKNOWN),
      f("guardduty.enabled", Status.UNKNOWN)], None, "not assessed"),
    ([f("vpc.flow_logs", Status.WAIVED), f("dns.resolver_query_logging", Status.PASS),
      f("guardduty.enabled", Status.PASS)], None, "pass"),
    ([f("vpc.flow_logs", Status.PASS)], {"vpc.flow_logs"}, "pass"),  # the others were not chosen
    ([], {"ir.responder_role"}, "not assessed"),  # none of its checks ran
    ([], None, "not assessed"),  # they ran with nothing in scope: no VPC is not "VPCs are monitored"
])
def test_requirement_status(findings, ran, expected):
    rows = compliance.assess(get("nist-800-61r3"), findings, ran or {c.id for c in ALL_CHECKS})
    row = next(r for r in rows if r["id"] == "DE.CM-01")
    assert row["status"] == expected
    assert [e["status"] for e in row["evidence"]] == [x.status.value for x in findings if x.status is not Status.PASS]


def test_a_requirement_no_check_answers_is_not_assessed():
    rows = compliance.assess(get("aws-wa-sec10"), [f("ir.responder_role", Status.PASS)], {"ir.responder_role"})
    statuses = {r["id"]: r["status"] for r in rows}
    assert statuses["SEC10-BP07"] == "not assessed" and statuses["SEC10-BP05"] == "pass"


def _numbering_gaps(ids: list[str]) -> list[str]:
    """Recommendation numbers missing between consecutive ids of the same section (1.1, 1.2, 2.1.1, ...):
    a benchmark listed whole has none; the first of a section starts at 1."""
    gaps, previous = [], None
    for requirement_id in ids:
        parts = [int(n) for n in requirement_id.split(".")]
        if previous is not None and parts[:-1] == previous[:-1]:
            expected = previous[-1] + 1
        elif previous is not None and len(parts) == len(previous) + 1 and parts[:-2] == previous[:-1]:
            expected = 1  # into a subsection (5.1 -> 5.1.1)
        else:
            expected = 1 if previous is None or parts[0] != previous[0] else parts[-1]
        gaps += [".".join(map(str, [*parts[:-1], n])) for n in range(expected, parts[-1])]
        previous = parts
    return gaps


def test_the_cis_benchmark_is_listed_whole_so_coverage_is_stated():
    cis = get("cis")
    ids = [r.id for r in cis.requirements]
    assert _numbering_gaps(ids) == [], "recommendations missing from the CIS file"
    assert len(ids) == 63 and ids[0] == "1.1" and ids[-1] == "5.7"  # CIS AWS Foundations v5.0.0
    by_id = {r.id: r for r in cis.requirements}
    assert by_id["3.4"].checks == ()  # server access logging on the trail bucket: no check evidences it alone
    assert _numbering_gaps(["1.1", "1.3"]) == ["1.2"] and _numbering_gaps(["3.1", "3.2", "3.3", "3.5"]) == ["3.4"]


def test_a_cis_report_counts_what_it_does_not_assess():
    findings = [f(check_id, Status.PASS) for r in get("cis").requirements for check_id in r.checks]
    rows = compliance.assess(get("cis"), findings, {c.id for c in ALL_CHECKS})
    assert len(rows) == 63
    totals = compliance.totals(rows)
    assert totals["pass"] == sum(1 for r in get("cis").requirements if r.checks) == 8
    assert totals["not assessed"] == 55
    assert next(r for r in rows if r["id"] == "3.4")["status"] == "not assessed"


def test_rs_ma_01_is_not_passed_on_a_responder_role():
    rows = compliance.assess(get("nist"), [f("ir.responder_role", Status.PASS)], {c.id for c in ALL_CHECKS})
    assert next(r for r in rows if r["id"] == "RS.MA-01")["status"] == "not assessed"
