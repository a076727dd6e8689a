"""Readers: a file in any supported format and Chinese encoding -> one ``Source``.

One module per format (txt, html, docx, pdf); each exposes ``read_<format>(raw, path)``
returning ``(text, fields, tables)``. ``read(path)`` picks the reader by suffix and
raises ``IngestError`` with a one-line problem for anything it cannot read.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

from ..errors import IngestError, UnsupportedFormat
from ..record import Source
from .common import decode_text as decode_text
from .docx import read_docx
from .html import read_html
from .pdf import read_pdf
from .txt import read_txt

Reader = Callable[[bytes, str], tuple[str, tuple, tuple]]

# suffix -> (media type, reader)
READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("text/plain", read_txt),
    ".md": ("text/markdown", read_txt),
    ".html": ("text/html", read_html),
    ".htm": ("text/html", read_html),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", read_docx),
    ".pdf": ("application/pdf", read_pdf),
}
SUFFIX_MEDIA_TYPES = {suffix: media_type for suffix, (media_type, _) in READERS.items()}

MAX_BYTES = 64 * 1024 * 1024
# The longest real policy documents run to a few hundred thousand characters; far beyond that
# a file is a dump or a mistake, and extracting it would stall the batch.
MAX_CHARS = int(os.environ.get("POLICYKG_MAX_CHARS", 4_000_000))


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
    try:
        if p.is_dir():
            raise IngestError(str(p), "is a directory, not a file")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(str(p), f"the file is too large ({size // (1024 * 1024)} MB; limit {MAX_BYTES // (1024 * 1024)} MB)")
        raw = p.read_bytes()
    except OSError as err:
        raise IngestError(str(p), f"cannot read the file ({err.strerror or err})") from None
    if not raw:
        raise IngestError(str(p), "the file is empty (0 bytes)")
    text, fields, tables = reader(raw, str(p))
    if not any(ch.isprintable() and not ch.isspace() for ch in text):
        raise IngestError(str(p), "no text found in the file")
    if len(text) > MAX_CHARS:
        raise IngestError(str(p), f"the text is too long for one policy document ({len(text):,} characters; "
                                  f"limit {MAX_CHARS:,}, set POLICYKG_MAX_CHARS to change it)")
    return Source(path=str(p), name=p.name, text=text, media_type=media_type,
                  sha256=hashlib.sha256(raw).hexdigest(), fields=tuple(fields), tables=tuple(tables))


__all__ = ["read", "decode", "READERS", "SUFFIX_MEDIA_TYPES"]
