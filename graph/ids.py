"""Deterministic, readable IRIs. No blank nodes anywhere.

Non-ASCII parts are percent-encoded so that every IRI is plain ASCII (Virtuoso and some
SPARQL clients mishandle Unicode IRIs); decoded, they read as the Chinese names they are.
"""
from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import quote

from .terms import ID

_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕", "(": "〔", ")": "〕", "（": "〔", "）": "〕"})
_SPACE = re.compile(r"\s+")


def _q(part: str) -> str:
    return quote(part, safe="")


def normalize_doc_number(number: str) -> str:
    """Bracket style and spaces never split one document into two nodes."""
    return _SPACE.sub("", number).translate(_BRACKETS)


def normalize_title(title: str) -> str:
    return _SPACE.sub("", title).strip("《》")


def doc_iri(doc_number: str | None = None, title: str | None = None, issuer: str | None = None,
            date: str | None = None) -> str:
    """The one identity rule for documents (ingested, cited or catalogued alike).

    A 发文字号 is unique only within its issuer (``府办发〔2018〕3号`` is used by many cities), so a
    document is named by issuer + 发文字号; the issuer is the one the number's organ code names
    when the catalog knows it (so a citation and the cited document agree however each text
    names the issuer), else the one the text gives. Without a number: issuer + title + date.
    A citation whose issuer cannot be known stays apart from every ingested document rather than
    being merged with the wrong one."""
    if doc_number:
        number = normalize_doc_number(doc_number)
        who = issuer_of_number(number) or issuer
        return f"{ID}doc/{_q(who)}/{_q(number)}" if who else f"{ID}doc/{_q(number)}"
    if not title:
        raise ValueError("a document needs a number or a title to be named")
    parts = [p for p in (issuer, normalize_title(title), date) if p]
    return f"{ID}doc/t/" + "/".join(_q(p) for p in parts)


def issuer_of_number(doc_number: str) -> str | None:
    """The issuing body the organ code of a 发文字号 names in the catalog (国发 -> 国务院)."""
    from ..ingest.catalog import issuer_for_doc_number

    entry = issuer_for_doc_number(doc_number)
    return entry.issuer if entry else None


def source_key(path: str | bytes | os.PathLike) -> str:
    """A source file is identified by its full path (two ``notice.txt`` in two folders are two
    sources); its content hash, stored beside it, finds byte-identical copies."""
    full = os.path.realpath(os.fsencode(path))
    return hashlib.sha256(full).hexdigest()[:16]


def source_iri(path: str | bytes | os.PathLike) -> str:
    """The source file node; also the IRI of the named graph holding everything read from it."""
    return source_iri_of_key(source_key(path))


def source_iri_of_key(key: str) -> str:
    return f"{ID}src/{key}"


def measure_key(doc: str, heading: str, text: str) -> str:
    """A measure named independently of the file it was read from: its document's IRI (the
    identity rule above) and a hash of its heading and text with whitespace removed. A copy of
    the document ingested from another path (another source IRI, so other measure IRIs) gives
    its measures the same keys; analysts' review decisions are keyed by them."""
    content = _SPACE.sub("", heading) + "\n" + _SPACE.sub("", text)
    return f"{doc}#m-{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def agency_iri(key: str) -> str:
    return f"{ID}agency/" + "/".join(_q(p) for p in key.split("/"))


def place_iri(name: str) -> str:
    return f"{ID}place/{_q(name)}"


def catalog_graph_iri() -> str:
    return f"{ID}graph/catalog"


def duplicates_graph_iri() -> str:
    """The graph remembering the files ingest found to be duplicates (ingest/batch.py)."""
    return f"{ID}graph/duplicates"


def display_path(path: str | bytes | os.PathLike) -> str:
    """The full path as text: bytes that are not UTF-8 (a GBK name unpacked on Linux) are
    shown as U+FFFD rather than failing every writer of the path."""
    return os.path.realpath(os.fsencode(path)).decode("utf-8", "replace")
