"""The vocabulary shared by checks, the evaluator and the reporters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
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
    references: tuple[str, ...]
    evaluate: Callable[[AccountContext], Iterator[Result]]

    def metadata(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "references": list(self.references),
        }


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    status: Status
    severity: Severity
    account_id: str
    region: str
    resource_id: str
    reason: str
    remediation: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        data["severity"] = self.severity.value
        return data

    @property
    def sort_key(self) -> tuple:
        return (self.check_id, self.account_id, self.region, self.resource_id, self.status.value, self.reason)
