"""Result objects for tests that render or store them without running a lab."""

from lab.model import results, verdict
from lab.model.outcomes import Outcome

# what a run of the default lab records about it (results.lab_of)
LAB = {"name": "smtplab", "internet": "198.51.100.0/24", "lan": "10.77.0.0/24"}


def probe(name, expected, actual, seen="198.51.100.200"):
    """A probe's row, its verdict decided by the lab's own rule (a server that logged another
    client address gives the warning the lab gives)."""
    foreign = seen not in (None, "198.51.100.200")
    return verdict.decide_probe(results.ProbeResult(
        probe=name, what="w", client="outside", client_address="198.51.100.200", client_address_seen=seen,
        server="postfix", recipient="alice@postfix.lab.example", token="t" * 16,
        expected=Outcome(expected) if expected else None, actual=Outcome(actual), code=554, stage="rcpt",
        rule="reject", fate=None, transcript=[{"stage": "rcpt", "command": "RCPT TO:<x>", "code": 554, "reply": "no"}],
        seconds=0.3, reproduce=f".venv/bin/python -m lab probe outside {name} --server postfix",
        warnings=[f"postfix logged the client as {seen}, but outside's own address is 198.51.100.200"] if foreign else []))


def run(*probes, lab=LAB):
    return results.RunResult(variant="method1", title="Method 1", server="postfix", lab=results.LabRef(**lab) if isinstance(lab, dict) else lab,
                             started="2026-11-29T09:00:00+00:00",
                             config={"postconf": "mynetworks = 127.0.0.0/8\n", "files": {}}, versions={"postfix": "3.7"},
                             probes=list(probes), seconds=1.0, lesson="L")


def older_document(r) -> dict:
    """The document a run recorded before runs carried a goal verdict, Japanese texts and
    restriction traces would be: today's keys without those (schema 2 all along)."""
    data = {k: v for k, v in r.to_dict().items() if k not in ("goal", "title_ja", "lesson_ja")}
    data["probes"] = [{k: v for k, v in p.items() if k not in ("trace", "trace_note", "goal_met")}
                      for p in data["probes"]]
    return data
