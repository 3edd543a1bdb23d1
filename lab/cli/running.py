"""Commands that run the lab itself: up, down, status, build, publish."""

from __future__ import annotations

import argparse

from lab.cli.common import Commands, lab_settings
from lab.runtime import lifecycle
from lab.views import lab_screen as render


def cmd_up(args: argparse.Namespace) -> int:
    from lab.runtime import images
    from lab.views import progress

    s = lab_settings()
    with progress.Line(render.console) as line:
        line.update("images: checking")
        result = lifecycle.up(s, on_build=line.images(len(images.folders(s))))
    render.up(result)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    render.down(lifecycle.down())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from lab import servers

    result = lifecycle.status()
    running = {h.name for h in result.hosts if h.state == lifecycle.ContainerState.RUNNING}
    variant, server = servers.active(result.settings, result.topology, running) if result.hosts else (None, None)
    render.status(result, variant, server)
    problems = [servers.adapter(h, result.settings, result.topology).serving()
                for h in result.topology.under_test if h in running]
    for problem in filter(None, problems):
        render.console.print(f"[bold red]{problem}[/]: the variant applied last does not serve; "
                             f"apply another ('{result.settings.command('make apply-baseline')}')")
    return 0 if result.running and not any(problems) else 1


def cmd_build(args: argparse.Namespace) -> int:
    from lab.runtime import images
    from lab.views import progress

    s = lab_settings()
    with progress.Line(render.console) as line:
        line.update("images: checking")
        builds = images.build_all(s, on_build=line.images(len(images.folders(s))))
    for b in builds:
        print(f"{b.image}: {'built in %s s' % b.seconds if b.built else 'up to date'}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from lab.runtime import publish

    publish.run(lab_settings(), args.forwards)
    return 0


def register(sub: Commands) -> None:
    sub.add_parser("up", help="build what changed, start the lab, wait until every host is healthy").set_defaults(func=cmd_up)
    sub.add_parser("down", help="remove this lab's containers, networks and volumes").set_defaults(func=cmd_down)
    sub.add_parser("status", help="what is running and healthy").set_defaults(func=cmd_status)
    sub.add_parser("build", help="build the images that changed (and the base image if missing)").set_defaults(func=cmd_build)
    pub = sub.add_parser("publish", help="opt-in: forward 127.0.0.1 ports to lab servers for a desktop mail client")
    pub.add_argument("forwards", nargs="*", metavar="HOST:PORT=LOCALPORT",
                     help="default: postfix:25=2525 postfix:110=1110 sendmail:25=2526")
    pub.set_defaults(func=cmd_publish)
