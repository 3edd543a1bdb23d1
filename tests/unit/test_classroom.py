"""A whole class on one machine (lab.classroom): who is in the class, whether the machine
holds it, which names are free, and how the results read - every decision without Docker."""

import pytest
from rich.console import Console

from lab import classroom
from lab.classroom import ClassDone, LabDone
from lab.errors import LabError
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
    assert classroom.capacity(2, 24 * 1024) == 2 * classroom.LABS_PER_CORE == 40
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
    def work(name):
        if name == "b":
            raise LabError("b: not healthy")
        return None, {"ok": True}

    events = []
    done = classroom.each("monday", "up", ["a", "b", "c"], work, jobs=2,
                          on_event=lambda step, name, result: events.append((name, result is None)))
    assert [lab.name for lab in done.labs] == ["a", "b", "c"]
    assert [lab.error for lab in done.labs] == [None, "b: not healthy", None]
    assert not done.ok and sorted(events) == sorted([(n, s) for n in "abc" for s in (True, False)])
    assert done.to_dict()["labs"][1] == {"name": "b", "seconds": done.labs[1].seconds, "error": "b: not healthy",
                                         "detail": {}}


def test_a_mismatch_makes_the_class_not_ok():
    done = ClassDone("monday", "verify", [LabDone("a", 1.0, None, None, {"ok": True}),
                                          LabDone("b", 1.0, None, None, {"ok": False})], 2.0, 4)
    assert not done.ok


def test_the_roster_gives_each_student_commands_that_carry_the_lab():
    s = settings.load({"LAB_NAME": "student07"}, nets=("100.64.7", "10.77.7"))
    done = ClassDone("monday", "up", [LabDone("student07", 9.5, s), LabDone("student08", 3.0, None, "not healthy")], 10.0, 3)
    console = Console(width=250, record=True)
    console.print(class_view.roster(done))
    text = console.export_text()
    assert "LAB_NAME=student07 make shell-outside" in text and "LAB_NAME=student07 make verify-method1" in text
    assert "100.64.7.0/24" in text and "10.77.7.0/24" in text and "not healthy" in text
    assert class_view.summary_line(done) == "class monday: 1/2 labs up in 10.0 s (3 at a time); failed: student08"


def test_the_roster_file_is_never_a_labs_folder():
    assert classroom.roster_path("monday").name == "class.monday.json"
    assert "." not in "".join(classroom.student_names("40"))
