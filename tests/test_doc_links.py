"""Every docs/ path the package names (in its source, messages and --help) exists: a user sent to a page
finds it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from irready.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ("audit", "infra", "irready", "policies")  # the folders setuptools maps into `irready`
# A docs/ path not inside a URL (".../api-docs/provider/" is the registry's, not ours).
DOC_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]*\w")


def _helps(parser: argparse.ArgumentParser) -> list[str]:
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                texts += _helps(sub)
    return texts


def _named() -> dict[str, set[str]]:
    named: dict[str, set[str]] = {}
    for folder in PACKAGE:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".j2", ".toml", ".yaml", ".json", ".js") and "__pycache__" not in path.parts:
                for link in DOC_PATH.findall(path.read_text(errors="replace")):
                    named.setdefault(link, set()).add(str(path.relative_to(ROOT)))
    for text in _helps(build_parser()):
        for link in DOC_PATH.findall(text):
            named.setdefault(link, set()).add("--help")
    return named


def test_every_docs_path_the_package_names_exists():
    named = _named()
    assert "docs/audit.md" in named and "--help" in named["docs/scheduled-audits.md"]  # the scan sees them
    missing = {link: sorted(where) for link, where in named.items() if not (ROOT / link).exists()}
    assert not missing, f"docs paths named but absent: {missing}"


def test_the_scan_would_see_a_dead_link():
    assert DOC_PATH.findall("see docs/waivers.md.") == ["docs/waivers.md"]
    assert DOC_PATH.findall("https://example.com/api-docs/provider/#x") == []
