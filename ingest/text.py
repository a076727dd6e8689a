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
    # (= to_simplified(text.translate(_ONE_TO_ONE)), done by one regex over the few characters
    # that change, not a dictionary lookup per character.)
    changes = _char_changes()
    if changes is None:
        out = to_simplified(text.translate(_ONE_TO_ONE))
    else:
        pattern, table = changes
        out = pattern.sub(lambda m: table.get(m.group(), m.group()), text)
    # Page-number lines vanish (become blanks) so that a sentence broken over a page
    # break reads as one paragraph once whitespace runs are ignored.
    out = PAGE_NUMBER_LINE.sub(_blank_match, out)
    assert len(out) == len(text)
    return out


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank_match(m: re.Match) -> str:
    return _NOT_NEWLINE.sub(" ", m.group())


_CHAR_CHANGES: list = []  # [(regex of the characters normalize changes, char -> new char) or None]


def _char_changes() -> tuple[re.Pattern, dict[str, str]] | None:
    """Every character ``to_simplified(ch.translate(_ONE_TO_ONE))`` changes, known once OpenCC's
    t2s tables are read: a single character converts only when it is a one-character key of
    one of them. None when the tables cannot be read that way (then normalize translates)."""
    if not _CHAR_CHANGES:
        _CHAR_CHANGES.append(_build_char_changes())
    return _CHAR_CHANGES[0]


def _build_char_changes() -> tuple[re.Pattern, dict[str, str]] | None:
    try:
        _t2s_converter().convert("中")
        keys: set[str] = set()

        def walk(chain) -> None:
            for item in chain:
                if isinstance(item, list):
                    walk(item)
                else:
                    keys.update(k for k in item[2] if isinstance(k, str) and len(k) == 1)

        walk(_T2S_CONVERTER[0]._dict_chain_data)
    except Exception:  # noqa: BLE001 -- another OpenCC: fall back to translating
        return None
    if not keys or not all(isinstance(v, int) for v in _ONE_TO_ONE.values()):
        return None
    candidates = {chr(k) for k in _ONE_TO_ONE} | {k for k in keys if ord(k) >= 0x2E80}
    firsts = {ch: chr(_ONE_TO_ONE[ord(ch)]) if ord(ch) in _ONE_TO_ONE else ch for ch in candidates}
    to_simplified("".join(sorted(set(firsts.values()))))
    table = {}
    for ch, first in firsts.items():
        new = _T2S_MAP.get(ord(first), first)
        if new != ch:
            table[ch] = new
    # Characters beyond the BMP are rare: one range for them (the callback keeps those that do
    # not change), so that the class stays one table lookup for every other character.
    bmp = "".join(re.escape(ch) for ch in sorted(table) if ord(ch) < 0x10000)
    astral = "\U00010000-\U0010ffff" if any(ord(ch) >= 0x10000 for ch in table) else ""
    if not bmp and not astral:
        return re.compile(r"(?!)"), table
    return re.compile(f"[{bmp}{astral}]"), table


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


def _t2s_converter():
    if not _T2S_CONVERTER:
        from opencc import OpenCC

        _T2S_CONVERTER.append(OpenCC("t2s"))
    return _T2S_CONVERTER[0]


def _learn_t2s(chars: set[str]) -> None:
    """Add the characters not seen before to the translate table (OpenCC loads once)."""
    cc = _t2s_converter()
    for ch in chars:
        _T2S_SEEN.add(ch)
        if ord(ch) < 0x2E80:
            continue
        out = cc.convert(ch)
        if len(out) == 1 and out != ch:
            _T2S_MAP[ord(ch)] = out
