"""What one `make web` serves: the running lab (LAB_NAME), or every lab of a class (CLASS),
and the variants. Every name a request carries - a lab, a variant - is looked up here among
what exists and is never used otherwise: an unknown one is a 404 (`NotFound`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from lab.errors import LabError
from lab.model import scenario, settings, topology
from lab.model.scenario import Scenario
from lab.model.settings import Settings
from lab.model.workshop import ordered
from lab.web import guard

REFRESH = 5.0  # seconds the list of a class's labs is taken as it was (an unknown name asks again)


class NotFound(LabError):
    """A name from a request that names nothing this server serves."""


@dataclass
class Site:
    root: Path
    cls: str | None  # None: the labs `given` (`make web` without CLASS: the one lab LAB_NAME names)
    given: dict[str, Settings] = field(default_factory=dict)
    _labs: dict[str, Settings] = field(default_factory=dict)
    _asked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _variants: dict[str, Scenario] = field(default_factory=dict)

    def labs(self, fresh: bool = False) -> dict[str, Settings]:
        """Every lab served, by name (a class's: those running, asked of the engine now and then)."""
        if self.cls is None:
            return dict(self.given)
        with self._lock:
            if fresh or time.monotonic() - self._asked > REFRESH:
                from lab.runtime import classes

                found = classes.members(self.cls)
                self._labs = {name: self._labs.get(name) or classes.lab_settings(name, on)
                              for name, on in found.items()}
                self._asked = time.monotonic()
            return dict(self._labs)

    def lab(self, name: str) -> Settings:
        """The lab of that name, or NotFound (a class's list is asked again first, at most once a second)."""
        labs = self.labs()
        if name not in labs and self.cls is not None and time.monotonic() - self._asked > 1.0:
            labs = self.labs(fresh=True)
        if name not in labs:
            raise NotFound(f"no lab {name!r} here" + (f" (class {self.cls})" if self.cls else ""))
        return labs[name]

    def variants(self) -> dict[str, Scenario]:
        """Every variant of scenarios/, in the workshop's order (read once)."""
        if not self._variants:
            topo = topology.load(settings.load({}))  # the hosts a variant names: the same in every lab
            loaded = {s.id: s for s in scenario.check_all(topo)[0]}
            self._variants = {v: loaded[v] for v in ordered(loaded)}
        return self._variants

    def variant(self, name: str) -> Scenario:
        found = self.variants().get(name)
        if found is None:
            raise NotFound(f"unknown variant {name!r}: there are {', '.join(self.variants())}")
        return found

    @staticmethod
    def host(s: Settings, name: str) -> str:
        """A host of that lab's topology, by name (NotFound for anything else: another lab's
        container, the Docker host, a path)."""
        hosts = topology.load(s).hosts
        if name not in hosts:
            raise NotFound(f"no host {name!r} in lab {s.name}: its hosts are {', '.join(hosts)}")
        return name

    @staticmethod
    def server(s: Settings, name: str) -> str:
        """A server under test of that lab, by name (NotFound otherwise)."""
        under_test = topology.load(s).under_test
        if name not in under_test:
            raise NotFound(f"no server under test {name!r} in lab {s.name}: they are {', '.join(under_test)}")
        return name


def lab_asked(request: Request, writing: bool = False) -> tuple[Site, Settings]:
    """The lab a request names (its path's `lab`), the request's token checked for it (and,
    for a request that changes something, its Origin): the site and the lab's settings."""
    if writing:
        guard.same_origin(request)
    name = request.path_params["lab"]
    guard.lab(request, name)
    site: Site = request.app.state.site
    return site, site.lab(name)
