"""The report formats are defined once (``irready.audit.report.FORMATS``); the docs read that list: the
Formats table of docs/reports.md lists every one, in order, and no page enumerates a subset of them as if
it were all of them (docs/scheduled-audits.md once listed four of nine as the default)."""

from __future__ import annotations

import re
from pathlib import Path

from irready.audit.report import FORMATS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_formats_table_lists_every_format_in_order():
    section = (ROOT / "docs" / "reports.md").read_text().split("## Formats", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE) == list(FORMATS)


def _format_lists(text: str) -> list[list[str]]:
    """Every parenthesized or bracketed list of three or more names that are all format names."""
    lists = []
    for group in re.findall(r"[(\[]([\w ,]+)[)\]]", text):
        names = [n.strip() for n in group.split(",") if n.strip()]
        if len(names) >= 3 and all(n in FORMATS for n in names):
            lists.append(names)
    return lists


def test_no_page_lists_some_formats_as_if_they_were_all():
    for page in PAGES:
        for names in _format_lists(page.read_text()):
            assert set(names) == set(FORMATS), f"{page.name} lists {names}; name them all or point to " \
                                               "docs/reports.md#formats"


def test_the_list_scan_sees_a_partial_list():
    assert _format_lists("every format the report stack has (json, markdown, html, table)") == [
        ["json", "markdown", "html", "table"]]
