"""A student's own configuration as an ad-hoc variant: a main.cf fragment for Postfix (or
sendmail.mc lines for Sendmail) written for the note's goal, checked like a scenario file,
run through the whole probe plan and judged against the goal - there are no expectations to
match, only the goal."""

from __future__ import annotations

import re
from pathlib import Path

from lab.errors import LabError
from lab import servers
from lab.model.scenario import PLACEHOLDER, Probe, Scenario, load_probes
from lab.servers.base import Server
from lab.model.topology import Topology

def probes_for(adapter: type[Server], text: str, plan: dict[str, Probe]) -> tuple[Probe, ...]:
    """The whole plan that applies to one's own configuration: the standard probes, and
    what the server's kind adds for it (lab.servers: Sendmail's procmail recipes, Postfix's
    drac lookups)."""
    chosen = [p for p in plan.values() if p.pop is None and not p.extra]
    return tuple(chosen + [p for p in adapter.own_probes(text, plan) if p not in chosen])


def scenario(path: Path, server: str, topo: Topology, extra_files: dict[str, Path] | None = None) -> Scenario:
    """The file as a variant of its own ('try-<name>'), checked: a line that is not main.cf
    syntax, an unknown {{host}}, a file that cannot be read - one line naming the file."""
    try:
        text = path.read_text()
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as exc:
        raise LabError(f"{path}: cannot read it as a configuration ({type(exc).__name__})") from None
    files = {}
    for dest, source in (extra_files or {}).items():
        if not dest.startswith("/"):
            raise LabError(f"--file {dest}={source}: the destination must be an absolute path")
        try:
            files[dest] = Path(source).read_text()
        except OSError as exc:
            raise LabError(f"--file {dest}={source}: {exc.strerror}") from None
    return from_text(text, path, server, topo, files)


def from_text(text: str, path: Path, server: str, topo: Topology, files: dict[str, str] | None = None) -> Scenario:
    """As scenario(), from the configuration's text (`path`: what errors and the id name it;
    `files`: absolute path -> text, written on the server too)."""
    if server not in topo.under_test:
        raise LabError(f"--server {server}: not a server under test (the lab's are {', '.join(topo.under_test)})")
    files = dict(files or {})
    kind = servers.kind(topo.mta(server) or "")
    postconf, own = kind.own_configuration(text, str(path))
    files.update(own)
    for where, content in [(str(path), text), *((f"--file {d}", c) for d, c in files.items())]:
        for m in PLACEHOLDER.finditer(content):
            if m[1] not in topo.hosts:
                raise LabError(f"{where}: unknown host {m[1]!r} in {m[0]} (the lab's: {', '.join(topo.hosts)})")
    for dest in (d for d in files if d.startswith("/etc/postfix/")):  # a map the fragment names gets postmap'd
        if kind.variant_file is None and dest not in text:
            raise LabError(f"--file {dest}: the configuration in {path} never names it")
    slug = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "config"
    return Scenario(id=f"try-{slug}", title=f"{path.name}: one's own configuration, judged against the note's goal",
                    title_ja=f"{path.name}: 自分で書いた設定（メモの目標に照らして判定）", server=server, lesson="",
                    lesson_ja="", probes=probes_for(kind, text, load_probes(hosts=set(topo.hosts))), expect={},
                    postconf=postconf, files=files, source=str(path), path=path)
