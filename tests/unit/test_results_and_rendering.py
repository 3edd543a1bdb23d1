"""The JSON contract other tools read, and the views rendered from it."""

import json

from rich.console import Console

from factories import probe, run

from lab.views import run_table as render_run
from lab.model import results

PROBE_KEYS = {"probe", "client", "client_address", "client_address_seen", "recipient", "token", "expected",
              "actual", "ok", "code", "stage", "rule", "fate", "transcript", "seconds"}
TOP_KEYS = {"schema", "variant", "server", "started", "config", "versions", "probes"}


def test_json_contract_keys_and_version(tmp_path):
    path = results.save(run(probe("direct-inbound", "rejected", "rejected")), tmp_path)
    data = json.loads(path.read_text())
    assert TOP_KEYS <= set(data) and data["schema"] == results.SCHEMA == 1
    assert PROBE_KEYS <= set(data["probes"][0])
    assert results.load("method1", tmp_path).to_dict() == data
    assert len(list((tmp_path / "history").glob("method1-*.json"))) == 1


def test_ok_is_false_when_any_cell_mismatches():
    assert run(probe("a", "rejected", "rejected")).ok
    assert not run(probe("a", "rejected", "rejected"), probe("b", "rejected", "delivered")).ok


def rendered(r):
    console = Console(record=True, width=200)
    console.print(render_run.table(r))
    return console.export_text()


def test_terminal_table_marks_mismatches_and_foreign_addresses():
    text = rendered(run(probe("good", "rejected", "rejected"), probe("bad", "rejected", "delivered", seen="10.0.0.9")))
    assert "✗ bad" in text and "✗ good" not in text
    assert "10.0.0.9 (NOT 198.51.100.200!)" in text
    assert "outside -> postfix" in text
    assert "554 rcpt" in text
    assert text.count("python -m lab probe outside") == 2  # every row says how to run it again


def test_markdown_has_every_row_and_the_config():
    md = render_run.markdown(run(probe("good", "rejected", "rejected"), probe("bad", "rejected", "delivered")))
    assert md.count("\n| good |") == 1 and "**delivered ✗**" in md
    assert "mynetworks = 127.0.0.0/8" in md and "`python -m lab probe outside bad`" in md


def test_summary_names_the_mismatches():
    assert "1 MISMATCH: bad" in render_run.summary(run(probe("good", "x", "x"), probe("bad", "x", "y")))
