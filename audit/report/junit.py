"""JUnit XML for CI systems: one test case per check x account x region (per check x file for
iac-scan). A FAIL is a <failure>; an UNKNOWN is <skipped> (the audit could not look; the exit code
decides whether that fails the build); a WAIVED finding passes, its waiver in <system-out>.

Text from AWS is written through ElementTree (escaped) after removing what XML 1.0 cannot carry
(control characters), shown as \\xNN.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from irready.audit.model import Finding, Report, Status
from irready.audit.report.layout import where

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def render(report: Report) -> str:
    cases: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in report.findings:
        scope = f.file if f.file is not None else f"{f.account_id}/{f.region}"
        cases[(f.check_id, scope)].append(f)
    suites = ET.Element("testsuites", name="irready")
    by_check: dict[str, list[tuple[str, list[Finding]]]] = defaultdict(list)
    for (check_id, scope), findings in sorted(cases.items()):
        by_check[check_id].append((scope, findings))
    totals = defaultdict(int)
    for check in report.checks:
        suite = ET.SubElement(suites, "testsuite", name=_text(check.id))
        counts = defaultdict(int)
        for scope, findings in by_check.get(check.id, []):
            case = ET.SubElement(suite, "testcase", name=_text(f"{check.id} {scope}"), classname=_text(check.id))
            failed = [f for f in findings if f.status is Status.FAIL]
            unknown = [f for f in findings if f.status is Status.UNKNOWN]
            if failed:
                failure = ET.SubElement(case, "failure", message=_text(f"{len(failed)} FAIL: {failed[0].reason}"),
                                        type=check.severity.value)
                failure.text = _text("\n".join(f"{where(f)}: {f.reason}" for f in failed)
                                     + f"\nFix: {check.remediation}")
                counts["failures"] += 1
            elif unknown:
                ET.SubElement(case, "skipped", message=_text(f"UNKNOWN: {unknown[0].reason}"))
                counts["skipped"] += 1
            waived = [f for f in findings if f.waiver]
            if waived:
                out = ET.SubElement(case, "system-out")
                out.text = _text("\n".join(f"{f.status.value} {where(f)}: waiver {f.waiver['reason']} (owner "
                                           f"{f.waiver['owner']}, {f.waiver['ticket']}, expires "
                                           f"{f.waiver['expires']}{', EXPIRED' if f.waiver['expired'] else ''})"
                                           for f in waived))
            counts["tests"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for key, value in counts.items():
            totals[key] += value
    suites.set("tests", str(totals["tests"]))
    suites.set("failures", str(totals["failures"]))
    suites.set("errors", "0")
    suites.set("skipped", str(totals["skipped"]))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
