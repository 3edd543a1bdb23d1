from pathlib import Path

import pytest

from lab.runtime import baseimage
from lab.errors import LabError


def plan(present=False, pull=False, debootstrap=True, mirror="http://mirror.example/debian", image="debian:bookworm-slim"):
    calls = []

    def note(name, value):
        def f():
            calls.append(name)
            return value
        return f

    result = baseimage.decide(image, note("present", present), note("pull", pull),
                              note("debootstrap", debootstrap), note("mirror", mirror))
    return result, calls


def test_present_image_is_used_without_asking_a_registry():
    result, calls = plan(present=True)
    assert result.action == "present" and calls == ["present"]


def test_pullable_image_is_pulled():
    result, calls = plan(pull=True)
    assert result.action == "pulled" and calls == ["present", "pull"]


def test_no_registry_means_debootstrap_from_the_host_mirror():
    result, _ = plan()
    assert (result.action, result.suite, result.mirror) == ("debootstrap", "bookworm", "http://mirror.example/debian")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"debootstrap": False}, "install debootstrap"),
        ({"mirror": None}, "no Debian mirror found in /etc/apt; set LAB_DEBIAN_MIRROR"),
        ({"image": "ubuntu:22.04"}, "only debian:<suite> tags can be built offline"),
    ],
)
def test_when_nothing_works_one_clear_line(kwargs, message):
    with pytest.raises(LabError) as err:
        plan(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("tag, suite", [("debian:bookworm-slim", "bookworm"), ("debian:trixie", "trixie"),
                                        ("docker.io/library/debian:bookworm", "bookworm"), ("alpine:3", None)])
def test_suite_of(tag, suite):
    assert baseimage.suite_of(tag) == suite


def write(root: Path, name: str, text: str):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_mirror_from_deb822_sources_skips_security(tmp_path):
    write(tmp_path, "sources.list.d/debian.sources",
          "Types: deb\nURIs: http://security.debian.org/debian-security\nSuites: bookworm-security\n\n"
          "Types: deb\nURIs: http://ftp.jp.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n")
    assert baseimage.host_mirror("bookworm", tmp_path, {}) == "http://ftp.jp.debian.org/debian"


def test_mirror_from_one_line_sources(tmp_path):
    write(tmp_path, "sources.list", "# comment\ndeb [arch=amd64] http://mirror.local/debian bookworm main\n")
    write(tmp_path, "sources.list.d/x.list", "deb https://example.org/apt stable main\n")
    assert baseimage.host_mirror("bookworm", tmp_path, {}) == "http://mirror.local/debian"


def test_mirror_env_override_and_nothing_found(tmp_path):
    assert baseimage.host_mirror("bookworm", tmp_path, {"LAB_DEBIAN_MIRROR": "http://m/debian"}) == "http://m/debian"
    assert baseimage.host_mirror("bookworm", tmp_path, {}) is None
