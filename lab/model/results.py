"""Run results as data: the JSON contract other tools and the report read.

Results live per lab (several labs share a checkout): results/<lab>/<variant>.json always
holds that lab's latest run, results/<lab>/history/ every run under a name that never
collides. Every view (terminal table, Markdown, the report) is rendered from this document."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.model import scenario, verdict
from lab.model.goal import GoalVerdict
from lab.model.outcomes import Outcome, Stage
from lab.model.settings import Settings
from lab.model.trace import TraceStep
from lab.model.verdict import Basis, Kind

SCHEMA = 2  # 2: results per lab, and the run names its lab ("lab": name and subnets)


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
    code: int | None
    stage: Stage  # where the outcome was decided
    rule: str | None  # the restriction that decided, when the server says
    fate: str | None  # where the message was found (host:path), or why not
    transcript: list[dict[str, Any]]  # lab-probe's steps: stage, command, code, reply
    seconds: float
    reproduce: str  # the command that runs this probe by hand
    evidence: list[str] = field(default_factory=list)  # the log lines the verdict rests on
    warnings: list[str] = field(default_factory=list)  # e.g. the server saw another address
    # the server's own log line about delivering the message (Sendmail: "... stat=Sent"); beside
    # a quarantined fate it is the note's "the maillog lies"
    claim: str | None = None
    records: list[str] = field(default_factory=list)  # the server's record of the real folder (procmail LOGFILE)
    # every restriction the server evaluated for the probe's session, in order (lab.model.trace),
    # and what the trace leaves out or why there is none (e.g. Sendmail logs only refusals)
    trace: list[TraceStep] = field(default_factory=list)
    trace_note: str | None = None
    # does the outcome meet the note's goal (lab/model/goal.yaml, lab.model.goal)? None: the goal
    # says nothing about this probe. A question apart from `ok` (as the server does)
    goal_met: bool | None = None
    # the row's verdict (lab.model.verdict.decide sets these three, once): its kind, why in
    # one line, and whether the row is right
    verdict: Kind | None = None
    why: str = ""
    ok: bool = False

    @property
    def reply(self) -> str:
        """The server's last reply as the client read it ('4.3.5 Server configuration error'),
        when the session ended at the row's stage; else ''."""
        last = self.transcript[-1] if self.transcript else {}
        return str(last.get("reply") or "") if last.get("stage") == self.stage and last.get("code") == self.code else ""


@dataclass(frozen=True)
class LabRef:
    """The lab a run ran in: its name and both subnets (as CIDR)."""
    name: str
    internet: str
    lan: str


@dataclass
class RunResult:
    variant: str
    title: str
    server: str
    lab: LabRef  # the lab it ran in (lab_of)
    started: str
    config: dict[str, Any]  # exactly what was applied (Server.apply)
    versions: dict[str, str]  # software -> version (Server.versions)
    probes: list[ProbeResult]
    seconds: float
    lesson: str = ""
    schema: int = SCHEMA
    title_ja: str = ""
    lesson_ja: str = ""
    # the run against the note's goal (lab.model.goal.judge_run); None until the run is decided
    goal: GoalVerdict | None = None
    basis: Basis = Basis.EXPECTED  # what the rows were judged against (lab.model.verdict)
    # `make verify AUDIT=1`: nmap's smtp-open-relay beside the rows (lab.model.audit.Audit.to_dict:
    # tool, version, tests, relayed, agrees, verdict, ...); None when the run was not audited
    audit: dict | None = None

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.probes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | Path = "a run document") -> "RunResult":
        """The run a document records, in today's shape whatever its age (migrate()). A
        document of an unknown or newer schema, or not a run at all, is a LabError naming
        `source` (the file it came from)."""
        schema = data.get("schema") if isinstance(data, dict) else None
        if isinstance(schema, int) and schema > SCHEMA:
            raise LabError(f"{source}: a run result of schema {schema}, newer than this lab reads ({SCHEMA}): "
                           "update the lab (git pull) to read it")
        if schema != SCHEMA:
            raise LabError(f"{source}: not a lab run result of schema {SCHEMA} (schema: {schema!r})")
        try:
            data = migrate(data)
            fields = {k: v for k, v in data.items() if k not in ("ok", "probes", "basis", "goal", "lab")}
            probes = [ProbeResult(**{**p, "expected": Outcome(p["expected"]) if p.get("expected") else None,
                                     "actual": Outcome(p["actual"]),
                                     "verdict": Kind(p["verdict"]) if p.get("verdict") else None,
                                     "stage": stage_of(p["stage"]),
                                     "trace": [TraceStep.from_dict(t) for t in p["trace"]]})
                      for p in data["probes"]]
            run = cls(probes=probes, lab=LabRef(**data["lab"]), basis=Basis(data.get("basis") or Basis.EXPECTED),
                      goal=GoalVerdict(**data["goal"]) if data.get("goal") else None, **fields)
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise LabError(f"{source}: not a lab run result of schema {SCHEMA} ({type(exc).__name__}: {exc})") from None
        if run.goal is None or any(p.verdict is None for p in probes):  # recorded before runs carried them:
            verdict.decide(run, run.basis)  # judged now, from its outcomes
        return run


# --- older documents ---------------------------------------------------------------------
# Runs of schema 2 recorded before a field existed lack it; every reader gets today's shape.
OLD_RUN_TRACE = "no trace: this run was recorded before the lab traced restrictions"


def stage_of(recorded: str) -> Stage:
    """A recorded stage: runs of before the named stages wrote "<host>->next hop" for any host
    on the way whose delivery onwards was refused (the relay's is still its own stage)."""
    try:
        return Stage(recorded)
    except ValueError:
        if recorded.endswith("->next hop"):
            return Stage.SERVER_NEXT_HOP
        raise


def migrate(data: dict) -> dict:
    """A run document in today's shape: a probe recorded before the lab traced restrictions
    has no trace and says so (trace_note); a run recorded before the Japanese texts gets its
    variant's (from its scenario file, when it still exists). The goal verdict is judged in
    from_dict, with every row's verdict, on the run's outcomes."""
    probes = [p if "trace" in p else {**p, "trace": [], "trace_note": p.get("trace_note") or OLD_RUN_TRACE}
              for p in data["probes"]]
    data = {**data, "probes": probes}
    if "title_ja" not in data or "lesson_ja" not in data:
        data.update({k: data.get(k) or v for k, v in scenario.texts_ja(data.get("variant", "")).items()})
    return data


def lab_of(settings: Settings) -> LabRef:
    """What a run records about its lab: the name and both subnets."""
    return LabRef(settings.name, f"{settings.internet_net}.0/24", f"{settings.lan_net}.0/24")


def results_dir(settings: Settings) -> Path:
    """results/<lab>/: one folder per lab (the default lab too), so that labs never mix."""
    return settings.root / "results" / settings.name


def _history_name(variant: str) -> str:
    """<variant>-<UTC stamp to the microsecond>-<random>.json: unique even for runs in the same
    second, in several labs, in several processes."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{variant}-{stamp}-{secrets.token_hex(3)}.json"


def save(result: RunResult, settings: Settings) -> Path:
    """Write the run as this lab's latest result of its variant, and into its history."""
    if result.lab.name != settings.name:
        raise ValueError(f"a run of lab {result.lab.name!r} saved as lab {settings.name!r}")
    directory = results_dir(settings)
    (directory / "history").mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n"
    while True:  # "x": never overwrite another run's history, however unlikely the clash
        try:
            with open(directory / "history" / _history_name(result.variant), "x") as f:
                f.write(text)
            break
        except FileExistsError:
            continue
    path = directory / f"{result.variant}.json"
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}")
    partial.write_text(text)
    os.replace(partial, path)  # a reader never sees half a document
    return path


def save_try(result: RunResult, settings: Settings) -> Path:
    """results/<lab>/tries/<id>.json: a run of one's own configuration, kept apart from the
    variants' results (and the report)."""
    folder = results_dir(settings) / "tries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.variant}.json"
    path.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n")
    return path


def read(path: Path) -> RunResult:
    """The run recorded in a file (an OSError when it cannot be read; a LabError naming it
    when it is no run result this lab reads)."""
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise LabError(f"{path}: not JSON ({exc})") from None
    return RunResult.from_dict(data, path)


def load(variant: str, settings: Settings) -> RunResult:
    """This lab's latest run of the variant (FileNotFoundError when there is none)."""
    return read(results_dir(settings) / f"{variant}.json")
