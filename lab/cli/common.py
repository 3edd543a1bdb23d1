"""What every command of the command line shares: the lab it works on."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from lab.model.settings import Settings
from lab.runtime import subnets

# what a group of commands adds its commands to (its register())
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def lab_settings() -> Settings:
    """This command's lab (LAB_NAME, ...) with the subnets its networks really have (a named
    lab's are allocated when it comes up: lab.runtime.subnets)."""
    return subnets.current()
