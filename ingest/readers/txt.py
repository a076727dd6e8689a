"""Plain text and Markdown: decode (UTF-8, BOM, GB18030/GBK, Big5); Markdown pipe tables become
the tab-separated rows a table gives in every other format (a task table also goes into ``tables``),
so a plan written in Markdown reads like its .txt, .docx or .html."""
from __future__ import annotations

import re

from .common import clean_cell, decode_text, is_task_table

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read_txt(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    """Return (text, fields, tables) for a .txt file."""
    return decode_text(raw, path), (), ()


def read_md(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    """Return (text, fields, tables) for a .md file: pipe tables as tab-separated rows."""
    text = decode_text(raw, path)
    lines = text.split("\n")
    out: list[str] = []
    tables = []
    i = 0
    while i < len(lines):
        if _PIPE_ROW.match(lines[i]) and i + 1 < len(lines) and _PIPE_RULE.match(lines[i + 1]):
            rows = [_cells(lines[i])]
            i += 2
            while i < len(lines) and _PIPE_ROW.match(lines[i]):
                rows.append(_cells(lines[i]))
                i += 1
            out.extend("\t".join(row) for row in rows)
            if is_task_table(rows):
                tables.append(tuple(tuple(row) for row in rows))
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out), (), tuple(tables)


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [clean_cell(cell.replace("\\|", "|").replace("<br>", " ")) for cell in re.split(r"(?<!\\)\|", inner)]
