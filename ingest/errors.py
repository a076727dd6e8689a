"""User-facing failures. The CLI prints them on one line and goes on with the batch."""
from __future__ import annotations


class PolicyKGError(Exception):
    """Expected, user-facing failure: the CLI prints it and exits non-zero."""


class IngestError(PolicyKGError):
    """A file could not be ingested. ``str(err)`` is the one line shown to the user."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class UnsupportedFormat(IngestError, ValueError):
    pass


class PatternFileError(PolicyKGError):
    def __init__(self, path: str, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem
