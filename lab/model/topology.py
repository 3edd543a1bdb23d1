"""The lab's topology, read from compose.yaml: the one definition of hosts, addresses,
users and mail domains. Everything else (DNS zone, summary screen, tests) derives from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import yaml

from lab.errors import LabError
from lab.model.prose import in_language
from lab.model.settings import Settings

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Resolve ${VAR} and ${VAR:-default} the way compose does, in every string of a YAML
    document (any value read from YAML)."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m["name"]) or (m["default"] or ""), value)
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    return value


@dataclass(frozen=True)
class Host:
    name: str  # the compose service name: dns, postfix, ...
    fqdn: str
    role: str
    addresses: dict[str, str]  # network name -> IPv4 address
    logs: tuple[str, ...] = ()  # its logs besides an MTA's mail log (x-lab.logs): what make logs-<host> follows
    role_ja: str = ""  # the role in Japanese (x-lab.roles_ja)

    def text(self, key: str, lang: str = "en") -> str:
        """The role in a language ("en" or "ja"), as Scenario.text gives titles."""
        return in_language(self, key, lang)

    @property
    def address(self) -> str:
        """The host's first address (internet if it has one)."""
        return self.addresses.get("internet") or next(iter(self.addresses.values()))


@dataclass(frozen=True)
class User:
    name: str
    password: str


@dataclass(frozen=True)
class MailDomain:
    name: str
    mx: str  # host name
    server: str  # host name


PARTS = ("under-test", "trusted-relay", "sink")


@dataclass(frozen=True)
class MailServer:
    host: str  # the compose service
    mta: str  # the kind of MTA (lab.servers.KINDS): which adapter applies variants, which parser reads its log
    part: str  # one of PARTS
    maildir: str | None = None  # the sink's Maildir: every message it keeps


@dataclass(frozen=True)
class Topology:
    hosts: dict[str, Host]
    networks: dict[str, str]  # network name -> subnet
    users: tuple[User, ...]
    mail_domains: tuple[MailDomain, ...]
    mail_servers: dict[str, MailServer]  # host name -> the MTA it runs
    local_recipient: str  # a user name: probes "to: local" write to <it>@<server under test>
    remote_recipient: str  # an address the sink keeps mail for
    scanner: str | None = None  # the host `make audit` runs nmap in (x-lab.scanner), if the lab has one

    @property
    def under_test(self) -> tuple[str, ...]:
        """The servers a variant can be applied to (host names)."""
        return tuple(h for h, m in self.mail_servers.items() if m.part == "under-test")

    @property
    def relay(self) -> Host:
        """The trusted MX that delivers the lab domains' mail to the servers under test."""
        return self.hosts[self._part("trusted-relay").host]

    @property
    def sink(self) -> MailServer:
        """Someone else's server on the internet: a message found in its Maildir was relayed."""
        return self._part("sink")

    def _part(self, part: str) -> MailServer:
        return next(m for m in self.mail_servers.values() if m.part == part)

    def mta(self, host: str) -> str | None:
        """The kind of MTA a host runs (its log reader), or None."""
        server = self.mail_servers.get(host)
        return server.mta if server else None

    def host(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise LabError(f"unknown host {name!r}: the lab's hosts are {', '.join(self.hosts)}") from None

    def user(self, name: str) -> User:
        for user in self.users:
            if user.name == name:
                return user
        raise LabError(f"unknown user {name!r}: the lab's users are {', '.join(u.name for u in self.users)}")

    @cached_property
    def dns_records(self) -> str:
        """Records for the lab DNS, ';'-separated: a hosts-file line per address (A + PTR;
        dnsmasq answers each network with the address on that network) and an MX per domain."""
        lines = [
            f"{address} {h.fqdn}" for h in self.hosts.values() for address in h.addresses.values()
        ]
        lines += [f"mx-host={d.name},{self.hosts[d.mx].fqdn},10" for d in self.mail_domains]
        return ";".join(lines)

    @cached_property
    def relay_routes(self) -> str:
        """The relay's default routes: every domain whose MX is the relay, to its own server."""
        return " ".join(
            f"{d.name}={self.hosts[d.server].fqdn}" for d in self.mail_domains if d.mx == self.relay.name
        )


@lru_cache(maxsize=8)
def load(settings: Settings) -> Topology:
    path = settings.compose_file
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise LabError(f"{path}: cannot read the topology: {exc}".splitlines()[0]) from None
    doc = interpolate(raw, settings.compose_env())
    lab = doc.get("x-lab") or {}
    roles, roles_ja = lab.get("roles", {}), lab.get("roles_ja", {})
    logs = lab.get("logs") or {}
    for name in logs:
        if name not in doc["services"]:
            raise LabError(f"{path}: x-lab.logs.{name}: no such service")
    hosts = {}
    for name, service in doc["services"].items():
        fqdn = ".".join(p for p in (service.get("hostname", name), service.get("domainname")) if p)
        addresses: dict[str, str] = {}
        for net, cfg in service.get("networks", {}).items():
            address = (cfg or {}).get("ipv4_address")
            if not address:
                raise LabError(f"{path}: services.{name}.networks.{net}: give its ipv4_address "
                               "(every host's address is fixed)")
            addresses[net] = address
        hosts[name] = Host(name=name, fqdn=fqdn, role=roles.get(name, ""), addresses=addresses,
                           role_ja=roles_ja.get(name, ""), logs=tuple(str(logs.get(name) or "").split()))
    networks = {
        name: cfg["ipam"]["config"][0]["subnet"] for name, cfg in (doc.get("networks") or {}).items()
    }
    users = tuple(User(*pair.split(":", 1)) for pair in lab.get("users", "").split())
    domains = tuple(MailDomain(name, d["mx"], d["server"]) for name, d in lab.get("mail-domains", {}).items())
    for domain in domains:
        for field in ("mx", "server"):
            if getattr(domain, field) not in hosts:
                raise LabError(f"{path}: x-lab.mail-domains.{domain.name}.{field}: no such service")
    servers = {}
    for host, spec in (lab.get("mail-servers") or {}).items():
        where = f"{path}: x-lab.mail-servers.{host}"
        if host not in hosts:
            raise LabError(f"{where}: no such service")
        if not isinstance(spec, dict) or not spec.get("mta") or spec.get("part") not in PARTS:
            raise LabError(f"{where}: give mta (postfix, sendmail: lab.servers.KINDS) and part ({', '.join(PARTS)})")
        servers[host] = MailServer(host, spec["mta"], spec["part"], spec.get("maildir"))
    for part in ("trusted-relay", "sink"):
        if sum(m.part == part for m in servers.values()) != 1:
            raise LabError(f"{path}: x-lab.mail-servers: exactly one host must be the {part}")
    if not next(m for m in servers.values() if m.part == "sink").maildir:
        raise LabError(f"{path}: x-lab.mail-servers: the sink needs its maildir")
    recipients = lab.get("recipients") or {}
    if recipients.get("local") not in {u.name for u in users} or "@" not in str(recipients.get("remote", "")):
        raise LabError(f"{path}: x-lab.recipients: local must be one of the users, remote an address")
    scanner = lab.get("scanner")
    if scanner is not None and scanner not in hosts:
        raise LabError(f"{path}: x-lab.scanner: no such service {scanner!r}")
    return Topology(hosts=hosts, networks=networks, users=users, mail_domains=domains, mail_servers=servers,
                    local_recipient=recipients["local"], remote_recipient=recipients["remote"], scanner=scanner)
