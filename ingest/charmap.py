"""One-to-one character maps that keep offsets.

``RADICALS`` maps the Kangxi radicals (U+2F00–U+2FD5) and the CJK radicals supplement
(U+2E80–U+2EF3) to the unified ideographs they look like. PDF text layers made with Noto
CJK (Chromium, many office tools) often map shared glyphs back to the radical code points,
so ``人民`` comes out as ``⼈⺠``. Use it as ``text.translate(RADICALS)``: one code point
in, one code point out, so every offset stays valid.

The Kangxi block carries compatibility decompositions in the Unicode database; the
supplement has only two, so the rest come from the small hand table below (variant and
simplified radical forms that stand alone as ideographs in running text).
"""
from __future__ import annotations

import unicodedata


def _from_decomposition(first: int, last: int) -> dict[int, int]:
    table = {}
    for cp in range(first, last + 1):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition.startswith("<compat> "):
            target = decomposition.split()[1:]
            if len(target) == 1:
                table[cp] = int(target[0], 16)
    return table


# CJK radicals supplement -> the ideograph a reader means (checked against the Unicode
# character names). Forms without a standalone ideograph (e.g. U+2E82) are left alone.
_SUPPLEMENT = {
    0x2E80: "冫", 0x2E81: "厂", 0x2E83: "乚", 0x2E85: "亻", 0x2E86: "冂", 0x2E87: "几",
    0x2E89: "刂", 0x2E8A: "卜", 0x2E8B: "㔾", 0x2E8C: "小", 0x2E8D: "小", 0x2E8E: "兀",
    0x2E8F: "尣", 0x2E90: "尢", 0x2E92: "巳", 0x2E93: "幺", 0x2E94: "彑", 0x2E96: "忄",
    0x2E98: "扌", 0x2E99: "攵", 0x2E9B: "旡", 0x2E9C: "日", 0x2E9D: "月", 0x2E9E: "歺",
    0x2E9F: "母", 0x2EA0: "民", 0x2EA1: "氵", 0x2EA2: "氺", 0x2EA3: "灬", 0x2EA4: "爫",
    0x2EA6: "丬", 0x2EA7: "牛", 0x2EA8: "犭", 0x2EA9: "王", 0x2EAB: "罒", 0x2EAC: "示",
    0x2EAD: "礻", 0x2EAE: "竹", 0x2EAF: "糹", 0x2EB0: "纟", 0x2EB2: "罒", 0x2EB3: "㓁",
    0x2EB6: "羊", 0x2EB7: "羊", 0x2EB9: "耂", 0x2EBA: "肀", 0x2EBC: "肉", 0x2EBD: "臼",
    0x2EBE: "艹", 0x2EBF: "艹", 0x2EC0: "艹", 0x2EC1: "虎", 0x2EC2: "衤", 0x2EC3: "覀",
    0x2EC4: "西", 0x2EC5: "见", 0x2EC6: "角", 0x2EC8: "讠", 0x2EC9: "贝", 0x2ECA: "足",
    0x2ECB: "车", 0x2ECC: "辶", 0x2ECD: "辶", 0x2ECE: "辶", 0x2ECF: "阝", 0x2ED0: "钅",
    0x2ED1: "長", 0x2ED2: "镸", 0x2ED3: "长", 0x2ED4: "门", 0x2ED6: "阝", 0x2ED7: "雨",
    0x2ED8: "青", 0x2ED9: "韦", 0x2EDA: "页", 0x2EDB: "风", 0x2EDC: "飞", 0x2EDD: "食",
    0x2EDF: "飠", 0x2EE0: "饣", 0x2EE1: "首", 0x2EE2: "马", 0x2EE3: "骨", 0x2EE4: "鬼",
    0x2EE5: "鱼", 0x2EE6: "鸟", 0x2EE7: "卤", 0x2EE8: "麦", 0x2EE9: "黄", 0x2EEB: "斉",
    0x2EEC: "齐", 0x2EED: "歯", 0x2EEE: "齿", 0x2EEF: "竜", 0x2EF0: "龙", 0x2EF1: "龜",
    0x2EF2: "亀", 0x2EF3: "龟",
}

# Two Kangxi radicals decompose to a variant that mainland text does not use: the glyph a
# Simplified Chinese font draws (and whose text we read back) is the common form.
_MAINLAND_FORMS = {0x2F3E: "户", 0x2FAD: "青"}  # not 戶 (U+6236), not 靑 (U+9751)

RADICALS: dict[int, int] = {
    **{cp: ord(ch) for cp, ch in _SUPPLEMENT.items()},
    **_from_decomposition(0x2E80, 0x2EF3),
    **_from_decomposition(0x2F00, 0x2FD5),
    **{cp: ord(ch) for cp, ch in _MAINLAND_FORMS.items()},
}


def has_radicals(text: str) -> bool:
    """True when text holds a code point RADICALS would change."""
    return any(ord(ch) in RADICALS for ch in text)


__all__ = ["RADICALS", "has_radicals"]
