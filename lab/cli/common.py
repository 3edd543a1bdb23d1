"""What every command of the command line shares: the lab it works on."""

from __future__ import annotations

from lab.model.settings import Settings
from lab.runtime import subnets


def lab_settings() -> Settings:
    """This command's lab (LAB_NAME, ...) with the subnets its networks really have (a named
    lab's are allocated when it comes up: lab.runtime.subnets)."""
    return subnets.current()
