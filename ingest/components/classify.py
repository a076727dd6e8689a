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


@dataclass(frozen=True)
class _Hit:
    cue: Cue
    start: int  # into the squashed measure text
    end: int
    zone: str


def _squash_with_offsets(text: str, start: int, end: int) -> tuple[str, list[int]]:
    chars, offsets = [], []
    for i in range(start, end):
        ch = text[i]
        if not ch.isspace():
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), offsets


def _zones(measure: Measure, offsets: list[int]) -> list[str]:
    """The zone of each squashed character: heading, after it ("first" until the first sentence
    ends, see _first_sentence_end), or body (e.g. a number before the heading)."""
    h = measure.heading_span
    return ["heading" if h.start <= off < h.end else "first" if off >= h.end else "body" for off in offsets]


def _first_sentence_end(squashed: str, zones: list[str]) -> int:
    """Index in the squashed text where the first sentence after the heading ends."""
    begin = next((i for i, z in enumerate(zones) if z == "first"), len(squashed))
    # skip the heading's own closing punctuation
    while begin < len(squashed) and squashed[begin] in _SENTENCE_END:
        begin += 1
    for i in range(begin, len(squashed)):
        if squashed[i] in _SENTENCE_END:
            return i + 1
    return len(squashed)


def _find_hits(squashed: str, zones: list[str], cues) -> dict[str, list[_Hit]]:
    """Every cue occurrence; within a dimension, overlapping occurrences keep the longest."""
    found: dict[str, list[_Hit]] = {d: [] for d in VALUES}
    for cue, pattern in cues:
        if pattern is None:
            continue
        for m in pattern.finditer(squashed):
            if m.end() > m.start():
                found[cue.dimension].append(_Hit(cue, m.start(), m.end(), zones[m.start()]))
    kept: dict[str, list[_Hit]] = {}
    for dimension, hits in found.items():
        hits.sort(key=lambda h: (-(h.end - h.start), -h.cue.weight, h.start))
        taken: list[_Hit] = []
        covered: list[tuple[int, int]] = []
        for hit in hits:
            # A string listed under several values of one dimension counts for each of them
            # (equal spans); a shorter cue inside a longer one that was found is dropped.
            if any(hit.start < e and s < hit.end and (s, e) != (hit.start, hit.end) for s, e in covered):
                continue
            taken.append(hit)
            covered.append((hit.start, hit.end))
        kept[dimension] = taken
    return kept


def _score(
    hits: list[_Hit], extra: list[tuple[Cue, float]], body_factor: float = 1.0
) -> tuple[dict[str, float], dict[str, list]]:
    """Score per value, and per value the contributing (contribution, cue, first hit)."""
    by_cue: dict[tuple[str, str], list[_Hit]] = {}
    for hit in hits:
        by_cue.setdefault((hit.cue.value, hit.cue.cue), []).append(hit)
    scores: dict[str, float] = {}
    reasons: dict[str, list] = {}
    for (value, _), group in by_cue.items():
        best = max(group, key=lambda h: (ZONE_WEIGHT[h.zone], -h.start))
        zone = ZONE_WEIGHT[best.zone] * (body_factor if best.zone == "body" else 1.0)
        contribution = group[0].cue.weight * (zone + REPEAT_BONUS * min(len(group) - 1, MAX_REPEATS))
        scores[value] = scores.get(value, 0.0) + contribution
        reasons.setdefault(value, []).append((contribution, best.cue, best))
    for cue, contribution in extra:
        scores[cue.value] = scores.get(cue.value, 0.0) + contribution
        reasons.setdefault(cue.value, []).append((contribution, cue, None))
    return scores, reasons


def _decide(scores: dict[str, float], dimension: str, order: tuple[str, ...]) -> tuple[str, float]:
    if not any(v > 0 for v in scores.values()):
        return FALLBACK[dimension], 0.0
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0], round((top - second) / (top + CONFIDENCE_PRIOR), 3)


def classify_measure(text: str, measure: Measure, cues_path: str | Path = CUES_PATH) -> Classification:
    """Code one measure: stage, instrument, tool, with confidence and the deciding cues."""
    cues = _compiled(str(cues_path))
    start = min(measure.span.start, measure.heading_span.start)
    end = max(measure.span.end, measure.heading_span.end)
    squashed, offsets = _squash_with_offsets(text, start, end)
    zones = _zones(measure, offsets)
    first_end = _first_sentence_end(squashed, zones)
    zones = [("body" if z == "first" and i >= first_end else z) for i, z in enumerate(zones)]
    if not any(z == "heading" for z in zones) and measure.heading:
        # heading not inside the text span (should not happen): read it on its own
        squashed, offsets, zones = measure.heading + squashed, [-1] * len(measure.heading) + offsets, (
            ["heading"] * len(measure.heading) + zones
        )
    hits = _find_hits(squashed, zones, cues)

    category = _SPACE.sub("", measure.category or "")
    extra: dict[str, list[tuple[Cue, float]]] = {d: [] for d in VALUES}
    for cue, pattern in cues:
        if pattern is None:
            if cue.cue == f"@kind={measure.kind}":
                extra[cue.dimension].append((cue, cue.weight))
        elif category and pattern.search(category):
            extra[cue.dimension].append((cue, cue.weight * CATEGORY_WEIGHT))

    body_length = sum(z == "body" for z in zones)
    body_factor = min(1.0, BODY_LENGTH / body_length) if body_length else 1.0
    stage_scores, stage_reasons = _score(hits["stage"], extra["stage"], body_factor)
    tool_scores, tool_reasons = _score(hits["tool"], extra["tool"], body_factor)
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
    for reasons in (stage_reasons.get(stage, []), tool_reasons.get(tool, [])):
        shown = 0
        for _, cue, hit in sorted(reasons, key=lambda r: -r[0]):
            if hit is None or offsets[hit.start] < 0:
                continue
            cue_text = squashed[hit.start : hit.end]
            span = Span(offsets[hit.start], offsets[hit.end - 1] + 1)
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


def classify_measures(text: str, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """Set ``classification`` on every measure."""
    return tuple(replace(m, classification=classify_measure(text, m)) for m in measures)


__all__ = ["classify_measures", "classify_measure", "load_cues", "Cue", "TOOL_INSTRUMENT", "STAGES", "TOOLS"]
