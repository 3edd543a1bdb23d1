"""On a busy engine labs come and go: a container or network listed a moment ago may be gone
when the lab asks about it next. The SDK's own models run here over an engine API that
answers each listing and then loses what someone else removed in between (the branches a
real engine reaches only by chance; tests/lab/test_busy_host.py runs the class commands
beside real churn)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import docker
import docker.errors
import pytest
import requests

from lab.errors import LabError
from lab.model import settings
from lab.runtime import agent, classes, cost, engine, lifecycle

SERVICE = "com.docker.compose.service"


def conflict(message: str) -> docker.errors.APIError:
    response = requests.Response()
    response.status_code = 409
    return docker.errors.APIError(message, response=response, explanation=message)


def matches(labels: dict[str, str], filters: dict | None) -> bool:
    wanted = (filters or {}).get("label") or []
    for want in [wanted] if isinstance(wanted, str) else wanted:
        key, _, value = want.partition("=")
        if key not in labels or (value and labels[key] != value):
            return False
    return True


class BusyEngine:
    """The engine's HTTP API as docker's models call it, where other labs come and go:
    meanwhile(call, happen) makes `happen` (another lab's doing) come first the first time
    the lab asks `call`. `removing`: containers whose removal someone else has begun (a
    removal answers 409 "already in progress"; the next look finds them gone)."""

    def __init__(self, containers: list[dict], networks: list[dict] = ()):
        self.boxes = {c["Name"].lstrip("/"): c for c in containers}
        self.nets = {n["Name"]: n for n in networks}
        self.removing: set[str] = set()
        self.inspected: list[str] = []
        self.removed: list[str] = []
        self._before: dict[str, list[Callable[[], object]]] = {}
        self._lock = threading.Lock()  # the lab asks from several threads: what happens, happens first

    def meanwhile(self, call: str, happen: Callable[[], object]) -> None:
        self._before.setdefault(call, []).append(happen)

    def _asked(self, call: str) -> None:
        with self._lock:
            for happen in self._before.pop(call, []):
                happen()

    def lose(self, *names: str) -> None:
        """Someone else removed them."""
        for name in names:
            self.boxes.pop(name, None)
            self.nets.pop(name, None)

    def stop(self, name: str) -> None:
        self.boxes[name]["State"]["Status"] = "exited"

    def _box(self, name: str) -> dict:
        if name not in self.boxes:
            raise docker.errors.NotFound(f"No such container: {name}")
        return self.boxes[name]

    def containers(self, all: bool = False, filters: dict | None = None, **_: object) -> list[dict]:
        self._asked("containers")
        return [{"Id": name, "Names": [f"/{name}"], "Labels": c["Config"]["Labels"], "State": c["State"]["Status"]}
                for name, c in self.boxes.items()
                if matches(c["Config"]["Labels"], filters) and (all or c["State"]["Status"] == "running")]

    def inspect_container(self, name: str) -> dict:
        self._asked("inspect_container")
        self.inspected.append(name)
        return self._box(name)

    def remove_container(self, name: str, **_: object) -> None:
        self._asked("remove_container")
        if name in self.removing:
            self.removing.discard(name)
            self.meanwhile("inspect_container", lambda: self.lose(name))  # the other removal ends
            raise conflict(f"removal of container {name} is already in progress")
        self._box(name)
        self.removed.append(self.boxes.pop(name)["Name"].lstrip("/"))

    def exec_create(self, name: str, *_: object, **__: object) -> dict:
        self._asked("exec_create")
        if self._box(name)["State"]["Status"] != "running":
            raise conflict(f"Container {name} is not running")
        raise AssertionError("no container here runs a command")

    def stats(self, name: str, **_: object) -> dict:
        self._box(name)
        return {"cpu_stats": {"cpu_usage": {"total_usage": 2e9}}}

    def networks(self, filters: dict | None = None, **_: object) -> list[dict]:
        self._asked("networks")
        return [n for n in self.nets.values() if matches(n["Labels"], filters)]

    def remove_network(self, name: str) -> None:
        self._asked("remove_network")
        if name not in self.nets:
            raise docker.errors.NotFound(f"network {name} not found")
        self.removed.append(self.nets.pop(name)["Name"])

    def volumes(self, filters: dict | None = None) -> dict:
        return {"Volumes": []}


def box(project: str, service: str) -> dict:
    return {"Id": f"{project}_{service}_1", "Name": f"/{project}_{service}_1",
            "Config": {"Labels": {engine.PROJECT_LABEL: project, SERVICE: service},
                       "Healthcheck": {"Test": ["CMD", "true"]}},
            "State": {"Status": "running", "StartedAt": "2020-01-01T00:00:00Z"}}


def net(project: str, key: str, **labels: str) -> dict:
    return {"Id": f"{project}_{key}", "Name": f"{project}_{key}",
            "Labels": {engine.PROJECT_LABEL: project, "com.docker.compose.network": key, **labels}}


@pytest.fixture
def busy(monkeypatch):
    """Aim the lab at a BusyEngine: busy(containers, networks, vanish=…) -> the engine."""
    def aim(*args, **kwargs) -> BusyEngine:
        api = BusyEngine(*args, **kwargs)
        client = docker.DockerClient.__new__(docker.DockerClient)
        client.api = api
        monkeypatch.setattr(engine, "client", lambda: client)
        monkeypatch.delenv("LAB_EXEC", raising=False)
        return api
    return aim


def test_the_labs_on_an_engine_are_read_from_labels_and_no_container_is_inspected(busy):
    api = busy([box("ann", "dns"), box("other", "dns"), box("other", "relay")],
               [net("ann", "lan", **{classes.CLASS_LABEL: "room1"}), net("other", "lan")])
    api.meanwhile("inspect_container", lambda: api.lose("other_dns_1", "other_relay_1"))
    api.meanwhile("containers", lambda: api.lose("other_lan"))
    assert classes.labs_on("") == {"ann": "room1", "other": None}
    assert api.inspected == []


def test_a_container_removed_between_listing_and_inspecting_is_left_out(busy):
    api = busy([box("ann", "dns"), box("ann", "relay")])
    api.meanwhile("inspect_container", lambda: api.lose("ann_dns_1"))
    assert [c.name for c in engine.project_containers("ann")] == ["ann_relay_1"]


def test_lab_down_takes_what_someone_else_removed_meanwhile_as_gone(busy):
    api = busy([box("ann", "dns"), box("ann", "relay"), box("ann", "inside"), box("bob", "dns")],
               [net("ann", "lan"), net("ann", "internet")])
    api.removing = {"ann_relay_1"}
    api.meanwhile("remove_container", lambda: api.lose("ann_inside_1"))
    api.meanwhile("remove_network", lambda: api.lose("ann_lan"))
    done = lifecycle.down(settings.load({"LAB_NAME": "ann"}))
    assert done.removed == ["ann_dns_1", "ann_internet"]
    assert set(api.boxes) == {"bob_dns_1"} and not api.nets


def test_a_removal_someone_else_began_that_never_ends_is_one_line(busy, monkeypatch):
    api = busy([box("ann", "dns")])

    def refused(name: str, **_: object) -> None:
        raise conflict(f"removal of container {name} is already in progress")
    api.remove_container = refused
    monkeypatch.setattr(engine, "REMOVAL_TIMEOUT", 0.0)
    with pytest.raises(LabError, match=r"container ann_dns_1: another removal of it did not end in 0 s"):
        lifecycle.down(settings.load({"LAB_NAME": "ann"}))


def test_a_host_removed_while_its_check_ran_is_no_host_and_one_stopped_is_stopped(busy):
    api = busy([box("ann", "dns"), box("ann", "relay"), box("ann", "inside")])
    api.stop("ann_inside_1")
    api.meanwhile("exec_create", lambda: (api.lose("ann_dns_1"), api.stop("ann_relay_1")))
    states = lifecycle.host_states(settings.load({"LAB_NAME": "ann"}))
    assert [(h.name, h.state, h.health) for h in states] == [("inside", "exited", "none"), ("relay", "exited", "none")]


def test_a_docker_exec_in_a_container_removed_meanwhile_is_one_line(busy):
    api = busy([box("ann", "dns")])
    (dns,) = engine.project_containers("ann")
    api.lose("ann_dns_1")
    with pytest.raises(LabError, match="cannot run a command in the container: No such container: ann_dns_1"):
        agent.exec_once(dns, ["true"])


def test_the_cost_of_labs_leaves_out_a_container_removed_while_measured(busy):
    api = busy([box("ann", "dns"), box("bob", "dns")])
    containers = [c for p in ("ann", "bob") for c in engine.project_containers(p)]
    api.lose("bob_dns_1")
    assert cost.container_cpu(containers) == {"ann_dns_1": 2.0}
    assert cost.docker_checks_between(containers, 0, 1) == 0
