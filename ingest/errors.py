"""User-facing failures. The CLI prints them on one line and goes on with the batch."""
from __future__ import annotations

import os


def readable_path(path: object) -> str:
    """A path as a person can read it and any terminal can print it. On Linux a name that is not
    UTF-8 arrives with its bytes escaped as surrogates (os.fsdecode); a Chinese zip unpacked there
    gives GBK names, shown decoded as GB18030 when they are valid, otherwise as ``\\xNN`` bytes."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    return "/".join(_readable_part(os.fsencode(part)) for part in text.split("/"))


def _readable_part(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


class PolicyKGError(Exception):
    """Expected, user-facing failure: the CLI prints it and exits non-zero."""


class IngestError(PolicyKGError):
    """A file could not be ingested. ``str(err)`` is the one line shown to the user."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{readable_path(path)}: {problem}")
        self.path = path
        self.problem = problem


class UnsupportedFormat(IngestError, ValueError):
    pass


class PatternFileError(PolicyKGError):
    def __init__(self, path: str, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem
