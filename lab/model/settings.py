"""Lab settings from the environment: the lab's name, its subnets, its images.

`LAB_NAME` picks the compose project (every container and network carries it as a prefix).
The default lab has fixed subnets; any other lab's are allocated when it comes up (a free
pair, lab.runtime.subnets) and are whatever its networks have while it exists: this module
takes them as `nets` from the runtime, which asks Docker (the model never does).
`LAB_INTERNET_NET` / `LAB_LAN_NET` win over both.

A named lab's settings as loaded here are unresolved until the runtime has asked Docker
(lab.runtime.subnets.resolve, or lab.runtime.subnets.current for this process's lab): its
subnets cannot be read then - asking for them is an error, never a placeholder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from lab.errors import LabError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NAME = "smtplab"
DEFAULT_INTERNET_NET = "198.51.100"  # documentation range, RFC 5737
DEFAULT_LAN_NET = "10.77.0"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}$")
_NET_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


class NetsFrom(StrEnum):
    """Where a lab's subnets come from."""
    DEFAULT = "default"  # the default lab's fixed pair
    GIVEN = "given"  # LAB_INTERNET_NET and LAB_LAN_NET
    LAB = "lab"  # the networks the lab has, as Docker says
    FREE = "free"  # a pair free now: the lab is not up (`up` allocates for real)
    UNRESOLVED = "unresolved"  # a named lab before the runtime asked Docker: no subnets to read


class Unresolved(LabError):
    """A named lab's subnets were asked for before the runtime resolved them."""


@dataclass(frozen=True)
class Settings:
    name: str
    _internet_net: str  # first three octets of the /24 (read: internet_net)
    _lan_net: str
    base_image: str
    image_prefix: str
    root: Path = ROOT
    # the LAB_* variables this lab was named or moved with (not the defaults): a command the
    # lab prints must carry them, or it would act on another lab
    given: tuple[tuple[str, str], ...] = ()
    nets_from: NetsFrom = NetsFrom.DEFAULT
    # LAB_DOCKER_HOST: the engine the lab lives on when not the usual one (a class spread over
    # several engines); "" for the usual one
    docker_host: str = ""

    def _net(self, value: str) -> str:
        if self.nets_from == NetsFrom.UNRESOLVED:
            raise Unresolved(f"lab {self.name}: its subnets are known only once the Docker engine has been asked "
                             f"('{self.command('make status')}' says whether it runs)")
        return value

    @property
    def internet_net(self) -> str:
        return self._net(self._internet_net)

    @property
    def lan_net(self) -> str:
        return self._net(self._lan_net)

    @property
    def nets_settled(self) -> bool:
        """The subnets are this lab's for good: fixed, given, or its running networks' (not a
        pair that is free now and may be another one at the next lab-up)."""
        return self.nets_from in (NetsFrom.DEFAULT, NetsFrom.GIVEN, NetsFrom.LAB)

    @property
    def nets_fixed(self) -> bool:
        """Subnets no allocation may change: the default lab's, or both given."""
        return self.nets_from in (NetsFrom.DEFAULT, NetsFrom.GIVEN)

    def with_nets(self, internet: str, lan: str, nets_from: NetsFrom) -> Settings:
        """These settings with the subnets the runtime resolved; a LAB_*_NET given still wins."""
        fixed = dict(self.given)
        return replace(self, _internet_net=fixed.get("LAB_INTERNET_NET", internet),
                       _lan_net=fixed.get("LAB_LAN_NET", lan), nets_from=NetsFrom(nets_from))

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


def _check_net(variable: str, value: str) -> str:
    match = _NET_RE.match(value)
    if not match or any(int(octet) > 255 for octet in match.groups()):
        raise LabError(f"{variable}={value!r}: give the first three octets of a /24, e.g. 10.77.0")
    if value == "192.0.2" or value.startswith("172.17."):
        raise LabError(f"{variable}={value!r}: that range belongs to this machine or Docker's default bridge; pick another")
    return value


def load(environ: dict[str, str] | None = None, nets: tuple[str, str] | None = None,
         nets_from: NetsFrom = NetsFrom.LAB) -> Settings:
    """The lab's settings from the environment (LAB_NAME, LAB_INTERNET_NET, ...). nets: the
    subnets the runtime found for a named lab (nets_from says how: "lab" or "free"); without
    them a named lab's subnets are "unresolved" (lab.runtime.subnets.resolve fills them in)."""
    env = os.environ if environ is None else environ
    name = env.get("LAB_NAME") or DEFAULT_NAME
    if not _NAME_RE.match(name):
        raise LabError(f"LAB_NAME={name!r}: use lower-case letters, digits, '-' or '_' (at most 31)")
    if name == DEFAULT_NAME:
        (internet, lan), source = (DEFAULT_INTERNET_NET, DEFAULT_LAN_NET), NetsFrom.DEFAULT
    elif nets:
        (internet, lan), source = nets, NetsFrom(nets_from)
    else:  # none until the runtime resolves them (reading them raises Unresolved)
        (internet, lan), source = ("", ""), NetsFrom.UNRESOLVED
    if env.get("LAB_INTERNET_NET") and env.get("LAB_LAN_NET"):
        source = NetsFrom.GIVEN
    internet = _check_net("LAB_INTERNET_NET", env["LAB_INTERNET_NET"]) if env.get("LAB_INTERNET_NET") else internet
    lan = _check_net("LAB_LAN_NET", env["LAB_LAN_NET"]) if env.get("LAB_LAN_NET") else lan
    if internet == lan and source != NetsFrom.UNRESOLVED:
        raise LabError(f"LAB_INTERNET_NET and LAB_LAN_NET are both {internet}: they must differ")
    given = tuple((k, env[k]) for k in ("LAB_NAME", "LAB_DOCKER_HOST", "LAB_INTERNET_NET", "LAB_LAN_NET", "BASE_IMAGE",
                                        "LAB_IMAGE_PREFIX")
                  if env.get(k) and not (k == "LAB_NAME" and env[k] == DEFAULT_NAME))
    return Settings(
        given=given,
        name=name,
        _internet_net=internet,
        _lan_net=lan,
        base_image=env.get("BASE_IMAGE") or "debian:bookworm-slim",
        image_prefix=env.get("LAB_IMAGE_PREFIX") or "smtplab",
        nets_from=source,
        docker_host=env.get("LAB_DOCKER_HOST", ""),
    )

