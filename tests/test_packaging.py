"""What `pip install irready` installs: one import package, `irready`, with its package data, that
runs from a clean virtualenv; and the import contracts (pyproject's [tool.importlinter]) checked on
the tree the wheel installs, where import-linter sees every mapped subpackage.

The wheel is built once per session. The clean venv gets the wheel alone; its dependencies are made
visible by a .pth naming the dev venv's site-packages as a plain folder (no network, and that folder's
own .pth files, the editable install's among them, are not run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.audit.checks.fragments import snapshot
from tests.support.wheel import ROOT, build_wheel, check_contracts, install_tree

PACKAGE_FOLDERS = {"irready": ROOT / "irready", "irready.audit": ROOT / "audit", "irready.infra": ROOT / "infra",
                   "irready.policies": ROOT / "policies"}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def tree(wheel, tmp_path_factory) -> Path:
    return install_tree(wheel, tmp_path_factory.mktemp("tree"))


@pytest.fixture(scope="session")
def clean_venv(wheel, tmp_path_factory) -> Path:
    """A venv with only the wheel installed (dependencies visible through a .pth); its bin/ folder."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                           str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "bin"


def _run(bin_dir: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], capture_output=True, text=True, cwd=cwd,
                          env={**clean, **env}, timeout=300)


# --- the wheel's contents ----------------------------------------------------------------------------

def test_the_wheel_installs_only_irready(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"irready", f"{wheel.name.split('-py3')[0]}.dist-info"}
    dist_info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "irready = irready.cli:main" in zipfile.ZipFile(wheel).read(dist_info).decode()


def test_the_wheel_carries_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (("iam", "*.json"), ("scp", "*.json"), ("checkov", "*.py")):
        for path in (ROOT / "policies" / folder).glob(pattern):
            assert f"irready/policies/{folder}/{path.name}" in names
    assert "irready/policies/checkov-requirements.txt" in names
    # The framework mappings and the HTML report's templates.
    for path in (ROOT / "audit" / "frameworks").glob("*.toml"):
        assert f"irready/audit/frameworks/{path.name}" in names
    for path in (ROOT / "audit" / "report" / "templates").iterdir():
        assert f"irready/audit/report/templates/{path.name}" in names


def test_every_package_folder_is_in_the_explicit_packages_list():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = set()
    for package, folder in PACKAGE_FOLDERS.items():
        for init in folder.rglob("__init__.py"):
            on_disk.add(".".join((package, *init.parent.relative_to(folder).parts)))
        orphans = [p for p in folder.rglob("*.py") if not (p.parent / "__init__.py").exists()]
        assert orphans == [], f"Python files outside any package: {orphans}"
    data = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"])
    assert on_disk == listed - (data - on_disk), "listed packages that are neither code nor data folders"
    assert on_disk <= listed


def test_package_data_lives_in_its_own_folders_package():
    """A data file in a subfolder is declared under the subfolder's own package (itself in `packages`): a
    pattern reaching into a subfolder makes setuptools warn that the folder is absent from `packages`."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, patterns in setuptools["package-data"].items():
        assert package in setuptools["packages"], package
        assert not any("/" in pattern for pattern in patterns), (package, patterns)
    for package, folder in PACKAGE_FOLDERS.items():
        for path in folder.rglob("*"):
            if path.is_dir() and "__pycache__" not in path.parts and not (path / "__init__.py").exists() and \
                    any(p.is_file() for p in path.iterdir()):
                name = ".".join((package, *path.relative_to(folder).parts))
                assert name in setuptools["packages"], f"data folder {path} is not a package of its own"


# --- running from a clean venv -----------------------------------------------------------------------

def test_the_imported_irready_is_the_wheels(clean_venv, tmp_path):
    done = _run(clean_venv, "python", "-c", "import irready, irready.audit, irready.infra, irready.policies; "
                "print(irready.__version__); print(irready.__file__); print(irready.audit.__file__); "
                "print(irready.policies.__file__)", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    version, *files = done.stdout.split()
    site = str(clean_venv.parent)
    assert all(f.startswith(site) for f in files), files  # not the checkout, not the editable install
    assert version == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_package_data_resolves_from_the_wheel(clean_venv, tmp_path):
    code = ("import irready.policies as p, irready.policies.gate as g; p.deny_all(); p.audit_read_policy(); "
            "p.quarantine_scp(['arn:aws:iam::*:role/IncidentResponder']); "
            "assert g.CHECKOV_REQUIREMENTS.is_file(); assert sorted(x.name for x in g.CUSTOM_CHECKS.glob('*.py')); "
            "print(g.CUSTOM_CHECKS)")
    done = _run(clean_venv, "python", "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(clean_venv.parent))


def test_checks_evaluate_and_iac_scan_run_from_the_wheel(clean_venv, tmp_path):
    listing = _run(clean_venv, "irready", "checks", "--format", "json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "ir.responder_role" in {c["id"] for c in json.loads(listing.stdout)}

    saved = tmp_path / "snapshot.json"
    iam = {"roles": {}, "managed_policies": {}, "instance_profiles": {}, "containment_policies": {}}
    saved.write_text(json.dumps(snapshot({"iam": iam, "account": {"security_contact": None}})))
    evaluated = _run(clean_venv, "irready", "evaluate", str(saved), "--format", "json", cwd=tmp_path)
    assert evaluated.returncode == 1, evaluated.stderr  # gaps found: no responder role, no contact
    failed = {f["check_id"] for f in json.loads(evaluated.stdout)["findings"] if f["status"] == "FAIL"}
    assert {"ir.responder_role", "ir.containment_policies"} <= failed

    helped = _run(clean_venv, "irready", "iac-scan", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "Terraform" in helped.stdout

    # The wheel's own checkov checks (policies/checkov, loading readiness.py by path) run in checkov's venv.
    checkov = ROOT / ".checkov-venv" / "bin" / "checkov"
    fixture = ROOT / "tests" / "policies" / "fixtures" / "checkov" / "IRREADY_AWS_4" / "terraform" / "main.tf"
    scanned = _run(clean_venv, "irready", "iac-scan", str(fixture), "--format", "json", cwd=tmp_path,
                   IRREADY_CHECKOV=str(checkov))
    assert scanned.returncode == 1, scanned.stderr
    verdicts = {f["resource_id"]: f["status"] for f in json.loads(scanned.stdout)["findings"]
                if f["source_check"] == "IRREADY_AWS_4"}
    assert verdicts["aws_iam_role.passes_security_account_with_mfa"] == "PASS"
    assert verdicts["aws_iam_role.fails_two_accounts"] == "FAIL"


# --- the import contracts, on the installed tree -------------------------------------------------------

def test_the_import_contracts_hold(tree):
    result = check_contracts(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    analysed = int(re.search(r"Analyzed (\d+) files", result.stdout).group(1))
    # Every module of every mapped subpackage is in the graph.
    assert analysed == sum(1 for _ in (tree / "irready").rglob("*.py"))


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("irready/audit/evaluate.py", "import irready.infra.config", "irready.audit"),  # a half importing the other
    ("irready/infra/config.py", "from irready.audit import config as _audit_config", "irready.infra"),
    ("irready/policies/lint.py", "import irready.audit.model", "irready.policies"),  # policies importing a half
    ("irready/audit/model.py", "import irready.emulated.seed", "irready.audit"),  # a half importing integration
    ("irready/policies/readiness.py", "from . import gate", "irready.policies.readiness"),
])
def test_a_wrong_arrow_breaks_a_contract(tree, tmp_path, module, line, broken):
    copy = shutil.copytree(tree, tmp_path / "tree")
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}  # deliberate violation\n")
    result = check_contracts(copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and broken in result.stdout


def test_a_new_integration_module_may_import_both_halves_and_the_halves_may_not_import_it(tree, tmp_path):
    copy = shutil.copytree(tree, tmp_path / "tree")
    (copy / "irready" / "preflight.py").write_text("import irready.audit.config\nimport irready.infra.config\n")
    assert check_contracts(copy).returncode == 0
    (copy / "irready" / "audit" / "model.py").write_text(
        (copy / "irready" / "audit" / "model.py").read_text() + "\nimport irready.preflight\n")
    assert check_contracts(copy).returncode != 0


def test_a_module_nobody_placed_in_a_layer_breaks_the_contract(tree, tmp_path):
    copy = shutil.copytree(tree, tmp_path / "tree")
    (copy / "irready" / "shared.py").write_text("")
    result = check_contracts(copy)
    assert result.returncode != 0 and "irready.shared" in result.stdout
