"""The exceptions the lab raises for anything a user must fix: one line, no traceback. The
kinds are told apart by type, never by their text; `exit_status` turns them into what a
command prints and returns."""

import os
import sys
from collections.abc import Callable

from lab import interrupt
from lab.lines import said


class LabError(Exception):
    """A problem the user can act on. The message is one line and says what to do."""


class Unhealthy(LabError):
    """A lab host did not become (or stay) healthy."""


class HostGone(LabError):
    """A lab host's container is not running (stopped, restarting or removed): a command
    could not run in it."""


class ComposeFailed(LabError):
    """docker compose itself failed (e.g. a network of a crashed run still in the way)."""


class ConfigRefused(LabError):
    """A server under test does not serve with the configuration just applied."""


def exit_status(action: Callable[[], int], command: str = "lab") -> int:
    """Run a command's action: a LabError is one line on stderr and exit status 2; Ctrl-C
    stops it within moments, with one line saying what it stopped and how it leaves the lab,
    and 130 (lab.interrupt); a reader that stopped reading (`make show-method1 | head`) ends
    it quietly. `command`: its name as that line gives it (e.g. "verify")."""
    interrupt.install()
    try:
        return action()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except LabError as exc:
        print(said(f"lab: {exc}"), file=sys.stderr)
        return 2
    except (KeyboardInterrupt, interrupt.Interrupted):
        return interrupt.stopped(command)
