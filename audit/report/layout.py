"""What every renderer shares: the order of checks, how a finding's place is written, the headline,
and how text that came from AWS or a snapshot is made inert for each medium.

Resource names, tags, error messages and file names are chosen by whoever controls the account or
the repository: they are data, never markup. Each renderer passes them through its medium's function
(``for_terminal``, ``for_markdown``); HTML autoescapes through Jinja2; JSON, CSV and XML encode.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from irready.audit.model import Check, Finding, Report, Status


@dataclass(frozen=True)
class CheckRow:
    check: Check
    failed: list[Finding]
    unknown: list[Finding]
    passed: list[Finding]
    waived: list[Finding]

    @property
    def order(self) -> tuple:
        """Failing checks first, worst severity first; then the ones that could not be judged."""
        return (not self.failed, not self.unknown, -self.check.severity.rank, self.check.id)

    @property
    def findings(self) -> list[Finding]:
        return self.failed + self.unknown + self.waived + self.passed


def rows(report: Report) -> list[CheckRow]:
    by_check: dict[str, dict[Status, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_check[finding.check_id][finding.status].append(finding)
    result = [CheckRow(check, by_check[check.id][Status.FAIL], by_check[check.id][Status.UNKNOWN],
                       by_check[check.id][Status.PASS], by_check[check.id][Status.WAIVED])
              for check in report.checks]
    return sorted(result, key=lambda row: row.order)


def where(finding: Finding) -> str:
    """account/region/resource for the audit; resource (file:first-last) for iac-scan."""
    if finding.file is not None:
        return f"{finding.resource_id} ({finding.file}:{finding.line}-{finding.end_line})"
    parts = [finding.account_id, finding.region]
    if finding.resource_id != "-":
        parts.append(finding.resource_id)
    return "/".join(parts)


def headline(report: Report) -> str:
    """One sentence: what was looked at (not escaped: callers escape it for their medium)."""
    summary, meta = report.summary, report.snapshot_meta
    if report.kind == "iac-scan":
        return f"Scanned {summary.get('scanned', '?')}: {summary.get('checked', 0)} checked resource(s)."
    return (f"Collected {meta.get('collected_at', '?')} from account {meta.get('caller_account_id', '?')}: "
            f"{summary.get('accounts', 0)} account(s), regions {', '.join(summary.get('regions', [])) or 'none'}.")


def counts_line(report: Report) -> str:
    counts = report.summary["findings"]
    line = f"{counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN, {counts['PASS']} PASS"
    if counts.get("WAIVED"):
        line += f", {counts['WAIVED']} WAIVED"
    return line


# C0 and C1 controls (ESC starts ANSI sequences), DEL, and the Unicode bidirectional overrides and
# isolates that reorder what a terminal or an editor shows (CVE-2021-42574, "Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: object) -> str:
    """``text`` with every control character shown as a visible escape (\\x1b), never interpreted."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", str(text))


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def for_markdown(text: object) -> str:
    """``text`` as inert Markdown inline text: one line, no raw HTML, no emphasis, links, headings or
    table cells it did not come with (CommonMark backslash escapes and HTML entities)."""
    text = _CONTROL.sub(" ", str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
