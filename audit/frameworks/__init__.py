"""Framework mappings as data: one TOML file per framework beside this module, each listing the
framework's requirements (id, title, source URL) and the ids of the checks that answer them.

This is the one place the mapping is written; ``Check.compliance`` reads it back per check.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from irready.audit.errors import UsageError

_HERE = Path(__file__).parent
# Short names accepted on the command line, besides each framework's own id.
ALIASES = {"nist": "nist-800-61r3", "cis": "cis-aws-5.0.0", "sec10": "aws-wa-sec10", "wa": "aws-wa-sec10",
           "ir-guide": "aws-ir-guide"}


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    url: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    url: str
    requirements: tuple[Requirement, ...]


@cache
def all_frameworks() -> dict[str, Framework]:
    """Every framework file, by id. Raises ValueError naming the file and field on a malformed file."""
    frameworks = {}
    for path in sorted(_HERE.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        try:
            requirements = tuple(Requirement(r["id"], r["title"], r["url"], tuple(r["checks"]))
                                 for r in data["requirements"])
            framework = Framework(data["id"], data["name"], data["version"], data["url"], requirements)
        except KeyError as exc:
            raise ValueError(f"{path.name}: missing field {exc}") from None
        if framework.id != path.stem:
            raise ValueError(f"{path.name}: id {framework.id!r} must match the file name")
        frameworks[framework.id] = framework
    return frameworks


def names() -> list[str]:
    """Every name --compliance accepts."""
    return sorted(all_frameworks()) + sorted(ALIASES)


def get(name: str) -> Framework:
    """The framework called ``name`` (its id or an alias); UsageError listing the names otherwise."""
    frameworks = all_frameworks()
    found = frameworks.get(ALIASES.get(name, name))
    if found is None:
        raise UsageError(f"--compliance: unknown framework {name!r}; choose one of {', '.join(names())}")
    return found


@cache
def requirements_of(check_id: str) -> tuple[dict, ...]:
    """The requirements, across every framework, that name ``check_id``."""
    return tuple({"framework": f.id, "version": f.version, "requirement": r.id, "title": r.title, "url": r.url}
                 for f in all_frameworks().values() for r in f.requirements if check_id in r.checks)
