"""The order a workshop meets the variants in (docs/workshop.md, "The exercises, in order"):
the projector steps through them in it, the pages list them in it. A variant the guide does
not name comes after them, by id."""

from __future__ import annotations

from collections.abc import Iterable

ORDER = ("baseline", "hostsdeny-postfix", "hostsallow-sendmail", "method1", "method1-addendum",
         "method1-misconfigured", "method2", "method2-drac-disabled", "method2-fixed", "sendmail-procmail",
         "sendmail-procmail-logged", "modern")


def ordered(ids: Iterable[str]) -> list[str]:
    """The ids given, in the workshop's order."""
    rank = {v: i for i, v in enumerate(ORDER)}
    return sorted(ids, key=lambda v: (rank.get(v, len(rank)), v))
