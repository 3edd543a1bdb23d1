"""The make targets a workshop types, run for real on the lab named by LAB_NAME: a shell on a
host (also with a pipe for stdin), a host's mail log, a variant's description, and the
lab's one-line error for a name that does not exist."""

import os
import re
import subprocess

from lab.model import settings

ROOT = settings.ROOT


def shell(command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`command` as a user types it in the checkout (LAB_NAME comes from this environment)."""
    # a terminal has no make of its own around it; this test may run under `make test`, whose
    # MAKELEVEL/MAKEFLAGS would make the inner make print "Entering directory" lines
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")}
    return subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


def test_shell_on_a_host_reads_commands_from_a_pipe(running_lab):
    out = shell("echo hostname | make shell-outside")
    assert out.returncode == 0, out.stderr
    assert "Nothing to be done" not in out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == "outside", out.stdout


def test_logs_of_a_host_follow_its_mail_log(running_lab):
    out = shell("timeout 5 make logs-postfix", timeout=30)
    assert out.returncode == 124, (out.returncode, out.stderr)  # still following when timeout stopped it
    assert "Nothing to be done" not in out.stdout + out.stderr
    assert re.search(r"postfix/\w+\[\d+\]: ", out.stdout), out.stdout[-2000:]


def test_show_describes_a_variant(running_lab):
    out = shell("make show-method1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("method1 (postfix)") and "--- expected outcomes" in out.stdout


def test_an_unknown_host_or_variant_gets_the_labs_one_line_error(running_lab):
    for command, error in (("make shell-mars", "lab: unknown host 'mars': the lab's hosts are "),
                           ("make logs-mars", "lab: unknown host 'mars': the lab's hosts are "),
                           ("make verify-nosuch", "lab: unknown variant 'nosuch': scenarios/ has "),
                           ("make apply-nosuch", "lab: unknown variant 'nosuch': scenarios/ has "),
                           ("make show-nosuch", "lab: unknown variant 'nosuch': scenarios/ has ")):
        out = shell(command)
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        lab_lines = [line for line in out.stderr.splitlines() if line.startswith("lab: ")]
        assert len(lab_lines) == 1 and lab_lines[0].startswith(error), (command, out.stderr)
        assert "Traceback" not in out.stderr
