"""The order a workshop meets the variants in (docs/workshop.md, "The exercises, in order"),
as data: lab/model/workshop.yaml. `make list`, the report, the sheets, the projector and every
other list of variants follow it; a variant the file does not name comes after them, by id."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

WORKSHOP = Path(__file__).with_name("workshop.yaml")
ORDER: tuple[str, ...] = tuple((yaml.safe_load(WORKSHOP.read_text()) or {}).get("order") or ())


def ordered(ids: Iterable[str]) -> list[str]:
    """The ids given, in the workshop's order."""
    rank = {v: i for i, v in enumerate(ORDER)}
    return sorted(ids, key=lambda v: (rank.get(v, len(rank)), v))
