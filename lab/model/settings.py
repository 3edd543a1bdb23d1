"""Lab settings from the environment: the lab's name, its subnets, its images.

`LAB_NAME` picks the compose project (every container and network carries it as a prefix)
and, unless the subnets are given, shifts them so that several labs can run side by side.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NAME = "smtplab"
DEFAULT_INTERNET_NET = "198.51.100"  # documentation range, RFC 5737
DEFAULT_LAN_NET = "10.77.0"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}$")
_NET_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


@dataclass(frozen=True)
class Settings:
    name: str
    internet_net: str  # first three octets of the /24
    lan_net: str
    base_image: str
    image_prefix: str
    root: Path = ROOT
    # the LAB_* variables this lab was named or moved with (not the defaults): a command the
    # lab prints must carry them, or it would act on another lab
    given: tuple[tuple[str, str], ...] = ()

    def command(self, command: str) -> str:
        """`command` as a user types it for this lab: 'make verify-method1' for the default
        lab, 'LAB_NAME=student07 make verify-method1' for another."""
        return " ".join([*(f"{k}={v}" for k, v in self.given), command])

    @property
    def compose_file(self) -> Path:
        return self.root / "compose.yaml"

    def compose_env(self) -> dict[str, str]:
        """The variables compose.yaml is interpolated with."""
        return {
            "LAB_NAME": self.name,
            "COMPOSE_PROJECT_NAME": self.name,
            "LAB_INTERNET_NET": self.internet_net,
            "LAB_LAN_NET": self.lan_net,
            "BASE_IMAGE": self.base_image,
            "LAB_IMAGE_PREFIX": self.image_prefix,
        }


def lab_slot(name: str) -> int:
    """0 for the default lab; 1..200 for any other name, stable across runs."""
    if name == DEFAULT_NAME:
        return 0
    return 1 + zlib.crc32(name.encode()) % 200


def default_nets(name: str) -> tuple[str, str]:
    slot = lab_slot(name)
    if slot == 0:
        return DEFAULT_INTERNET_NET, DEFAULT_LAN_NET
    # Other labs leave the documentation range (it has only one /24 we may use here)
    # for the shared address space, one /24 per lab, and shift the LAN the same way.
    return f"100.64.{slot}", f"10.77.{slot}"


def _check_net(variable: str, value: str) -> str:
    match = _NET_RE.match(value)
    if not match or any(int(octet) > 255 for octet in match.groups()):
        raise LabError(f"{variable}={value!r}: give the first three octets of a /24, e.g. 10.77.0")
    if value == "192.0.2" or value.startswith("172.17."):
        raise LabError(f"{variable}={value!r}: that range belongs to this machine or Docker's default bridge; pick another")
    return value


def load(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    name = env.get("LAB_NAME") or DEFAULT_NAME
    if not _NAME_RE.match(name):
        raise LabError(f"LAB_NAME={name!r}: use lower-case letters, digits, '-' or '_' (at most 31)")
    internet, lan = default_nets(name)
    internet = _check_net("LAB_INTERNET_NET", env.get("LAB_INTERNET_NET") or internet)
    lan = _check_net("LAB_LAN_NET", env.get("LAB_LAN_NET") or lan)
    if internet == lan:
        raise LabError(f"LAB_INTERNET_NET and LAB_LAN_NET are both {internet}: they must differ")
    given = tuple((k, env[k]) for k in ("LAB_NAME", "LAB_INTERNET_NET", "LAB_LAN_NET", "BASE_IMAGE", "LAB_IMAGE_PREFIX")
                  if env.get(k) and not (k == "LAB_NAME" and env[k] == DEFAULT_NAME))
    return Settings(
        given=given,
        name=name,
        internet_net=internet,
        lan_net=lan,
        base_image=env.get("BASE_IMAGE") or "debian:bookworm-slim",
        image_prefix=env.get("LAB_IMAGE_PREFIX") or "smtplab",
    )
