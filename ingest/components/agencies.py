"""Stage: lead and supporting agencies of each measure, resolved in the document's jurisdiction."""
from __future__ import annotations

from ..record import DocumentMeta, Measure, Source


def assign_agencies(text: str, measures: tuple[Measure, ...], meta: DocumentMeta, source: Source) -> tuple[Measure, ...]:
    return measures
