"""The built wheel, installed where nothing else is, and import-linter run on it.

import-linter (grimp) reads package folders. With the package-dir mappings of pyproject.toml an
editable install shows it only the repository's irready/ folder (audit/, infra/ and policies/ are
mapped in by a finder), so the contracts are checked on the tree the wheel installs. ``python -S``
keeps the dev venv's .pth files, and with them the editable install's finder, out of that run.

``python -m tests.support.wheel`` (what ``make import-contracts`` runs) builds the wheel into
build/wheel, installs it into build/lint-site and checks the contracts; the exit code is import-linter's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def build_wheel(directory: Path) -> Path:
    """Build irready's wheel into ``directory`` (no build isolation: setuptools comes from the dev venv)."""
    shutil.rmtree(directory, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           str(ROOT), "--wheel-dir", str(directory)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building the wheel failed:\n{done.stderr[-2000:]}")
    return next(directory.glob("irready-*.whl"))


def install_tree(wheel: Path, target: Path) -> Path:
    """Install the wheel alone (no dependencies) into the folder ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                           "--target", str(target), str(wheel)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"installing the wheel failed:\n{done.stderr[-2000:]}")
    return target


def check_contracts(tree: Path, config: Path = PYPROJECT) -> subprocess.CompletedProcess:
    """import-linter's contracts from ``config`` on the irready package installed in ``tree``."""
    purelib = sysconfig.get_paths()["purelib"]  # import-linter and grimp, as plain paths (no .pth files)
    command = ("import sys; from importlinter.cli import lint_imports_command; "
               f"sys.exit(lint_imports_command(['--no-cache', {str(config)!r}]))")
    return subprocess.run([sys.executable, "-S", "-c", command], cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": purelib})


if __name__ == "__main__":
    tree = install_tree(build_wheel(ROOT / "build" / "wheel"), ROOT / "build" / "lint-site")
    result = check_contracts(tree)
    sys.stdout.write(result.stdout[result.stdout.find("Contracts"):] if "Contracts" in result.stdout
                     else result.stdout)
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode)
