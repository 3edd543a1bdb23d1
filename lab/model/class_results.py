"""What the class commands found, lab by lab, as data (lab.actions.classroom returns it;
lab.views.class_view renders it): one LabDone per lab, with what its step found."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lab.model.settings import Settings


@dataclass(frozen=True)
class Started:
    """class-up: a lab that came up."""
    healthy: int  # its hosts, every one healthy
    engine: str  # the engine it runs on


@dataclass(frozen=True)
class LastRun:
    variant: str | None
    ok: bool | None
    started: str


@dataclass(frozen=True)
class Checked:
    """class-status: a lab as it is now."""
    healthy: bool
    hosts: int  # containers it has (0: not running)
    variant: str | None  # the variant applied last, and to which server
    server: str | None
    last: LastRun | None  # its latest run
    sick: dict[str, str]  # host -> what is wrong with it


@dataclass(frozen=True)
class Verified:
    """class-verify: a lab's run of the variant."""
    ok: bool
    probes: int
    mismatches: int


@dataclass(frozen=True)
class Removed:
    """class-down: what went."""
    removed: int


Detail = Started | Checked | Verified | Removed


@dataclass(frozen=True)
class LabDone:
    name: str
    seconds: float
    settings: Settings | None = None
    error: str | None = None
    detail: Detail | None = None  # what the step found (None when it failed)

    @property
    def ok(self) -> bool:
        return self.error is None and (not isinstance(self.detail, Verified) or self.detail.ok)


@dataclass(frozen=True)
class ClassDone:
    cls: str
    step: str  # up, status, verify, down
    labs: list[LabDone]
    seconds: float
    jobs: int

    @property
    def ok(self) -> bool:
        return all(lab.ok for lab in self.labs)

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.cls, "step": self.step, "seconds": self.seconds, "jobs": self.jobs, "ok": self.ok,
                "labs": [{k: v for k, v in asdict(lab).items() if k != "settings"} for lab in self.labs]}
