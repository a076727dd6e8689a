"""Readers: a file in any supported format and Chinese encoding -> one ``Source``.

One module per format (txt, html, docx, pdf); each exposes ``read_<format>(raw, path)``
returning ``(text, fields, tables)``. ``read(path)`` picks the reader by suffix and
raises ``IngestError`` with a one-line problem for anything it cannot read.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Callable

from ..errors import IngestError, UnsupportedFormat, readable_path
from ..limits import limits, over
from ..record import Source
from .common import decode_text as decode_text
from .docx import read_docx
from .html import read_html
from .pdf import read_pdf
from .txt import read_md, read_txt

Reader = Callable[[bytes, str], tuple[str, tuple, tuple]]

# suffix -> (media type, reader)
READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("text/plain", read_txt),
    ".md": ("text/markdown", read_md),
    ".html": ("text/html", read_html),
    ".htm": ("text/html", read_html),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", read_docx),
    ".pdf": ("application/pdf", read_pdf),
}
SUFFIX_MEDIA_TYPES = {suffix: media_type for suffix, (media_type, _) in READERS.items()}


def supported_suffixes() -> frozenset[str]:
    return frozenset(SUFFIX_MEDIA_TYPES)


def decode(raw: bytes, path: str) -> str:
    """Kept for callers of the first reader: bytes -> text with encoding detection."""
    return decode_text(raw, path)


def read(path: str | Path) -> Source:
    """Read one file into a Source. Raises IngestError (UnsupportedFormat for an unknown
    suffix) with a one-line problem; never anything else for bad input."""
    p = Path(path)
    entry = READERS.get(p.suffix.lower())
    if entry is None:
        known = ", ".join(sorted(READERS))
        raise UnsupportedFormat(str(p), f"unsupported file type {p.suffix or '(none)'!r} (supported: {known})")
    media_type, reader = entry
    limit = limits()
    raw = read_bytes(p, limit.max_file_bytes)
    if not raw:
        raise IngestError(str(p), "the file is empty (0 bytes)")
    text, fields, tables = reader(raw, str(p))
    if not any(ch.isprintable() and not ch.isspace() for ch in text):
        raise IngestError(str(p), "no text found in the file")
    if len(text) > limit.max_chars:
        raise IngestError(str(p), over("the text is too long for one policy document", len(text), limit.max_chars,
                                       "max_chars", " characters"))
    return Source(path=str(p), name=readable_path(p.name), text=text, media_type=media_type,
                  sha256=hashlib.sha256(raw).hexdigest(), fields=tuple(fields), tables=tuple(tables))


CHUNK = 1024 * 1024


def read_bytes(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, else a one-line IngestError. Never trusts
    ``st_size`` (a symlink to /dev/zero says 0) and never waits: FIFOs, devices and sockets are
    refused before opening, and the file is opened non-blocking in case it was swapped since."""
    try:
        if path.is_dir():
            raise IngestError(str(path), "is a directory, not a file")
        if not stat.S_ISREG(path.stat().st_mode):
            raise IngestError(str(path), f"not a regular file ({_kind(path.stat().st_mode)}): skipped")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb", buffering=0) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise IngestError(str(path), f"not a regular file ({_kind(st.st_mode)}): skipped")
            if st.st_size > limit:
                raise IngestError(str(path), over("the file is too large", st.st_size, limit, "max_file_bytes", " bytes"))
            chunks, total = [], 0
            while True:
                chunk = fh.read(min(CHUNK, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:  # it grew, or stat lied
                    raise IngestError(str(path), over("the file is too large", total, limit, "max_file_bytes", " bytes"))
            return b"".join(chunks)
    except OSError as err:
        raise IngestError(str(path), f"cannot read the file ({err.strerror or err})") from None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


__all__ = ["read", "read_bytes", "decode", "READERS", "SUFFIX_MEDIA_TYPES"]
