"""Reporters: they format findings and never decide anything about them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from irready.audit.model import Check, Finding, Status


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    summary: dict
    checks: list[Check]
    snapshot_meta: dict  # collected_at, caller_account_id, tool_version


@dataclass(frozen=True)
class CheckRow:
    check: Check
    failed: list[Finding]
    unknown: list[Finding]
    passed: list[Finding]

    @property
    def order(self) -> tuple:
        """Failing checks first, worst severity first; then the ones that could not be judged."""
        return (not self.failed, not self.unknown, -self.check.severity.rank, self.check.id)


def rows(report: Report) -> list[CheckRow]:
    by_check: dict[str, dict[Status, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_check[finding.check_id][finding.status].append(finding)
    result = [CheckRow(check, by_check[check.id][Status.FAIL], by_check[check.id][Status.UNKNOWN],
                       by_check[check.id][Status.PASS]) for check in report.checks]
    return sorted(result, key=lambda row: row.order)


def where(finding: Finding) -> str:
    parts = [finding.account_id, finding.region]
    if finding.resource_id != "-":
        parts.append(finding.resource_id)
    return "/".join(parts)
