import subprocess
import sys

import pytest

from lab import cli
from lab.runtime import compose
from lab.runtime import engine
from lab.runtime import network_check
from lab.errors import LabError
from lab.model.settings import ROOT


def test_compose_v2_preferred():
    assert compose.detect(which=lambda c: "/usr/bin/" + c, answers=lambda c: True) == ["docker", "compose"]


def test_compose_v1_when_no_plugin():
    answers = lambda cmd: cmd == ["docker-compose"]
    assert compose.detect(which=lambda c: "/usr/bin/" + c, answers=answers) == ["docker-compose"]


def test_no_compose_is_one_clear_line():
    with pytest.raises(LabError, match=r"^Docker Compose not found: install"):
        compose.detect(which=lambda c: None, answers=lambda c: False)


def test_subnet_overlap_names_the_variable_to_change():
    ours = {"LAB_INTERNET_NET": "198.51.100.0/24", "LAB_LAN_NET": "10.77.0.0/24"}
    problem = network_check.find_overlap(ours, [("Docker network 'corp'", "10.0.0.0/8")])
    assert problem.startswith("LAB_LAN_NET: the lab subnet 10.77.0.0/24 overlaps Docker network 'corp' (10.0.0.0/8)")
    assert "set LAB_LAN_NET" in problem
    assert network_check.find_overlap(ours, [("a route", "192.0.2.0/24")]) is None


@pytest.mark.parametrize("lab, start", [(None, "run 'make lab-up'"), ("student07", "run 'LAB_NAME=student07 make lab-up'")])
def test_docker_not_running_says_how_to_start_this_lab(monkeypatch, lab, start):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    if lab:
        monkeypatch.setenv("LAB_NAME", lab)
    else:
        monkeypatch.delenv("LAB_NAME", raising=False)
    engine._client_for.cache_clear()
    try:
        with pytest.raises(LabError) as err:
            engine.client()
    finally:
        engine._client_for.cache_clear()
    message = str(err.value)
    assert message.startswith("Docker is not running") and start in message
    assert "\n" not in message


def test_cli_unknown_host_is_one_line_and_nonzero(capsys):
    assert cli.main(["shell", "mars"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lab: unknown host 'mars'") and err.count("\n") == 1


def test_a_reader_that_stops_reading_ends_a_command_quietly():
    """`make show-method1 | head -3`: no traceback when head closes the pipe (the output here is
    larger than a pipe holds, so the command is still writing when head has gone)."""
    action = "print('\\n'.join(f'line {n}' for n in range(200000))) or 0"
    script = f"from lab.errors import exit_status; raise SystemExit(exit_status(lambda: {action}))"
    done = subprocess.run(f"{sys.executable} -c \"{script}\" | head -1; exit ${{PIPESTATUS[0]}}", shell=True,
                          executable="/bin/bash", cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout == "line 0\n" and done.stderr == "" and done.returncode == 0, done.stderr


def test_a_message_wraps_at_spaces_and_keeps_a_quoted_command_whole():
    from lab.lines import said

    line = ("lab: Ctrl-C stopped 'verify': the run of sendmail-procmail-logged (2 of 9 probes done; not saved); "
            "run 'LAB_NAME=student07 make verify-method1' next")
    lines = said(line, 40).splitlines()
    assert all(len(x) <= 40 for x in lines if "'LAB_NAME" not in x) and len(lines) > 2
    assert " ".join(x.strip() for x in lines) == line  # no word split, nothing lost
    assert any(x.strip().startswith("'LAB_NAME=student07 make verify-method1'") for x in lines)
