"""Reporters: they format a Report and never decide anything about it.

``FORMATS`` is the one registry of output formats, used by `irready audit`, `evaluate`, `iac-scan`
(and anything else that writes a report): name -> render(Report) -> str, in the order and with the names of
``policies.names.REPORT_FORMATS`` (which the Pulumi program validates its stack config against); ``write``
writes the same text to a stream, a finding at a time where the format allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from irready.audit.model import Report
from irready.audit.report import asff, csv_report, html, json_report, junit, markdown, ocsf, sarif, table
from irready.policies.names import REPORT_FORMATS

_RENDERERS: dict[str, Callable[[Report], str]] = {
    "table": table.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "html": html.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "csv": csv_report.render,
    "ocsf": ocsf.render,
    "asff": asff.render,
}
# A name in REPORT_FORMATS without a renderer fails here, at import; a renderer without a name, in
# tests/audit/test_report_formats.py.
FORMATS: dict[str, Callable[[Report], str]] = {name: _RENDERERS[name] for name in REPORT_FORMATS}

# Formats whose size grows with the findings, written a finding at a time (a thousand accounts' findings
# make tens of megabytes of text, and several times that as Python objects if built whole).
WRITERS: dict[str, Callable[[Report, TextIO], None]] = {
    "json": json_report.write,
    "csv": csv_report.write,
    "ocsf": ocsf.write,
    "asff": asff.write,
}


def write(name: str, report: Report, out: TextIO) -> None:
    """Write ``report`` as format ``name`` to ``out``: the same text as ``FORMATS[name](report)``."""
    if name in WRITERS:
        WRITERS[name](report, out)
    else:
        out.write(FORMATS[name](report))


# The file extension a saved report of each format gets (the scheduled audit's bucket), and the one
# `--output FILE` recognises to pick the format when `--format` is not given.
EXTENSIONS: dict[str, str] = {
    "table": "txt", "json": "json", "markdown": "md", "html": "html", "sarif": "sarif", "junit": "xml",
    "csv": "csv", "ocsf": "ocsf.json", "asff": "asff.json",
}
