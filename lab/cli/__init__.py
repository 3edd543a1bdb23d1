"""The command line: one module per group of commands, each of which parses its arguments,
calls the core and renders what it returns. `.venv/bin/python -m lab --help`; the class
commands are `.venv/bin/python -m lab.cli.classes --help`."""

from __future__ import annotations

import argparse

from lab.cli import audit, hosts, running, teach, variants
from lab.errors import exit_status

GROUPS = (running, variants, hosts, teach, audit)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=".venv/bin/python -m lab", description="smtp-restriction lab")
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return exit_status(lambda: args.func(args), args.command)
