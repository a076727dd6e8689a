"""Stage: IP-chain stage, policy instrument and tool of each measure (CLASSIFICATION.md).

The decision is a weighted vote of cue words kept as data in
``ingest/patterns/classification_cues.tsv`` (one cue a line: dimension, value, cue, weight,
note). Every cue found in a measure adds ``weight x zone weight`` to its value, the zone being
where the cue sits: the heading counts most, then the first sentence, then the rest of the
measure; the section heading (``category``) adds a little. Stage and tool each take the value
with the highest score; the instrument is the one the tool belongs to (CLASSIFICATION.md's
table), so the three never contradict each other.

>>> from policykg.ingest.record import Measure, Span
>>> text = "建立知识产权质押融资风险补偿机制。设立风险补偿资金池，推动银行开展专利质押贷款。"
>>> m = Measure(None, "建立知识产权质押融资风险补偿机制", None, "task", Span(0, len(text)), Span(0, 16))
>>> c = classify_measures(text, (m,))[0].classification
>>> (c.stage, c.instrument, c.tool)
('运用', '环境型', '金融支持')
>>> c.evidence[0][0], text[c.evidence[0][1].start:c.evidence[0][1].end]
('质押', '质押')
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from ..errors import PatternFileError
from ..record import Classification, Measure, Span

METHOD = "policykg-classify/0.1"

CUES_PATH = Path(__file__).resolve().parent.parent / "patterns" / "classification_cues.tsv"

STAGES = ("创造", "运用", "保护", "管理", "服务", "综合保障")
INSTRUMENTS = ("供给型", "环境型", "需求型")
# Each tool belongs to exactly one instrument (CLASSIFICATION.md).
TOOL_INSTRUMENT = {
    "人才培养": "供给型",
    "资金投入": "供给型",
    "技术支持": "供给型",
    "公共服务": "供给型",
    "基础设施建设": "供给型",
    "信息支持": "供给型",
    "目标规划": "环境型",
    "金融支持": "环境型",
    "税收优惠": "环境型",
    "法规管制": "环境型",
    "策略性措施": "环境型",
    "政府采购": "需求型",
    "服务外包": "需求型",
    "贸易管制": "需求型",
    "海外机构": "需求型",
    "示范工程": "需求型",
}
TOOLS = tuple(TOOL_INSTRUMENT)
VALUES = {"stage": STAGES, "tool": TOOLS}
# What a measure is coded as when no cue at all speaks: the catch-all values of the scheme.
FALLBACK = {"stage": "综合保障", "tool": "策略性措施"}

# Where a cue sits decides how much it counts: the heading and first sentence decide
# (CLASSIFICATION.md: "When a measure mixes several, its heading and first sentence decide").
ZONE_WEIGHT = {"heading": 6.0, "first": 2.0, "body": 1.0}
CATEGORY_WEIGHT = 0.5
# The rest of a long measure mentions much in passing: its zone weight shrinks with its length
# (full weight up to BODY_LENGTH characters, then BODY_LENGTH / length).
BODY_LENGTH = 200
REPEAT_BONUS = 0.3  # per further occurrence of one cue, at most MAX_REPEATS of them
MAX_REPEATS = 3
# Pseudo-count in the confidence: a margin won on little evidence stays uncertain.
CONFIDENCE_PRIOR = 4.0
MAX_EVIDENCE = 4  # cues shown per dimension

_COLUMNS = ("dimension", "value", "cue", "weight", "note")
_KIND_CUE = re.compile(r"^@kind=(task|safeguard)$")
_SPACE = re.compile(r"\s")
_SENTENCE_END = "。；;！？!?"


@dataclass(frozen=True)
class Cue:
    dimension: str  # "stage" | "tool"
    value: str
    cue: str  # literal text, "re:<regex>", or "@kind=<kind>"
    weight: float
    note: str = ""
    line: int = 0

    @property
    def pattern(self) -> re.Pattern | None:
        if self.cue.startswith("@"):
            return None
        return re.compile(self.cue[3:] if self.cue.startswith("re:") else re.escape(self.cue))


def load_cues(path: str | Path = CUES_PATH) -> tuple[Cue, ...]:
    """Read and validate a cue lexicon; any problem raises PatternFileError(path, line, ...)."""
    path = Path(path)
    cues: list[Cue] = []
    header_seen = False
    seen: set[tuple[str, str, str]] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            if tuple(c.strip() for c in cells) != _COLUMNS:
                raise PatternFileError(str(path), number, f"header must be {' '.join(_COLUMNS)}")
            header_seen = True
            continue
        if not 4 <= len(cells) <= 5:
            raise PatternFileError(str(path), number, f"expected 4 or 5 tab-separated columns, got {len(cells)}")
        dimension, value, cue, weight = (c.strip() for c in cells[:4])
        note = cells[4].strip() if len(cells) == 5 else ""
        if dimension not in VALUES:
            raise PatternFileError(str(path), number, f"unknown dimension {dimension!r} (stage or tool)")
        if value not in VALUES[dimension]:
            raise PatternFileError(str(path), number, f"unknown {dimension} value {value!r}")
        if not cue:
            raise PatternFileError(str(path), number, "empty cue")
        if cue.startswith("@") and not _KIND_CUE.match(cue):
            raise PatternFileError(str(path), number, f"unknown special cue {cue!r} (@kind=task|safeguard)")
        if cue.startswith("re:"):
            try:
                if re.compile(cue[3:]).match(""):
                    raise PatternFileError(str(path), number, f"regex {cue!r} matches the empty string")
            except re.error as error:
                raise PatternFileError(str(path), number, f"bad regex {cue!r}: {error}") from None
        elif not cue.startswith("@") and _SPACE.search(cue):
            raise PatternFileError(str(path), number, f"cue {cue!r} contains whitespace")
        try:
            w = float(weight)
        except ValueError:
            raise PatternFileError(str(path), number, f"weight {weight!r} is not a number") from None
        if not 0 < w <= 10:
            raise PatternFileError(str(path), number, f"weight {w} outside (0, 10]")
        if (dimension, value, cue) in seen:
            raise PatternFileError(str(path), number, f"duplicate cue {cue!r} for {dimension} {value}")
        seen.add((dimension, value, cue))
        cues.append(Cue(dimension, value, cue, w, note, number))
    if not header_seen:
        raise PatternFileError(str(path), 1, "no header line")
    return tuple(cues)


@lru_cache(maxsize=4)
def _compiled(path: str) -> tuple[tuple[Cue, re.Pattern | None], ...]:
    return tuple((c, c.pattern) for c in load_cues(path))


# Speed (the classifier is the pipeline's hot spot): a measure's text is not searched once per
# cue but once for all literal cues, by one regex that stops at every character where some cue
# starts and reports the longest cue starting there (the shorter ones found there are its
# prefixes). The result is exactly what one ``finditer`` per cue gives: every occurrence of each
# cue, left to right, a cue's own occurrences never overlapping each other.


@dataclass(frozen=True)
class _Lexicon:
    cues: tuple[tuple[Cue, re.Pattern | None], ...]
    finder: re.Pattern | None  # literal cues: one match per start position, group = the rest
    rest_group: dict[int, str]  # capture group -> the first character of its alternative
    # longest cue found at a position -> every cue found there, as (-length, -weight, order,
    # length, dimension index, cue)
    at: dict[str, tuple[tuple[int, float, int, int, int, Cue], ...]]
    border: frozenset[int]  # order of literal cues that can overlap themselves ("哈哈" in "哈哈哈")
    regexes: tuple[tuple[int, Cue, re.Pattern], ...]  # "re:" cues, searched on their own


_DIMENSIONS = tuple(VALUES)  # dimension index -> name


def _has_border(s: str) -> bool:
    return any(s[:k] == s[-k:] for k in range(1, len(s)))


@lru_cache(maxsize=4)
def _lexicon(path: str) -> _Lexicon:
    cues = _compiled(path)
    literal: dict[str, list[tuple[int, Cue]]] = {}
    regexes = []
    for order, (cue, pattern) in enumerate(cues):
        if pattern is None:
            continue
        if cue.cue.startswith("re:"):
            regexes.append((order, cue, pattern))
        else:
            literal.setdefault(cue.cue, []).append((order, cue))
    at = {
        s: tuple(
            (-len(t), -cue.weight, order, len(t), _DIMENSIONS.index(cue.dimension), cue)
            for t, entries in literal.items()
            if s.startswith(t)
            for order, cue in entries
        )
        for s in literal
    }
    by_first: dict[str, list[str]] = {}
    for s in literal:
        by_first.setdefault(s[0], []).append(s[1:])
    alternatives, rest_group = [], {}
    # the regex tries the alternatives in turn: the first characters of many cues first
    ordered = sorted(by_first.items(), key=lambda kv: -len(kv[1]))
    for group, (first, rests) in enumerate(ordered, 1):
        rests.sort(key=lambda r: (-len(r), r))  # longest first, "" last
        alternatives.append(f"{re.escape(first)}(?=({'|'.join(map(re.escape, rests))}))")
        rest_group[group] = first
    finder = re.compile("|".join(alternatives)) if alternatives else None
    border = frozenset(order for s, entries in literal.items() if _has_border(s) for order, _ in entries)
    return _Lexicon(cues, finder, rest_group, at, border, tuple(regexes))


def _hits(lexicon: _Lexicon, squashed: str) -> list[tuple[int, float, int, int, int, int, Cue]]:
    """Every cue occurrence as (-length, -weight, start, order, end, dimension index, cue),
    sorted: the order the overlap resolution reads them in (cue order breaking ties, as the
    per-cue scan did)."""
    hits = []
    append = hits.append
    at = lexicon.at
    rest_group = lexicon.rest_group
    if lexicon.finder is not None:
        for m in lexicon.finder.finditer(squashed):
            group = m.lastindex
            start = m.start()
            for negative_length, negative_weight, order, length, dimension, cue in at[rest_group[group] + m[group]]:
                append((negative_length, negative_weight, start, order, start + length, dimension, cue))
    if lexicon.border and hits:
        # a cue that can overlap itself: keep its occurrences the way finditer picks them
        kept, last_end = [], {}
        for hit in sorted(hits, key=lambda h: h[2]):
            order = hit[3]
            if order in lexicon.border:
                if hit[2] < last_end.get(order, 0):
                    continue
                last_end[order] = hit[4]
            kept.append(hit)
        hits = kept
        append = hits.append
    for order, cue, pattern in lexicon.regexes:
        dimension = _DIMENSIONS.index(cue.dimension)
        for m in pattern.finditer(squashed):
            if m.end() > m.start():
                append((m.start() - m.end(), -cue.weight, m.start(), order, m.end(), dimension, cue))
    hits.sort()
    return hits


class _Squashed:
    """A text without its whitespace, and the way back: the text is cut into runs of
    non-space characters; run r starts at ``starts[r]`` in the text and at ``at[r]`` in
    ``text`` here (``at`` ends with the total length)."""

    __slots__ = ("text", "starts", "at")

    def __init__(self, text: str):
        starts, at, chunks = [], [], []
        k = 0
        for m in _NONSPACE_RUN.finditer(text):
            chunk = m.group()
            starts.append(m.start())
            at.append(k)
            chunks.append(chunk)
            k += len(chunk)
        at.append(k)
        self.text, self.starts, self.at = "".join(chunks), starts, at

    def index(self, offset: int) -> int:
        """How many non-space characters the text has before ``offset``."""
        r = bisect_right(self.starts, offset) - 1
        if r < 0:
            return 0
        at = self.at
        return at[r] + min(offset - self.starts[r], at[r + 1] - at[r])

    def offset(self, index: int) -> int:
        """Where the squashed character ``index`` is in the text."""
        r = bisect_right(self.at, index) - 1
        return self.starts[r] + index - self.at[r]


_NONSPACE_RUN = re.compile(r"\S+")
_SPACE_RUN = re.compile(r"\s+")
_SENTENCE_END_RUN = re.compile(f"[{re.escape(_SENTENCE_END)}]*")
_SENTENCE_END_CHAR = re.compile(f"[{re.escape(_SENTENCE_END)}]")


@lru_cache(maxsize=256)
def _extra(path: str, category: str | None, kind: str) -> tuple[tuple[tuple[Cue, float], ...], ...]:
    """Votes that do not come from the measure's text (its kind, its section heading), per
    dimension index."""
    category = _SPACE.sub("", category or "")
    extra: dict[str, list[tuple[Cue, float]]] = {d: [] for d in VALUES}
    for cue, pattern in _compiled(path):
        if pattern is None:
            if cue.cue == f"@kind={kind}":
                extra[cue.dimension].append((cue, cue.weight))
        elif category and pattern.search(category):
            extra[cue.dimension].append((cue, cue.weight * CATEGORY_WEIGHT))
    return tuple(tuple(extra[d]) for d in _DIMENSIONS)


_HEADING, _FIRST, _BODY = 0, 1, 2  # zones, as indices into _ZONE_WEIGHTS
_ZONE_WEIGHTS = tuple(ZONE_WEIGHT[z] for z in ("heading", "first", "body"))
_ONES = [b"\x01" * n for n in range(65)]


def _score(groups: dict, extra, body_factor: float = 1.0) -> tuple[dict[str, float], dict[str, list]]:
    """Score per value, and per value the contributing (contribution, cue, first hit).

    ``groups``: per cue found (in the order the overlap resolution first kept it) [number of
    occurrences kept, its best zone, its first occurrence in that zone (start, end), cue]."""
    scores: dict[str, float] = {}
    reasons: dict[str, list] = {}
    for count, zone, best, cue in groups.values():
        zone_weight = _ZONE_WEIGHTS[zone] * (body_factor if zone == _BODY else 1.0)
        contribution = cue.weight * (zone_weight + REPEAT_BONUS * min(count - 1, MAX_REPEATS))
        value = cue.value
        scores[value] = scores.get(value, 0.0) + contribution
        if value in reasons:
            reasons[value].append((contribution, cue, best))
        else:
            reasons[value] = [(contribution, cue, best)]
    for cue, contribution in extra:
        scores[cue.value] = scores.get(cue.value, 0.0) + contribution
        reasons.setdefault(cue.value, []).append((contribution, cue, None))
    return scores, reasons


_RANK = {d: {v: i for i, v in enumerate(values)} for d, values in VALUES.items()}


def _decide(scores: dict[str, float], dimension: str, order: tuple[str, ...]) -> tuple[str, float]:
    if not any(v > 0 for v in scores.values()):
        return FALLBACK[dimension], 0.0
    rank = _RANK[dimension]
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], rank[kv[0]]))
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0], round((top - second) / (top + CONFIDENCE_PRIOR), 3)


def classify_measure(text: str, measure: Measure, cues_path: str | Path = CUES_PATH) -> Classification:
    """Code one measure: stage, instrument, tool, with confidence and the deciding cues."""
    return _classify(_Squashed(text), measure, str(cues_path))


def _classify(doc: _Squashed, measure: Measure, path: str) -> Classification:
    lexicon = _lexicon(path)
    span, h = measure.span, measure.heading_span
    # The measure's characters (whitespace left out) are doc.text[a:b]; zones as indices
    # into it: heading [hs, he), first sentence after the heading [he, first_end), body the rest.
    index = doc.index
    a = index(min(span.start, h.start))
    b = max(a, index(max(span.end, h.end)))
    squashed = doc.text[a:b]
    n = b - a
    hs = min(max(index(h.start), a), b) - a
    he = min(max(index(h.end), a), b) - a
    begin = _SENTENCE_END_RUN.match(squashed, he).end() if he < n else n  # skip the heading's own closing punctuation
    m = _SENTENCE_END_CHAR.search(squashed, begin)
    first_end = m.end() if m else n
    heading_count = he - hs if he > hs else 0
    body_length = n - heading_count - (first_end - he)
    prefix = 0
    if not heading_count and measure.heading:
        # heading not inside the text span (should not happen): read it on its own
        prefix = len(measure.heading)
        squashed = measure.heading + squashed
        hs, he, first_start, first_end = 0, prefix, prefix + he, prefix + first_end
    else:
        first_start = he
    base = a - prefix  # doc.text[base + i] is squashed[i] (i >= prefix)

    # A string listed under several values of one dimension counts for each of them (equal
    # spans); a shorter cue inside a longer one that was found is dropped. So the spans kept in
    # one dimension never partly overlap: a hit stays when its very span was kept already, or
    # when none of its characters is covered yet.
    spans = (set(), set())
    cover = (bytearray(len(squashed)), bytearray(len(squashed)))
    groups: tuple[dict, dict] = ({}, {})  # per dimension: cue order -> [count, zone, (start, end), cue]
    for _, _, s, order, e, dimension, cue in _hits(lexicon, squashed):
        if (s, e) not in spans[dimension]:
            covered = cover[dimension]
            if covered.find(1, s, e) >= 0:
                continue
            spans[dimension].add((s, e))
            covered[s:e] = _ONES[e - s] if e - s <= 64 else b"\x01" * (e - s)
        zone = _HEADING if hs <= s < he else _FIRST if first_start <= s < first_end else _BODY
        group = groups[dimension].get(order)
        if group is None:
            groups[dimension][order] = [1, zone, (s, e), cue]
        else:
            # a cue's occurrences come left to right: the first one in its best zone stays
            group[0] += 1
            if _ZONE_WEIGHTS[zone] > _ZONE_WEIGHTS[group[1]]:
                group[1], group[2] = zone, (s, e)

    extra = _extra(path, measure.category, measure.kind)
    body_factor = min(1.0, BODY_LENGTH / body_length) if body_length else 1.0
    stage_scores, stage_reasons = _score(groups[0], extra[0], body_factor)
    tool_scores, tool_reasons = _score(groups[1], extra[1], body_factor)
    stage, stage_conf = _decide(stage_scores, "stage", STAGES)
    tool, tool_conf = _decide(tool_scores, "tool", TOOLS)
    instrument = TOOL_INSTRUMENT[tool]
    by_instrument: dict[str, float] = {}
    for value, score in tool_scores.items():
        by_instrument[TOOL_INSTRUMENT[value]] = by_instrument.get(TOOL_INSTRUMENT[value], 0.0) + score
    ranked = sorted((s for i, s in by_instrument.items() if i != instrument), reverse=True)
    mine = by_instrument.get(instrument, 0.0)
    instrument_conf = round(max(mine - (ranked[0] if ranked else 0.0), 0.0) / (mine + CONFIDENCE_PRIOR), 3)

    evidence: list[tuple[str, Span]] = []
    for reasons in (stage_reasons.get(stage, ()), tool_reasons.get(tool, ())):
        shown = 0
        for _, cue, hit in sorted(reasons, key=_first_item_descending) if len(reasons) > 1 else reasons:
            if hit is None or hit[0] < prefix:
                continue
            s, e = hit
            cue_text = squashed[s:e]
            span = Span(doc.offset(base + s), doc.offset(base + e - 1) + 1)
            if (cue_text, span) not in evidence:
                evidence.append((cue_text, span))
            shown += 1
            if shown >= MAX_EVIDENCE:
                break
    return Classification(
        stage=stage,
        instrument=instrument,
        tool=tool,
        confidence=(("stage", max(stage_conf, 0.0)), ("instrument", instrument_conf), ("tool", max(tool_conf, 0.0))),
        evidence=tuple(evidence),
        method=METHOD,
    )


def _first_item_descending(item):
    return -item[0]


def classify_measures(text: str, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """Set ``classification`` on every measure."""
    doc = _Squashed(text)
    path = str(CUES_PATH)
    return tuple(replace(m, classification=_classify(doc, m, path)) for m in measures)


__all__ = ["classify_measures", "classify_measure", "load_cues", "Cue", "TOOL_INSTRUMENT", "STAGES", "TOOLS"]
