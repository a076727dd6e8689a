"""Readers: a file in any supported format and Chinese encoding -> one ``Source``."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import IngestError, UnsupportedFormat
from ..record import Source

SUFFIX_MEDIA_TYPES = {".txt": "text/plain", ".md": "text/markdown"}


def decode(raw: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(path, "cannot decode the text (not UTF-8 or GB18030)")


def read(path: str | Path) -> Source:
    p = Path(path)
    media_type = SUFFIX_MEDIA_TYPES.get(p.suffix.lower())
    if media_type is None:
        raise UnsupportedFormat(str(p), f"unsupported file type {p.suffix or '(none)'!r}")
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise IngestError(str(p), f"cannot read the file ({err.strerror or err})") from None
    text = decode(raw, str(p))
    if not text.strip():
        raise IngestError(str(p), "the file is empty")
    return Source(path=str(p), name=p.name, text=text, media_type=media_type,
                  sha256=hashlib.sha256(raw).hexdigest())
