"""Normalize text for extraction without moving any offset.

Every change here is one character to one character (or a character to a space), so an
offset into the normalized text is the same offset into ``Source.text``. Stages read the
normalized text; provenance spans point into the original.
"""
from __future__ import annotations

import re

# Full-width digits, Latin letters, % and . and the ideographic space map to ASCII, one to
# one. Full-width punctuation （）：；， stays: the record keeps it as written.
_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ％．"
_ASCII = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%."
_ONE_TO_ONE = str.maketrans(_FULLWIDTH + "\u3000\u00a0\u200b\ufeff", _ASCII + "    ")

# A line holding nothing but a page number: "— 7 —", "**—** 5 **—**", "-13 -", "- 5 -", "第 3 页".
PAGE_NUMBER_LINE = re.compile(
    r"^[ \t*]*(?:[-—–－]+[ \t*]*\d{1,4}[ \t*]*[-—–－]+|[-—–－]\s*\d{1,4}\s*[-—–－]?|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?)[ \t*]*$",
    re.M,
)


def blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines (so line numbers stay too)."""
    piece = "".join(ch if ch == "\n" else " " for ch in text[start:end])
    return text[:start] + piece + text[end:]


def normalize(text: str) -> str:
    """Return text of the same length, ready for the extraction rules."""
    out = text.translate(_ONE_TO_ONE)
    # Page-number lines vanish (become blanks) so that a sentence broken over a page
    # break reads as one paragraph once whitespace runs are ignored.
    for m in reversed(list(PAGE_NUMBER_LINE.finditer(out))):
        out = blank(out, m.start(), m.end())
    assert len(out) == len(text)
    return out


_SPACE = re.compile(r"\s+")


def squash(s: str) -> str:
    """Remove whitespace inside an extracted string: line wraps and page breaks in Chinese
    text are never meaningful spaces."""
    return _SPACE.sub("", s)


def to_simplified(text: str) -> str:
    """Traditional -> simplified characters (OpenCC t2s), one character at a time, so that the
    result has the text's length and every offset stays valid. Characters OpenCC would turn
    into more or fewer than one character are kept as written.

    >>> to_simplified("市場監管總局負責")
    '市场监管总局负责'
    """
    table = _t2s_table()
    return "".join(table.get(ch, ch) if ord(ch) > 0x2E7F else ch for ch in text)


class _T2S(dict):
    """Lazily filled per-character map (OpenCC's dictionaries load once)."""

    def __init__(self):
        super().__init__()
        from opencc import OpenCC

        self._cc = OpenCC("t2s")

    def __missing__(self, ch: str) -> str:
        out = self._cc.convert(ch)
        self[ch] = out = out if len(out) == 1 else ch
        return out

    def get(self, ch, default=None):
        return self[ch]


_T2S_TABLE: _T2S | None = None


def _t2s_table() -> _T2S:
    global _T2S_TABLE
    if _T2S_TABLE is None:
        _T2S_TABLE = _T2S()
    return _T2S_TABLE
