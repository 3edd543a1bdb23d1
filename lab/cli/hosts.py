"""Commands on one host of the lab: a shell, its logs, a probe run by hand from it."""

from __future__ import annotations

import argparse
import os
import sys

from lab.cli.common import Commands, lab_settings
from lab.errors import LabError
from lab.runtime import engine, hostexec


def cmd_probe(args: argparse.Namespace) -> int:
    import json

    from lab.model import scenario, topology
    from lab.verify import by_hand
    from lab.views.trace_view import trace_lines

    s = lab_settings()
    topo = topology.load(s)
    probes = scenario.load_probes(hosts=set(topo.hosts))
    if args.probe not in probes:
        raise LabError(f"unknown probe {args.probe!r}: known probes are {', '.join(probes)}")
    done = by_hand.run(s, args.client, probes[args.probe], server=args.server, trace=args.trace)
    print(json.dumps(done.result.transcript, indent=1))
    headline, *grade = done.lines()
    print(headline)
    if args.trace:
        print("\n".join(trace_lines(done.result)))
    print("\n".join(grade))
    return 0 if done.graded or done.result.ok else 1


def _exec(host: str, argv: list[str]) -> int:
    c = hostexec.container(lab_settings(), host)
    tty = ["-t"] if sys.stdin.isatty() and sys.stdout.isatty() else []
    os.execvpe("docker", ["docker", "exec", "-i", *tty, c.name, *argv], engine.subprocess_env())


def cmd_shell(args: argparse.Namespace) -> int:
    return _exec(args.host, ["bash", "-l"])


def cmd_logs(args: argparse.Namespace) -> int:
    from lab import servers
    from lab.model import topology

    s = lab_settings()
    files = servers.log_files(topology.load(s), args.host)
    if not files:
        c = hostexec.container(s, args.host)
        os.execvpe("docker", ["docker", "logs", *(["-f"] if args.follow else []), c.name], engine.subprocess_env())
    tail = f"tail -n 200 {'-F' if args.follow else ''} {' '.join(files)}"
    return _exec(args.host, ["sh", "-c", tail])


def register(sub: Commands) -> None:
    shell = sub.add_parser("shell", help="a shell on a lab host")
    shell.add_argument("host")
    shell.set_defaults(func=cmd_shell)
    logs = sub.add_parser("logs", help="a host's mail log (or container log)")
    logs.add_argument("host")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_logs)
    prb = sub.add_parser("probe", help="run one probe by hand against the active variant, print its transcript")
    prb.add_argument("client")
    prb.add_argument("probe")
    prb.add_argument("--server", help="server under test: postfix or sendmail (default: the active variant's)")
    prb.add_argument("--trace", action="store_true", help="also print every restriction the server evaluated, "
                     "in order, and what it returned (Postfix: debug_peer_list for this client, for this probe)")
    prb.set_defaults(func=cmd_probe)
