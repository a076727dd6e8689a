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


def read_jsonl(path: Path, keys: set[str]) -> list[tuple[int, dict]]:
    """(line number, object) for each rule line of a JSONL file; a line that is not a JSON
    object, or that has a key outside ``keys``, raises PatternFileError."""
    try:
        lines = list(_lines(path))
    except OSError as err:
        raise PatternFileError(str(path), 0, f"cannot read ({err.strerror or err})") from None
    rows = []
    for number, line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise PatternFileError(str(path), number, f"not JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise PatternFileError(str(path), number, "a rule must be a JSON object")
        unknown = set(row) - keys
        if unknown:
            raise PatternFileError(str(path), number, f"unknown key {sorted(unknown)[0]!r}")
        rows.append((number, row))
    return rows


@lru_cache(maxsize=None)
def load_rules(name: str) -> tuple[Rule, ...]:
    """The rules of ``patterns/<name>.jsonl``, in file order."""
    path = PATTERNS / f"{name}.jsonl"
    rules = []
    for number, row in read_jsonl(path, RULE_KEYS):
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


def first_chars(regex: str) -> str | None:
    """A character class (its body, without the brackets) holding every character a match of
    ``regex`` can begin with, or None when that cannot be told (a match may be empty, or start
    with any character). ``(?=[…])`` built from it lets the regex engine skip, at C speed, the
    positions where no match can begin: an optional group in front (``(?P<before>…)?``) otherwise
    makes it try the whole pattern at every character."""
    try:
        from re import _constants as c, _parser as p  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_constants as c
        import sre_parse as p
    try:
        parsed = p.parse(regex)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.DOTALL | re.VERBOSE):
        return None
    categories = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_SPACE: r"\s", c.CATEGORY_WORD: r"\w"}

    def of_set(items) -> set[str] | None:
        out = set()
        for op, av in items:
            if op is c.LITERAL:
                out.add(re.escape(chr(av)))
            elif op is c.RANGE:
                out.add(re.escape(chr(av[0])) + "-" + re.escape(chr(av[1])))
            elif op is c.CATEGORY and av in categories:
                out.add(categories[av])
            else:
                return None
        return out

    def of_sequence(seq) -> tuple[set[str], bool] | None:
        """(first characters, whether the sequence can match the empty string)."""
        out: set[str] = set()
        for op, av in seq:
            if op is c.LITERAL:
                return out | {re.escape(chr(av))}, False
            if op is c.IN:
                chars = of_set(av)
                return (out | chars, False) if chars is not None else None
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue  # zero width: what follows starts the match
            if op is c.BRANCH:
                found, nullable = set(), False
                for alt in av[1]:
                    sub = of_sequence(alt)
                    if sub is None:
                        return None
                    found |= sub[0]
                    nullable = nullable or sub[1]
            elif op is c.SUBPATTERN:
                if av[1] or av[2]:  # flags set inside the group
                    return None
                sub = of_sequence(av[3])
                if sub is None:
                    return None
                found, nullable = sub
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                sub = of_sequence(av[2])
                if sub is None:
                    return None
                found, nullable = sub[0], sub[1] or av[0] == 0
            else:
                return None
            out |= found
            if not nullable:
                return out, False
        return out, True

    result = of_sequence(parsed)
    if result is None or result[1] or not result[0]:
        return None
    return "".join(sorted(result[0]))


def with_start_guard(regex: str) -> str:
    """``regex`` behind a lookahead for its possible first characters (same matches, faster
    scanning), or unchanged when those cannot be told."""
    chars = first_chars(regex)
    return f"(?=[{chars}])(?:{regex})" if chars else regex
