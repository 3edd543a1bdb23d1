"""Finding and running Docker Compose: v2 (`docker compose`) where it exists, else v1."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from lab import interrupt
from lab.errors import ComposeFailed, LabError
from lab.runtime import engine
from lab.model.settings import Settings


def _answers(command: list[str]) -> bool:
    try:
        return subprocess.run(command + ["version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def detect(which: Callable[[str], str | None] = shutil.which,
           answers: Callable[[list[str]], bool] = _answers) -> list[str]:
    """The compose command: `docker compose` (v2) if the plugin answers, else `docker-compose`."""
    if which("docker") and answers(["docker", "compose"]):
        return ["docker", "compose"]
    if which("docker-compose") and answers(["docker-compose"]):
        return ["docker-compose"]
    raise LabError(
        "Docker Compose not found: install the compose plugin (docker compose) or "
        "docker-compose (apt-get install docker-compose)"
    )


@dataclass
class Compose:
    settings: Settings
    command: list[str]
    extra_env: dict[str, str]

    def run(self, *args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        env = {**engine.subprocess_env(), **self.settings.compose_env(), **self.extra_env}
        cmd = [*self.command, "-f", str(self.settings.compose_file), "-p", self.settings.name, *args]
        result = interrupt.run(cmd, env=env, text=True, capture_output=capture, cwd=self.settings.root)
        if check and result.returncode != 0:
            detail = (result.stderr or "").strip().splitlines()[-1:] if capture else []
            raise ComposeFailed(f"{' '.join(cmd[:len(self.command)])} {' '.join(args)} failed"
                           + (f": {detail[0]}" if detail else f" (exit {result.returncode})"))
        return result
