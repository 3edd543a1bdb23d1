"""What every server adapter does the same way: running commands in its host, writing a
variant's files (remembering what was there before), reading its log, naming the variant."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from lab.maillogs.reader import MailLog
from lab.model.outcomes import Reply, banner_code
from lab.maillogs.sessions import Session
from lab.model.trace import TraceStep
from lab.runtime import hostexec
from lab.runtime.hostexec import MAIL_LOG
from lab.errors import LabError
from lab.model.scenario import Probe, Scenario
from lab.model.settings import Settings
from lab.model.topology import Host, Topology

ORIGINALS = "/var/lib/lab/originals"  # what a variant's files replaced, to restore on reset
VARIANT_FILE = "/etc/lab-variant"  # the variant applied last, written by apply()
GREET = "timeout {t} lab-greets --print 25 '[0-9]{{3}}'"  # from 127.0.0.2: kept out of mail.log (images/base)


class Prepared(Protocol):
    """What a server prepared for one probe (Server.before_probe)."""

    @property
    def probe_options(self) -> dict[str, str]:
        """More flags for lab-probe (hostexec.probe's options)."""

    def finish(self, transcript: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Once the probe has run: (notes the lab shows beside its result, warnings that void it)."""


class Server:
    mta = ""  # the kind of MTA this adapter knows (x-lab.mail-servers.<host>.mta)
    log = MAIL_LOG  # where this kind logs (the images send it there)
    log_reader: MailLog  # the parser of that log
    # where the server reads a variant's own configuration lines that are not main.cf
    # parameters (Sendmail: sendmail.mc lines); None: the kind takes main.cf lines
    variant_file: str | None = None

    def __init__(self, settings: Settings, topo: Topology, name: str):
        self.settings, self.topo, self.name = settings, topo, name  # name: the host (compose service)

    @property
    def host(self) -> Host:
        return self.topo.host(self.name)

    # --- running things ---------------------------------------------------------------
    def run(self, argv: Sequence[str] | str, what: str | None = None) -> str:
        result = hostexec.run(self.settings, self.name, argv)
        if result.exit_code != 0:
            shown = what or (argv if isinstance(argv, str) else " ".join(argv))
            last = result.output.strip().splitlines()[-1:] or ["no output"]
            raise LabError(f"{self.name}: {shown[:80]} failed: {last[0]}")
        return result.output

    # --- files a variant replaces --------------------------------------------------------
    def put_files(self, files: dict[str, str]) -> None:
        """Write a variant's files, keeping the first original of each for restore_files()."""
        if not files:
            return
        saves = []
        for path in files:
            q, saved = shlex.quote(path), shlex.quote(ORIGINALS + path)
            saves.append(f"if [ ! -e {saved} ] && [ ! -e {saved}.absent ]; then mkdir -p $(dirname {saved}); "
                         f"if [ -e {q} ]; then cp -p {q} {saved}; else touch {saved}.absent; fi; fi")
        self.run(" ; ".join(saves), what="saving originals")
        hostexec.put_files(self.settings, self.name, files)

    def restore_files(self) -> None:
        self.run(
            f"[ -d {ORIGINALS} ] || exit 0; cd {ORIGINALS} && "
            "find . -type f | while read -r f; do p=${f#.}; "
            'case "$p" in *.absent) rm -f "${p%.absent}" ;; *) cp -p "$f" "$p" ;; esac; done; '
            f"rm -rf {ORIGINALS}",
            what="restoring originals",
        )

    # --- log ----------------------------------------------------------------------------
    def log_mark(self) -> int:
        return hostexec.log_mark(self.settings, self.name, self.log)

    def log_since(self, mark: int) -> list[str]:
        return hostexec.log_since(self.settings, self.name, mark, self.log)

    # --- which variant is active ----------------------------------------------------------
    def set_variant(self, variant: str) -> None:
        hostexec.put_files(self.settings, self.name, {VARIANT_FILE: variant + "\n"})

    def applied(self) -> tuple[int, str] | None:
        """(when, variant) of the variant applied last, or None."""
        out = hostexec.run(self.settings, self.name, ["sh", "-c", f"stat -c %Y {VARIANT_FILE} && cat {VARIANT_FILE}"])
        if out.exit_code != 0 or len(out.output.split()) < 2:
            return None
        stamp, variant = out.output.split(None, 1)
        return int(stamp), variant.strip()

    # --- does it serve? -------------------------------------------------------------------
    def greeting(self, timeout: float = 2.0) -> str | None:
        """The SMTP banner on port 25 (e.g. '220 postfix.lab.example ESMTP'), or None."""
        out = hostexec.run(self.settings, self.name, GREET.format(t=timeout))
        line = out.output.strip()
        return line if out.exit_code == 0 and line[:3].isdigit() else None

    def serving(self) -> str | None:
        """None when port 25 greets with 220; else one line saying what is wrong."""
        banner = self.greeting()
        if banner_code(banner) == Reply.SERVICE_READY:
            return None
        return f"{self.name}: port 25 answers {banner!r}" if banner else f"{self.name}: port 25 gives no SMTP greeting"

    # --- what each kind must say ---------------------------------------------------------
    def reset(self) -> None:
        raise NotImplementedError

    def apply(self, scenario: Scenario, trace: Sequence[str] = ()) -> dict[str, Any]:
        """Put the server in the variant. `trace`: client addresses whose sessions the
        server should trace from now on (trace() reads it), where the kind can."""
        raise NotImplementedError

    def versions(self) -> dict[str, str]:
        raise NotImplementedError

    def mailbox_paths(self, user: str) -> list[str]:
        raise NotImplementedError

    def quarantine_paths(self) -> list[str]:
        return []

    # --- one's own configuration (lab try) ------------------------------------------------
    @classmethod
    def own_configuration(cls, text: str, where: str) -> tuple[str, dict[str, str]]:
        """A student's configuration text as (main.cf lines, files to write). Default: the
        kind's variant file holds the lines as they are."""
        if cls.variant_file is None:
            raise NotImplementedError(f"{cls.mta}: say where one's own configuration goes")
        return "", {cls.variant_file: text}

    @classmethod
    def own_probes(cls, text: str, plan: dict[str, Probe]) -> list[Probe]:
        """The probes beyond the standard plan that one's own configuration calls for."""
        return []

    # --- hooks a kind may fill in ---------------------------------------------------------
    def before_probe(self, probe: Probe, client: Host) -> Prepared | None:
        """Prepare for one probe (e.g. POP-before-SMTP: an empty drac map, a POP3 login).
        Returns None (nothing to do: the default) or what was prepared (Prepared)."""
        return None

    def claims(self, lines: list[str], token: str) -> list[str] | None:
        """Lines of this server's log (`lines`: what it logged since before the probe) in
        which it claims something about the token's message that the lab should show beside
        the real fate (e.g. Sendmail's "stat=Sent"), the delivery verdict first; None while
        the claim is still to come (the lab reads the log again). Default: none."""
        return []

    def session_complete(self, session: Session | None) -> bool:
        """Whether the probe's session is logged to its end, as trace() needs it (the lab
        reads the log again until it is, for a while). Default: yes."""
        return True

    def trace_on(self, peers: Sequence[str]) -> None:
        """Trace these client addresses' sessions from now on. Default: nothing to turn on."""

    def trace_off(self) -> None:
        """Stop tracing (apply() and reset() start untraced anyway). Default: nothing to do."""

    @contextmanager
    def tracing(self, peers: Sequence[str]) -> Iterator[None]:
        self.trace_on(peers)
        try:
            yield
        finally:
            self.trace_off()

    @contextmanager
    def answering_at_once(self) -> Iterator[str | None]:
        """For an audit's many refused commands in one session: no tarpit delay on the
        server's replies (a delay, never a decision), the server's own setting back after.
        Yields what was changed, in one line, or None. Default: nothing to change."""
        yield None

    def trace(self, session: Session | None) -> tuple[list[TraceStep], str | None]:
        """The restrictions the server evaluated in the probe's session (as the lab read it,
        to its end if session_complete() came true in time), in order, and a note on what
        the trace leaves out (or why there is none). Default: no trace, said so."""
        return [], f"{self.mta}: the lab reads no restriction trace from this server's log"

    def records(self, token: str) -> list[str]:
        """What the server keeps as a record of where the message really went (e.g. a procmail
        LOGFILE entry naming the quarantine folder). Default: none."""
        return []
