"""policykg as a spaCy pipeline: ``spacy.blank("zh")`` plus our components.

The ingest hot path runs compiled regex scans over the text (it must outpace spaCy's own
tokenizer, see benchmarks/). Where spaCy serves — annotating texts for displaCy, training a
textcat or span categorizer on our output, mixing our spans with other components — this
module exposes the same extraction as spaCy components that fill span groups on a Doc:

>>> nlp = build_nlp()
>>> doc = nlp("一、重点任务\\n1.加强知识产权保护。由市市场监管局牵头，市公安局配合。")
>>> [(s.text, s.label_) for s in doc.spans["measure"]]
[('加强知识产权保护', 'TASK')]
>>> sorted((s.text, s.label_) for s in doc.spans["agency"])
[('市公安局', 'SUPPORT_AGENCY'), ('市市场监管局', 'LEAD_AGENCY')]
"""
from __future__ import annotations

import hashlib

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .pipeline import extract
from .record import PolicyDoc, Source

SPAN_KEYS = ("measure", "agency", "target", "citation")

if not Doc.has_extension("policydoc"):
    Doc.set_extension("policydoc", default=None)


def _span(doc: Doc, start: int, end: int, label: str, kb_id: str = "") -> Span | None:
    # char tokenization puts a token boundary at every character, so spans always align;
    # "expand" keeps us safe should a Latin run be one token.
    return doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")


def annotate(doc: Doc, record: PolicyDoc) -> Doc:
    """Copy a PolicyDoc's facts onto the Doc as span groups (labels in UPPER_SNAKE)."""
    groups: dict[str, list[Span]] = {k: [] for k in SPAN_KEYS}
    for m in record.measures:
        s = _span(doc, m.heading_span.start, m.heading_span.end, m.kind.upper())
        if s is not None:
            groups["measure"].append(s)
        for role, agencies in (("LEAD_AGENCY", m.lead), ("SUPPORT_AGENCY", m.support)):
            for a in agencies:
                if a.span is not None:
                    s = _span(doc, a.span.start, a.span.end, role, a.key)
                    if s is not None:
                        groups["agency"].append(s)
    for t in record.targets:
        s = _span(doc, t.span.start, t.span.end, "TARGET")
        if s is not None:
            groups["target"].append(s)
    for c in record.citations:
        s = _span(doc, c.span.start, c.span.end, c.relation.upper(), c.doc_number or "")
        if s is not None:
            groups["citation"].append(s)
    for key, spans in groups.items():
        doc.spans[key] = spans
    doc._.policydoc = record
    return doc


@Language.factory("pkg_extract", assigns=["doc.spans", "doc._.policydoc"])
def make_extract(nlp: Language, name: str):
    def pkg_extract(doc: Doc) -> Doc:
        raw = doc.text.encode("utf-8")
        source = Source(path="<doc>", name=doc.user_data.get("source_name", "<doc>"), text=doc.text,
                        media_type="text/plain", sha256=hashlib.sha256(raw).hexdigest())
        return annotate(doc, extract(source))

    return pkg_extract


def build_nlp() -> Language:
    nlp = spacy.blank("zh")  # default "char" segmenter: offsets are exact code points
    nlp.add_pipe("pkg_extract")
    return nlp
