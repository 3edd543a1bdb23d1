"""Doing things inside a lab host: run a command (as root through the host's agent, as
another user with docker exec), run the probe script, write files, find the file a token
is in, and read a log from a mark on. Nothing here waits: the callers poll (lab.waiting)."""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.models.containers import Container

from lab.runtime import agent, engine
from lab.model import topology
from lab.errors import HostGone, LabError
from lab.model.settings import Settings

MAIL_LOG = "/var/log/mail.log"  # where every MTA of the lab logs (the images say so)
PROBE_SOURCE = Path(__file__).parents[1] / "incontainer" / "probe.py"  # lab/incontainer/probe.py: compose mounts it as lab-probe


def container(settings: Settings, host: str) -> Container:
    """The running container of a lab host (raises HostGone if it is not running)."""
    topology.load(settings).host(host)  # unknown names get the list of known ones
    found = engine.service_container(settings.name, host)
    if found is None:
        raise HostGone(f"host {host!r} of lab {settings.name!r} is not running: "
                       f"start the lab with '{settings.command('make lab-up')}'")
    return found


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str


def run(settings: Settings, host: str, argv: Sequence[str] | str, user: str = "root") -> ExecResult:
    """Run a command in a lab host; a string is run with sh -c."""
    if user == "root":  # through the host's agent (lab/runtime/agent.py): no docker exec each time
        code, output = agent.run((engine.host(), settings.name, host), lambda: container(settings, host), argv)
        return ExecResult(code, output)
    command = ["sh", "-c", argv] if isinstance(argv, str) else argv
    return ExecResult(*agent.exec_once(container(settings, host), command, user))


def probe(settings: Settings, host: str, **options: str | int | bool | None) -> dict[str, Any]:
    """Run lab/incontainer/probe.py inside `host` (fed on stdin, so any host with python3 can run it)
    and return its JSON transcript. Options are the probe's flags: server=..., to=..."""
    flags = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + {"sender": "from", "recipient": "to"}.get(key, key).replace("_", "-")
        flags += [flag] if value is True else [flag, str(value)]
    script = f"python3 - {' '.join(shlex.quote(f) for f in flags)} <<'LAB_PROBE'\n{PROBE_SOURCE.read_text()}\nLAB_PROBE\n"
    result = run(settings, host, script)
    try:
        return json.loads(result.output)
    except json.JSONDecodeError:
        raise LabError(f"probe on {host} printed no transcript: {result.output.strip()[-300:]}") from None


def find_token(settings: Settings, host: str, token: str, paths: list[str]) -> str | None:
    """The first file under `paths` on `host` that contains `token`, or None."""
    found = run(settings, host, f"grep -rlsF {shlex.quote(token)} {' '.join(map(shlex.quote, paths))} | head -1")
    return found.output.strip() or None


def put_files(settings: Settings, host: str, files: dict[str, str]) -> None:
    """Write files (absolute path -> text) into a host in one go (mode 644, owned by root)."""
    steps = []
    for path, text in files.items():
        q = shlex.quote(path)
        encoded = base64.b64encode(text.encode()).decode()
        steps.append(f"mkdir -p \"$(dirname {q})\" && printf %s {encoded} | base64 -d > {q} && chmod 644 {q}")
    if not steps:
        return
    out = run(settings, host, " && ".join(steps))
    if out.exit_code != 0:
        raise LabError(f"{host}: writing {', '.join(files)} failed: {out.output.strip()[-200:]}")


def log_mark(settings: Settings, host: str, path: str = MAIL_LOG) -> int:
    """The log's current size: read from here on to see only what happens next."""
    out = run(settings, host, ["stat", "-c", "%s", path]).output.strip()
    return int(out) if out.isdigit() else 0


def log_since(settings: Settings, host: str, mark: int, path: str = MAIL_LOG) -> list[str]:
    return run(settings, host, ["tail", "-c", f"+{mark + 1}", path]).output.splitlines()
