"""Load the rule tables in ``ingest/patterns`` and the catalogs in ``ontology/catalog``.

Two shapes, both validated when loaded (a bad line raises ``PatternFileError(path, line, ...)``):

* ``*.jsonl``: one rule a line, ``{"label", "pattern"|"regex", "id", "note"}`` (medspaCy style):
  ``pattern`` is a literal phrase, ``regex`` a regular expression, ``id`` the value the rule
  gives (a comparator, a unit, a field name...).
* ``*.tsv``: a header line naming the columns, then one row a line; ``#`` starts a comment line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import PatternFileError

PATTERNS = Path(__file__).resolve().parent / "patterns"
CATALOG = Path(__file__).resolve().parents[1] / "ontology" / "catalog"
RULE_KEYS = {"label", "pattern", "regex", "id", "note"}


@dataclass(frozen=True)
class Rule:
    label: str
    regex: str  # a literal pattern is stored escaped, so every rule is a regex
    id: str | None
    note: str = ""


def _lines(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


@lru_cache(maxsize=None)
def load_rules(name: str) -> tuple[Rule, ...]:
    """The rules of ``patterns/<name>.jsonl``, in file order."""
    path = PATTERNS / f"{name}.jsonl"
    rules = []
    for number, line in _lines(path):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise PatternFileError(str(path), number, f"not JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise PatternFileError(str(path), number, "a rule must be a JSON object")
        unknown = set(row) - RULE_KEYS
        if unknown:
            raise PatternFileError(str(path), number, f"unknown key {sorted(unknown)[0]!r}")
        if "label" not in row or ("pattern" in row) == ("regex" in row):
            raise PatternFileError(str(path), number, "a rule needs a label and one of pattern/regex")
        regex = row["regex"] if "regex" in row else re.escape(row["pattern"])
        try:
            re.compile(regex)
        except re.error as err:
            raise PatternFileError(str(path), number, f"bad regex ({err})") from None
        rules.append(Rule(row["label"], regex, row.get("id"), row.get("note", "")))
    return tuple(rules)


def rules_by_label(name: str, label: str) -> tuple[Rule, ...]:
    found = tuple(r for r in load_rules(name) if r.label == label)
    if not found:
        raise PatternFileError(str(PATTERNS / f"{name}.jsonl"), 0, f"no rule labelled {label!r}")
    return found


@lru_cache(maxsize=None)
def alternation(name: str, label: str) -> str:
    """All rules of one label as one regex alternation, longest literal first."""
    regexes = sorted((r.regex for r in rules_by_label(name, label)), key=len, reverse=True)
    return "(?:" + "|".join(regexes) + ")"


def ids_by_match(name: str, label: str) -> list[tuple[re.Pattern, str | None]]:
    return [(re.compile(r.regex), r.id) for r in rules_by_label(name, label)]


@lru_cache(maxsize=None)
def load_table(path_str: str, columns: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    """Rows of a TSV file whose header must be exactly ``columns``."""
    path = Path(path_str)
    rows, header = [], None
    for number, line in _lines(path):
        cells = line.split("\t")
        if header is None:
            header = tuple(c.strip() for c in cells)
            if header != columns:
                raise PatternFileError(str(path), number, f"header must be {columns}, got {header}")
            continue
        if len(cells) != len(columns):
            raise PatternFileError(str(path), number, f"expected {len(columns)} columns, got {len(cells)}")
        rows.append(dict(zip(columns, (c.strip() for c in cells))))
    return tuple(rows)


def pattern_table(name: str, columns: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    return load_table(str(PATTERNS / name), columns)


def catalog_table(name: str, columns: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    return load_table(str(CATALOG / name), columns)
