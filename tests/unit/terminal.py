"""What a terminal of a given width shows of something the lab prints with rich."""

from rich.console import Console


def render(renderable, width: int) -> list[str]:
    """The lines a terminal `width` columns wide shows, trailing blank lines dropped."""
    console = Console(record=True, width=width)
    console.print(renderable)
    return console.export_text().rstrip("\n").splitlines()


def notes(run) -> list[str]:
    """The notes under a run's table (run_table.notes_view), on a terminal wide enough that
    none wraps, trailing spaces dropped."""
    from lab.views import run_table

    return [line.rstrip() for line in render(run_table.notes_view(run), 300)]
