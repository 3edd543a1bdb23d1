"""What every server adapter does the same way: running commands in its host, writing a
variant's files (remembering what was there before), reading its log, naming the variant."""

from __future__ import annotations

import shlex

from lab.runtime import hostexec
from lab.errors import LabError
from lab.model.settings import Settings
from lab.model.topology import Host, Topology

ORIGINALS = "/var/lib/lab/originals"  # what a variant's files replaced, to restore on reset
from lab.runtime.lifecycle import VARIANT_FILE  # noqa: E402


class Server:
    kind = ""
    log = "/var/log/mail.log"

    def __init__(self, settings: Settings, topo: Topology):
        self.settings, self.topo = settings, topo

    @property
    def host(self) -> Host:
        return self.topo.host(self.kind)

    # --- running things ---------------------------------------------------------------
    def run(self, argv, what: str | None = None) -> str:
        result = hostexec.run(self.settings, self.kind, argv)
        if result.exit_code != 0:
            shown = what or (argv if isinstance(argv, str) else " ".join(argv))
            last = result.output.strip().splitlines()[-1:] or ["no output"]
            raise LabError(f"{self.kind}: {shown[:80]} failed: {last[0]}")
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
        hostexec.put_files(self.settings, self.kind, files)

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
        return hostexec.log_mark(self.settings, self.kind, self.log)

    def log_since(self, mark: int) -> list[str]:
        return hostexec.log_since(self.settings, self.kind, mark, self.log)

    # --- which variant is active ----------------------------------------------------------
    def set_variant(self, variant: str) -> None:
        hostexec.put_files(self.settings, self.kind, {VARIANT_FILE: variant + "\n"})

    def active_variant(self) -> str | None:
        out = hostexec.run(self.settings, self.kind, ["cat", VARIANT_FILE])
        return out.output.strip() or None if out.exit_code == 0 else None

    # --- what each kind must say ---------------------------------------------------------
    def reset(self) -> None:
        raise NotImplementedError

    def apply(self, scenario) -> dict:
        raise NotImplementedError

    def versions(self) -> dict:
        raise NotImplementedError

    def mailbox_paths(self, user: str) -> list[str]:
        raise NotImplementedError

    def quarantine_paths(self) -> list[str]:
        return []

    # --- hooks a kind may fill in ---------------------------------------------------------
    def before_probe(self, probe, client) -> list[str]:
        """Prepare for one probe (e.g. a POP3 login for POP-before-SMTP); returns what the
        lab should show beside the probe's result. Default: nothing to do."""
        return []

    def claims(self, token: str) -> list[str]:
        """Log lines in which the server claims something about the token's message that
        the lab should show beside the real fate (e.g. Sendmail's "stat=Sent"), the delivery
        verdict first. Default: none."""
        return []

    def records(self, token: str) -> list[str]:
        """What the server keeps as a record of where the message really went (e.g. a procmail
        LOGFILE entry naming the quarantine folder). Default: none."""
        return []
