"""What the lab needs from the machine, in one place: ``python3 -m lab.bootstrap``.

The lab needs a Docker engine that answers (and the ``docker`` client), Docker Compose
(``docker compose`` v2 or ``docker-compose`` v1), make, and a python3 that can make a
virtualenv (python3-venv); debootstrap builds the base image when no registry answers.
``make lab-up`` (and build, test, verify, …) and ``.ci/run`` run this module first; ``make
venv`` runs it with ``--venv`` (only what the virtualenv needs). Standard library only: it
runs with the system python3 before .venv exists.

Three parts:

* ``observe()`` reads the machine (cheap: no subprocess when all is present);
* ``decide()`` is pure: from what is present, a ``Plan`` — steps and the one line that says
  them, or one error line giving the command to run;
* ``execute()`` does the steps: ``apt-get update`` once, ``apt-get install -y`` what is
  missing, starts the engine (``systemctl start docker`` under systemd, else ``dockerd`` in
  the background, its log in ``/var/log/lab-dockerd.log``), waits up to 60 s for it.

It installs only on Debian or Ubuntu (or a derivative, with apt-get), as root or with
passwordless sudo; elsewhere, or with ``LAB_NO_INSTALL=1``, it only says what is missing
and the command to run, and exits 1. When everything is present it prints nothing.

debootstrap is installed up front with the rest (on its own only as root: sudo is not asked
just for it). It is small, and whether the base image must be built is known only after
asking the engine and a registry (seconds), which would make this check slow and repeat
lab/runtime/baseimage.py. Where it cannot be installed its absence is no error: the
base-image build names it if it is ever needed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from lab import waiting

DEFAULT_SOCKET = "/var/run/docker.sock"
DOCKERD_LOG = "/var/log/lab-dockerd.log"
ENGINE_TIMEOUT = 60.0
DOCS = "https://docs.docker.com/engine/install/"
UP, DOWN, DENIED = "up", "down", "denied"  # the engine answers / nothing answers / socket refused us

# Debian's (and Ubuntu's) package for each need, in install order, and why the lab needs it.
WHY = {
    "docker.io": "the Docker engine",
    "docker-compose": "Docker Compose",
    "debootstrap": "to build the base image offline",
    "make": "make",
    "python3-venv": "to create .venv",
}
# What each is called where the lab cannot install it (another OS).
NAME = {"docker.io": "a Docker engine", "docker-compose": "Docker Compose", "debootstrap": "debootstrap",
        "make": "make", "python3-venv": "Python's venv module"}
DENIED_ERROR = ("bootstrap: the Docker engine runs, but this user may not use its socket: "
                "run 'sudo usermod -aG docker $USER', log in again (or work as root)")
COMMANDS = ("docker", "dockerd", "docker-compose", "debootstrap", "make", "apt-get", "sudo", "systemctl")


@dataclass(frozen=True)
class Machine:
    """What is present. Everything decide() looks at, and nothing else."""

    commands: frozenset[str] = frozenset()  # which of COMMANDS exist (sbin directories included)
    compose: bool = False              # docker-compose exists or `docker compose version` answers
    engine: str = DOWN                 # UP, DOWN or DENIED
    docker_host: str = ""              # DOCKER_HOST when it names another engine than the local socket
    venv: bool = False                 # python3 has venv and ensurepip
    python: tuple[int, ...] = (3, 11)  # python3's version
    system_python: bool = True         # python3 is the distribution's (apt's python3-venv is for it)
    os_ids: tuple[str, ...] = ()       # ID and ID_LIKE of /etc/os-release, e.g. ("ubuntu", "debian")
    root: bool = False
    sudo: bool = False                 # passwordless sudo (probed only when there is work to do)
    systemd: bool = False              # systemd is running (PID 1)
    no_install: bool = False           # LAB_NO_INSTALL is set
    chromium: bool = True              # --browser: chromium is here (the report's browser test)
    chromedriver: bool = True          # --browser: chromium's WebDriver is here (the web pages' Selenium tests)
    ja_font: bool = True               # --browser: fontconfig knows a Japanese font
    npm: bool = True                   # --browser: npm is here (make web's terminal: xterm.js, npm ci)


@dataclass(frozen=True)
class Step:
    kind: str                   # "run": must succeed; "start": run unless the engine answers;
    argv: tuple[str, ...] = ()  # "spawn": start in the background unless it answers; "wait": for it
    log: str | None = None      # for "wait": the engine's log to show when it does not answer


@dataclass(frozen=True)
class Plan:
    say: str = ""                # the one line announcing the steps ("" when there is nothing to do)
    steps: tuple[Step, ...] = ()
    error: str = ""              # one line: why we stop, and the command to run


def _missing(m: Machine, venv_only: bool) -> list[str]:
    """The Debian packages for what is missing, in install order (debootstrap aside)."""
    need = set()
    if not venv_only:
        if "docker" not in m.commands or (m.engine == DOWN and "dockerd" not in m.commands):
            need.add("docker.io")  # the docker client alone (as /usr/local/bin/docker) is no engine
        if not m.compose:
            need.add("docker-compose")
        if "make" not in m.commands:
            need.add("make")
    if not m.venv:
        need.add("python3-venv")
    return [p for p in WHY if p in need]


def _starting(m: Machine, su: tuple[str, ...]) -> tuple[str, tuple[Step, ...], str]:
    """How to start the engine here: what to say, the steps, the command for a person."""
    sudo = "sudo " if su else ""
    if m.systemd:
        return ("the Docker engine (systemctl start docker)",
                (Step("start", su + ("systemctl", "start", "docker")), Step("wait")),
                f"{sudo}systemctl start docker")
    return (f"the Docker engine: dockerd in the background (log: {DOCKERD_LOG})",
            (Step("spawn", su + ("sh", "-c", f"exec dockerd >>{DOCKERD_LOG} 2>&1")), Step("wait", log=DOCKERD_LOG)),
            f"{sudo}sh -c 'dockerd >>{DOCKERD_LOG} 2>&1 &'")


def decide(m: Machine, venv_only: bool = False) -> Plan:
    """The plan for machine ``m``: nothing, steps, or one error line. Pure."""
    engine = not venv_only
    if m.python < (3, 10):
        return Plan(error=f"bootstrap: the lab needs Python >= 3.10; python3 here is "
                          f"{m.python[0]}.{m.python[1]}: install a newer python3")
    if engine and m.engine == DENIED:
        return Plan(error=DENIED_ERROR)
    if engine and m.engine == DOWN and m.docker_host:
        return Plan(error=f"bootstrap: no Docker engine answers at DOCKER_HOST={m.docker_host}: "
                          "start it, or unset DOCKER_HOST to use the local one")
    if not m.venv and not m.system_python:
        return Plan(error="bootstrap: this python3 (not the system's) cannot make a virtualenv (no venv/ensurepip): "
                          "add them to this Python, or put /usr/bin/python3 first in PATH")
    packages = _missing(m, venv_only)
    start = engine and m.engine == DOWN
    debian = bool({"debian", "ubuntu"} & set(m.os_ids))
    can_install = debian and "apt-get" in m.commands and (m.root or m.sudo) and not m.no_install
    if engine and "debootstrap" not in m.commands and (packages or can_install):
        packages = [p for p in WHY if p in {*packages, "debootstrap"}]
    if not packages and not start:
        return Plan()

    su = () if m.root else ("sudo", "-n")
    sudo = "sudo " if su else ""
    apt = su + ("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-qq", "-o", "DPkg::Lock::Timeout=120")
    install = (Step("run", apt + ("update",)), Step("run", apt + ("install", "-y", *packages))) if packages else ()
    starting, start_steps, start_cmd = _starting(m, su)
    what = ", ".join(f"{p} ({WHY[p]})" for p in packages)
    todo = [f"{sudo}apt-get update && {sudo}apt-get install -y {' '.join(packages)}"] if packages else []
    if start and not ("docker.io" in packages and m.systemd):  # under systemd the package starts it
        todo.append(start_cmd)
    run = " && ".join(todo)
    missing = f"missing {what}" if packages else "the Docker engine is installed but not running"

    if packages and not debian:
        os_name = m.os_ids[0] if m.os_ids else sys.platform
        return Plan(error=f"bootstrap: missing {', '.join(NAME[p] for p in packages)}; the lab installs them itself "
                          f"only on Debian or Ubuntu, this is {os_name}: install them (the Docker engine and "
                          f"Compose: {DOCS}), then run it again")
    if packages and "apt-get" not in m.commands:
        return Plan(error=f"bootstrap: missing {what}, and apt-get is not here: install them, then run it again")
    if m.no_install:
        return Plan(error=f"bootstrap: {missing}; LAB_NO_INSTALL is set, so nothing is installed or started: run {run}")
    if not (m.root or m.sudo):
        doing = "installing them" if packages else "starting it"
        return Plan(error=f"bootstrap: {missing}; {doing} needs root or passwordless sudo: run {run}")
    said = [f"installing {what} with {sudo}apt-get"] if packages else []
    said += [f"starting {starting}"] if start else []
    return Plan(say="bootstrap: " + ", then ".join(said), steps=install + (start_steps if start else ()))


# What the report's browser test needs (tests/browser/, `--browser`; .ci/run asks for it).
BROWSER = {"chromium": "the report's browser test, headless",
           "chromium-driver": "the web pages' tests drive chromium with Selenium",
           "fonts-ipafont-gothic": "Japanese text in that test's screenshots",
           "npm": "make web's terminal: xterm.js, installed from package-lock.json with npm ci"}


def decide_browser(m: Machine) -> Plan:
    """The plan for `--browser`: chromium, its driver, a Japanese font and npm, each only if missing. Pure."""
    packages = [p for p, here in (("chromium", m.chromium), ("chromium-driver", m.chromedriver),
                                  ("fonts-ipafont-gothic", m.ja_font), ("npm", m.npm)) if not here]
    if not packages:
        return Plan()
    su = () if m.root else ("sudo", "-n")
    sudo = "sudo " if su else ""
    run = f"{sudo}apt-get update && {sudo}apt-get install -y {' '.join(packages)}"
    what = ", ".join(f"{p} ({BROWSER[p]})" for p in packages)
    if not ({"debian", "ubuntu"} & set(m.os_ids)) or "apt-get" not in m.commands:
        return Plan(error=f"bootstrap: missing {what}: install them (Debian: {run})")
    if m.no_install:
        return Plan(error=f"bootstrap: missing {what}; LAB_NO_INSTALL is set, so nothing is installed: run {run}")
    if not (m.root or m.sudo):
        return Plan(error=f"bootstrap: missing {what}; installing them needs root or passwordless sudo: run {run}")
    apt = su + ("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-qq", "-o", "DPkg::Lock::Timeout=120")
    return Plan(say=f"bootstrap: installing {what} with {sudo}apt-get",
                steps=(Step("run", apt + ("update",)), Step("run", apt + ("install", "-y", *packages))))


def _ja_font(environ: Mapping[str, str]) -> bool:
    fc_list = which("fc-list", environ)
    try:
        return fc_list is not None and bool(subprocess.run([fc_list, ":lang=ja"], capture_output=True, text=True,
                                                     timeout=20).stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        return False


# --- reading the machine -------------------------------------------------------------------

def which(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """shutil.which, also looking in the sbin directories a user's PATH often lacks."""
    path = os.pathsep.join([environ.get("PATH", os.defpath), "/usr/local/sbin", "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def engine_state(environ: Mapping[str, str] = os.environ, timeout: float = 2.0) -> str:
    """UP if the Docker engine answers /_ping, DENIED if its socket refuses us, else DOWN.
    A unix socket is asked directly (about a millisecond); other DOCKER_HOSTs through the client."""
    host = environ.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"
    if not host.startswith("unix://"):
        docker = which("docker", environ)
        try:
            ok = docker and subprocess.run([docker, "version", "--format", "{{.Server.Version}}"],
                                           capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        return UP if ok else DOWN
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(host[len("unix://"):])
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status = s.recv(64).split(b"\r\n", 1)[0].split()
    except PermissionError:
        return DENIED
    except OSError:
        return DOWN
    return UP if len(status) > 1 and status[1] == b"200" else DOWN


def os_ids(path: Path = Path("/etc/os-release")) -> tuple[str, ...]:
    """ID then the words of ID_LIKE from os-release, lower case; () if there is none."""
    try:
        text = path.read_text()
    except OSError:
        return ()
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = " ".join(shlex.split(value, posix=True)) if value.strip() else ""
    return tuple(w.lower() for w in (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).split())


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "no", "false", "off")


def _compose(environ: Mapping[str, str]) -> bool:
    if which("docker-compose", environ):
        return True
    docker = which("docker", environ)
    try:
        return docker is not None and subprocess.run([docker, "compose", "version"], capture_output=True,
                                               timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _passwordless_sudo(environ: Mapping[str, str]) -> bool:
    sudo = which("sudo", environ)
    try:
        return sudo is not None and subprocess.run([sudo, "-n", "true"], stdin=subprocess.DEVNULL,
                                             capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def observe(environ: Mapping[str, str] = os.environ, venv_only: bool = False) -> Machine:
    """The machine as decide() needs it. Asks sudo only if there is something to do."""
    docker_host = environ.get("DOCKER_HOST", "")
    m = Machine(
        commands=frozenset(c for c in COMMANDS if which(c, environ)),
        compose=True if venv_only else _compose(environ),
        engine=UP if venv_only else engine_state(environ),
        docker_host="" if docker_host in ("", f"unix://{DEFAULT_SOCKET}", "unix:///run/docker.sock") else docker_host,
        venv=all(importlib.util.find_spec(module) for module in ("venv", "ensurepip")),
        python=tuple(sys.version_info[:2]),
        system_python=sys.base_prefix == "/usr",
        os_ids=os_ids(),
        root=os.geteuid() == 0,
        systemd=os.path.isdir("/run/systemd/system"),
        no_install=_flag(environ.get("LAB_NO_INSTALL")),
    )
    if not m.root and decide(m, venv_only) != Plan():
        m = replace(m, sudo=_passwordless_sudo(environ))
    return m


# --- doing it ------------------------------------------------------------------------------

def _dockerd_alive(pidfile: Path = Path("/var/run/docker.pid")) -> bool:
    """A dockerd is already running (perhaps still starting, as after apt installed it)."""
    try:
        return Path(f"/proc/{int(pidfile.read_text().strip())}").exists()
    except (OSError, ValueError):
        return False


def _answer(state: str) -> str | None:
    """The engine's state once it is other than DOWN (it answers, or refuses us)."""
    return None if state == DOWN else state


def _tail(text: str, n: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def execute(plan: Plan, *, run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
            popen: Callable[..., object] = subprocess.Popen, state: Callable[[], str] = engine_state,
            dockerd_alive: Callable[[], bool] = _dockerd_alive, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic, timeout: float = ENGINE_TIMEOUT,
            out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Do the plan's steps; 0 when done, 1 (after one line, and a log tail) when not."""
    out, err = out or sys.stdout, err or sys.stderr
    if plan.error:
        print(plan.error, file=err)
        return 1
    if plan.say:
        print(plan.say, file=out, flush=True)
    for step in plan.steps:
        if step.kind in ("start", "spawn") and (state() != DOWN or dockerd_alive()):
            continue
        if step.kind in ("run", "start"):
            done = run(list(step.argv), stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"bootstrap: '{shlex.join(step.argv)}' failed (exit {done.returncode})", file=err)
                detail = _tail((done.stdout or "") + (done.stderr or ""))
                if detail:
                    print(detail, file=err)
                return 1
        elif step.kind == "spawn":
            popen(list(step.argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL, start_new_session=True)
        elif step.kind == "wait":
            now = waiting.poll(lambda: _answer(state()), timeout, every=0.5, clock=clock, sleep=sleep) or DOWN
            if now == DENIED:
                print(DENIED_ERROR, file=err)
                return 1
            if now != UP:
                print(f"bootstrap: the Docker engine did not answer within {timeout:.0f} s; "
                      + (f"the end of {step.log}:" if step.log else "the end of 'journalctl -u docker':"), file=err)
                print(_engine_log(step.log, run), file=err)
                return 1
    return 0


def _engine_log(log: str | None, run: Callable[..., subprocess.CompletedProcess[str]]) -> str:
    if log:
        try:
            return _tail(Path(log).read_text(errors="replace"))
        except OSError as exc:
            return f"({log}: {exc.strerror})"
    try:
        done = run(["journalctl", "-u", "docker", "-n", "20", "--no-pager"], capture_output=True, text=True)
        return _tail(done.stdout or done.stderr or "")
    except OSError as exc:
        return f"(journalctl: {exc.strerror})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lab.bootstrap", description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", action="store_true", help="only what `make venv` needs (python3-venv)")
    parser.add_argument("--browser", action="store_true", help="only what the browser tests need "
                        "(chromium, chromium-driver, a Japanese font; npm, for make web's terminal)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    args = parser.parse_args(argv)
    if args.browser:
        m = replace(observe(venv_only=True), chromium=bool(which("chromium") or which("chromium-browser")),
                    chromedriver=bool(which("chromedriver")), ja_font=_ja_font(os.environ), npm=bool(which("npm")))
        if not m.root and decide_browser(m) != Plan():
            m = replace(m, sudo=_passwordless_sudo(os.environ))
        plan = decide_browser(m)
    else:
        plan = decide(observe(venv_only=args.venv), venv_only=args.venv)
    if args.dry_run:
        for line in [plan.error or plan.say, *(shlex.join(s.argv) or s.kind for s in plan.steps)]:
            if line:
                print(line)
        return 1 if plan.error else 0
    return execute(plan)


if __name__ == "__main__":
    sys.exit(main())
