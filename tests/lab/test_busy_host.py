"""A class on a busy host: other labs come and go on the same engine while `make class-up`,
`class-status` and `class-down` of a one-lab class run, and the class commands work as on
a quiet host.

The other labs are throwaway labs brought up and down in a loop by two threads: each turn
takes a pair of subnets and creates the lab's networks as `lab-up` does (subnets.reserve,
under the same lock), creates the seven containers of a lab with compose's labels (created,
not started: what a listing sees of a lab, without the CPU of seven servers), then removes
it all as `lab-down` does. A listing that inspects every container of the engine meets one
removed in between (docker.errors.NotFound) about every second time on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import uuid

import pytest

from lab.actions import classroom
from lab.model import settings
from lab.runtime import classes, engine, lifecycle, subnets

ROOT = settings.ROOT
CLASS = f"b{uuid.uuid4().hex[:6]}"
NAMES = [f"{CLASS}-ann"]
HOSTS = ("dns", "postfix", "sendmail", "relay", "remote", "outside", "inside")


class Churn:
    """Throwaway labs brought up and down in a loop, beside the test, until stopped."""

    def __init__(self, client, names: list[str]):
        self.client = client
        self.names = names
        self.turns = 0  # labs brought up and down again so far, all threads together
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(name,), daemon=True) for name in names]
        self._count = threading.Lock()
        self._turned = threading.Event()  # a first lab came and went

    def __enter__(self) -> Churn:
        for thread in self._threads:
            thread.start()
        self._turned.wait(timeout=120)
        if not self.turns or self.errors:
            self.__exit__()
            pytest.fail(f"the churn did not run: {self.errors or 'no throwaway lab came and went in 2 minutes'}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for name in self.names:  # whatever a failure left
            lifecycle.down(settings.load({"LAB_NAME": name}))

    def _loop(self, name: str) -> None:
        lab = settings.load({"LAB_NAME": name})
        while not self._stop.is_set():
            try:
                reserved = subnets.reserve(lab)
                for host in HOSTS:
                    self.client.containers.create(
                        lab.base_image, ["true"], name=f"{name}_{host}_1",
                        labels={engine.PROJECT_LABEL: name, "com.docker.compose.service": host})
                lifecycle.down(reserved)
            except Exception as exc:  # noqa: BLE001 - the test reads them (the churn must not fail)
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                return
            with self._count:
                self.turns += 1
            self._turned.set()

    def beside(self, *args: str) -> subprocess.CompletedProcess:
        """`make <args> CLASS=…` while the churn runs: it must succeed, and labs must have
        come and gone meanwhile (else it proved nothing)."""
        before = self.turns
        out = make(*args)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
        assert not self.errors, self.errors
        assert self.turns > before, f"no throwaway lab came and went during make {' '.join(args)}"
        return out


def make(*args: str) -> subprocess.CompletedProcess:
    skip = ("LAB_NAME", "LAB_INTERNET_NET", "LAB_LAN_NET", "MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {**{k: v for k, v in os.environ.items() if k not in skip}, "CI": "true"}
    return subprocess.run(["make", "-s", *args, f"CLASS={CLASS}"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def churn(docker_engine):
    with Churn(docker_engine, [f"{CLASS}-other{i}" for i in (1, 2)]) as running:
        yield running
    make("class-down")
    for name in NAMES:  # whatever happened above: nothing of ours stays
        lifecycle.down(settings.load({"LAB_NAME": name}))
        shutil.rmtree(ROOT / "results" / name, ignore_errors=True)
    classes.roster_path(CLASS).unlink(missing_ok=True)


def test_class_up_status_and_down_while_other_labs_come_and_go(churn):
    up = churn.beside("class-up", f"NAMES={' '.join(NAMES)}")
    assert classroom.members(CLASS) == NAMES
    assert f"LAB_NAME={NAMES[0]} make shell-outside" in up.stdout

    status = churn.beside("class-status")
    assert any(NAMES[0] in line and "healthy" in line for line in status.stdout.splitlines()), status.stdout

    churn.beside("class-down")
    assert classroom.members(CLASS) == []
    assert not engine.project_containers(NAMES[0]) and not engine.project_networks(NAMES[0])
