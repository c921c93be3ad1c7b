"""A snapshot file cut short is never a clean bill: `irready evaluate` names the accounts its header promised
but the file lacks, and exits 3 (could not look). Against moto over HTTP: three prepared accounts audited
once for the module, the snapshot then cut at every line boundary and inside its last line."""

from __future__ import annotations

import json

import pytest
from irready.audit import parts

from irready.cli import main
from irready.emulated.seed import Seeder, prepare_account
from tests.audit.emulated import REGION, SECURITY_ACCOUNT

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


@pytest.fixture(scope="module")
def saved(_emulator_and_faults, new_account, tmp_path_factory):
    """(the lines of a complete snapshot-v2 file of three prepared accounts, their ids)."""
    emulator = _emulator_and_faults[0]
    accounts = sorted(new_account() for _ in range(3))
    for account in accounts:
        prepare_account(Seeder(emulator, account), [REGION], SECURITY_ACCOUNT)
    path = tmp_path_factory.mktemp("truncated") / "snapshot.jsonl"
    with pytest.MonkeyPatch.context() as env:
        for name, value in ENV.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        assert main(["audit", "--endpoint-url", emulator.url, "--regions", REGION, "--accounts", ",".join(accounts),
                     "--security-account-id", SECURITY_ACCOUNT, "--snapshot-out", str(path),
                     "--output", str(path.with_suffix(".txt"))]) == 0
    return path.read_bytes().splitlines(keepends=True), accounts


def _accounts_in(lines: list[bytes]) -> set[str]:
    return {json.loads(line)["account"]["account_id"] for line in lines if line.startswith(b'{"account"')}


def test_the_header_lists_the_accounts_the_collection_set_out_to_read(saved):
    lines, accounts = saved
    assert json.loads(lines[0])["header"]["target_accounts"] == accounts
    assert json.loads(lines[-1])["end"]["incomplete"] is None


def test_a_snapshot_cut_at_any_line_names_what_is_missing_and_exits_3(saved, tmp_path, capsys):
    lines, accounts = saved
    for cut in range(1, len(lines) + 1):
        path = tmp_path / f"cut-{cut}.jsonl"
        path.write_bytes(b"".join(lines[:cut]))
        code = main(["evaluate", str(path), "--fail-on-unknown", "none"])
        out, err = capsys.readouterr()
        if cut == len(lines):  # the end line: complete
            assert code == 0, err
            assert "INCOMPLETE" not in out and err == ""
            continue
        assert code == 3, (cut, err)
        missing = sorted(set(accounts) - _accounts_in(lines[:cut]))
        # Every account read but no end line (topics read for other accounts may be lost): still incomplete.
        named = ", ".join(missing) or "none"
        assert f"not audited: {named}" in err, (cut, err)
        if cut > 1:  # a header alone holds no account to report
            assert f"INCOMPLETE: the collection was cut short (no end line); not audited: {named}" in out
    assert len(lines) >= 5  # header, three accounts, end: each cut was tried


def test_a_last_line_cut_in_the_middle_is_the_cut_not_damage(saved, tmp_path, capsys):
    lines, accounts = saved
    path = tmp_path / "mid-line.jsonl"
    path.write_bytes(lines[0] + lines[1] + lines[2][: len(lines[2]) // 2])
    assert main(["evaluate", str(path), "--fail-on-unknown", "none"]) == 3
    missing = sorted(set(accounts) - _accounts_in(lines[:2]))
    assert f"not audited: {', '.join(missing)}" in capsys.readouterr().err


def test_a_header_without_its_targets_says_the_missing_accounts_are_unknown(tmp_path):
    writer = parts.PartWriter(tmp_path / "old.jsonl", {"config": {}})  # written before target_accounts
    writer.add("111111111111", {"account_id": "111111111111", "regions": [REGION], "services": {}})
    writer.abandon()
    assert parts.load(writer.partial)["incomplete"]["missing_accounts"] is None
