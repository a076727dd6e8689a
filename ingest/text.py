"""Normalize text for extraction without moving any offset.

Every change here is one character to one character (or a character to a space), so an
offset into the normalized text is the same offset into ``Source.text``. Stages read the
normalized text; provenance spans point into the original.
"""
from __future__ import annotations

import re

from .charmap import RADICALS

# Full-width digits, Latin letters, % and . and the ideographic space map to ASCII, one to
# one. Full-width punctuation （）：；， stays: the record keeps it as written.
_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ％．"
_ASCII = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%."
# Kangxi and CJK-supplement radicals (PDF text layers: ⼈⺠ for 人民) become unified ideographs.
_ONE_TO_ONE = {**str.maketrans(_FULLWIDTH + "\u3000\u00a0\u200b\ufeff", _ASCII + "    "), **RADICALS}

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
    # Traditional characters read as simplified: every stage then needs one set of patterns.
    out = to_simplified(text.translate(_ONE_TO_ONE))
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
    new = set(text) - _T2S_SEEN
    if new:
        _learn_t2s(new)
    return text.translate(_T2S_MAP)


_T2S_SEEN: set[str] = set()
_T2S_MAP: dict[int, str] = {}
_T2S_CONVERTER = []


def _learn_t2s(chars: set[str]) -> None:
    """Add the characters not seen before to the translate table (OpenCC loads once)."""
    if not _T2S_CONVERTER:
        from opencc import OpenCC

        _T2S_CONVERTER.append(OpenCC("t2s"))
    cc = _T2S_CONVERTER[0]
    for ch in chars:
        _T2S_SEEN.add(ch)
        if ord(ch) < 0x2E80:
            continue
        out = cc.convert(ch)
        if len(out) == 1 and out != ch:
            _T2S_MAP[ord(ch)] = out
