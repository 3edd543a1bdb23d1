"""A class spread over engines: a second Docker engine, started here on its own socket, data
directory and bridge (no iptables of its own), gets the images by `docker save |
docker load`, then `make class-up … ENGINES=<it>` starts the labs there; the roster's
commands carry LAB_DOCKER_HOST and work as printed; class-down removes them there."""

import os
import shutil
import subprocess
import uuid

import pytest

from lab import waiting
from lab.actions import classroom
from lab.model import settings, topology
from lab.runtime import classes, engine, images

ROOT = settings.ROOT
CLASS = f"e{uuid.uuid4().hex[:6]}"
NAME = f"{CLASS}-ann"


def make(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    outer = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")  # no outer make's (see below)
    env = {**{k: v for k, v in os.environ.items()
              if k not in outer and (not k.startswith("LAB_") or k == "LAB_IMAGE_PREFIX")}, "CI": "true"}
    return subprocess.run(["make", "-s", *args], cwd=ROOT, env=env, text=True, input=stdin,
                          capture_output=True, timeout=300)


FIRST_ENGINE: dict[str, bool] = {}  # what the usual engine had before the second started


def has_link(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", name], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def second_engine(docker_engine):
    base = f"/tmp/lab-{CLASS}"
    sock = f"unix://{base}.sock"
    log = open(f"{base}.log", "w")
    # A bridge of its own: a dockerd started with --bridge none deletes the host's docker0,
    # and the first engine's builds (RUN steps use the default bridge) fail until it restarts.
    bridge = f"lab{CLASS}"
    FIRST_ENGINE["docker0"] = has_link("docker0")
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "10.254.254.1/24", "dev", bridge], check=True)
    daemon = subprocess.Popen(["dockerd", "--host", sock, "--data-root", f"{base}/data", "--exec-root", f"{base}-x",
                               "--pidfile", f"{base}.pid", "--bridge", bridge, "--iptables=false"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        def answers():  # True once it answers; "died" if it exited first
            if daemon.poll() is not None:
                return "died"
            return subprocess.run(["docker", "-H", sock, "version"], capture_output=True).returncode == 0

        def said() -> str:
            return open(f"{base}.log").read()[-1500:]

        if waiting.until(answers, 30, what="the second dockerd to answer", last=said) is not True:
            pytest.fail(f"the second dockerd exited: {said()}", pytrace=False)
        yield sock
    finally:
        with engine.using(sock):
            for c in engine.client().containers.list(all=True):
                c.remove(force=True, v=True)
        daemon.terminate()  # ours alone: started above, by its pid
        daemon.wait(timeout=30)
        subprocess.run(["ip", "link", "delete", bridge], check=False)
        log.close()
        for folder in (base, f"{base}-x"):
            shutil.rmtree(folder, ignore_errors=True)
        for leftover in (f"{base}.log", f"{base}.sock", f"{base}.pid"):
            if os.path.exists(leftover):
                os.remove(leftover)


def test_the_usual_engine_keeps_its_default_bridge(second_engine):
    """Its builds need docker0 (RUN steps run on the default bridge)."""
    assert has_link("docker0") or not FIRST_ENGINE["docker0"]


def test_the_images_go_over_without_a_registry(second_engine):
    """What class-up does for an engine that lacks them (here apart, so each test stays short)."""
    sent = images.copy_to(settings.load({}), second_engine)
    assert sent and images.copy_to(settings.load({}), second_engine) == []  # up to date: nothing sent again
    with engine.using(second_engine):
        assert all(images.current_hash(t) for t in sent)


@pytest.fixture(scope="module")
def spread_class(second_engine):
    up = make("class-up", f"NAMES={NAME}", f"CLASS={CLASS}", f"ENGINES={second_engine}")
    yield up
    make("class-down", f"CLASS={CLASS}")
    classes.roster_path(CLASS).unlink(missing_ok=True)


def test_the_lab_runs_on_the_engine_it_was_sent_to(spread_class, second_engine):
    assert spread_class.returncode == 0, spread_class.stdout[-2000:] + spread_class.stderr[-2000:]
    assert classes.members(CLASS) == {NAME: second_engine}
    assert not engine.project_containers(NAME)  # none on the usual engine
    with engine.using(second_engine):
        assert len(engine.project_containers(NAME, all=False)) == len(topology.load(settings.load({})).hosts)

def test_the_roster_command_reaches_the_lab_as_printed(spread_class, second_engine):
    command = f"LAB_NAME={NAME} LAB_DOCKER_HOST={second_engine} make shell-outside"
    assert command in spread_class.stdout
    # as pasted into a fresh terminal: no LAB_* of ours, and no outer make (under `make test`
    # its MAKELEVEL adds "Entering directory" lines after the shell's output)
    outer = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {k: v for k, v in os.environ.items()
           if k not in outer and (not k.startswith("LAB_") or k == "LAB_IMAGE_PREFIX")}
    out = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, input="hostname\n", text=True,
                         capture_output=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1] == "outside", out.stdout + out.stderr


def test_class_status_and_down_find_it_there(spread_class, second_engine):
    status = make("class-status", f"CLASS={CLASS}")
    assert status.returncode == 0 and NAME in status.stdout and "healthy" in status.stdout, status.stdout + status.stderr
    down = make("class-down", f"CLASS={CLASS}")
    assert down.returncode == 0, down.stdout + down.stderr
    assert classroom.members(CLASS) == [] and classes.members(CLASS) == {}
    with engine.using(second_engine):
        assert not engine.project_containers(NAME) and not engine.project_networks(NAME)
