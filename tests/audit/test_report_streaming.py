"""Formats whose size grows with the findings are written a finding at a time (report.WRITERS): the same
text as the whole document would be, without holding it. At 1,000 accounts (about 255,000 findings) the
OCSF and ASFF documents are about 550 MB of text, several times that as Python objects when built whole."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from irready.audit.report import FORMATS, WRITERS, write
from irready.audit.report.machine import write_json_array

from tests.audit.test_report import hostile_report

SAMPLES = [[], [{}], [1, "two", None], [{"a": [1, {"b": []}], "c": "x\ny"}, {"d": {}}], [[], [[1]]]]


@pytest.mark.parametrize("items", SAMPLES)
@pytest.mark.parametrize("level", [0, 1, 3])
def test_an_array_written_item_by_item_is_the_text_json_dumps_makes(items, level):
    nested = json.dumps({"k": items}, indent=2) if level == 1 else None
    out = io.StringIO()
    write_json_array(iter(items), out, level)
    if level == 0:
        assert out.getvalue() == json.dumps(items, indent=2)
    if level == 1:
        assert '{\n  "k": ' + out.getvalue() + "\n}" == nested
    assert json.loads(out.getvalue()) == items


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_streamed_format_writes_what_it_renders(fmt):
    subject = hostile_report()
    out = io.StringIO()
    write(fmt, subject, out)
    rendered = FORMATS[fmt](subject)
    if fmt == "json":  # the document names when it was generated
        rendered, written = (json.loads(text) for text in (rendered, out.getvalue()))
        rendered.pop("generated_at"), written.pop("generated_at")
        assert written == rendered
    else:
        assert out.getvalue() == rendered


_MEASURE = """
import json, sys, tracemalloc
from pathlib import Path
from irready.audit.model import Status
from irready.audit.report import WRITERS, write
from tests.audit.test_report import finding, report
many = report([finding("vpc.flow_logs", Status.FAIL, f"vpc-{n:08x}", reason="no flow logs " * 4,
                       account=f"{100000000000 + n % 1000:012d}") for n in range(6000)])
measured = {}
for fmt in sorted(WRITERS):
    path = Path(sys.argv[1]) / fmt
    tracemalloc.start()
    with path.open("w", encoding="utf-8") as out:
        write(fmt, many, out)
    measured[fmt] = {"peak": tracemalloc.get_traced_memory()[1], "size": path.stat().st_size}
    tracemalloc.stop()
print(json.dumps(measured))
"""


@pytest.fixture(scope="module")
def large_report_writes(tmp_path_factory):
    """Each streamed format of a 6,000-finding report, written in a process of its own: tracemalloc counts
    every thread's allocations, and a test process may hold others' (an emulator's) threads."""
    folder = tmp_path_factory.mktemp("large")
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(folder)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    return json.loads(done.stdout)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_large_report_is_written_without_holding_it(fmt, large_report_writes):
    size, peak = large_report_writes[fmt]["size"], large_report_writes[fmt]["peak"]
    assert size > 1_000_000 and peak < size / 4, (fmt, size, peak)
