"""The exceptions the lab raises for anything a user must fix: one line, no traceback. The
kinds are told apart by type, never by their text."""


class LabError(Exception):
    """A problem the user can act on. The message is one line and says what to do."""


class Unhealthy(LabError):
    """A lab host did not become (or stay) healthy."""


class ComposeFailed(LabError):
    """docker compose itself failed (e.g. a network of a crashed run still in the way)."""


class ConfigRefused(LabError):
    """A server under test does not serve with the configuration just applied."""
