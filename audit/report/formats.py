"""Every report format, by the name ``--format`` takes: one registry for the CLI and the scheduled audit.

``RENDERERS[name](report) -> str``; ``EXTENSIONS[name]`` is the file extension a saved report gets.
"""

from __future__ import annotations

from irready.audit.report import html, json_report, markdown, table

RENDERERS = {"table": table.render, "json": json_report.render, "markdown": markdown.render, "html": html.render}
EXTENSIONS = {"table": "txt", "json": "json", "markdown": "md", "html": "html"}
