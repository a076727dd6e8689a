"""Gold-free diagnostics: what a document seems to hold that extraction did not take.

After extraction, the text is scanned again for cues of the facts the record should carry:

- ``assignment``: words that assign work (牵头, 负责, 配合, 责任单位…) — *found* when an extracted
  agency sits in the clause the cue assigns in (A、B负责; 配合单位：C、D), *dismissed* when a rule says the word assigns
  nobody here (负责人, 高度负责, 各牵头单位要…), else *skipped*;
- ``goal``: sentences holding a year, a number and a unit — *found* when a target was taken from
  the sentence, *dismissed* when the targets stage reads it as a report of the past, a subsidy or
  a threshold, else *skipped*;
- ``title``: names in 《》 — *found* when a citation covers them or they are the document's own
  title, else *skipped*;
- ``metadata``: a missing title, 发文字号 or date (*skipped*).

Every *skipped* finding is a warning: something worth a look, by the analyst or by whoever
writes the next rule. The cue words and the dismissals are data (``patterns/roles.jsonl``:
DIAG_CUE, DIAG_NOT_CUE; ``patterns/targets.jsonl``: PAST_SENTENCE, NOT_TARGET).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .components.citations import not_a_document, same_document
from .rules import alternation
from .record import PolicyDoc, Span
from .text import normalize, squash

KINDS = ("assignment", "goal", "title", "metadata")
NEAR = 60  # how far a cue's clause may reach either way
_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
_TITLE = re.compile(r"《([^《》\n]{2,80})》")
_GOAL_YEAR = re.compile(r"20\d\d\s*年")


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    status: str  # "found" | "dismissed" | "skipped"
    span: Span | None
    text: str
    note: str = ""


@dataclass(frozen=True)
class Diagnosis:
    source: str
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "skipped")

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {"found": n, "dismissed": n, "skipped": n}}."""
        out = {k: {"found": 0, "dismissed": 0, "skipped": 0} for k in KINDS}
        for f in self.findings:
            out[f.kind][f.status] += 1
        return out


@dataclass(frozen=True)
class _Cues:
    cue: re.Pattern
    not_cue: re.Pattern


@lru_cache(maxsize=None)
def _cues() -> _Cues:
    from .components.agencies import load_rules

    rules = load_rules()
    return _Cues(rules.diag_cue or re.compile("(?!)"), rules.diag_not_cue or re.compile("(?!)"))


def diagnose(doc: PolicyDoc) -> Diagnosis:
    """Every finding of one extracted document, in text order within each kind."""
    text = normalize(doc.source.text)
    findings = [*_metadata(doc), *_assignments(text, doc), *_goals(text, doc), *_titles(text, doc)]
    return Diagnosis(doc.source.name, tuple(findings))


def _metadata(doc: PolicyDoc) -> list[Finding]:
    m = doc.meta
    missing = [("title", m.title), ("发文字号", m.doc_number), ("date", m.date)]
    return [Finding("metadata", "skipped", None, name, f"no {name} found") for name, value in missing if not value]


_CLAUSE_END = re.compile(r"[，,。；;！？!?（）()\n]")


def _clause_of(text: str, p: int, q: int) -> tuple[int, int]:
    """The clause a cue assigns in: its own clause (A、B牵头 / 由A负责), running on past a ：
    after a label (配合单位：B、C), at most NEAR characters either way."""
    a = p
    while a > max(0, p - NEAR) and not _CLAUSE_END.match(text, a - 1):
        a -= 1
    b = q
    if re.match(r"\s*[：:]", text[q:q + 3]):
        b = text.index(":" if ":" in text[q:q + 3] else "：", q) + 1
    m = _CLAUSE_END.search(text, b, min(len(text), b + NEAR))
    return a, (m.start() if m else min(len(text), b + NEAR))


def _assignments(text: str, doc: PolicyDoc) -> list[Finding]:
    cues = _cues()
    spans = sorted({(a.span.start, a.span.end) for x in (*doc.measures, *doc.targets) for a in (*x.lead, *x.support) if a.span})
    out = []
    for hit in cues.cue.finditer(text):
        p, q = hit.start(), hit.end()
        local = hit.group()
        if any(x.start() < q and x.end() > p for x in cues.not_cue.finditer(text, max(0, p - 8), q + 8)):
            out.append(Finding("assignment", "dismissed", Span(p, q), local, "the word assigns nobody here"))
            continue
        lo, hi = _clause_of(text, p, q)
        near = any(a < hi and b > lo for a, b in spans)
        status = "found" if near else "skipped"
        note = "" if near else "an assignment cue with no agency taken near it"
        out.append(Finding("assignment", status, Span(p, q), local, note))
    return out


def _goals(text: str, doc: PolicyDoc) -> list[Finding]:
    from .components import targets as stage

    rx = stage._rx()
    taken = [(t.span.start, t.span.end) for t in doc.targets]
    goal_year = stage.plan_end_year(text, doc.meta) or stage.doc_goal_year(text)
    out = []
    for sm in _SENTENCE.finditer(text):
        s0, s1 = sm.start(), sm.end()
        sentence = sm.group()
        if not _GOAL_YEAR.search(sentence):
            continue
        values = [v for v in rx["value"].finditer(sentence) if (v.group("unit") or v.group("pct"))
                  and sentence[max(0, v.start() - 1):v.start()] not in ("第", "每", "前", "近")]  # 第八条: no quantity
        if not values and not rx["any_multiple"].search(sentence):
            continue
        span = Span(s0 + len(sentence) - len(sentence.lstrip()), s1)
        shown = squash(sentence)[:80]
        if any(a < s1 and b > s0 for a, b in taken):
            out.append(Finding("goal", "found", span, shown))
        elif rx["past_sentence"].search(sentence) or stage.sentence_has_past_year(sentence, goal_year) or all(rx["not_target"].search(sentence[max(0, v.start() - 20):v.end()]) for v in values) and values:
            out.append(Finding("goal", "dismissed", span, shown, "a report of the past, a subsidy or a threshold"))
        elif values and all(rx["task_count"].match(sentence, v.end()) for v in values):
            out.append(Finding("goal", "dismissed", span, shown, "counts the document's own tasks (17项重点任务)"))
        elif values and re.search(r"从\s*20\d\d\s*年的[^。；;]{1,20}(?:提升|提高|增加|增长|上升|下降)(?:至|到)\s*20\d\d\s*年的", sentence):
            out.append(Finding("goal", "dismissed", span, shown, "compares two past years (从2020年的…提升至2024年的…)"))
        else:
            out.append(Finding("goal", "skipped", span, shown, "a year, a number and a unit gave no target"))
    return out


_PINYIN = re.compile(alternation("repair", "PINYIN_RUBY"))


def _titles(text: str, doc: PolicyDoc) -> list[Finding]:
    cited = [(c.span.start, c.span.end) for c in doc.citations]
    cited_titles = [c.title for c in doc.citations if c.title]
    own = squash(doc.meta.title or "")
    out = []
    for m in _TITLE.finditer(text):
        name = squash(_PINYIN.sub("", m.group(1)))  # 商业(yè)秘密: a scrape's pinyin is no part of the name
        span = Span(m.start(), m.end())
        if any(a < m.end() and b > m.start() for a, b in cited) or any(same_document(name, t) for t in cited_titles):
            out.append(Finding("title", "found", span, name))  # the citation, or a later mention of it
        elif own and (name == own or name in own and len(name) >= 8):
            out.append(Finding("title", "found", span, name, "the document's own title"))
        elif len(name) <= 4:
            out.append(Finding("title", "dismissed", span, name, "a short name (以下简称《…》)"))
        elif not_a_document(name):
            out.append(Finding("title", "dismissed", span, name, "no policy document (a periodical, a form, a file name, a model agreement)"))
        else:
            out.append(Finding("title", "skipped", span, name, "a title in 《》 not taken as a citation"))
    return out


def record(d: Diagnosis) -> dict:
    """The JSON shape of ``policykg diagnose --format json``."""
    return {
        "source": d.source,
        "warnings": len(d.warnings),
        "counts": d.counts(),
        "findings": [
            {"kind": f.kind, "status": f.status, "start": f.span.start if f.span else None,
             "end": f.span.end if f.span else None, "text": f.text, "note": f.note}
            for f in d.findings
        ],
    }


__all__ = ["Diagnosis", "Finding", "diagnose", "record", "KINDS"]
