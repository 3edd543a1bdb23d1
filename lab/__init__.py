"""smtp-restriction lab: real mail servers on Docker networks, probed from real vantage points."""

__version__ = "0.1.0"
