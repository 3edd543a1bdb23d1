"""Command line: parse, call the core, render. `python -m lab --help`."""

from __future__ import annotations

import argparse
import os
import sys

from . import lifecycle, render, settings
from .errors import LabError

# where each host keeps its logs (make logs-<host>)
LOG_FILES = {
    "dns": "/var/log/dnsmasq.log",
    "postfix": "/var/log/mail.log /var/log/dovecot.log",
    "sendmail": "/var/log/mail.log",
    "relay": "/var/log/mail.log",
    "remote": "/var/log/mail.log",
}


def cmd_up(args) -> int:
    render.up(lifecycle.up())
    return 0


def cmd_down(args) -> int:
    render.down(lifecycle.down())
    return 0


def cmd_status(args) -> int:
    result = lifecycle.status()
    render.status(result)
    return 0 if result.running else 1


def cmd_build(args) -> int:
    from . import images

    for b in images.build_all(settings.load()):
        print(f"{b.image}: {'built in %s s' % b.seconds if b.built else 'up to date'}")
    return 0


def _exec(host: str, argv: list[str]) -> int:
    c = lifecycle.container(settings.load(), host)
    tty = ["-t"] if sys.stdin.isatty() and sys.stdout.isatty() else []
    os.execvp("docker", ["docker", "exec", "-i", *tty, c.name, *argv])


def cmd_shell(args) -> int:
    return _exec(args.host, ["bash", "-l"])


def cmd_logs(args) -> int:
    files = LOG_FILES.get(args.host)
    if files is None:
        c = lifecycle.container(settings.load(), args.host)
        os.execvp("docker", ["docker", "logs", *(["-f"] if args.follow else []), c.name])
    tail = f"tail -n 200 {'-F' if args.follow else ''} {files}"
    return _exec(args.host, ["sh", "-c", tail])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lab", description="smtp-restriction lab")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="build what changed, start the lab, wait until every host is healthy").set_defaults(func=cmd_up)
    sub.add_parser("down", help="remove this lab's containers, networks and volumes").set_defaults(func=cmd_down)
    sub.add_parser("status", help="what is running and healthy").set_defaults(func=cmd_status)
    sub.add_parser("build", help="build the images that changed (and the base image if missing)").set_defaults(func=cmd_build)
    shell = sub.add_parser("shell", help="a shell on a lab host")
    shell.add_argument("host")
    shell.set_defaults(func=cmd_shell)
    logs = sub.add_parser("logs", help="a host's mail log (or container log)")
    logs.add_argument("host")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_logs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
