"""An idle lab costs almost nothing (make bench: idle_cpu_percent_of_one_core). Docker's own
health check is an exec (runc, containerd, dockerd): about 90 ms of CPU each here, so at
one a minute for seven containers it alone was 1 % of a core per lab. The lab measures
health live when it needs to know (lifecycle.check_now, the image's HEALTHCHECK); Docker
itself runs none (compose.yaml). The images keep a HEALTHCHECK - the lab's checks - with a
rare interval, for an image run without compose."""

import re

import pytest

from lab.model import settings

IMAGES = sorted(p for p in (settings.ROOT / "images").iterdir() if (p / "Dockerfile").is_file() and p.name != "base")


def seconds(text: str) -> float:
    value, unit = re.fullmatch(r"(\d+)(ms|s|m|h)", text).groups()
    return int(value) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


@pytest.mark.parametrize("folder", IMAGES, ids=lambda p: p.name)
def test_every_image_has_a_health_check_docker_runs_rarely(folder):
    line = next((l for l in (folder / "Dockerfile").read_text().splitlines() if l.startswith("HEALTHCHECK")), None)
    assert line, f"{folder.name}: no HEALTHCHECK (the lab runs the image's check to measure health)"
    interval = re.search(r"--interval=(\S+)", line)
    assert interval and seconds(interval[1]) >= 300, f"{folder.name}: {line}"


def test_docker_never_runs_the_checks_itself():
    """compose.yaml switches Docker's own runs of the checks off for every host (the lab runs
    the image's check when it needs to know: lifecycle.health_test reads it from the image),
    so an idle lab pays for none and `docker ps` never says "(health: starting)"."""
    import yaml
    services = yaml.safe_load((settings.ROOT / "compose.yaml").read_text())["services"]
    assert services and all((s.get("healthcheck") or {}).get("disable") is True for s in services.values())
