"""The one data model that leaves ``ingest``: plain frozen dataclasses.

Every offset indexes ``Source.text`` (the text as read, before any normalization),
half-open like ``Span.start_char`` in spaCy. ``graph`` imports only this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A file as read: its text plus what identifies it."""

    path: str  # as given by the user
    name: str  # base name: the export record's "source"
    text: str  # decoded text; every offset in the project points into it
    media_type: str  # "text/plain", "text/markdown", "text/html", ...
    sha256: str  # of the raw bytes: re-ingest skips unchanged files
    # Portal metadata found by a reader outside the main text (HTML meta tables): label -> value.
    fields: tuple[tuple[str, str], ...] = ()
    # Task-table rows a reader found (docx/html/pdf tables): each row a tuple of cell strings.
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()


@dataclass(frozen=True)
class Span:
    """[start, end) into Source.text."""

    start: int
    end: int


@dataclass(frozen=True)
class Agency:
    """An agency as the text names it, resolved against the jurisdiction-scoped registry."""

    name: str  # as written, shared prefix distributed ("市科技创新委")
    canonical: str | None  # full official name in its jurisdiction, None when unresolved
    key: str  # stable identifier, e.g. "440300/market-regulation" or "unresolved/<hash>"
    jurisdiction: str | None  # "深圳市", "national", ...
    span: Span | None = None


@dataclass(frozen=True)
class Classification:
    """What kind of measure it is (CLASSIFICATION.md), with the words that decided it."""

    stage: str
    instrument: str
    tool: str
    confidence: tuple[tuple[str, float], ...] = ()  # (dimension, 0..1)
    evidence: tuple[tuple[str, Span], ...] = ()  # (cue text, where it is)
    method: str = ""  # classifier name and version


@dataclass(frozen=True)
class Measure:
    number: str | None
    heading: str
    category: str | None
    kind: str  # "task" | "safeguard"
    span: Span  # the whole measure, heading included
    heading_span: Span
    lead: tuple[Agency, ...] = ()
    support: tuple[Agency, ...] = ()
    classification: Classification | None = None
    # documents this measure itself names (贯彻落实《…》): indices into PolicyDoc.citations
    cites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Target:
    indicator: str
    value: float
    unit: str | None
    year: int | None
    comparator: str  # ">=" | "=" | "<="
    span: Span
    baseline_year: int | None = None
    measure: int | None = None  # index into PolicyDoc.measures when stated inside a task
    # a range (2—3家) is recorded as its upper bound with "<="; its lower bound is kept here
    lower: float | None = None
    # the bodies a goals list makes responsible for it (1.…达到12件。（市知识产权局负责）); a goal
    # inside a task has its measure's
    lead: tuple[Agency, ...] = ()
    support: tuple[Agency, ...] = ()


@dataclass(frozen=True)
class Citation:
    doc_number: str | None  # normalized 〔〕, ASCII digits
    title: str | None  # without 《》
    relation: str  # "implements" | "cites"
    span: Span


@dataclass(frozen=True)
class DocumentMeta:
    title: str | None
    doc_number: str | None
    issuers: tuple[str, ...]
    date: str | None  # ISO YYYY-MM-DD
    region: str | None
    province: str | None
    level: str | None  # national | provincial | municipal | county
    title_span: Span | None = None
    doc_number_span: Span | None = None
    date_span: Span | None = None


@dataclass(frozen=True)
class Section:
    number: str | None
    heading: str
    level: int  # 1 for 一、, 2 for （一）, ...
    span: Span


@dataclass(frozen=True)
class PolicyDoc:
    source: Source
    meta: DocumentMeta
    sections: tuple[Section, ...] = ()
    measures: tuple[Measure, ...] = ()
    targets: tuple[Target, ...] = ()
    citations: tuple[Citation, ...] = ()
    extractor: str = ""  # pipeline name and version, recorded with PROV
    notes: tuple[str, ...] = field(default=())  # warnings worth showing the analyst
