"""Every document in policies/, filled in as deployed, names only real actions and condition keys."""

from __future__ import annotations

import pytest
from irready.policies.lint import problems

from tests.policies.documents import DOCUMENTS


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documents_name_only_real_actions_and_keys(name):
    assert problems(DOCUMENTS[name]) == []


@pytest.mark.parametrize(("document", "problem"), [
    ({"Statement": [{"Effect": "Deny", "Action": "ec2:ModifyInstanceAtribute"}]},
     "unknown action ec2:ModifyInstanceAtribute"),
    ({"Statement": [{"Effect": "Deny", "Action": "ecc2:*"}]}, "unknown service in ecc2:*"),
    ({"Statement": [{"Effect": "Deny", "Action": "*", "Condition": {"DateLessThan": {"aws:TokenIsueTime": "x"}}}]},
     "unknown condition key aws:TokenIsueTime"),
])
def test_the_linter_catches_typos(document, problem):
    assert problems(document) == [problem]
