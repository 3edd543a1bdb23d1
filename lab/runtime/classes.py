"""Where a class lives: the labs of each engine with their class label, the engines a class
is spread over, the class's roster file. lab.actions.classroom decides; this module finds.

A lab belongs to a class when its networks carry org.smtplab.class=<class> (set when
class-up creates them). The roster (results/class.<class>.json) names every lab, its
subnets and its engine: class-status, -verify and -down look on the engines it names (and
the usual one), and class-report reads it after class-down.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.model import settings
from lab.model.settings import Settings
from lab.runtime import engine

CLASS_LABEL = "org.smtplab.class"


def engines(spec: str | None) -> list[str]:
    """ENGINES="ctx1 unix:///tmp/x.sock": each a Docker context (its endpoint) or a DOCKER_HOST
    URL; none given: [""], the usual engine only."""
    found: list[str] = []
    for word in (spec or "").split():
        if "://" in word:
            where = word
        else:
            out = subprocess.run(["docker", "context", "inspect", word, "--format", "{{.Endpoints.docker.Host}}"],
                                 capture_output=True, text=True)
            if out.returncode != 0 or not out.stdout.strip():
                raise LabError(f"ENGINES: {word!r} is neither a Docker context (docker context ls) nor a URL "
                               f"such as unix:///path/docker.sock or tcp://host:2376")
            where = out.stdout.strip()
        where = "" if where == usual() else where
        if where in found:
            raise LabError(f"ENGINES: {word!r} names an engine given already")
        found.append(where)
    return found or [""]


def usual() -> str:
    """The engine this process talks to without being told otherwise."""
    with engine.using(None):
        return engine.host()


def machines(wheres: list[str]) -> int:
    """How many machines the engines run on: the usual engine and every unix socket are this
    machine; every other endpoint counts as a machine of its own."""
    return (1 if any(not w or w.startswith("unix://") for w in wheres) else 0) + \
        sum(1 for w in wheres if w and not w.startswith("unix://"))


def labs_on(where: str) -> dict[str, str | None]:
    """Every lab (compose project) engine `where` has: its class label, or None."""
    with engine.using(where):  # labels only: no listing here inspects (labs come and go meanwhile)
        every = engine.labelled_networks(engine.PROJECT_LABEL) + engine.labelled_containers(engine.PROJECT_LABEL)
    found: dict[str, str | None] = {}
    for labels in every:  # the class label is on the networks (class-up creates them)
        project = labels.get(engine.PROJECT_LABEL)
        if project:
            found[project] = found.get(project) or labels.get(CLASS_LABEL)
    return found


def everywhere(wheres: list[str]) -> dict[str, tuple[str | None, str]]:
    """Every lab on these engines: name -> (its class or None, its engine)."""
    found: dict[str, tuple[str | None, str]] = {}
    for where in wheres:
        for name, owner in labs_on(where).items():
            found.setdefault(name, (owner, where))
    return found


def members(cls: str, wheres: list[str] | None = None) -> dict[str, str]:
    """The labs of the class, by their label, on the engines given (default: the usual one
    and those its roster names): name -> engine."""
    wheres = wheres if wheres is not None else engines_of(cls)
    return {name: where for name, (owner, where) in sorted(everywhere(wheres).items()) if owner == cls}


def lab_env(name: str, where: str = "") -> dict[str, str]:
    """The environment a student's lab is loaded with: this one's (LAB_IMAGE_PREFIX, …) with
    the student's LAB_NAME (and LAB_DOCKER_HOST when it lives on another engine), no subnets."""
    import os

    skip = ("LAB_NAME", "LAB_INTERNET_NET", "LAB_LAN_NET", "LAB_DOCKER_HOST")
    env = {**{k: v for k, v in os.environ.items() if k not in skip}, "LAB_NAME": name}
    return {**env, "LAB_DOCKER_HOST": where} if where else env


def lab_settings(name: str, where: str = "") -> Settings:
    """The lab's settings with the subnets its networks have (asked of its engine)."""
    from lab.runtime import subnets

    with engine.using(where):
        return subnets.resolve(settings.load(lab_env(name, where)))


def roster_path(cls: str) -> Path:
    """results/class.<class>.json (a lab name has no '.': never a lab's folder)."""
    return settings.ROOT / "results" / f"class.{cls}.json"


def save_roster(cls: str, labs: list[Settings]) -> Path:
    path = roster_path(cls)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"class": cls, "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "labs": [{"name": s.name, "internet": f"{s.internet_net}.0/24", "lan": f"{s.lan_net}.0/24",
                      "engine": s.docker_host} for s in sorted(labs, key=lambda s: s.name)]}
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def read_roster(cls: str) -> list[dict[str, Any]]:
    path = roster_path(cls)
    return json.loads(path.read_text())["labs"] if path.exists() else []


def engines_of(cls: str) -> list[str]:
    """The usual engine and every engine the class's roster names."""
    found = [""]
    for lab in read_roster(cls):
        if lab.get("engine") and lab["engine"] not in found:
            found.append(lab["engine"])
    return found
