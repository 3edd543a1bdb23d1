"""Run results as data: the JSON contract other tools and the report read.

results/<variant>.json always holds the latest run; results/history/ keeps older ones.
Every view (terminal table, Markdown, the report) is rendered from this document."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.model.outcomes import Outcome
from lab.model.settings import ROOT

SCHEMA = 1
RESULTS_DIR = ROOT / "results"


@dataclass
class ProbeResult:
    probe: str
    what: str
    client: str
    client_address: str  # the client container's own address
    client_address_seen: str | None  # as the first server logged it
    server: str  # the host the client talked to
    recipient: str
    token: str
    expected: Outcome | None  # None: the probe has no expectation here (run by hand from another client)
    actual: Outcome
    ok: bool
    code: int | None
    stage: str
    rule: str | None  # the restriction that decided, when the server says
    fate: str | None  # where the message was found (host:path), or why not
    transcript: list[dict]
    seconds: float
    reproduce: str  # the command that runs this probe by hand
    evidence: list[str] = field(default_factory=list)  # the log lines the verdict rests on
    warnings: list[str] = field(default_factory=list)  # e.g. the server saw another address
    # the server's own log line about delivering the message (Sendmail: "... stat=Sent"); beside
    # a quarantined fate it is the note's "the maillog lies"
    claim: str | None = None
    records: list[str] = field(default_factory=list)  # the server's record of the real folder (procmail LOGFILE)


@dataclass
class RunResult:
    variant: str
    title: str
    server: str
    started: str
    config: dict  # exactly what was applied
    versions: dict
    probes: list[ProbeResult]
    seconds: float
    lesson: str = ""
    schema: int = SCHEMA

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.probes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "RunResult":
        fields = {k: v for k, v in data.items() if k not in ("ok", "probes")}
        probes = [ProbeResult(**{**p, "expected": Outcome(p["expected"]) if p.get("expected") else None,
                                 "actual": Outcome(p["actual"])}) for p in data["probes"]]
        return cls(probes=probes, **fields)


def save(result: RunResult, directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "history").mkdir(exist_ok=True)
    text = json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n"
    stamp = result.started.replace(":", "").replace("-", "")
    (directory / "history" / f"{result.variant}-{stamp}.json").write_text(text)
    path = directory / f"{result.variant}.json"
    path.write_text(text)
    return path


def load(variant: str, directory: Path = RESULTS_DIR) -> RunResult:
    return RunResult.from_dict(json.loads((directory / f"{variant}.json").read_text()))
