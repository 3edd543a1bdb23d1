"""`make audit`: a second opinion no one here wrote. nmap's smtp-open-relay script runs in
the scanner host (on the internet, trusted by no variant) against the server under test,
with the sink's domain and recipient, so that any trick that works would deliver to the
remote sink. nmap judges by the replies to MAIL FROM and RCPT TO alone; every envelope it
calls a relay is then sent again from the scanner as a real message with a token, and the
lab's own fate check (lab.verify.fate) says whether it reached the sink. The verdict
(lab.model.audit.judge) sets both beside the lab's own rows for an untrusted internet host."""

from __future__ import annotations

import json
import shlex
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lab import servers
from lab.errors import LabError
from lab.maillogs import nmap
from lab.model import scenario, topology
from lab.model.audit import Audit, NmapScan, NmapTest, judge, stands_for_scanner, with_fate
from lab.model.outcomes import Outcome, classify
from lab.model.results import RunResult, results_dir
from lab.model.settings import Settings
from lab.runtime import hostexec, lifecycle
from lab.servers.base import Server
from lab.verify import evidence, marks

PORT = 25
SENDER = "nmap"  # smtp-open-relay.from: the local part of the sender nmap writes as
SCRIPT = "smtp-open-relay"
SPLIT = "--- lab: nmap's script trace follows"
REPLAYS_AT_ONCE = 4


def scanner(topo: topology.Topology) -> topology.Host:
    if topo.scanner is None:
        raise LabError("compose.yaml: x-lab.scanner: this lab names no scanner host, so it cannot audit")
    return topo.host(topo.scanner)


def nmap_script(address: str, domain: str, recipient: str) -> str:
    """The shell command the scanner runs: nmap's XML report, a separator, its script trace.
    Only port 25 of the one address: no host discovery, no DNS, a plain TCP connect."""
    args = f"{SCRIPT}.domain={domain},{SCRIPT}.to={recipient},{SCRIPT}.from={SENDER}"
    command = ["nmap", "-n", "-Pn", "-sT", "--disable-arp-ping", "-p", str(PORT), "-vv", "--script-trace",
               "--script", SCRIPT, "--script-args", args]
    return (f'd=$(mktemp -d) || exit 1; {shlex.join(command)} -oX "$d/xml" {shlex.quote(address)} > "$d/trace" 2>&1; '
            f'rc=$?; cat "$d/xml"; printf "\\n%s\\n" {shlex.quote(SPLIT)}; cat "$d/trace"; rm -rf "$d"; exit $rc')


def scan(settings: Settings, server: Server) -> tuple[NmapScan, str, str]:
    """nmap against the server under test: (what nmap reported, the target, the note on the
    server's tarpit if one was lifted for the scan)."""
    topo = server.topo
    address = server.host.addresses.get("internet")
    if address is None:
        raise LabError(f"{server.name} is not on the internet network: the scanner cannot reach it")
    recipient, _, domain = topo.remote_recipient.partition("@")
    with server.answering_at_once() as note:
        out = hostexec.run(settings, scanner(topo).name, nmap_script(address, domain, recipient))
    xml, _, trace = out.output.partition(f"\n{SPLIT}\n")
    if out.exit_code != 0 and not xml.strip():
        last = out.output.strip().splitlines()[-1:] or ["no output"]
        raise LabError(f"nmap in {topo.scanner} failed (exit {out.exit_code}): {last[0]}")
    return nmap.parse(xml, trace), f"{server.host.fqdn} [{address}]:{PORT}", note or ""


def replay(settings: Settings, server: Server, test: NmapTest) -> NmapTest:
    """The test's envelope sent again from the scanner, now with a message (and a token in
    it), as nmap would have sent it; its fate found as every probe's is."""
    topo = server.topo
    token = uuid.uuid4().hex[:16]
    hops = [m for m in (marks.mark(settings, topo, h) for h in (server.name, topo.relay.name)) if m]
    _, _, domain = topo.remote_recipient.partition("@")
    transcript = hostexec.probe(settings, scanner(topo).name, server=server.host.addresses["internet"], port=PORT,
                                helo=domain, sender=test.mail_from, recipient=test.rcpt_to, token=token)
    refused = classify(transcript)
    if refused is not None:  # the server refused it this time: nmap's claim is not reproduced
        return with_fate(test, refused, f"{transcript['code']} at {transcript['stage']}: {transcript['reply']}".strip(),
                         token)
    found = evidence.gather(settings, server, hops, [], token, None, accepted=True).fate
    assert found is not None  # an accepted message always has a fate (lost at the worst)
    return with_fate(test, found.outcome, found.where, token)


def audit(settings: Settings, server: Server, rows: dict[str, Outcome], source: str) -> Audit:
    """One audit of what the server under test serves now, judged against the lab's rows."""
    started = time.monotonic()
    found, target, note = scan(settings, server)
    claimed = [t for t in found.tests if t.claimed]
    with ThreadPoolExecutor(max_workers=REPLAYS_AT_ONCE) as pool:
        replayed = {t.number: t for t in pool.map(lambda t: replay(settings, server, t), claimed)}
    tests = [replayed.get(t.number, t) for t in found.tests]
    result = judge(found, tests, rows, source, target, time.monotonic() - started)
    if note:
        result.notes.append(note)
    return result


def rows_of(run: RunResult, topo: topology.Topology) -> dict[str, Outcome]:
    """The run's rows that ask what nmap asks (lab.model.audit.stands_for_scanner)."""
    plan = scenario.load_probes(hosts=set(topo.hosts))
    return {p.probe: p.actual for p in run.probes if p.probe in plan and stands_for_scanner(plan[p.probe], topo)}


def _load_run(path: Path) -> RunResult | None:
    try:
        return RunResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def current_rows(settings: Settings, topo: topology.Topology, variant: str) -> tuple[dict[str, Outcome], str]:
    """The lab's rows for what is applied now: this lab's latest run of it (a variant's, or
    one's own configuration's from `make try`), else what the variant's file expects."""
    folder = results_dir(settings)
    for path in (folder / f"{variant}.json", folder / "tries" / f"{variant}.json"):
        run = _load_run(path) if path.is_file() else None
        if run is not None and run.variant == variant:
            return rows_of(run, topo), f"this lab's run of {variant} started {run.started}"
    if variant in scenario.ids():
        chosen = scenario.find(variant, topo)
        plan = {p.id: p for p in chosen.probes}
        expected = {p: o for p, o in chosen.expect.items() if p in plan and stands_for_scanner(plan[p], topo)}
        return expected, f"expected in {chosen.where} (no run of it in this lab yet)"
    raise LabError(f"{variant} is applied, but this lab has no run of it and no variant file: the audit has no "
                   f"rows to compare with (run '{settings.command(f'make verify-{variant}')}' or 'make try' again)")


def audit_applied(settings: Settings) -> tuple[str, Audit]:
    """Audit what is applied now, on whichever server under test had a variant applied last."""
    topo = topology.load(settings)
    status = lifecycle.status(settings)
    running = {h.name for h in status.hosts if h.state == "running"}
    variant, server_name = servers.active(settings, topo, running)
    if variant is None or server_name is None:
        raise LabError(f"nothing is applied yet: apply a variant first ('{settings.command('make apply-method1')}') "
                       f"or try one's own configuration ('make try FILE=...')")
    rows, source = current_rows(settings, topo, variant)
    return variant, audit(settings, servers.adapter(server_name, settings, topo), rows, source)


def save(found: Audit, variant: str, settings: Settings) -> Path:
    """results/<lab>/audits/<variant>.json: the latest standalone audit of that variant."""
    folder = results_dir(settings) / "audits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{variant}.json"
    path.write_text(json.dumps({"variant": variant, **found.to_dict()}, indent=1, ensure_ascii=False) + "\n")
    return path
