"""Load rule tables kept as data (``ingest/patterns/*.jsonl``), validated on load.

One JSON object per line; blank lines and lines starting with ``#`` are skipped. Each file
declares which keys it accepts and which labels are known; anything else raises
``PatternFileError(path, line, problem)`` so that a typo in a rule never passes silently.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .errors import PatternFileError
from .rules import read_jsonl

PATTERN_DIR = Path(__file__).resolve().parent / "patterns"


def load_jsonl(path: str | Path, keys: set[str], labels: set[str], required: set[str] = frozenset({"label"})) -> list[dict]:
    """Rows of a rule file; a row's ``regex`` is compiled into ``row["rx"]``."""
    path = Path(path)
    rows = []
    for n, row in read_jsonl(path, keys):
        for key in required:
            if key not in row:
                raise PatternFileError(str(path), n, f"missing key {key!r}")
        if row.get("label") not in labels:
            raise PatternFileError(str(path), n, f"unknown label {row.get('label')!r} (known: {', '.join(sorted(labels))})")
        if "regex" in row:
            try:
                row["rx"] = re.compile(row["regex"])
            except re.error as err:
                raise PatternFileError(str(path), n, f"bad regex: {err}") from None
        row["line"] = n
        rows.append(row)
    return rows


def alternation(rows: list[dict], label: str) -> re.Pattern | None:
    """One compiled regex OR-ing the ``regex`` of every row with this label (None if none)."""
    parts = [f"(?:{r['regex']})" for r in rows if r["label"] == label and "regex" in r]
    return re.compile("|".join(parts)) if parts else None


@lru_cache(maxsize=None)
def pattern_path(name: str) -> Path:
    return PATTERN_DIR / name
