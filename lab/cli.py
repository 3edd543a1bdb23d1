"""Command line: parse, call the core, render. `.venv/bin/python -m lab --help`."""

from __future__ import annotations

import argparse
import threading
import os
import sys

from lab.runtime import engine, hostexec, lifecycle, subnets
from lab.views import lab_screen as render
from lab.model import settings
from lab.errors import LabError, exit_status

def _settings() -> settings.Settings:
    """This command's lab (LAB_NAME, ...) with the subnets its networks really have (a named
    lab's are allocated when it comes up: lab.runtime.subnets)."""
    return subnets.resolve(settings.load())


# where each host keeps its logs (make logs-<host>)
LOG_FILES = {
    "dns": "/var/log/dnsmasq.log",
    "postfix": "/var/log/mail.log /var/log/dovecot.log",
    "sendmail": "/var/log/mail.log",
    "relay": "/var/log/mail.log",
    "remote": "/var/log/mail.log",
}


def cmd_up(args) -> int:
    from lab.runtime import images
    from lab.views import progress

    s = _settings()
    with progress.Line(render.console) as line:
        line.update("images: checking")
        result = lifecycle.up(s, on_build=line.images(len(images.folders(s))))
    render.up(result)
    return 0


def cmd_down(args) -> int:
    render.down(lifecycle.down())
    return 0


def cmd_status(args) -> int:
    from lab import servers

    result = lifecycle.status()
    running = {h.name for h in result.hosts if h.state == "running"}
    variant, server = servers.active(result.settings, result.topology, running) if result.hosts else (None, None)
    render.status(result, variant, server)
    problems = [servers.adapter(h, result.settings, result.topology).serving()
                for h in result.topology.under_test if h in running]
    for problem in filter(None, problems):
        render.console.print(f"[bold red]{problem}[/]: the variant applied last does not serve; "
                             f"apply another ('{result.settings.command('make apply-baseline')}')")
    return 0 if result.running and not any(problems) else 1


def cmd_build(args) -> int:
    from lab.runtime import images
    from lab.views import progress

    s = _settings()
    with progress.Line(render.console) as line:
        line.update("images: checking")
        builds = images.build_all(s, on_build=line.images(len(images.folders(s))))
    for b in builds:
        print(f"{b.image}: {'built in %s s' % b.seconds if b.built else 'up to date'}")
    return 0


def cmd_list(args) -> int:
    from lab.model import scenario
    from lab.model import topology

    good, broken = scenario.check_all(topology.load(_settings()))
    for s in good:
        print(f"{s.id:24} {s.server:9} {s.title}")
    for line in broken:
        print(f"lab: broken: {line}", file=sys.stderr)
    return 1 if broken else 0


def cmd_show(args) -> int:
    from lab.model import scenario
    from lab.model import topology

    if args.quiz:  # the configuration and the probes, no expectations, no lesson
        from lab import cli_teach
        return cli_teach.quiz(args.variant)

    topo = topology.load(_settings())
    s = scenario.find(args.variant, topo).rendered(topo)
    from lab.views import lang
    language = lang.current()  # LAB_LANG=ja: the title and the lesson in Japanese
    print(f"{s.id} ({s.server}): {s.text('title', language)}\nsource: {s.source}\n")
    for key, text in (("main.cf, from the note", s.postconf), ("main.cf, the lab's own lines", s.postconf_lab)):
        if text:
            print(f"--- {key}\n{text.rstrip()}\n")
    for path, text in s.files.items():
        print(f"--- {path}\n{text.rstrip() or '(empty)'}\n")
    print("--- expected outcomes")
    for p in s.probes:
        print(f"  {p.id:24} {s.expect[p.id]!s:12} {p.what}")
    print(f"\n--- lesson\n{s.text('lesson', language)}")
    return 0


def cmd_verify(args) -> int:
    import time

    from lab.model import results
    from lab.model import scenario
    from lab.model import topology
    from lab.verify import variant as verify
    from lab.views import progress
    from lab.views import goal_view
    from lab.model.audit import Audit
    from lab.views import audit_view
    from lab.views.run_table import hint, markdown, notes_view, overall, summary, table

    start = time.monotonic()
    s = _settings()
    topo = topology.load(s)
    if args.variants:  # every named one checked before anything is applied (a broken one raises)
        server_of = {variant: scenario.find(variant, topo).server for variant in args.variants}
        chosen = args.variants
    else:
        good, broken = scenario.check_all(topo)
        if broken:
            for line in broken:
                print(f"lab: {line}", file=sys.stderr)
            print(f"lab: nothing verified: fix the broken scenario file first (one variant still runs: "
                  f"{s.command('make verify-<variant>')})", file=sys.stderr)
            return 2
        chosen = [g.id for g in good]
        server_of = {g.id: g.server for g in good}
    runs, where, shown = [], None, threading.Lock()

    def show(run) -> None:  # as each run ends; streams of two servers may end at once
        nonlocal where
        with shown:
            path = results.save(run, s)
            path.with_suffix(".md").write_text(markdown(run))
            where = path.parent
            render.console.print(table(run, wide=args.wide))
            render.console.print(notes_view(run))
            render.console.print(goal_view.view(run))  # the other question: the note's goal
            if run.audit:  # the second opinion: nmap's (lab audit)
                render.console.print(audit_view.table(Audit.from_dict(run.audit), run.variant))
                render.console.print(audit_view.line(Audit.from_dict(run.audit)), soft_wrap=True)
            render.console.print(f"{summary(run)} -> {path.relative_to(s.root)}", style="green" if run.ok else "bold red")
            render.console.print(hint(run), style="dim")
            render.console.print()
            runs.append(run)

    with progress.Line(render.console) as line:
        if len(chosen) == 1:
            line.update(f"{chosen[0]}: applying")
            show(verify.run_variant(chosen[0], s, on_probe=line.probes(chosen[0]), audit=args.audit))
        else:  # one stream per server under test, side by side
            order = {v: n for n, v in enumerate(chosen, 1)}
            verify.run_all(chosen, s, on_probe_for=lambda v: line.probes(f"[{order[v]}/{len(chosen)}] {v}"),
                           on_done=show, server_of=server_of, audit=args.audit)
    if len(runs) > 1:
        if any(r.goal is not None for r in runs):  # the note's goal: a question apart from the expectations
            render.console.print(goal_view.overall(runs), style="bold", soft_wrap=True)
        render.console.print(overall(runs, time.monotonic() - start, f"{where.relative_to(s.root)}/"),
                             style="bold green" if all(r.ok for r in runs) else "bold red")
    if not args.wide:
        target = f"verify-{chosen[0]}" if len(chosen) == 1 and not chosen[0].endswith((".yaml", ".yml")) else "verify"
        render.console.print(f"every column: {s.command(f'make {target} WIDE=1')}", style="dim")
    return 0 if all(r.ok and (r.audit is None or r.audit["agrees"]) for r in runs) else 1


def cmd_apply(args) -> int:
    from lab.verify import variant as verify

    s = _settings()
    print(f"applied {verify.apply_variant(args.variant, s)}; try it by hand: {s.command('make shell-outside')}")
    return 0


def cmd_probe(args) -> int:
    import json

    from lab import servers
    from lab.model import scenario, topology
    from lab.verify.probe_run import run_probe, trace_peers
    from lab.views.trace_view import trace_lines

    s = _settings()
    topo = topology.load(s)
    probes = scenario.load_probes(hosts=set(topo.hosts))
    if args.probe not in probes:
        raise LabError(f"unknown probe {args.probe!r}: known probes are {', '.join(probes)}")
    probe = probes[args.probe]
    client = topo.host(args.client).name
    hostexec.container(s, client)
    status = lifecycle.status(s)
    variant, active_server = servers.active(s, topo, {h.name for h in status.hosts if h.state == "running"})
    server = args.server or active_server or topo.under_test[0]
    expected, graded = None, None
    if client != probe.client:
        graded = f"not graded: the plan runs {probe.id} from {probe.client}, not from {client}"
    elif variant and active_server == server and variant in scenario.ids():
        expected = scenario.find(variant, topo).expect.get(probe.id)
        graded = None if expected is not None else f"not graded: variant {variant} does not run {probe.id}"
    else:
        graded = f"not graded: {server} is not in a variant of scenarios/ (apply one first)"
    adapter = servers.adapter(server, s, topo)
    if args.trace:  # the server traces this client (and the host it talks through) for this probe only
        with adapter.tracing(trace_peers(topo, [probe], client)):
            result = run_probe(s, adapter, probe, expected, client_name=client)
    else:
        result = run_probe(s, adapter, probe, expected, client_name=client)
    print(json.dumps(result.transcript, indent=1))
    print(f"{result.probe} from {result.client} ({result.client_address}) -> {result.server}: {result.actual}"
          f" {result.code or ''} at {result.stage}; decided by {result.rule or '-'}; fate {result.fate or '-'}")
    if args.trace:
        print("\n".join(trace_lines(result)))
    if graded:
        print(graded)
        return 0
    print(f"variant {variant} expects {expected}: {'as expected' if result.ok else 'MISMATCH'}")
    return 0 if result.ok else 1


def cmd_trace(args) -> int:
    from lab.model import results
    from lab.views.trace_view import run_traces

    s = _settings()
    try:
        run = results.load(args.variant, s)
    except FileNotFoundError:
        raise LabError(f"lab {s.name} has no run of {args.variant!r} yet: run "
                       f"'{s.command(f'make verify-{args.variant}')}' first") from None
    if args.probe and args.probe not in {p.probe for p in run.probes}:
        raise LabError(f"the run of {run.variant} has no probe {args.probe!r}: it ran "
                       f"{', '.join(p.probe for p in run.probes)}")
    print(run_traces(run, args.probe))
    return 0


def cmd_report(args) -> int:
    from lab.views import report

    s = _settings()
    path, count = report.write(s)
    print(f"lab {s.name}: {count} variants -> {path.relative_to(s.root)}")
    print(f"prediction sheets to print (no answers): {path.with_name('sheets.html').relative_to(s.root)}")
    return 0


def cmd_publish(args) -> int:
    from lab.runtime import publish

    publish.run(_settings(), args.forwards)
    return 0


def _exec(host: str, argv: list[str]) -> int:
    c = hostexec.container(_settings(), host)
    tty = ["-t"] if sys.stdin.isatty() and sys.stdout.isatty() else []
    os.execvpe("docker", ["docker", "exec", "-i", *tty, c.name, *argv], engine.subprocess_env())


def cmd_shell(args) -> int:
    return _exec(args.host, ["bash", "-l"])


def cmd_logs(args) -> int:
    files = LOG_FILES.get(args.host)
    if files is None:
        c = hostexec.container(_settings(), args.host)
        os.execvpe("docker", ["docker", "logs", *(["-f"] if args.follow else []), c.name], engine.subprocess_env())
    tail = f"tail -n 200 {'-F' if args.follow else ''} {files}"
    return _exec(args.host, ["sh", "-c", tail])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=".venv/bin/python -m lab", description="smtp-restriction lab")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="build what changed, start the lab, wait until every host is healthy").set_defaults(func=cmd_up)
    sub.add_parser("down", help="remove this lab's containers, networks and volumes").set_defaults(func=cmd_down)
    sub.add_parser("status", help="what is running and healthy").set_defaults(func=cmd_status)
    sub.add_parser("build", help="build the images that changed (and the base image if missing)").set_defaults(func=cmd_build)
    shell = sub.add_parser("shell", help="a shell on a lab host")
    shell.add_argument("host")
    shell.set_defaults(func=cmd_shell)
    sub.add_parser("list", help="every variant with its title").set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="a variant's configuration, expected outcomes and lesson")
    show.add_argument("variant")
    show.add_argument("--quiz", action="store_true", help="the configuration and the probes only: no expected "
                      "outcomes, no lesson (predict first: make predict-<variant>)")
    show.set_defaults(func=cmd_show)
    ver = sub.add_parser("verify", help="apply variants, run every probe, print and save the table (all if none named)")
    ver.add_argument("variants", nargs="*")
    ver.add_argument("--wide", action="store_true", help="every column (client seen as, fate, maillog, reproduce), "
                     "however narrow the terminal")
    ver.add_argument("--audit", action="store_true", help="nmap's smtp-open-relay too, after each variant's probes "
                     "(make verify AUDIT=1; lab audit)")
    ver.set_defaults(func=cmd_verify)
    app = sub.add_parser("apply", help="apply a variant without probing (to try it by hand)")
    app.add_argument("variant")
    app.set_defaults(func=cmd_apply)
    prb = sub.add_parser("probe", help="run one probe by hand against the active variant, print its transcript")
    prb.add_argument("client")
    prb.add_argument("probe")
    prb.add_argument("--server", help="server under test: postfix or sendmail (default: the active variant's)")
    prb.add_argument("--trace", action="store_true", help="also print every restriction the server evaluated, "
                     "in order, and what it returned (Postfix: debug_peer_list for this client, for this probe)")
    prb.set_defaults(func=cmd_probe)
    trc = sub.add_parser("trace", help="the restriction traces of this lab's latest run of a variant (results/<lab>/)")
    trc.add_argument("variant")
    trc.add_argument("probe", nargs="?", help="only this probe's")
    trc.set_defaults(func=cmd_trace)
    sub.add_parser("report", help="results/<lab>/report.html: this lab's runs on one page").set_defaults(func=cmd_report)
    pub = sub.add_parser("publish", help="opt-in: forward 127.0.0.1 ports to lab servers for a desktop mail client")
    pub.add_argument("forwards", nargs="*", metavar="HOST:PORT=LOCALPORT",
                     help="default: postfix:25=2525 postfix:110=1110 sendmail:25=2526")
    pub.set_defaults(func=cmd_publish)
    logs = sub.add_parser("logs", help="a host's mail log (or container log)")
    logs.add_argument("host")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_logs)
    from lab import audit_cli, cli_teach
    cli_teach.register(sub)  # predict, grade, diff, try
    audit_cli.register(sub)  # audit (nmap's second opinion)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return exit_status(lambda: args.func(args))
