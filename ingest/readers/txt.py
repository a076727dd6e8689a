"""Plain text and Markdown: decode (UTF-8, BOM, GB18030/GBK, Big5) and nothing else."""
from __future__ import annotations

from .common import decode_text


def read_txt(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    """Return (text, fields, tables) for a .txt or .md file."""
    return decode_text(raw, path), (), ()
