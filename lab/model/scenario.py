"""Scenarios (restriction variants) and probes: data files in, checked model objects out.
Any mistake in a file is one LabError line naming the file and the field."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import yaml

from lab.errors import LabError
from lab.model.outcomes import WORDS, Outcome
from lab.model import workshop
from lab.model.prose import in_language
from lab.model.settings import ROOT
from lab.model.topology import Topology

SCENARIO_DIR = ROOT / "scenarios"
PROBE_PLAN = Path(__file__).with_name("probe_plan.yaml")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+)(?:\.(address|fqdn))?\s*\}\}")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Probe:
    id: str
    what: str
    client: str
    to: str  # "local" or "remote"
    via: str | None = None  # None: the server under test
    auth: str | None = None
    password: str | None = None  # "wrong" for a wrong password
    pop: str | None = None  # POP-before-SMTP probes: see POP_STEPS
    extra: bool = False  # not in the standard plan (DESIGN §5): variants that want it list it
    port: int = 25  # 587: the submission port
    starttls: bool = False  # STARTTLS before anything else (AUTH, MAIL)
    what_ja: str = ""  # `what` in Japanese (LAB_LANG=ja)

    def text(self, key: str, lang: str = "en") -> str:
        """What the probe does, in a language ("en" or "ja")."""
        return in_language(self, key, lang)


WRONG_PASSWORD = "not-the-password"  # what a probe with password: wrong (or a failed POP3 login) sends
POP_STEPS = ("none", "login", "expired", "bad-password")  # what happens over POP3 first


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    server: str
    lesson: str
    probes: tuple[Probe, ...]
    expect: dict[str, Outcome]
    postconf: str = ""  # main.cf lines, verbatim from the note (with {{host}} placeholders)
    postconf_lab: str = ""  # the lab's own main.cf decisions, each with a comment
    files: dict[str, str] = field(default_factory=dict)  # path -> content
    master_cf: str = ""  # master.cf lines added to the baseline's (e.g. a submission service)
    drac_expire: int | None = None  # seconds a POP3 login lets the client relay (None: dracd's 30 min)
    source: str = ""
    path: Path | None = None
    title_ja: str = ""  # the title and the lesson in Japanese (LAB_LANG=ja)
    lesson_ja: str = ""

    def text(self, key: str, lang: str = "en") -> str:
        """The title or the lesson in a language ("en" or "ja")."""
        return in_language(self, key, lang)

    @property
    def where(self) -> str:
        """The scenario's file as a user names it (relative to the checkout when inside it)."""
        if self.path is None:
            return self.id
        try:
            return str(self.path.resolve().relative_to(ROOT))
        except ValueError:
            return str(self.path)

    def rendered(self, topo: Topology) -> "Scenario":
        """The same scenario with {{host}} / {{host.fqdn}} replaced by the lab's values."""
        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: getattr(topo.host(m[1]), m[2] or "address"), text)

        return Scenario(**{**self.__dict__, "postconf": fill(self.postconf), "postconf_lab": fill(self.postconf_lab),
                           "master_cf": fill(self.master_cf), "files": {p: fill(c) for p, c in self.files.items()}})


def _fail(path: Path, where: str, why: str) -> NoReturn:
    raise LabError(f"{path}: {where}: {why}")


def yaml_error(exc: yaml.YAMLError) -> tuple[str, str]:
    """(where, why) of a YAML error. A quoted scalar or a flow collection left open is
    reported where it opens (PyYAML's context_mark): its problem_mark is where the parser
    gave up, often lines later or at the end of the file."""
    problem, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    opened = getattr(exc, "context", None) or ""
    if context and opened.startswith(("while scanning a", "while parsing a flow")):
        later = f" at line {problem.line + 1}" if problem and problem.line != context.line else ""
        construct = opened.split(" ", 2)[-1]  # "while scanning a quoted scalar" -> "a quoted scalar"
        return f"line {context.line + 1}", f"{construct} opens here: {what}{later}"
    return (f"line {problem.line + 1}" if problem else "file"), what


def load_probes(path: Path = PROBE_PLAN, hosts: set[str] | None = None) -> dict[str, Probe]:
    data = yaml.safe_load(path.read_text())
    probes = {}
    for pid, spec in data.items():
        try:
            probe = Probe(id=pid, **spec)
        except TypeError as exc:
            _fail(path, pid, str(exc))
        if hosts is not None:
            for key in ("client", "via"):
                if getattr(probe, key) is not None and getattr(probe, key) not in hosts:
                    _fail(path, f"{pid}.{key}", f"unknown host {getattr(probe, key)!r}")
        if probe.to not in ("local", "remote"):
            _fail(path, f"{pid}.to", "must be 'local' or 'remote'")
        if probe.pop is not None and probe.pop not in POP_STEPS:
            _fail(path, f"{pid}.pop", f"must be one of {', '.join(POP_STEPS)}")
        if not isinstance(probe.port, int) or not 0 < probe.port < 65536:
            _fail(path, f"{pid}.port", "must be a TCP port number")
        if not isinstance(probe.starttls, bool):
            _fail(path, f"{pid}.starttls", "must be true or false")
        probes[pid] = probe
    return probes


REQUIRED = ("id", "title", "title_ja", "server", "expect", "lesson", "lesson_ja")
ALLOWED = set(REQUIRED) | {"source", "postconf", "postconf_lab", "master_cf", "files", "probes", "drac_expire"}


def load(path: Path, topo: Topology, probes: dict[str, Probe] | None = None) -> Scenario:
    probes = probes or load_probes(hosts=set(topo.hosts))
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise LabError(f"{path}: no such scenario file") from None
    except yaml.YAMLError as exc:
        where, why = yaml_error(exc)
        _fail(path, where, f"not valid YAML ({why})")
    if not isinstance(data, dict):
        _fail(path, "file", "must be a mapping of fields")
    for key in REQUIRED:
        if not data.get(key):
            _fail(path, key, "missing")
    for key in data:
        if key not in ALLOWED:
            _fail(path, key, f"unknown field (known: {', '.join(sorted(ALLOWED))})")
    if data["id"] != path.stem or not _ID.match(str(data["id"])):
        _fail(path, "id", f"must be the file name without .yaml ({path.stem!r})")
    if data["server"] not in topo.under_test:
        _fail(path, "server", f"unknown server {data['server']!r} (known: {', '.join(topo.under_test)})")
    wanted = data.get("probes", "standard")
    if wanted == "standard":
        wanted = ["standard"]
    if not isinstance(wanted, list):
        _fail(path, "probes", "must be 'standard' or a list of probe ids ('standard' among them: the whole plan)")
    standard = [p for p, probe in probes.items() if probe.pop is None and not probe.extra]
    wanted = [q for p in wanted for q in (standard if p == "standard" else [p])]
    for pid in wanted:
        if pid not in probes:
            _fail(path, "probes", f"unknown probe {pid!r} (known: {', '.join(probes)})")
    expect = data["expect"]
    if not isinstance(expect, dict):
        _fail(path, "expect", "must map probe ids to outcomes")
    for pid, word in expect.items():
        if pid not in wanted:
            _fail(path, f"expect.{pid}", "not a probe this scenario runs")
        if word not in WORDS or word == "lost":
            _fail(path, f"expect.{pid}", f"unknown outcome {word!r} (known: {', '.join(w for w in WORDS if w != 'lost')})")
    for pid in wanted:
        if pid not in expect:
            _fail(path, f"expect.{pid}", "missing: every probe needs an expected outcome")
    files = data.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(k, str) and k.startswith("/") for k in files):
        _fail(path, "files", "must map absolute paths to contents")
    expire = data.get("drac_expire")
    if expire is not None and (not isinstance(expire, int) or isinstance(expire, bool) or not 1 <= expire <= 86400):
        _fail(path, "drac_expire", f"must be whole seconds from 1 to 86400, not {expire!r}")
    for key in ("postconf", "postconf_lab"):
        try:
            parse_main_cf(data.get(key) or "")
        except LabError as exc:
            _fail(path, key, str(exc))
    master_cf = data.get("master_cf") or ""
    if master_cf and (not isinstance(master_cf, str) or topo.mta(data["server"]) != "postfix"):
        _fail(path, "master_cf", "must be master.cf lines (text), for server postfix")
    for key, text in [("postconf", data.get("postconf", "")), ("postconf_lab", data.get("postconf_lab", "")),
                      ("master_cf", master_cf), *((f"files.{p}", c or "") for p, c in files.items())]:
        for m in PLACEHOLDER.finditer(text):
            if m[1] not in topo.hosts:
                _fail(path, key, f"unknown host {m[1]!r} in {m[0]}")
    return Scenario(
        id=data["id"], title=str(data["title"]).strip(), server=data["server"], lesson=str(data["lesson"]).strip(),
        probes=tuple(probes[p] for p in wanted), expect={p: Outcome(w) for p, w in expect.items()},
        postconf=data.get("postconf") or "", postconf_lab=data.get("postconf_lab") or "", master_cf=master_cf,
        files={p: (c or "") for p, c in files.items()}, drac_expire=expire, source=str(data.get("source") or ""), path=path,
        title_ja=str(data["title_ja"]).strip(), lesson_ja=str(data["lesson_ja"]).strip(),
    )


def ids(directory: Path = SCENARIO_DIR) -> list[str]:
    """Every variant in scenarios/, in the workshop's order, then any other by name."""
    return workshop.ordered(p.stem for p in directory.glob("*.yaml"))


def texts_ja(variant: str, directory: Path = SCENARIO_DIR) -> dict[str, str]:
    """The variant's title_ja and lesson_ja as its file has them ({} when there is no such
    variant, or its file does not read): for runs recorded before runs carried them."""
    if variant not in ids(directory):
        return {}
    try:
        data = yaml.safe_load((directory / f"{variant}.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return {key: str(data.get(key) or "") for key in ("title_ja", "lesson_ja")} if isinstance(data, dict) else {}


def find(variant: str, topo: Topology, directory: Path = SCENARIO_DIR) -> Scenario:
    """A variant by its id (scenarios/<id>.yaml), or a scenario file of the user's own by path."""
    if variant.endswith((".yaml", ".yml")):
        return load(Path(variant), topo)
    path = directory / f"{variant}.yaml"
    if not path.exists():
        known = ids(directory)
        close = difflib.get_close_matches(variant, known, n=1)
        raise LabError(f"unknown variant {variant!r}: " + (f"did you mean {close[0]}? " if close else "")
                       + f"scenarios/ has {', '.join(known) or 'none'}")
    return load(path, topo)


def check_all(topo: Topology, directory: Path = SCENARIO_DIR) -> tuple[list[Scenario], list[str]]:
    """Every scenario file, checked before anything runs: the ones that load, and for each
    file that does not, its one error line (naming the file and the field). A broken probe
    plan breaks them all: that raises."""
    probes = load_probes(hosts=set(topo.hosts))
    good, broken = [], []
    for i in ids(directory):
        try:
            good.append(load(directory / f"{i}.yaml", topo, probes))
        except LabError as exc:
            broken.append(str(exc))
    return good, broken


def parse_main_cf(text: str) -> list[tuple[str, str]]:
    """main.cf lines -> (name, value) pairs, continuation lines joined the way Postfix does."""
    params: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            if not params:
                raise LabError(f"main.cf text starts with a continuation line: {raw.strip()!r}")
            name, value = params[-1]
            params[-1] = (name, f"{value} {line.strip()}".strip())
            continue
        name, sep, value = line.partition("=")
        if not sep or not re.match(r"^[a-z0-9_]+$", name.strip()):
            raise LabError(f"main.cf line is not 'name = value': {raw.strip()!r}")
        params.append((name.strip(), value.strip()))
    return params
