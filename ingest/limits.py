"""How much one input may be: explicit, configurable, and reported when exceeded, never a silent cap.

Each limit is read from its environment variable when it is checked, so ``POLICYKG_MAX_BYTES=…
policykg ingest …`` applies to the parent and to every extraction worker it starts. A file over a
limit fails alone, with one line naming the file, the limit and the variable that sets it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import PolicyKGError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # bytes read from any input file (regardless of what stat says: /dev/zero says 0)
    max_file_bytes: int = 64 * MiB
    # bytes a .docx package may unpack to, all members together (headers and actual bytes);
    # also what all the compressed streams of one PDF may inflate to
    max_unzipped_bytes: int = 256 * MiB
    # characters of decoded text in one document
    max_chars: int = 4_000_000
    # measures in one document (a real one has at most a few hundred)
    max_measures: int = 20_000
    # characters of a title (the longest real titles run to about 100)
    max_title_chars: int = 500


ENV = {
    "max_file_bytes": "POLICYKG_MAX_BYTES",
    "max_unzipped_bytes": "POLICYKG_MAX_UNZIPPED_BYTES",
    "max_chars": "POLICYKG_MAX_CHARS",
    "max_measures": "POLICYKG_MAX_MEASURES",
    "max_title_chars": "POLICYKG_MAX_TITLE_CHARS",
}


def limits() -> Limits:
    """The limits in force: the defaults, each overridden by its environment variable."""
    values = {}
    for f in fields(Limits):
        raw = os.environ.get(ENV[f.name])
        if raw is None or not raw.strip():
            continue
        try:
            value = int(raw.replace("_", "").strip())
        except ValueError:
            value = 0
        if value <= 0:
            raise PolicyKGError(f"{ENV[f.name]}={raw!r}: expected a positive whole number")
        values[f.name] = value
    return Limits(**values)


def over(what: str, size: int, limit: int, name: str, unit: str = "") -> str:
    """The one-line problem for an input over a limit."""
    return f"{what} ({size:,}{unit}; limit {limit:,}{unit}, set {ENV[name]} to change it)"


def check_document(doc):
    """Refuse a document over the measure limit (an IngestError naming the file), so nothing is
    stored cut short. A title over the title limit is no title: the document is stored without
    one and the reason goes into its notes, which the ingest reports (never a silent drop, and
    nothing stored that SHACL rejects). Returns the document to store."""
    from dataclasses import replace

    from .errors import IngestError

    limit = limits()
    path = doc.source.path
    if len(doc.measures) > limit.max_measures:
        raise IngestError(path, over("too many measures for one document", len(doc.measures), limit.max_measures,
                                     "max_measures"))
    title = doc.meta.title
    if title is not None and len(title) > limit.max_title_chars:
        note = over("the title is too long", len(title), limit.max_title_chars, "max_title_chars", " characters")
        return replace(doc, meta=replace(doc.meta, title=None, title_span=None),
                       notes=(*doc.notes, f"{note}: stored without a title"))
    if title is None:
        # The title stage reads short header lines only (a run-on page's first line is no title)
        first = next((line.strip() for line in doc.source.text.splitlines() if line.strip()), "")
        why = (over("no title: the first line is too long to be one", len(first), limit.max_title_chars,
                    "max_title_chars", " characters") if len(first) > limit.max_title_chars else "no title found")
        return replace(doc, notes=(*doc.notes, f"{why}: stored without a title"))
    return doc
