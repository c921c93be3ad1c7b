"""Reporters: they format a Report and never decide anything about it.

``FORMATS`` is the one registry of output formats, used by `irready audit`, `evaluate`, `iac-scan`
(and anything else that writes a report): name -> render(Report) -> str.
"""

from __future__ import annotations

from collections.abc import Callable

from irready.audit.model import Report
from irready.audit.report import asff, csv_report, html, json_report, junit, markdown, ocsf, sarif, table

FORMATS: dict[str, Callable[[Report], str]] = {
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

# The file extension a saved report of each format gets (the scheduled audit's bucket), and the one
# `--output FILE` recognises to pick the format when `--format` is not given.
EXTENSIONS: dict[str, str] = {
    "table": "txt", "json": "json", "markdown": "md", "html": "html", "sarif": "sarif", "junit": "xml",
    "csv": "csv", "ocsf": "ocsf.json", "asff": "asff.json",
}
