"""A class on the real engine, small: `make class-up NAMES=…` brings two labs up labelled
with the class and prints the roster; class-status, class-verify and class-report cover
them; a name taken by a lab not of the class starts nothing; class-down removes exactly the
class's labs - not a lab of a similar name made by hand."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

from lab.actions import classroom
from lab.runtime import classes
from lab.model import settings
from lab.runtime import engine, lifecycle

ROOT = settings.ROOT
CLASS = f"t{uuid.uuid4().hex[:6]}"
NAMES = [f"{CLASS}-ann", f"{CLASS}-bob"]


def make(*args: str) -> subprocess.CompletedProcess:
    skip = ("LAB_NAME", "LAB_INTERNET_NET", "LAB_LAN_NET", "MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {**{k: v for k, v in os.environ.items() if k not in skip}, "CI": "true"}  # as in a terminal
    return subprocess.run(["make", "-s", *args, f"CLASS={CLASS}"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def hand_made(docker_engine):
    """What looks like someone's own lab: a network of a project named like the class's."""
    name = f"{CLASS}-carol"
    net = docker_engine.networks.create(f"{name}_lan", internal=True, labels={engine.PROJECT_LABEL: name})
    yield name
    net.remove()


@pytest.fixture(scope="module")
def a_class(docker_engine, hand_made):
    up = make("class-up", f"NAMES={' '.join(NAMES)}")
    yield up
    make("class-down")
    for name in NAMES:  # whatever happened above: nothing of ours stays
        lifecycle.down(settings.load({"LAB_NAME": name}))
    classes.roster_path(CLASS).unlink(missing_ok=True)
    for page in (f"class.{CLASS}.html", f"class.{CLASS}.ja.html"):  # the report, in both languages
        (ROOT / "results" / page).unlink(missing_ok=True)
    for name in NAMES:  # the throwaway labs' results too
        shutil.rmtree(ROOT / "results" / name, ignore_errors=True)


def test_class_up_starts_every_lab_labelled_and_prints_the_roster(a_class):
    assert a_class.returncode == 0, a_class.stdout[-2000:] + a_class.stderr[-2000:]
    assert classroom.members(CLASS) == NAMES
    for name in NAMES:
        assert f"LAB_NAME={name} make shell-outside" in a_class.stdout
        assert f"LAB_NAME={name} make verify-method1" in a_class.stdout
    roster = json.loads(classes.roster_path(CLASS).read_text())
    assert [lab["name"] for lab in roster["labs"]] == NAMES


def test_class_status_one_line_per_lab(a_class):
    out = make("class-status")
    assert out.returncode == 0, out.stdout + out.stderr
    assert all(any(name in line and "healthy" in line for line in out.stdout.splitlines()) for name in NAMES)


def test_class_verify_runs_the_variant_everywhere_and_the_report_shows_it(a_class):
    out = make("class-verify", "VARIANT=method1")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert f"class {CLASS}: 2/2 labs verified" in out.stdout
    for name in NAMES:
        assert (ROOT / "results" / name / "method1.json").exists()
    report = make("class-report")
    assert report.returncode == 0, report.stderr
    html = (ROOT / "results" / f"class.{CLASS}.html").read_text()
    assert all(f'<th><span class="id">{name}</span>' in html for name in NAMES) and "✓" in html
    assert (ROOT / "results" / f"class.{CLASS}.ja.html").exists()  # beside it, in Japanese


def ours() -> tuple[list[str], set[str]]:
    """The class's labs and every lab named like its students: what a command refused must
    leave as it was (other people's labs come and go meanwhile)."""
    return classroom.members(CLASS), {name for name in classroom.labs_on_engine() if name.startswith(CLASS)}


@pytest.mark.parametrize("args, message", [
    (("NAMES=x-carol",), "belongs to no class (made by hand)"),  # the hand-made lab's name
    (("STUDENTS=0",), "STUDENTS=0: a class needs at least one student"),
    (("STUDENTS=500",), "500 labs: this machine holds at most"),
    (("class-verify",), "say which variant"),
    (("class-verify", "VARIANT=no-such-variant"), "no-such-variant"),
])
def test_bad_input_is_one_line_and_starts_nothing(a_class, hand_made, args, message):
    args = tuple(a.replace("x-carol", hand_made) for a in args)
    target = () if args[0].startswith("class-") else ("class-up",)
    before = ours()
    out = make(*target, *args)
    lab_lines = [line for line in out.stderr.splitlines() if line.startswith("lab: ")]  # make adds its own
    assert out.returncode != 0 and len(lab_lines) == 1 and message in lab_lines[0], out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert ours() == before


def test_class_down_removes_exactly_the_class(a_class, hand_made):
    out = make("class-down")
    assert out.returncode == 0, out.stdout + out.stderr
    assert classroom.members(CLASS) == []
    for name in NAMES:
        assert not engine.project_networks(name) and not engine.project_containers(name)
    assert engine.project_networks(hand_made)  # someone's lab of a similar name stays
