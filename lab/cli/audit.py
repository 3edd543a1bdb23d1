"""The audit's commands: `lab audit` (make audit) audits what is applied now; `lab audit --all`
(make audit-all) runs every variant with its audit. Parse, call lab.verify, render."""

from __future__ import annotations

import argparse
import threading
import time

from lab.actions.records import record_run
from lab.cli.common import lab_settings
from lab.model import results, scenario, settings, topology
from lab.model.audit import Audit, AuditSweep
from lab.verify import audit as audits
from lab.verify import variant as verify
from lab.views import audit_view, progress
from lab.views.lab_screen import console
from lab.views.run_table import duration


def cmd_audit(args: argparse.Namespace) -> int:
    s = lab_settings()
    if args.all:
        return every_variant(s)
    with progress.Line(console) as line:
        line.update(f"audit: {audits.SCRIPT} from the scanner")
        variant, found = audits.audit_applied(s)
    path = audits.save(found, variant, s)
    console.print(audit_view.table(found, variant))
    console.print(audit_view.line(found), soft_wrap=True)
    console.print(f"-> {path.relative_to(s.root)}", style="dim")
    return found.exit_status


def every_variant(s: settings.Settings) -> int:
    """Every variant: applied, probed and audited (its audit judged against that run's rows),
    each run saved with its audit as `make verify` saves it; one line at the end."""
    start = time.monotonic()
    good, broken = scenario.check_all(topology.load(s))
    if broken:
        for problem in broken:
            console.print(f"lab: {problem}", style="bold red", soft_wrap=True)
        return 2
    chosen = [g.id for g in good]
    order = {v: n for n, v in enumerate(chosen, 1)}
    found: dict[str, Audit] = {}
    shown = threading.Lock()

    def done(run: results.RunResult) -> None:
        with shown:
            record_run(run, s)
            found[run.variant] = Audit.from_dict(run.audit or {})
            console.print(audit_view.table(found[run.variant], run.variant))
            console.print(audit_view.line(found[run.variant]), soft_wrap=True)
            console.print()

    with progress.Line(console) as line:
        verify.run_all(chosen, s, on_probe_for=lambda v: line.probes(f"[{order[v]}/{len(chosen)}] {v} + audit"),
                       on_done=done, server_of={g.id: g.server for g in good}, audit=True)
    sweep = AuditSweep({v: found[v] for v in chosen})
    console.print(f"audit-all: {sweep.line}; {duration(time.monotonic() - start)}; runs with their audits in "
                  f"{results.results_dir(s).relative_to(s.root)}/", soft_wrap=True,
                  style="bold green" if sweep.exit_status == 0 else "bold red")
    return sweep.exit_status


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("audit", help="nmap's smtp-open-relay from the scanner against what is applied now, beside "
                                     "the lab's rows (exit 0: both say nothing relays, 1: a relay, 2: they disagree)")
    a.add_argument("--all", action="store_true", help="every variant: apply, probe, audit (make audit-all)")
    a.set_defaults(func=cmd_audit)
