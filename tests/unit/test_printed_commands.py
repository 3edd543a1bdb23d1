"""Every command the lab prints runs as printed, from the checkout, in a fresh shell, and acts
on the lab it was printed for: it carries that lab's LAB_* variables, calls the virtualenv's
Python (or a make target), and names a make target that exists."""

import dataclasses
import re
import subprocess
from types import SimpleNamespace

import pytest
from rich.console import Console

from lab import cli
from lab.errors import LabError
from lab.model import scenario, settings, topology
from lab.runtime.lifecycle import HostState, StatusResult, UpResult
from lab.verify import probe_run
from lab.views import lab_screen, report

ROOT = settings.ROOT
STUDENT = settings.load({"LAB_NAME": "student07"}, nets=("100.64.3", "10.77.3"))  # as the runtime resolved them
# a command: optional VAR=value words, then make or a Python
COMMAND = re.compile(r"((?:[A-Z_]+=\S+ )*)(make(?: [a-z0-9][\w-]*)?|\S*python\S* -m lab\b)")


def commands(text: str) -> list[tuple[str, str]]:
    """(variables, command) for every command in the text."""
    return [(m[1], m[2]) for m in COMMAND.finditer(text)]


def recorded(monkeypatch, show, *args) -> str:
    console = Console(record=True, width=400)
    monkeypatch.setattr(lab_screen, "console", console)
    show(*args)
    return console.export_text()


def make_knows(target: str) -> bool:
    """make has a recipe for the target (-B: even when it is up to date)."""
    out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True)
    return out.returncode == 0 and "Nothing to be done" not in out.stdout + out.stderr


def test_the_up_summary_names_its_lab_in_every_command(monkeypatch):
    topo = topology.load(STUDENT)
    states = [HostState(h, f"student07_{h}_1", "running", "healthy") for h in topo.hosts]
    text = recorded(monkeypatch, lab_screen.up, UpResult(STUDENT, topo, [], states, 9.5))
    found = commands(text)
    assert len(found) >= 5, text
    for variables, command in found:
        assert variables == "LAB_NAME=student07 ", f"{command!r} would act on another lab:\n{text}"
        assert command.startswith("make "), command
        assert make_knows(command.split()[1]), f"{command}: make has no such target"
    assert "make shell-outside" in text and "make lab-down" in text
    assert topo.networks["internet"] in text  # the subnets of this lab, not the README's


def test_the_default_lab_prints_plain_commands(monkeypatch):
    s = settings.load({})
    text = recorded(monkeypatch, lab_screen.up, UpResult(s, topology.load(s), [], [], 9.5))
    assert all(variables == "" for variables, _ in commands(text)) and "make shell-outside" in text


def test_status_of_a_lab_that_is_down_says_how_to_start_that_lab(monkeypatch):
    text = recorded(monkeypatch, lab_screen.status, StatusResult(STUDENT, topology.load(STUDENT), []))
    assert "(LAB_NAME=student07 make lab-up)" in text


def test_reproduce_runs_the_probe_from_the_checkout_on_the_same_lab():
    probe = scenario.load_probes()["direct-inbound"]
    line = probe_run.reproduce(STUDENT, probe, "outside", SimpleNamespace(name="postfix"))
    assert line == "LAB_NAME=student07 .venv/bin/python -m lab probe outside direct-inbound --server postfix"


def test_apply_says_how_to_get_in_to_the_same_lab(monkeypatch, capsys):
    from lab.verify import variant

    monkeypatch.setenv("LAB_NAME", "student07")
    monkeypatch.setattr(variant, "apply_variant", lambda name, s=None, say=print: name)
    assert cli.main(["apply", "method1"]) == 0
    assert capsys.readouterr().out.strip().endswith("try it by hand: LAB_NAME=student07 make shell-outside")


def test_a_report_without_runs_says_which_lab_to_verify(tmp_path):
    with pytest.raises(LabError) as err:
        report.write(dataclasses.replace(STUDENT, root=tmp_path))
    assert "results/student07/ has no runs yet" in str(err.value)
    assert "'LAB_NAME=student07 make verify'" in str(err.value)


README = (ROOT / "README.md").read_text()
# what README shows as code: fenced blocks and `inline` spans
README_CODE = "\n".join(re.findall(r"```\w*\n(.*?)```", README, re.S) + re.findall(r"`([^`\n]+)`", README))


def test_readme_never_calls_a_python_outside_the_virtualenv():
    for line in README.splitlines():
        for m in re.finditer(r"([\w./-]*)python3? -m lab\b(\.\w+)?", line):
            assert m[1] == ".venv/bin/" or m[2] == ".bootstrap", f"README: {line.strip()!r} needs the venv"


@pytest.mark.parametrize("target", sorted(set(re.findall(r"\bmake ([a-z][\w-]*[a-z0-9])(?![\w<-])", README_CODE))))
def test_every_make_target_in_the_readme_exists(target):
    assert make_knows(target), f"README names 'make {target}', which make does not know"
