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
    from lab.views.lab_screen import console
    from lab.views.trace_view import trace_lines
    from lab.views.words import say

    s = lab_settings()
    topo = topology.load(s)
    probes = scenario.load_probes(hosts=set(topo.hosts))
    if args.probe not in probes:
        raise LabError(f"unknown probe {args.probe!r}: known probes are {', '.join(probes)}")
    done = by_hand.run(s, args.client, probes[args.probe], server=args.server, trace=args.trace)
    print(json.dumps(done.result.transcript, indent=1))
    headline, *grade = done.lines()
    say(console, headline, hang=4, markup=False)
    if args.trace:
        say(console, "\n".join(trace_lines(done.result, width=console.width)), markup=False)
    for line in grade:
        say(console, line, markup=False)
    return 0 if done.graded or done.result.ok else 1


def _exec(host: str, argv: list[str]) -> int:
    c = hostexec.container(lab_settings(), host)
    tty = ["-t"] if sys.stdin.isatty() and sys.stdout.isatty() else []
    os.execvpe("docker", ["docker", "exec", "-i", *tty, c.name, *argv], engine.subprocess_env())


def cmd_shell(args: argparse.Namespace) -> int:
    return _exec(args.host, ["bash", "-l"])


def cmd_logs(args: argparse.Namespace) -> int:
    import subprocess

    from lab import interrupt, servers
    from lab.maillogs import readable
    from lab.model import topology
    from lab.views import lab_screen
    from lab.views.words import say

    s = lab_settings()
    files = servers.log_files(topology.load(s), args.host)
    c = hostexec.container(s, args.host)
    if not files:
        os.execvpe("docker", ["docker", "logs", *(["-f"] if args.follow else []), c.name], engine.subprocess_env())
    # the last lines of each file (more when most will be hidden), then, following, the new
    # ones: tail ends when this command does (its stdin, held open here, closes)
    tail = f"tail -n {200 if args.raw else 3000} {'-F' if args.follow else ''} {' '.join(files)}"
    tail += " & read _; kill $!" if args.follow else ""
    say(lab_screen.console, lab_screen.logs_heading(s, args.host, files, args.raw, args.follow), markup=False)
    proc = subprocess.Popen(["docker", "exec", "-i", c.name, "sh", "-c", tail], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=engine.subprocess_env())
    try:
        with interrupt.ending(proc):  # Ctrl-C ends the docker exec, and tail with it
            lines = (raw.decode(errors="replace").rstrip("\n") for raw in proc.stdout or ())
            for line in lines if args.raw else readable.shown(lines):
                print(line, flush=True)
            interrupt.check()
    except (KeyboardInterrupt, interrupt.Interrupted):  # following a log is ended by Ctrl-C: quietly
        proc.terminate()
        return 0
    except BaseException:
        proc.terminate()
        raise
    finally:
        if proc.stdin:
            proc.stdin.close()
    return proc.wait()


def register(sub: Commands) -> None:
    shell = sub.add_parser("shell", help="a shell on a lab host")
    shell.add_argument("host")
    shell.set_defaults(func=cmd_shell)
    logs = sub.add_parser("logs", help="a host's mail log (or container log)")
    logs.add_argument("host")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("--raw", action="store_true", help="every line, the servers' verbose trace too "
                      "(default: the lines a person reads)")
    logs.set_defaults(func=cmd_logs)
    prb = sub.add_parser("probe", help="run one probe by hand against the active variant, print its transcript")
    prb.add_argument("client")
    prb.add_argument("probe")
    prb.add_argument("--server", help="server under test: postfix or sendmail (default: the active variant's)")
    prb.add_argument("--trace", action="store_true", help="also print every restriction the server evaluated, "
                     "in order, and what it returned (Postfix: debug_peer_list for this client, for this probe)")
    prb.set_defaults(func=cmd_probe)
