"""Result objects for tests that render or store them without running a lab."""

from lab.model import results

# what a run of the default lab records about it (results.lab_of)
LAB = {"name": "smtplab", "internet": "198.51.100.0/24", "lan": "10.77.0.0/24"}


def probe(name, expected, actual, seen="198.51.100.200"):
    return results.ProbeResult(
        probe=name, what="w", client="outside", client_address="198.51.100.200", client_address_seen=seen,
        server="postfix", recipient="alice@postfix.lab.example", token="t" * 16, expected=expected, actual=actual,
        ok=expected == actual and seen in (None, "198.51.100.200"), code=554, stage="rcpt", rule="reject",
        fate=None, transcript=[{"stage": "rcpt", "command": "RCPT TO:<x>", "code": 554, "reply": "no"}],
        seconds=0.3, reproduce=f".venv/bin/python -m lab probe outside {name} --server postfix")


def run(*probes, lab=LAB):
    return results.RunResult(variant="method1", title="Method 1", server="postfix", lab=dict(lab),
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
