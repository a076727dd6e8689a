"""Stage: quantified targets (indicator, value, unit, year, comparator)."""
from __future__ import annotations

from ..record import DocumentMeta, Measure, Section, Source, Target


def find_targets(text: str, sections: tuple[Section, ...], measures: tuple[Measure, ...], meta: DocumentMeta, source: Source) -> tuple[Target, ...]:
    return ()
