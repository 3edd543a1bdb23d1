"""Sendmail under test: reset to the image's baseline (/etc/mail/baseline), apply a variant's
files (sendmail.mc lines in /etc/mail/variant.m4, the access map, /etc/hosts.allow and
hosts.deny, /etc/procmailrc), rebuild sendmail.cf and restart the daemon the way an
administrator does, and say what Sendmail's own log claims about each message.

A variant's sendmail.mc lines go in `files: {/etc/mail/variant.m4: ...}`: the image's
sendmail.mc reads that file (sinclude) before its MAILER lines. hosts.allow, hosts.deny and
/etc/procmailrc are read again on every connection and delivery; sendmail.cf and the maps
only after `sendmail-rebuild --restart`, which this adapter always runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from lab.errors import ConfigRefused, HostGone, LabError
from lab.maillogs import sendmail as sendmail_log
from lab.maillogs.reader import MailLog
from lab.maillogs.sessions import Session
from lab.model.scenario import Probe, Scenario
from lab.model.trace import TraceStep
from lab.servers.base import Server

BASELINE = "/etc/mail/baseline"
QUARANTINE = "/var/tmp/filterd-mails"  # the note's quarantine file (an mbox written by procmail)
PROCMAIL_LOG = "/var/log/procmail.log"  # where the -logged variant's LOGFILE points
ONLY_REFUSALS = ("Sendmail logs only refusals: TCP wrappers admitting a client, and a check_relay, check_mail "
                 "or check_rcpt ruleset that lets it pass, leave no line")


class SendmailServer(Server):
    mta = "sendmail"
    log_reader = MailLog(sendmail_log)
    variant_file = "/etc/mail/variant.m4"  # the image's sendmail.mc reads it (sinclude)

    @classmethod
    def own_probes(cls, text: str, plan: dict[str, Probe]) -> list[Probe]:
        """Authenticated mail to a local user too: procmail's recipes act on delivery."""
        return [plan["auth-local"]]

    def reset(self, rebuild: bool = True) -> None:
        """Baseline files back, the variant's sendmail.mc lines gone, mailboxes, quarantine,
        procmail log and queue emptied; sendmail.cf and the maps rebuilt and the daemon
        restarted (apply() rebuilds once itself, after writing the variant's files)."""
        self.restore_files()
        self.run(
            f"cp {BASELINE}/sendmail.mc {BASELINE}/access /etc/mail/ && "
            f"cp {BASELINE}/aliases {BASELINE}/hosts.allow {BASELINE}/hosts.deny {BASELINE}/procmailrc /etc/ && "
            f"rm -f {self.variant_file} /var/mail/* {QUARANTINE} {QUARANTINE}.lock {PROCMAIL_LOG} "
            "/var/spool/mqueue/*" + (" && sendmail-rebuild --restart" if rebuild else ""),
            what="reset to baseline",
        )

    def apply(self, scenario: Scenario, trace: Sequence[str] = ()) -> dict[str, Any]:
        """(`trace` changes nothing: Sendmail's log says what it says; see trace().)"""
        self.reset(rebuild=False)
        self.put_files(scenario.files)
        started = time.monotonic()
        try:
            self.run(["sendmail-rebuild", "--restart"], what="sendmail-rebuild --restart")
        except HostGone:
            raise
        except LabError as exc:  # m4 or Sendmail refused the files just written
            raise ConfigRefused(f"{scenario.where}: Sendmail does not serve this configuration: {exc}") from None
        restart_seconds = round(time.monotonic() - started, 2)
        self.set_variant(scenario.id)
        return {
            "files": scenario.files,
            "effective": self._effective(),
            "rebuild_restart_seconds": restart_seconds,
        }

    def _effective(self) -> dict[str, list[str]]:
        """The files that decide, as the server now has them (comments and blank lines left out)."""
        names = {"variant.m4": self.variant_file, "hosts.allow": "/etc/hosts.allow",
                 "hosts.deny": "/etc/hosts.deny", "procmailrc": "/etc/procmailrc", "access": "/etc/mail/access"}
        out = self.run("; ".join(f"echo '=== {n}'; cat {p} 2>/dev/null" for n, p in names.items()))
        found: dict[str, list[str]] = {}
        for line in out.splitlines():
            if line.startswith("=== "):
                current = found.setdefault(line[4:], [])
            elif line.strip() and not line.lstrip().startswith(("#", "dnl")):
                current.append(line)
        return found

    def versions(self) -> dict[str, str]:
        out = self.run(
            "echo sendmail $(sendmail -d0.1 -bt </dev/null | sed -n 's/^Version //p' | head -1); "
            "echo procmail $(dpkg-query -W -f '${Version}' procmail); "
            "echo cyrus-sasl $(dpkg-query -W -f '${Version}' libsasl2-2); "
            "echo tcp-wrappers $(dpkg-query -W -f '${Version}' libwrap0)"
        )
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def trace(self, session: Session | None) -> tuple[list[TraceStep], str | None]:
        """The refusals this session's log shows, TCP wrappers' and the check_* rulesets',
        and a note saying that nothing else is logged: the rest is not invented."""
        steps = sendmail_log.trace(session.lines) if session else []
        if steps:
            return steps, f"{ONLY_REFUSALS}: the steps are this session's refusals"
        return [], f"{ONLY_REFUSALS}, and this session's log has no refusal"

    def mailbox_paths(self, user: str) -> list[str]:
        return [f"/var/mail/{user}"]

    def quarantine_paths(self) -> list[str]:
        return [QUARANTINE]

    def claims(self, lines: list[str], token: str) -> list[str] | None:
        """Sendmail's own word on the token's message: its delivery lines (stat=Sent ...),
        logged just after the mailer has finished (None until then, if it took the message).
        For a message procmail quarantined it says "Sent" all the same: the note's "the
        maillog lies" (procmail, not Sendmail, chose the folder)."""
        found = [d.line for d in sendmail_log.deliveries(lines, token)]
        return found if found or not sendmail_log.queue_ids_for(lines, token) else None

    def records(self, token: str) -> list[str]:
        """procmail's LOGFILE entry (LOGABSTRACT) for the message, when the variant keeps one:
        the folder procmail really chose."""
        text = self.run(f"cat {PROCMAIL_LOG} 2>/dev/null || true")
        return [f"{PROCMAIL_LOG}: {line}" for line in sendmail_log.procmail_abstract(text, token)]
