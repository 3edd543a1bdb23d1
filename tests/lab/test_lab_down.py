"""`lab down` removes exactly one lab's leftovers — also what a crash left behind — and
nothing else. Uses a second, throwaway lab name so the running lab is not touched."""

import uuid

import docker.errors

from lab.runtime import engine
from lab.runtime import lifecycle
from lab.model import settings

PROJECT = "com.docker.compose.project"


def test_down_removes_a_crashed_labs_leftovers_and_nothing_else(running_lab, lab_settings, docker_engine):
    crashed = settings.load({"LAB_NAME": f"crash{uuid.uuid4().hex[:6]}"})
    labels = {PROJECT: crashed.name}
    # what a killed `lab up` can leave: a network, a stopped container and a volume of that lab
    net = docker_engine.networks.create(f"{crashed.name}_lan", internal=True, labels=labels)
    volume = docker_engine.volumes.create(f"{crashed.name}_data", labels=labels)
    box = docker_engine.containers.create(f"{lab_settings.image_prefix}-client", name=f"{crashed.name}_inside_1",
                                          labels=labels, network=net.name)
    ours_before = {c.id for c in engine.project_containers(lab_settings.name)}

    result = lifecycle.down(crashed)

    assert set(result.removed) == {box.name, net.name, volume.name}
    for getter, thing in ((docker_engine.containers.get, box.id), (docker_engine.networks.get, net.id),
                          (docker_engine.volumes.get, volume.name)):
        try:
            getter(thing)
            raise AssertionError(f"{thing} survived lab down")
        except docker.errors.NotFound:
            pass
    assert {c.id for c in engine.project_containers(lab_settings.name)} == ours_before
    assert lifecycle.status(lab_settings).running
    assert lifecycle.down(crashed).removed == []  # and again: nothing left, no error
