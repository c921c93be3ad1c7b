"""The vocabulary shared by checks, the evaluator and the reporters: statuses, severities, a check, a
finding (from the audit or from iac-scan) and the report that carries them to a renderer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irready.audit.context import AccountContext


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    # The audit could not look (access denied, API not available, region disabled...).
    # Never counted as a pass.
    UNKNOWN = "UNKNOWN"
    # A FAIL someone accepted, with a reason, an owner and an expiry (see audit/waivers.py).
    # Never counted as a failure by the exit code; an UNKNOWN is never waived.
    WAIVED = "WAIVED"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}

GLOBAL = "global"  # the region of findings about global services (IAM, account settings)
NO_RESOURCE = "-"


@dataclass(frozen=True)
class Result:
    """What a check says about one resource; the evaluator adds the check's metadata."""
    status: Status
    region: str
    resource_id: str
    reason: str

    @classmethod
    def passed(cls, region: str, resource_id: str, reason: str) -> Result:
        return cls(Status.PASS, region, resource_id, reason)

    @classmethod
    def failed(cls, region: str, resource_id: str, reason: str) -> Result:
        return cls(Status.FAIL, region, resource_id, reason)

    @classmethod
    def unknown(cls, region: str, resource_id: str, reason: str) -> Result:
        return cls(Status.UNKNOWN, region, resource_id, reason)


@dataclass(frozen=True)
class Check:
    id: str  # public contract: stable across releases
    title: str
    severity: Severity
    rationale: str  # what a responder loses when this is missing
    remediation: str  # names the infra component that fixes it
    references: tuple[str, ...]  # URLs of the AWS documentation the check follows
    evaluate: Callable[[AccountContext], Iterator[Result]]
    # The readiness domain first (one of DOMAINS), then any other category, e.g. "forensics-ready".
    categories: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.categories[0] if self.categories else "other"

    @property
    def compliance(self) -> tuple[dict, ...]:
        """The framework requirements this check answers, read from the framework files
        (audit/frameworks/*.toml, the one place the mapping is written): each
        ``{"framework", "version", "requirement", "title", "url"}``."""
        from irready.audit.frameworks import requirements_of
        return requirements_of(self.id)

    def metadata(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "categories": list(self.categories),
            "rationale": self.rationale,
            "remediation": self.remediation,
            "references": list(self.references),
            "compliance": list(self.compliance),
        }


# The readiness domains of the executive summary, in the order a responder needs them.
DOMAINS = {"logging": "Logging", "detection": "Detection", "access": "Access for responders",
           "containment": "Containment", "hardening": "Hardening"}


@dataclass(frozen=True)
class Finding:
    """One verdict on one resource, from the audit (account, region) or from iac-scan (file, line).

    ``check_id`` is always an audit check id, so frameworks, waivers and every format read both
    kinds alike; iac-scan also names the checkov check that produced it in ``source_check``.
    ``waiver`` is set when a waiver matched: ``{"reason", "owner", "ticket", "expires", "expired"}``.
    """
    check_id: str
    title: str
    status: Status
    severity: Severity
    account_id: str
    region: str
    resource_id: str
    reason: str
    remediation: str
    file: str | None = None  # iac-scan: the scanned file
    line: int | None = None  # iac-scan: first line of the resource (1-based)
    end_line: int | None = None
    source_check: str | None = None  # iac-scan: the checkov check id (IRREADY_AWS_3, CKV_AWS_67...)
    waiver: dict | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        data["severity"] = self.severity.value
        for key in ("file", "line", "end_line", "source_check", "waiver"):
            if data[key] is None:
                del data[key]  # the audit's JSON shape stays as it was
        return data

    @property
    def sort_key(self) -> tuple:
        return (self.check_id, self.account_id, self.region, self.resource_id, self.file or "", self.line or 0,
                self.status.value, self.reason)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the same finding across runs: check, account, region, resource."""
        return (self.check_id, self.account_id, self.region, self.resource_id)


def tally(findings: list[Finding]) -> dict:
    """Counts every summary shares: findings per status, unwaived FAILs per severity."""
    return {"findings": {s.value: sum(f.status is s for f in findings) for s in Status},
            "failures_by_severity": {v.value: sum(f.status is Status.FAIL and f.severity is v for f in findings)
                                     for v in Severity}}


def exceeds(findings: list[Finding], fail_on: Severity) -> bool:
    """Any FAIL at or above ``fail_on``: the exit code's question (a WAIVED finding is not a FAIL)."""
    return any(f.status is Status.FAIL and f.severity.rank >= fail_on.rank for f in findings)


@dataclass(frozen=True)
class Report:
    """What a renderer gets. ``kind`` is "audit" or "iac-scan".

    ``snapshot_meta``: collected_at, caller_account_id, tool_version (audit). ``evidence``: what the
    report was made from and with (tool version, settings, waivers file and its SHA-256, caller
    identity, collection start and end, snapshot SHA-256). ``compliance``: the per-requirement view
    when a framework was asked for. ``expiring``: waivers that expire soon. ``history``: summaries
    of earlier reports, oldest first, for the trend.
    """
    findings: list[Finding]
    summary: dict
    checks: list[Check]
    snapshot_meta: dict
    kind: str = "audit"
    evidence: dict = field(default_factory=dict)
    compliance: list[dict] = field(default_factory=list)
    expiring: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
