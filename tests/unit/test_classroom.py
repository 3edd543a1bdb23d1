"""A whole class on one machine (lab.classroom): who is in the class, whether the machine
holds it, which names are free, and how the results read - every decision without Docker."""

import pytest

from rich.console import Console

from lab.actions import classroom
from lab.model.class_results import ClassDone, LabDone, Started, Verified
from lab.errors import LabError
from lab.runtime import classes
from lab.model import settings
from lab.views import class_view


def one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("students, names, expected", [
    ("3", None, ["student01", "student02", "student03"]),
    (" 12 ", None, [f"student{i:02d}" for i in range(1, 13)]),
    ("100", None, [f"student{i:03d}" for i in range(1, 101)]),
    (None, "ann bob", ["ann", "bob"]),
    ("", "ann  bob\tcarol", ["ann", "bob", "carol"]),
])
def test_who_is_in_the_class(students, names, expected):
    assert classroom.student_names(students, names) == expected


@pytest.mark.parametrize("students, names, message", [
    ("0", None, "STUDENTS=0: a class needs at least one student"),
    ("-3", None, "STUDENTS=-3: a class needs at least one student"),
    ("twenty", None, "STUDENTS='twenty': give a number"),
    (None, None, "say who is in the class"),
    ("", "  ", "say who is in the class"),
    ("3", "ann", "give STUDENTS=N or NAMES"),
    (None, "ann Bob", "LAB_NAME='Bob': use lower-case"),
    (None, "ann ann", "NAMES: 'ann' twice"),
    (None, "smtplab ann", "NAMES: 'smtplab' is the default lab's name"),
    (None, "a.b", "LAB_NAME='a.b'"),
])
def test_bad_input_is_one_line(students, names, message):
    with pytest.raises(LabError) as err:
        classroom.student_names(students, names)
    assert one_line(err).startswith(message)


def test_the_class_name_defaults_and_is_checked():
    assert classroom.class_name(None) == classroom.DEFAULT_CLASS == "class"
    assert classroom.class_name(" monday ") == "monday"
    with pytest.raises(LabError) as err:
        classroom.class_name("Monday class")
    assert one_line(err).startswith("CLASS='Monday class'")


def test_capacity_is_the_measured_one_bounded_by_memory():
    assert classroom.capacity(2, 24 * 1024) == 2 * classroom.LABS_PER_CORE == 60
    assert classroom.capacity(2, 2 * 1024) == int(0.8 * 2 * 1024 // classroom.MIB_PER_LAB) < 40  # memory runs out first
    assert classroom.capacity(16, 24 * 1024) < 16 * classroom.LABS_PER_CORE


NAMES = ["student01", "student02"]


def test_a_plan_with_free_names_and_room_goes_ahead():
    assert classroom.plan("monday", NAMES, {"smtplab": None}, room=40) == NAMES


def test_labs_of_this_class_are_kept_not_refused():
    """class-up again (after a student's lab failed, say): the class's own labs are no collision."""
    assert classroom.plan("monday", NAMES, {"student01": "monday"}, room=2) == NAMES


@pytest.mark.parametrize("labs, message", [
    ({"student02": None}, "lab student02 exists already and belongs to no class (made by hand), not to class 'monday'"),
    ({"student01": "tuesday"}, "lab student01 exists already and belongs to class 'tuesday', not to class 'monday'"),
])
def test_a_name_taken_by_another_lab_starts_nothing(labs, message):
    with pytest.raises(LabError) as err:
        classroom.plan("monday", NAMES, labs, room=40)
    assert one_line(err).startswith(message)


def test_more_labs_than_the_machine_holds_starts_nothing():
    with pytest.raises(LabError) as err:
        classroom.plan("monday", [f"s{i}" for i in range(41)], {}, room=40)
    assert one_line(err).startswith("41 labs: this machine holds at most 40 labs")
    with pytest.raises(LabError) as err:  # the labs already running count
        classroom.plan("monday", [f"s{i}" for i in range(38)], {"smtplab": None, "lead": None, "teach": None}, room=40)
    assert "3 other labs run here already; start at most 37" in one_line(err)


def test_each_lab_fails_on_its_own():
    def work(name, where):
        if name == "b":
            raise LabError("b: not healthy")
        if name == "c":
            raise KeyError("an engine's odd answer")
        return None, Started(7, where)

    events = []
    done = classroom.each("monday", "up", {"a": "", "b": "", "c": "unix:///tmp/x.sock"}, work, jobs=2,
                          on_event=lambda step, name, result: events.append((name, result is None)))
    assert [lab.name for lab in done.labs] == ["a", "b", "c"]
    assert [lab.error for lab in done.labs] == [None, "b: not healthy", "KeyError: \"an engine's odd answer\""]
    assert not done.ok and sorted(events) == sorted([(n, s) for n in "abc" for s in (True, False)])
    assert done.to_dict()["labs"][1] == {"name": "b", "seconds": done.labs[1].seconds, "error": "b: not healthy",
                                         "detail": None}
    assert done.to_dict()["labs"][2]["error"].startswith("KeyError") and done.labs[0].detail == Started(7, "")


def test_a_mismatch_makes_the_class_not_ok():
    done = ClassDone("monday", "verify", [LabDone("a", 1.0, None, None, Verified(True, 11, 0)),
                                          LabDone("b", 1.0, None, None, Verified(False, 11, 1))], 2.0, 4)
    assert not done.ok


def test_the_roster_gives_each_student_commands_that_carry_the_lab():
    s = settings.load({"LAB_NAME": "student07"}, nets=("100.64.7", "10.77.7"))
    done = ClassDone("monday", "up", [LabDone("student07", 9.5, s), LabDone("student08", 3.0, None, "not healthy")], 10.0, 3)
    lines = class_view.roster(done)
    text = "\n".join(lines)
    assert len(lines) == 2 and lines[1].startswith("student08  failed after 3.0 s: not healthy")
    assert "LAB_NAME=student07 make shell-outside" in text and "LAB_NAME=student07 make verify-method1" in text
    assert "100.64.7.0/24" in text and "10.77.7.0/24" in text and "not healthy" in text
    assert class_view.summary_line(done) == "class monday: 1/2 labs up in 10.0 s (3 at a time); failed: student08"


def test_the_roster_file_is_never_a_labs_folder():
    assert classes.roster_path("monday").name == "class.monday.json"
    assert "." not in "".join(classroom.student_names("40"))


LOCAL, OTHER = "", "unix:///tmp/lab-engine2.sock"


def test_new_labs_go_to_the_engine_with_the_fewest_and_old_ones_stay():
    labs = {"x": (None, LOCAL), "y": (None, LOCAL), "s1": ("monday", OTHER)}  # two hand-made labs here
    where = classroom.assign(["s1", "s2", "s3", "s4"], [LOCAL, OTHER], labs)
    assert where == {"s1": OTHER, "s2": OTHER, "s3": LOCAL, "s4": OTHER}


def test_one_engine_takes_every_lab():
    assert set(classroom.assign(["a", "b"], [LOCAL], {}).values()) == {LOCAL}


@pytest.mark.parametrize("wheres, count", [
    ([LOCAL], 1), ([LOCAL, OTHER], 1),  # a second dockerd on this machine shares its cores
    ([LOCAL, "tcp://10.0.0.2:2376"], 2), (["ssh://a", "tcp://b:2376"], 2),
])
def test_machines_behind_the_engines(wheres, count):
    assert classes.machines(wheres) == count


def test_engines_are_urls_or_contexts_and_never_twice():
    assert classes.engines(None) == [""] and classes.engines("  ") == [""]
    assert classes.engines(f"{OTHER} tcp://b:2376") == [OTHER, "tcp://b:2376"]
    with pytest.raises(LabError) as err:
        classes.engines(f"{OTHER} {OTHER}")
    assert one_line(err).startswith(f"ENGINES: '{OTHER}' names an engine given already")
    with pytest.raises(LabError) as err:
        classes.engines("no-such-context-here")
    assert one_line(err).startswith("ENGINES: 'no-such-context-here' is neither a Docker context")


def test_a_lab_on_another_engine_carries_it_in_every_command(monkeypatch):
    monkeypatch.delenv("LAB_DOCKER_HOST", raising=False)
    s = settings.load(classes.lab_env("student02", OTHER), nets=("100.64.2", "10.77.2"))
    assert s.command("make shell-outside") == f"LAB_NAME=student02 LAB_DOCKER_HOST={OTHER} make shell-outside"
    assert "LAB_DOCKER_HOST" not in classes.lab_env("student01", LOCAL)


@pytest.mark.parametrize("terminal, ci, live", [(True, None, True), (True, "true", False), (False, None, False)])
def test_the_class_progress_bar_is_live_only_on_a_terminal(monkeypatch, terminal, ci, live):
    import io
    import re

    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    console = Console(file=io.StringIO(), force_terminal=terminal, width=120)
    with class_view.Labs(console, 2, "up") as bar:
        bar.event("up", "ann", None)
        bar.event("up", "ann", LabDone("ann", 1.0))
        bar.event("up", "bob", None)
        bar.event("up", "bob", LabDone("bob", 2.0, None, "not healthy"))
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", console.file.getvalue())
    assert "bob: not healthy" in out  # a failure is said, live or not
    assert ("2/2" in out) is live and (out.strip() == "bob: not healthy") is not live
