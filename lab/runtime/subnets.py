"""Subnets allocated, not hashed: a named lab gets a free pair of /24s when it comes up and
keeps it while its networks exist; Docker is the record (no state of our own but a lock).

- `allocate(taken)`: the pure decision - the first pair of the pool that overlaps nothing taken.
- `resolve(settings)`: what any command needs - the subnets the lab's networks really have,
  or, for a lab that is not up, the pair `up` would take now (not reserved).
- `reserve(settings, labels)`: what `up` needs - under a file lock (so that labs coming up at
  once never take the same pair), the lab's networks, created now with a free pair if they
  do not exist. Docker refuses an overlapping pool itself, which guards against anyone not
  taking our lock (another user, an older checkout): the next free pair is tried.

The pool: 100.64.N.0/24 (internet) with 10.77.N.0/24 (LAN), N = 1..254, then 100.65.N /
10.78.N and so on - never the default lab's 198.51.100.0/24 and 10.77.0.0/24, never
192.0.2.0/24 or 172.17.0.0/16.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker.errors
import docker.types
import yaml

from lab import locks
from lab.errors import LabError
from lab.model import topology
from lab.model.settings import NetsFrom, Settings
from lab.model import settings as lab_settings
from lab.runtime import engine, network_check

NETWORK_LABEL = "com.docker.compose.network"  # compose's name for the network in compose.yaml
BLOCKS = 64  # 100.64.0.0/10 holds 64 /16s: 64 x 254 pairs


def pool() -> Iterator[tuple[str, str]]:
    """Candidate pairs (internet, lan) as first three octets, in the order they are given out."""
    for block in range(BLOCKS):
        for third in range(1, 255):
            yield f"100.{64 + block}.{third}", f"10.{77 + block}.{third}"


def _networks(subnets: Iterable[str]) -> list[ipaddress.IPv4Network]:
    found = []
    for subnet in subnets:
        try:
            net = ipaddress.ip_network(subnet, strict=False)
        except ValueError:
            continue
        if net.version == 4 and net.prefixlen > 0:
            found.append(net)
    return found


def allocate(taken: Iterable[str]) -> tuple[str, str]:
    """The first pair of the pool whose two /24s overlap none of `taken` (CIDR strings: every
    Docker network's subnet and the host's routes)."""
    used = _networks(taken)
    for internet, lan in pool():
        mine = [ipaddress.ip_network(f"{internet}.0/24"), ipaddress.ip_network(f"{lan}.0/24")]
        if not any(m.overlaps(u) for m in mine for u in used):
            return internet, lan
    raise LabError("no free pair of /24s left in 100.64.0.0/10 and 10.77.0.0/10: remove a lab "
                   "or give LAB_INTERNET_NET and LAB_LAN_NET by hand")


def taken(project: str = "") -> list[str]:
    """Every subnet in use on this machine except the project's own: Docker networks and routes."""
    return ([subnet for owner, _, subnet in network_check.docker_networks() if owner != project or not project]
            + [subnet for _, subnet in network_check.host_routes()])


def _octets(subnet: str) -> str:
    return subnet.split("/")[0].rsplit(".", 1)[0]


def lab_nets(project: str) -> dict[str, str]:
    """The lab's networks as Docker has them: network name in compose.yaml -> first three octets."""
    found = {}
    for net in engine.project_networks(project):
        key = (net.attrs.get("Labels") or {}).get(NETWORK_LABEL)
        for cfg in (net.attrs.get("IPAM") or {}).get("Config") or []:
            if key and cfg.get("Subnet"):
                found[key] = _octets(cfg["Subnet"])
    return found


def choose(settings: Settings, found: dict[str, str], project_taken: list[str]) -> Settings:
    """The subnets for a lab: those its networks have (found: network -> octets) when it has
    both, else a free pair (keeping the half a crash left, and a LAB_*_NET given)."""
    if "internet" in found and "lan" in found:
        return settings.with_nets(found["internet"], found["lan"], NetsFrom.LAB)
    fixed = [f"{v}.0/24" for k, v in settings.given if k in ("LAB_INTERNET_NET", "LAB_LAN_NET")]
    kept = [f"{v}.0/24" for v in found.values()]  # half a lab (a crash): keep the half it has
    internet, lan = allocate(project_taken + fixed + kept)
    return settings.with_nets(found.get("internet", internet), found.get("lan", lan), NetsFrom.FREE)


def resolve(settings: Settings) -> Settings:
    """The settings with the lab's real subnets (its networks', or a pair free now if it is not
    up). Fixed subnets (the default lab's, or both given) are kept as they are; without a
    Docker engine a named lab stays unresolved (what needs Docker says so soon enough)."""
    if settings.nets_fixed or settings.nets_from == NetsFrom.LAB:
        return settings
    try:
        found = lab_nets(settings.name)
        return choose(settings, found, [] if len(found) == 2 else taken(settings.name))
    except LabError:
        return settings


def current(environ: dict[str, str] | None = None) -> Settings:
    """This process's lab (LAB_NAME, ... from the environment) with the subnets its networks
    really have: the settings every command starts from."""
    return resolve(lab_settings.load(environ))


def state_dir() -> Path:
    """Per-user state of the lab tool (the allocation lock): $LAB_STATE_DIR, else
    $XDG_STATE_HOME/smtplab, else ~/.local/state/smtplab."""
    if os.environ.get("LAB_STATE_DIR"):
        return Path(os.environ["LAB_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "smtplab"


@contextmanager
def locked() -> Iterator[None]:
    """One allocation at a time on this machine (for this user): allocate, then create."""
    with locks.held(state_dir() / "subnets.lock"):
        yield


def _internal(settings: Settings) -> dict[str, bool]:
    data = yaml.safe_load(settings.compose_file.read_text()) or {}
    return {name: bool((cfg or {}).get("internal")) for name, cfg in (data.get("networks") or {}).items()}


def create_networks(settings: Settings, labels: dict[str, str] | None = None) -> None:
    """The lab's networks as compose would create them (name, subnet, internal, attachable,
    compose's labels: compose then uses them as its own), plus `labels`. Raises docker's
    APIError when the engine refuses (e.g. an overlapping pool)."""
    client = engine.client()
    internal = _internal(settings)
    existing = {n.attrs.get("Labels", {}).get(NETWORK_LABEL) for n in engine.project_networks(settings.name)}
    for key, subnet in topology.load(settings).networks.items():
        if key in existing:
            continue
        client.networks.create(
            f"{settings.name}_{key}", driver="bridge", internal=internal.get(key, False), attachable=True,
            check_duplicate=True, ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)]),
            labels={engine.PROJECT_LABEL: settings.name, NETWORK_LABEL: key, **(labels or {})},
        )


def reserve(settings: Settings, labels: dict[str, str] | None = None, attempts: int = 8) -> Settings:
    """The lab's subnets, its networks existing: those it has, or a free pair taken now (under
    the lock; a pair the engine refuses as overlapping is skipped). Fixed subnets are created
    as they are (network_check names a collision with them beforehand)."""
    with locked():
        refused: list[str] = []
        for _ in range(attempts):
            found = lab_nets(settings.name)
            chosen = settings if settings.nets_fixed else choose(settings, found, taken(settings.name) + refused)
            try:
                create_networks(chosen, labels)
                return chosen if chosen.nets_fixed else chosen.with_nets(chosen.internet_net, chosen.lan_net, NetsFrom.LAB)
            except docker.errors.APIError as exc:
                if settings.nets_fixed or len(found) == 2:
                    raise LabError(f"lab {settings.name}: Docker refused its networks: {exc.explanation or exc}") from None
                refused += [f"{chosen.internet_net}.0/24", f"{chosen.lan_net}.0/24"]
        raise LabError(f"lab {settings.name}: Docker refused {attempts} pairs of subnets in a row "
                       f"(last: {', '.join(refused[-2:])}); give LAB_INTERNET_NET and LAB_LAN_NET by hand")
