"""Postfix under test: reset to the image's baseline, apply a variant with postconf -e and
postmap, reload and wait until the new configuration really serves connections."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lab.runtime import hostexec
from lab import waiting
from lab.errors import ConfigRefused, HostGone, LabError
from lab.maillogs import postfix as postfix_log
from lab.maillogs import postfix_trace
from lab.maillogs.reader import MailLog
from lab.model.outcomes import Reply, banner_code
from lab.maillogs.sessions import Session
from lab.model.scenario import Probe, Scenario, parse_main_cf
from lab.model.settings import Settings
from lab.model.topology import Host, Topology
from lab.model.trace import TraceStep
from lab.servers.base import Server
from lab.servers.drac import Drac, PopStep

MAP = re.compile(r"\b(hash|btree):(/[\w./-]+)")
BASELINE = "/etc/postfix/baseline"
UNSERVING = "/var/lib/lab/unserving"  # present: the last apply left smtpd broken, restart next time
FATAL = re.compile(r"\b(?:fatal|panic): ")
# main.cf and master.cf dated 2 s back once written: Postfix would sleep ~2 s before reading
# a file changed within the current second (postfix_settled in images/base/lab.sh says why)
SETTLE = ". /usr/local/lib/lab/lab.sh && postfix_settled"
POSTCONF_LISTS = f"postconf {' '.join(postfix_trace.PARAMS)}; postconf -P 2>/dev/null || true"
LISTS = "--- restriction lists"
CHECK = "postfix check 2>&1; postconf -n 2>&1 >/dev/null"  # what Postfix says of its files
ERROR_SLEEP = "smtpd_error_sleep_time"  # Postfix's tarpit: see answering_at_once()
NOT_TRACED = ("not traced: Postfix logs the restrictions it evaluates only for clients in debug_peer_list "
              "(make verify traces every probe; by hand: lab probe ... --trace)")


class PostfixServer(Server):
    mta = "postfix"
    log_reader = MailLog(postfix_log)

    @classmethod
    def own_configuration(cls, text: str, where: str) -> tuple[str, dict[str, str]]:
        """A main.cf fragment: checked as main.cf syntax, applied with postconf."""
        try:
            parse_main_cf(text)
        except LabError as exc:
            raise LabError(f"{where}: {exc} (a main.cf fragment: 'name = value' lines, continuation lines "
                           "indented)") from None
        return text, {}

    @classmethod
    def own_probes(cls, text: str, plan: dict[str, Probe]) -> list[Probe]:
        """The POP-before-SMTP probes when the configuration consults drac."""
        return [p for p in plan.values() if p.pop is not None] if "drac" in text else []

    def __init__(self, settings: Settings, topo: Topology, name: str) -> None:
        super().__init__(settings, topo, name)
        self.drac = Drac(self)
        self.traced = False  # debug_peer_list names the probe clients (apply(trace=...), trace_on)
        self._lists: dict[str, dict[str, list[str]]] = {}  # master.cf service -> its restriction lists
        self._postconf = ""  # `postconf <restriction lists>; postconf -P` of the variant, read at apply

    def reset(self, drac_expire: int | None = None) -> None:
        """The image's baseline again: main.cf, master.cf, the access map, empty queue and
        mailboxes, dracd running with an empty map (and `drac_expire`, else its default)."""
        self.restore_files()
        users = " ".join(u.name for u in self.topo.users)
        self.run(
            f"cp {BASELINE}/main.cf {BASELINE}/master.cf {BASELINE}/access /etc/postfix/ && {SETTLE} && "
            "postmap /etc/postfix/access && postsuper -d ALL >/dev/null 2>&1; "
            f"for u in {users}; do rm -rf /home/$u/Maildir/new/* /home/$u/Maildir/cur/* /home/$u/Maildir/tmp/*; done",
            what="reset to baseline",
        )
        self.drac.reset(drac_expire)

    def apply(self, scenario: Scenario, trace: Sequence[str] = ()) -> dict[str, Any]:
        """Reset, write the variant, reload (restart if the last variant left smtpd broken:
        master throttles a service whose start failed for 60 s, and a reload keeps that),
        then prove that Postfix serves it - or stop, in Postfix's own words. `trace`: client
        addresses for debug_peer_list, set with the variant so that it costs no reload of its own."""
        broken_before = (self.run(f"test -e {UNSERVING} && echo yes || true").strip() == "yes"
                         or self.serving() is not None)  # broken by hand, or throttled
        self.traced, self._lists, self._postconf = False, {}, ""
        try:
            self._write(scenario, trace)
        except (ConfigRefused, HostGone):
            raise
        except LabError as exc:
            raise ConfigRefused(f"{scenario.where}: {exc}") from None
        mark = self.log_mark()
        # `postfix check` (a third of a second) reads the files just written: it runs while
        # Postfix reloads, and check_serving() takes its answer (not across a restart: that
        # would end it halfway)
        check = None
        if not broken_before:
            checking = ThreadPoolExecutor(max_workers=1)
            check = checking.submit(hostexec.run, self.settings, self.name, CHECK)
            checking.shutdown(wait=False)
        try:
            self.restart() if broken_before else self.reload()
        except LabError as exc:  # `postfix reload` itself refused (e.g. inet_interfaces no host has)
            said = [FATAL.split(line, 1)[-1].strip() for line in self.log_since(mark) if FATAL.search(line)]
            self.run(f"mkdir -p {UNSERVING.rsplit('/', 1)[0]} && touch {UNSERVING}")
            raise ConfigRefused(f"{scenario.where}: Postfix does not serve this configuration: "
                                f"{said[0] if said else exc}") from None
        warnings = self.check_serving(scenario, mark, check.result() if check else None)
        self.set_variant(scenario.id)
        self.traced = bool(trace)
        # main.cf as it is now, and (for a trace) the restriction lists, in one exec
        effective, _, self._postconf = self.run(f"postconf -n; echo {LISTS}; {POSTCONF_LISTS}").partition(LISTS + "\n")
        return {
            "postconf": scenario.postconf,
            "postconf_lab": scenario.postconf_lab,
            **({"master_cf": scenario.master_cf} if scenario.master_cf else {}),
            "files": scenario.files,
            "drac_expire": self.drac.expire(),
            "effective": effective.splitlines(),
            **({"server_warnings": warnings} if warnings else {}),
            **({"debug_peer_list": ", ".join(trace)} if trace else {}),
        }

    def _write(self, scenario: Scenario, trace: Sequence[str] = ()) -> None:
        self.reset(scenario.drac_expire)
        self.put_files(scenario.files)
        params = parse_main_cf(scenario.postconf) + parse_main_cf(scenario.postconf_lab)
        tracing = [("debug_peer_list", ", ".join(trace))] if trace else []
        if params or tracing:
            self.run(["postconf", "-e", *(f"{name} = {value}" for name, value in params + tracing)])
            self.run(SETTLE)
        if scenario.master_cf:  # e.g. a submission service; reset() puts the baseline's back
            master = self.run(["cat", "/etc/postfix/master.cf"]).rstrip("\n") + "\n" + scenario.master_cf
            hostexec.put_files(self.settings, self.name, {"/etc/postfix/master.cf": master})
            self.run(SETTLE)
        main_cf = "\n".join(f"{n} = {v}" for n, v in params)
        for kind, path in sorted(set(MAP.findall(main_cf))):
            if path in scenario.files:
                self.run(["postmap", f"{kind}:{path}"])

    def check_serving(self, scenario: Scenario, mark: int, check: hostexec.ExecResult | None = None,
                      timeout: float = 8.0) -> list[str]:
        """Postfix serves the configuration just loaded: `postfix check` passes, port 25
        greets, and nothing since the reload says fatal. Else mark the host for a restart
        on the next apply and raise ConfigRefused quoting Postfix. Returns the warnings
        `postfix check` and `postconf -n` gave (e.g. an unused, misspelled parameter); `check`:
        their answer, when the caller ran them already."""
        check = check or hostexec.run(self.settings, self.name, CHECK)
        said = [line.strip() for line in check.output.splitlines() if line.strip()]

        def settled() -> tuple[str, str | None] | None:
            fatal = [line for line in self.log_since(mark) if FATAL.search(line)]
            if fatal:
                return ("fatal", FATAL.split(fatal[0], 1)[-1].strip())
            banner = self.greeting(timeout=1.5)
            return ("ok", banner) if banner_code(banner) == Reply.SERVICE_READY else None

        done = waiting.poll(settled, timeout, every=0.1)  # no greeting in time: it does not serve
        problem = None
        if check.exit_code != 0 or any(FATAL.search(line) for line in said):
            problem = next((line for line in said if FATAL.search(line)), said[-1] if said else "postfix check failed")
        elif done is None:
            problem = f"port 25 gave no SMTP greeting within {timeout:.0f} s after the reload"
        elif done[0] == "fatal":
            problem = f"smtpd: fatal: {done[1]}"
        if problem:
            self.run(f"mkdir -p {UNSERVING.rsplit('/', 1)[0]} && touch {UNSERVING}")
            raise ConfigRefused(f"{scenario.where}: Postfix does not serve this configuration: {problem}")
        self.run(f"rm -f {UNSERVING}")
        return [line for line in said if "warning:" in line]

    def restart(self, timeout: float = 30.0) -> None:
        """A whole new master (the container restarts: Postfix runs in the foreground as its
        main process): the only way to clear a throttled service at once. Returns when the
        master runs again (else waiting.TimedOut); check_serving() then says whether smtpd serves."""
        hostexec.container(self.settings, self.name).restart(timeout=5)

        said = "nothing yet"

        def master_runs() -> bool:
            nonlocal said
            try:
                status = hostexec.run(self.settings, self.name, "postfix status")
            except HostGone as exc:  # not running yet
                said = str(exc)
                return False
            said = f"postfix status: exit {status.exit_code} {(status.output.strip().splitlines() or [''])[-1]}"
            return status.exit_code == 0

        waiting.until(master_runs, timeout, what=f"Postfix's master on {self.name} to run after a restart",
                      every=0.3, last=lambda: said)

    def reload(self, timeout: float = 15.0) -> None:
        """`postfix reload` returns at once; wait for master's reload line and for every
        smtpd started under the old configuration to be gone (else waiting.TimedOut)."""
        old = self.run("pidof smtpd || true").split()
        mark = self.log_mark()
        self.run(["postfix", "reload"])
        logged, alive = False, old

        def reloaded() -> bool:
            nonlocal logged, alive
            logged = logged or any("reload -- version" in line for line in self.log_since(mark))
            alive = sorted(set(old) & set(self.run("pidof smtpd || true").split())) if old else []
            return logged and not alive

        waiting.until(reloaded, timeout, what="Postfix to log its reload and its old smtpd to exit", every=0.1,
                      last=lambda: f"reload logged: {'yes' if logged else 'no'}, "
                                   f"smtpd of the old configuration: {' '.join(alive) or 'none'}")

    @contextmanager
    def answering_at_once(self) -> Iterator[str | None]:
        """Postfix answers every reply 1 s late once a session has made smtpd_soft_error_limit
        (10) errors: nmap's 16 refused tests would spend 15 s of 18 asleep. smtpd_error_sleep_time
        is 0 while the audit runs, then as the variant had it (explicitly, or Postfix's default)."""
        before = self.run(f"postconf -n -h {ERROR_SLEEP} 2>/dev/null || true").strip()
        self.run(["postconf", "-e", f"{ERROR_SLEEP} = 0s"])
        self.run(SETTLE)
        self.reload()
        try:
            yield f"{ERROR_SLEEP} = 0s while nmap ran (was {before or 'the default, 1s'})"
        finally:
            self.run(["postconf", "-e", f"{ERROR_SLEEP} = {before}"] if before else ["postconf", "-X", ERROR_SLEEP])
            self.run(SETTLE)
            self.reload()

    # --- restriction trace (DESIGN §9: Postfix's restriction trace) -------------------------
    def trace_on(self, peers: Sequence[str]) -> None:
        """Verbose smtpd logging for these client addresses only (debug_peer_list), served
        once the reload is through."""
        self.run(["postconf", "-e", f"debug_peer_list = {', '.join(peers)}"])
        self.run(SETTLE)
        self.reload()
        self.traced, self._lists, self._postconf = True, {}, ""

    def trace_off(self) -> None:
        """debug_peer_list back to the baseline's (empty). The reload is not waited for: smtpd
        processes of the traced configuration exit on their own, and the next apply waits."""
        if self.traced:
            self.run(f"postconf -X debug_peer_list && {SETTLE} && postfix reload >/dev/null 2>&1",
                     what="turning debug_peer_list off")
        self.traced = False

    def session_complete(self, session: Session | None) -> bool:
        """A traced session is read to its end (its disconnect line): the trace needs all of it."""
        return not self.traced or bool(session and session.lines and "disconnect from" in session.lines[-1])

    def trace(self, session: Session | None) -> tuple[list[TraceStep], str | None]:
        if not self.traced:
            return [], NOT_TRACED
        if session is None:
            return [], "no session of this probe's in Postfix's log"
        steps = postfix_trace.trace(session.lines, self.restriction_lists(postfix_trace.service_of(session.lines)))
        if steps:
            return steps, None
        return [], ("Postfix evaluated no restriction list: the session ended before RCPT TO, "
                    "where smtpd_delay_reject has it evaluate them")

    def restriction_lists(self, service: str) -> dict[str, list[str]]:
        """The restriction lists as this variant configured them for one master.cf service
        (main.cf's, or the service's -o overrides), read once per variant."""
        if service not in self._lists:
            self._postconf = self._postconf or self.run(POSTCONF_LISTS)
            self._lists[service] = postfix_trace.lists_from_postconf(self._postconf, service)
        return self._lists[service]

    def before_probe(self, probe: Probe, client: Host) -> PopStep | None:
        """POP-before-SMTP probes: an empty drac map, then the probe's POP3 step."""
        return self.drac.before(probe.pop, client, self.topo.user(self.topo.local_recipient)) if probe.pop else None

    def versions(self) -> dict[str, str]:
        out = self.run(
            "echo postfix $(postconf -h mail_version); "
            "echo cyrus-sasl $(dpkg-query -W -f '${Version}' libsasl2-2); "
            "echo dovecot $(dovecot --version | cut -d' ' -f1)"
        )
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def mailbox_paths(self, user: str) -> list[str]:
        return [f"/home/{user}/Maildir/new", f"/home/{user}/Maildir/cur"]
