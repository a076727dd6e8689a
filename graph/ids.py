"""Deterministic, readable IRIs. No blank nodes anywhere.

Non-ASCII parts are percent-encoded so that every IRI is plain ASCII (Virtuoso and some
SPARQL clients mishandle Unicode IRIs); decoded, they read as the Chinese names they are.
"""
from __future__ import annotations

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


def doc_iri(doc_number: str | None = None, title: str | None = None, region: str | None = None) -> str:
    """A document is named by its 发文字号 when it has one, else by its title (prefixed with the
    issuing region when the title does not name it, so two cities' 实施意见 stay apart)."""
    if doc_number:
        return f"{ID}doc/{_q(normalize_doc_number(doc_number))}"
    if not title:
        raise ValueError("a document needs a number or a title to be named")
    title = normalize_title(title)
    if region and region not in title:
        title = f"{region}:{title}"
    return f"{ID}doc/t/{_q(title)}"


def source_iri(name: str) -> str:
    """The source file node; also the IRI of the named graph holding everything read from it."""
    return f"{ID}src/{_q(name)}"


def part_iri(source_name: str, *path: str | int) -> str:
    return source_iri(source_name) + "".join(f"/{_q(str(p))}" for p in path)


def agency_iri(key: str) -> str:
    return f"{ID}agency/" + "/".join(_q(p) for p in key.split("/"))


def place_iri(name: str) -> str:
    return f"{ID}place/{_q(name)}"


def catalog_graph_iri() -> str:
    return f"{ID}graph/catalog"
