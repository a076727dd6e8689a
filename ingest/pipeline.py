"""The ingest pipeline: Source -> PolicyDoc, a chain of small stages over normalized text.

Each stage is a plain function in ``ingest/components``; all of them read the normalized
text, whose offsets equal those of ``Source.text`` (see ``text.normalize``).
"""
from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from .components.agencies import assign_agencies, assign_target_agencies
from .components.citations import find_citations
from .components.classify import classify_measures
from .components.metadata import find_metadata
from .components.structure import find_structure
from .components.tables import apply_task_tables
from .components.targets import find_targets
from .limits import check_document
from .readers import read
from .record import PolicyDoc, Source
from .repair import repair
from .text import normalize

# What extraction reads besides the text: this package, the RDF building, the ontology and its
# catalogs (paths from the package root, which has the same layout installed or editable).
_ROOT = Path(__file__).resolve().parent.parent
EXTRACTION_INPUTS = (_ROOT / "ingest", _ROOT / "ontology", _ROOT / "graph" / "build.py", _ROOT / "graph" / "ids.py",
                     _ROOT / "graph" / "terms.py")


def code_digest(paths: tuple[Path, ...]) -> str:
    """SHA-256 over the names and bytes of the files under ``paths`` (caches excluded)."""
    h = hashlib.sha256()
    for base in paths:
        files = sorted(f for f in (base.rglob("*") if base.is_dir() else [base])
                       if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc")
        for f in files:
            h.update(f"{f.relative_to(base.parent)}\0".encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _extractor() -> str:
    try:
        version = metadata.version("policykg")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"policykg-ingest/{version}+{code_digest(EXTRACTION_INPUTS)[:12]}"


# Stored with every document; re-ingest skips a file only when its bytes and this are unchanged,
# so a new rule, pattern, catalog entry or triple shape re-extracts what it may change.
EXTRACTOR = _extractor()


def extract(source: Source) -> PolicyDoc:
    """Run every stage over one source."""
    # normalize maps one character to one; repair deletes page noise and restores lost breaks,
    # keeping a map so that every span is moved back into the text as read at the end
    repaired = repair(normalize(source.text), source.text)
    text = repaired.text
    meta = find_metadata(text, source)
    sections, measures = find_structure(text)
    measures = assign_agencies(text, measures, meta, source)
    measures = apply_task_tables(source, text, measures, meta.region)
    citations, measures = find_citations(text, meta, measures)
    targets = assign_target_agencies(text, find_targets(text, sections, measures, meta, source), meta)
    measures = classify_measures(text, measures)
    return repaired.restore(PolicyDoc(
        source=source,
        meta=meta,
        sections=sections,
        measures=measures,
        targets=targets,
        citations=citations,
        extractor=EXTRACTOR,
    ))


def ingest_file(path: str | Path) -> PolicyDoc:
    """Read and extract one file. Raises IngestError with a one-line message, also for a
    document over a limit (ingest/limits.py)."""
    return check_document(extract(read(path)))


def as_record(doc: PolicyDoc) -> dict:
    """The EXTRACTION.md record built in memory. The product's export reads the store by
    SPARQL instead; this twin lets tests check the two agree and helps while developing rules."""

    def agency(a):
        return {"name": a.name, "canonical": a.canonical}

    m = doc.meta
    return {
        "source": doc.source.name,
        "document": {
            "title": m.title,
            "doc_number": m.doc_number,
            "issuers": list(m.issuers),
            "date": m.date,
            "region": m.region,
            "province": m.province,
            "level": m.level,
        },
        "citations": [
            {"doc_number": c.doc_number, "title": c.title, "relation": c.relation} for c in doc.citations
        ],
        "measures": [
            {
                "number": x.number,
                "heading": x.heading,
                "category": x.category,
                "kind": x.kind,
                "lead": [agency(a) for a in x.lead],
                "support": [agency(a) for a in x.support],
                **(
                    {
                        "stage": x.classification.stage,
                        "instrument": x.classification.instrument,
                        "tool": x.classification.tool,
                        "evidence": [e for e, _ in x.classification.evidence],
                    }
                    if x.classification
                    else {}
                ),
            }
            for x in doc.measures
        ],
        "targets": [
            {
                "indicator": t.indicator,
                "value": t.value,
                "unit": t.unit,
                "year": t.year,
                "comparator": t.comparator,
            }
            for t in doc.targets
        ],
    }


__all__ = ["extract", "ingest_file", "as_record"]
