"""The one exception the lab raises for anything a user must fix: one line, no traceback."""


class LabError(Exception):
    """A problem the user can act on. The message is one line and says what to do."""
