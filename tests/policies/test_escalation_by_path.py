"""policies/escalation.py loads by path, outside the irready package, as checkov's virtualenv loads the
rules next to policies/checkov (standard library only there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ESCALATION = Path(__file__).parents[2] / "policies" / "escalation.py"
SCRIPT = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("irready_escalation", {str(ESCALATION)!r})
module = sys.modules.setdefault("irready_escalation", importlib.util.module_from_spec(spec))
spec.loader.exec_module(module)
admin = {{"Statement": [{{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}]}}
assert "irready" not in sys.modules
print(module.escalation_paths([admin], None, "arn:aws:iam::1:role/x")[0])
"""


def test_escalation_loads_by_path_without_the_irready_package(tmp_path):
    done = subprocess.run([sys.executable, "-I", "-S", "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "attach an arbitrary policy to a role (AdministratorAccess)"
