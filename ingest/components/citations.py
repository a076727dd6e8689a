"""Stage: cited documents (发文字号, 《titles》), implements vs cites, measure-level citations."""
from __future__ import annotations

from ..record import Citation, DocumentMeta, Measure


def find_citations(text: str, meta: DocumentMeta, measures: tuple[Measure, ...]) -> tuple[tuple[Citation, ...], tuple[Measure, ...]]:
    return (), measures
