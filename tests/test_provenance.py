"""Every extracted fact's span really covers what was extracted (issue: provenance everywhere)."""
from __future__ import annotations

import re

import pytest

from policykg.ingest.pipeline import ingest_file
from policykg.ingest.text import normalize, squash

PUNCT = re.compile(r"[\s，,。.、；;：:（）()《》〔〕\[\]“”\"']")


def _plain(s: str) -> str:
    return PUNCT.sub("", s)


@pytest.fixture(scope="module")
def docs(corpus_files):
    return [ingest_file(f) for f in corpus_files]


def test_provenance_measure_span_holds_its_heading(docs):
    for doc in docs:
        text = normalize(doc.source.text)
        for m in doc.measures:
            assert 0 <= m.span.start < m.span.end <= len(text)
            assert m.span.start <= m.heading_span.start < m.heading_span.end <= m.span.end
            assert _plain(m.heading) in _plain(squash(text[m.heading_span.start:m.heading_span.end])), (doc.source.name, m.heading)


def test_provenance_assignment_span_holds_the_agency_name(docs):
    checked = 0
    for doc in docs:
        text = normalize(doc.source.text)
        for m in doc.measures:
            for a in (*m.lead, *m.support):
                assert a.span is not None, (doc.source.name, a.name)
                written = squash(text[a.span.start:a.span.end])
                # A distributed prefix (市发展改革委、科技创新委 → 市科技创新委) adds characters the span
                # does not hold; what the span holds is the end of the name.
                assert written and a.name.endswith(written) or written in a.name or a.name in written, (written, a.name)
                assert m.span.start <= a.span.start < m.span.end + 400, (doc.source.name, a.name)
                checked += 1
    assert checked > 0


def test_provenance_target_span_holds_its_number(docs):
    for doc in docs:
        text = normalize(doc.source.text)
        for t in doc.targets:
            piece = squash(text[t.span.start:t.span.end])
            assert piece, (doc.source.name, t)
            # the indicator's characters come from the span (allowing trimmed words and a base year)
            shared = set(t.indicator) & set(piece)
            assert len(shared) >= min(3, len(set(t.indicator))), (doc.source.name, t.indicator, piece)


def test_provenance_citation_span_holds_title_or_number(docs):
    for doc in docs:
        text = normalize(doc.source.text)
        for c in doc.citations:
            piece = _plain(squash(text[c.span.start:c.span.end]))
            assert (c.title and _plain(c.title)[:6] in piece) or (c.doc_number and re.sub(r"\D", "", c.doc_number) in re.sub(r"\D", "", piece)), (doc.source.name, c, piece)
