"""Helpers the format readers share: decoding, whitespace, task-table headers."""
from __future__ import annotations

import re
from functools import lru_cache

from ..errors import IngestError

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Magic numbers of formats that are never text, whatever the file is called.
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff",
                 b"GIF8", b"\x7fELF", b"MZ", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """GB2312 level 1 (3755 common simplified characters) plus Big5 level 1 (5401 common
    traditional characters): a wrong decoding lands mostly outside this set."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if (lead, trail) >= (0xC6, 0x7F):
                break
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _share_common(text: str) -> float:
    """Share of the non-ASCII characters that are common Chinese characters or CJK / full-width
    punctuation. Counted by regex runs (C speed), not character by character."""
    if text.isascii():
        return 1.0
    wide = sum(map(len, _WIDE_RUN.findall(text)))
    return sum(map(len, _common_run().findall(text))) / wide


_WIDE_RUN = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=1)
def _common_run() -> re.Pattern:
    runs: list[list[int]] = []  # consecutive code points as ranges: a short class to compile
    for cp in sorted(map(ord, common_hanzi())):
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    chars = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)
    return re.compile(f"[{chars}\u3000-\u303f\uff00-\uffef]+")


def looks_binary(raw: bytes) -> bool:
    if raw.startswith(_BINARY_MAGIC):
        return True
    return b"\x00" in raw[:65536] and not raw.startswith(_UTF16_BOMS)


def check_text(text: str, path: str) -> str:
    """Reject decoded text that is mostly control characters: binary junk."""
    bad = len(_CONTROL.findall(text))
    if bad and bad > max(2, len(text) // 100):
        raise IngestError(path, "not a text file (binary content)")
    return text


def decode_text(raw: bytes, path: str, declared: str | None = None) -> str:
    """Bytes -> str for Chinese text in UTF-8 (with or without BOM), GB18030/GBK or Big5.

    Order: a BOM; the declared charset if it decodes strictly; strict UTF-8, GB18030 and
    Big5 scored by their share of common Chinese characters (robust for short texts, where
    statistical detectors guess wrong); then charset-normalizer; then UTF-8 with a few
    broken bytes replaced.
    """
    if looks_binary(raw):
        raise IngestError(path, "not a text file (binary content)")
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw, "utf-8-sig", path)
    if raw.startswith(_UTF16_BOMS):
        return _strict(raw, "utf-16", path)
    if declared:
        try:
            return check_text(raw.decode(declared), path)
        except (UnicodeDecodeError, LookupError):
            pass
    # Strict UTF-8 first; but short GBK can be valid UTF-8 too (通知 = CD A8 D6 AA decodes to
    # two combining marks), so every strict decoding competes on its share of common
    # Chinese characters, ties going to UTF-8, then GB18030.
    candidates = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        share = _share_common(text)
        if share == 1.0:  # nothing can beat it: ties go to UTF-8
            return check_text(text, path)
        candidates.append((share, 2, text))
    for priority, encoding in enumerate(("big5hkscs", "gb18030")):
        try:
            candidates.append((_share_common(text := raw.decode(encoding)), priority, text))
        except UnicodeDecodeError:
            continue
    if candidates:
        return check_text(max(candidates)[2], path)
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding not in ("utf_16", "utf_32") and _share_common(str(best)) > 0.8:
        return check_text(str(best), path)
    # Mostly UTF-8 with a few broken bytes (a cut-and-paste accident): keep it readable.
    text = raw.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(3, len(text) // 1000):
        return check_text(text, path)
    raise IngestError(path, "cannot decode the text (not UTF-8, GB18030 or Big5)")


def _strict(raw: bytes, encoding: str, path: str) -> str:
    try:
        return check_text(raw.decode(encoding), path)
    except UnicodeDecodeError:
        raise IngestError(path, f"the text is not valid {encoding.upper()} despite its byte-order mark") from None


# Charsets as pages declare them -> the superset Python should decode with.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                    "big5": "big5hkscs", "utf8": "utf-8"}


def charset_alias(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    return _CHARSET_ALIASES.get(name, name)


_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u200b]+")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


def clean_cell(text: str) -> str:
    """One table cell on one line: whitespace runs -> one space, none between CJK."""
    return _CJK_GAP.sub("", _SPACES.sub(" ", text)).strip()


# Task-table header cells (重点任务分工表): which column holds what.
HEADER_WORDS = {
    "number": ("序号", "编号"),
    "task": ("重点任务", "主要任务", "工作任务", "任务内容", "具体任务", "工作内容", "具体措施", "政策措施", "任务"),
    "lead": ("牵头单位", "牵头部门", "责任单位", "责任部门", "主责单位", "牵头"),
    "support": ("配合单位", "配合部门", "协办单位", "参与单位", "配合"),
    "deadline": ("完成时限", "完成时间", "时间安排", "时限"),
}


def header_columns(row: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Map column roles to indices when row is a task-table header, else {}."""
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        cell = re.sub(r"\s+", "", cell)
        if len(cell) > 8:
            continue
        for role, words in HEADER_WORDS.items():
            if role not in found and any(w in cell for w in words):
                found[role] = i
                break
    if "task" in found and ("lead" in found or "support" in found):
        return found
    return {}


def is_task_table(rows) -> bool:
    return bool(rows) and bool(header_columns(rows[0]))


def lines_text(lines) -> str:
    """Join lines, dropping empty ones, with one newline after each."""
    kept = [line for line in lines if line.strip(" \t\u3000\u00a0")]
    return "\n".join(kept) + ("\n" if kept else "")
