"""Opt-in: reach the lab's servers from a desktop mail client on this machine.

Docker does not publish ports of containers on internal networks, so the lab forwards
instead: while `make publish` runs, 127.0.0.1:<port> on this host is relayed to a lab
server's address on the internet network. Bound to 127.0.0.1 only; nothing else listens.
The server sees the connection coming from the internet network's gateway (x.x.x.1)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from lab.runtime import hostexec
from lab.model import topology
from lab.errors import LabError
from lab.model.settings import Settings

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]  # one connection
DEFAULTS = ("postfix:25=2525", "postfix:110=1110", "sendmail:25=2526")


@dataclass(frozen=True)
class Forward:
    local_port: int
    host: str
    address: str
    port: int

    def __str__(self) -> str:
        return f"127.0.0.1:{self.local_port} -> {self.host} ({self.address}:{self.port})"


def parse(specs: list[str], topo: topology.Topology) -> list[Forward]:
    """'postfix:25=2525' -> forward 127.0.0.1:2525 to postfix's internet address, port 25."""
    forwards = []
    for spec in specs:
        try:
            target, local = spec.split("=")
            host, port = target.split(":")
            forwards.append(Forward(int(local), host, topo.host(host).address, int(port)))
        except ValueError:
            raise LabError(f"publish {spec!r}: write HOST:PORT=LOCALPORT, e.g. postfix:25=2525") from None
    return forwards


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _serve(forwards: list[Forward]) -> None:
    async def handler_for(fwd: Forward) -> Handler:
        async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
            try:
                server_reader, server_writer = await asyncio.open_connection(fwd.address, fwd.port)
            except OSError:
                client_writer.close()
                return
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        return handle

    servers = [await asyncio.start_server(await handler_for(f), "127.0.0.1", f.local_port) for f in forwards]
    await asyncio.gather(*(s.serve_forever() for s in servers))


def run(settings: Settings, specs: list[str], say: Callable[[str], None] = print) -> None:
    topo = topology.load(settings)
    forwards = parse(specs or list(DEFAULTS), topo)
    for f in forwards:
        hostexec.container(settings, f.host)
        say(f"forwarding {f}")
    say("Ctrl-C to stop")
    try:
        asyncio.run(_serve(forwards))
    except KeyboardInterrupt:  # the way to stop it, as said: a quiet end
        return
    except OSError as exc:
        raise LabError(f"cannot listen on 127.0.0.1: {exc.strerror}; pick other local ports (HOST:PORT=LOCALPORT)") from None
