"""Stage: document metadata (title, 发文字号, issuers, date, jurisdiction, level)."""
from __future__ import annotations

from ..record import DocumentMeta, Source


def find_metadata(text: str, source: Source) -> DocumentMeta:
    return DocumentMeta(title=None, doc_number=None, issuers=(), date=None, region=None, province=None, level=None)
