"""Numbers as Chinese policy texts write them: 13万, 5.5万件, 4亿元, 百分之五十, 二〇一七, 三十.

>>> parse_number("13万")
130000.0
>>> parse_number("百分之五十")
50.0
>>> cn_integer("二〇一七")
2017
>>> cn_integer("三十")
30
"""
from __future__ import annotations

import re

DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL = "〇零○一二两三四五六七八九十百千万亿"

# A number as written: Arabic (with a decimal part and thousands commas) or Chinese numerals.
NUMBER = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[一二两三四五六七八九十百千〇零]+)"


def cn_integer(s: str) -> int:
    """A number in Chinese numerals: positional (二〇一七) or with units (三十, 一百二十, 五万)."""
    if s and all(ch in DIGITS for ch in s):
        if len(s) == 1:
            return DIGITS[s]
        return int("".join(str(DIGITS[ch]) for ch in s))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        elif ch in BIG_UNITS:
            section += digit or 0
            total += (section or 1) * BIG_UNITS[ch]
            section, digit = 0, None
        else:
            raise ValueError(s)
    return total + section + (digit or 0)


def parse_number(s: str) -> float:
    """A value with an optional 万/亿 multiplier; 百分之N gives N (the unit is %)."""
    s = s.strip().replace(",", "")
    if s.startswith("百分之"):
        s = s[3:]
    multiplier = 1
    while s and s[-1] in BIG_UNITS:
        multiplier *= BIG_UNITS[s[-1]]
        s = s[:-1]
    if not s and multiplier > 1:  # 万亿 alone (超万亿元): one of it
        value = 1.0
    elif re.fullmatch(r"\d+(?:\.\d+)?", s):
        value = float(s)
    else:
        value = float(cn_integer(s))
    return float(round(value * multiplier, 6))


def clean_value(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
