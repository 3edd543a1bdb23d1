"""lab.bootstrap: the pure decision for each kind of machine, the executor with fakes, the
readers on small real inputs, and the callers (.ci/run, the Makefile) using it."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from lab import bootstrap as b
from lab.bootstrap import DENIED, DOWN, UP, Machine, Plan, Step, decide

ROOT = Path(__file__).resolve().parents[2]
ALL = frozenset({"docker", "dockerd", "docker-compose", "debootstrap", "make", "apt-get", "systemctl"})
# A Debian machine as root with everything present and the engine answering.
READY = Machine(commands=ALL, compose=True, engine=UP, venv=True, os_ids=("debian",), root=True, systemd=True)
# A fresh Debian machine: the docker client only (as here: /usr/local/bin/docker), no engine package.
FRESH = Machine(commands=frozenset({"docker", "make", "apt-get", "sudo"}), compose=False, engine=DOWN,
                venv=False, os_ids=("debian",), root=True, systemd=False)
APT = ("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-qq", "-o", "DPkg::Lock::Timeout=120")


def one_line(text: str) -> str:
    assert text and "\n" not in text
    return text


def installs(plan: Plan) -> list[str]:
    (install,) = [s for s in plan.steps if "install" in s.argv]
    return list(install.argv[install.argv.index("-y") + 1:])


def test_all_present_means_nothing_to_do():
    assert decide(READY) == Plan()
    assert decide(replace(READY, root=False, no_install=True)) == Plan()


def test_nothing_printed_when_nothing_to_do(capsys):
    assert b.execute(Plan(), run=None, popen=None, state=None) == 0
    assert capsys.readouterr() == ("", "")


def test_engine_stopped_under_systemd_is_started_with_systemctl():
    plan = decide(replace(READY, engine=DOWN))
    assert plan.steps == (Step("start", ("systemctl", "start", "docker")), Step("wait"))
    assert "systemctl start docker" in one_line(plan.say) and not plan.error


def test_engine_stopped_without_systemd_runs_dockerd_in_the_background_with_a_named_log():
    plan = decide(replace(READY, engine=DOWN, systemd=False))
    assert plan.steps == (Step("spawn", ("sh", "-c", "exec dockerd >>/var/log/lab-dockerd.log 2>&1")),
                          Step("wait", log="/var/log/lab-dockerd.log"))
    assert "dockerd" in one_line(plan.say) and "/var/log/lab-dockerd.log" in plan.say


def test_nothing_installed_on_debian_as_root_one_apt_line_naming_the_packages():
    plan = decide(FRESH)
    assert not plan.error
    assert plan.steps[:2] == (Step("run", APT + ("update",)),
                              Step("run", APT + ("install", "-y", "docker.io", "docker-compose", "debootstrap", "python3-venv")))
    assert [s.kind for s in plan.steps[2:]] == ["spawn", "wait"]
    say = one_line(plan.say)
    for package in ("docker.io", "docker-compose", "debootstrap", "python3-venv", "apt-get", "dockerd"):
        assert package in say
    assert sum("update" in s.argv for s in plan.steps) == 1


def test_ubuntu_and_derivatives_install_the_same_way():
    for ids in (("ubuntu", "debian"), ("linuxmint", "ubuntu", "debian")):
        assert installs(decide(replace(FRESH, os_ids=ids))) == ["docker.io", "docker-compose", "debootstrap", "python3-venv"]


def test_docker_client_alone_is_not_an_engine():
    plan = decide(replace(READY, commands=ALL - {"dockerd"}, engine=DOWN))
    assert installs(plan) == ["docker.io"]


def test_an_engine_that_answers_needs_no_dockerd_here():
    assert decide(replace(READY, commands=ALL - {"dockerd"})) == Plan()


def test_not_root_and_no_sudo_one_error_line_with_the_sudo_command():
    plan = decide(replace(FRESH, root=False, sudo=False))
    assert not plan.steps
    assert "sudo apt-get install -y docker.io docker-compose debootstrap python3-venv" in one_line(plan.error)
    assert "sudo sh -c 'dockerd >>/var/log/lab-dockerd.log 2>&1 &'" in plan.error


def test_not_root_engine_stopped_says_sudo_systemctl_start_docker():
    plan = decide(replace(READY, root=False, engine=DOWN))
    assert one_line(plan.error).endswith("run sudo systemctl start docker")


def test_passwordless_sudo_prefixes_every_step():
    plan = decide(replace(FRESH, root=False, sudo=True))
    assert plan.steps and all(s.argv[:2] == ("sudo", "-n") for s in plan.steps if s.argv)
    assert "sudo apt-get" in one_line(plan.say)


def test_another_os_one_error_line_with_the_docker_docs():
    plan = decide(replace(FRESH, os_ids=("fedora",), commands=frozenset({"docker", "make", "sudo"})))
    assert b.DOCS in one_line(plan.error) and "fedora" in plan.error and not plan.steps
    assert "apt-get" not in plan.error


def test_debian_without_apt_get_is_an_error():
    plan = decide(replace(FRESH, commands=FRESH.commands - {"apt-get"}))
    assert "apt-get is not here" in one_line(plan.error) and not plan.steps


def test_lab_no_install_reports_what_is_missing_with_the_command_only():
    plan = decide(replace(FRESH, no_install=True))
    assert not plan.steps
    assert "LAB_NO_INSTALL" in one_line(plan.error)
    assert "apt-get install -y docker.io docker-compose debootstrap python3-venv" in plan.error
    stopped = decide(replace(READY, engine=DOWN, no_install=True))
    assert not stopped.steps and one_line(stopped.error).endswith("run systemctl start docker")


def test_compose_v2_present_means_no_docker_compose_install():
    plan = decide(replace(FRESH, compose=True))
    assert "docker-compose" not in installs(plan)


def test_python3_venv_missing_is_installed():
    plan = decide(replace(READY, venv=False))
    assert installs(plan) == ["python3-venv"] and "python3-venv" in one_line(plan.say)


def test_venv_scope_asks_only_for_python3_venv():
    assert installs(decide(FRESH, venv_only=True)) == ["python3-venv"]
    assert decide(replace(FRESH, venv=True), venv_only=True) == Plan()


def test_a_python_that_is_not_the_systems_gets_no_apt_package():
    plan = decide(replace(READY, venv=False, system_python=False))
    assert "venv" in one_line(plan.error) and not plan.steps


def test_debootstrap_alone_installed_when_we_may_and_never_an_error_when_we_may_not():
    only = replace(READY, commands=ALL - {"debootstrap"})
    assert installs(decide(only)) == ["debootstrap"]
    assert decide(replace(only, root=False)) == Plan()
    assert decide(replace(only, no_install=True)) == Plan()
    assert decide(replace(only, os_ids=("arch",))) == Plan()


def test_socket_refused_says_join_the_docker_group():
    assert "usermod -aG docker" in one_line(decide(replace(READY, engine=DENIED, root=False)).error)


def test_another_docker_host_is_never_started_here():
    plan = decide(replace(READY, engine=DOWN, docker_host="tcp://10.0.0.5:2375"))
    assert "DOCKER_HOST=tcp://10.0.0.5:2375" in one_line(plan.error) and not plan.steps


def test_old_python_is_an_error():
    assert "3.10" in one_line(decide(replace(READY, python=(3, 8))).error)


# --- the executor, with fakes ------------------------------------------------------------------


class Fakes:
    def __init__(self, states, returncode=0):
        self.states, self.returncode, self.ran, self.spawned, self.now = list(states), returncode, [], [], 0.0

    def run(self, argv, **kw):
        self.ran.append(argv)
        return SimpleNamespace(returncode=self.returncode, stdout="E: boom\n", stderr="")

    def popen(self, argv, **kw):
        assert kw["start_new_session"]
        self.spawned.append(argv)

    def state(self):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def sleep(self, seconds):
        self.now += seconds

    def execute(self, plan, **kw):
        out, err = io.StringIO(), io.StringIO()
        rc = b.execute(plan, run=self.run, popen=self.popen, state=self.state, dockerd_alive=lambda: False,
                       sleep=self.sleep, clock=lambda: self.now, out=out, err=err, **kw)
        return rc, out.getvalue(), err.getvalue()


def test_execute_installs_then_starts_and_waits():
    fakes = Fakes([DOWN, DOWN, UP])
    rc, out, err = fakes.execute(decide(FRESH))
    assert (rc, err) == (0, "")
    assert out.count("\n") == 1 and "installing" in out
    assert [a[a.index("apt-get") + 4] for a in fakes.ran] == ["update", "install"]
    assert fakes.spawned == [["sh", "-c", "exec dockerd >>/var/log/lab-dockerd.log 2>&1"]]


def test_execute_does_not_start_an_engine_the_package_already_started():
    fakes = Fakes([UP])
    rc, _, _ = fakes.execute(decide(replace(FRESH, systemd=True)))
    assert rc == 0 and not fakes.spawned and all("systemctl" not in a for a in fakes.ran)


def test_execute_stops_at_a_failing_step_with_its_output():
    fakes = Fakes([DOWN], returncode=100)
    rc, _, err = fakes.execute(decide(FRESH))
    assert rc == 1 and len(fakes.ran) == 1 and "failed (exit 100)" in err and "E: boom" in err


def test_execute_shows_the_log_tail_when_the_engine_does_not_answer(tmp_path):
    log = tmp_path / "dockerd.log"
    log.write_text("".join(f"line {i}\n" for i in range(50)) + "failed to start daemon: boom\n")
    fakes = Fakes([DOWN])
    plan = Plan(say="x", steps=(Step("spawn", ("dockerd",)), Step("wait", log=str(log))))
    rc, _, err = fakes.execute(plan, timeout=60)
    assert rc == 1 and "within 60 s" in err and "failed to start daemon: boom" in err and "line 10\n" not in err
    assert 60 <= fakes.now <= 61


def test_execute_says_join_the_group_when_the_started_engine_refuses_us():
    rc, _, err = Fakes([DOWN, DENIED]).execute(Plan(say="x", steps=(Step("wait"),)))
    assert rc == 1 and "usermod -aG docker" in err


def test_execute_an_error_plan_prints_one_line_and_fails():
    rc, out, err = Fakes([UP]).execute(Plan(error="bootstrap: no"))
    assert (rc, out, err) == (1, "", "bootstrap: no\n")


# --- reading the machine -----------------------------------------------------------------------


def test_os_release_ids(tmp_path):
    release = tmp_path / "os-release"
    release.write_text('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\n')
    assert b.os_ids(release) == ("linuxmint", "ubuntu", "debian")
    assert b.os_ids(tmp_path / "none") == ()


@pytest.fixture
def answering_engine(tmp_path):
    """A unix socket that answers one /_ping as the Docker engine does: its DOCKER_HOST."""
    path = str(tmp_path / "docker.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def answer():
        conn, _ = server.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")

    threading.Thread(target=answer, daemon=True).start()
    yield f"unix://{path}"
    server.close()


def test_engine_state_asks_the_socket(tmp_path, answering_engine):
    assert b.engine_state({"DOCKER_HOST": answering_engine}) == UP
    assert b.engine_state({"DOCKER_HOST": f"unix://{tmp_path}/absent.sock"}) == DOWN


def test_observing_a_ready_machine_runs_nothing(tmp_path, answering_engine, monkeypatch):
    """Every lab command observes the machine first: where all is present that is reading
    files and asking the engine's socket, no process started (`make bench` times the whole
    check: bootstrap_ready_seconds)."""
    commands = tmp_path / "bin"
    commands.mkdir()
    for name in b.COMMANDS:
        (commands / name).write_text("#!/bin/sh\nexit 1\n")
        (commands / name).chmod(0o755)
    started = []
    monkeypatch.setattr(b.subprocess, "run", lambda argv, **_: started.append(argv) or SimpleNamespace(returncode=1))
    machine = b.observe({"PATH": str(commands), "DOCKER_HOST": answering_engine})
    assert (machine.engine, machine.compose, decide(machine)) == (UP, True, Plan())
    assert started == []


def test_importable_with_the_standard_library_alone():
    # -S: no site-packages, as with the system python3 before .venv exists
    subprocess.run([sys.executable, "-S", "-c", "import lab.bootstrap"], cwd=ROOT, check=True)


@pytest.mark.docker
def test_a_second_run_on_a_ready_machine_prints_nothing():
    done = subprocess.run([sys.executable, "-m", "lab.bootstrap"], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


# --- the callers -------------------------------------------------------------------------------


def test_ci_run_uses_the_bootstrap_and_keeps_only_its_own():
    ci = (ROOT / ".ci" / "run").read_text()
    lines = [l for l in ci.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    assert "python3 -m lab.bootstrap" in ci
    assert "apt-get" not in ci and "dockerd" not in ci
    assert lines.index("python3 -m lab.bootstrap") < lines.index("make venv") < lines.index("make test")


def test_makefile_runs_the_bootstrap_before_the_engine_and_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    rules = {}
    for line in makefile.splitlines():
        if ":" in line and not line.startswith(("\t", "#", " ")) and ":=" not in line and "?=" not in line:
            target, _, rest = line.partition(":")
            rules.setdefault(target.strip(), rest.split("##")[0].split())
    assert "python3 -m lab.bootstrap" in makefile
    for target in ("lab-up", "build", "test"):
        assert rules[target][0] == "bootstrap", target
    stamp_recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "python3 -m lab.bootstrap --venv" in stamp_recipe
