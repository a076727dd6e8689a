"""Writing documents and reference data (ontology, schemes, catalog) into a backend."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from ..ingest.record import PolicyDoc
from . import ids
from .build import graph_iri, triples
from .store import Backend, internal_query
from .terms import PKG

REFERENCE_FILES = (("policykg.ontology", "policykg.ttl"), ("policykg.ontology", "schemes.ttl"),
                   ("policykg.ontology.catalog", "documents.ttl"), ("policykg.ontology.catalog", "indicators.ttl"))


def store_document(backend: Backend, doc: PolicyDoc) -> int:
    """Replace the document's named graph in one transaction; return the triple count."""
    lines = list(triples(doc))
    backend.replace_graph(graph_iri(doc), lines)
    return len(lines)


@dataclass(frozen=True)
class StoredSource:
    graph: str  # the source's named graph (graph/ids.source_iri of its path)
    name: str
    path: str
    sha256: str
    extractor: str | None
    document: str | None


def stored_sources(backend: Backend) -> dict[str, StoredSource]:
    """Source graph IRI -> what the store holds of that file."""
    res = backend.select(internal_query("stored_sources"))
    return {r["g"]: StoredSource(r["g"], r["name"], r["path"] or r["name"], r["sha"], r["extractor"], r["doc"])
            for r in res.records()}


def find_source(given: str, stored: dict[str, StoredSource]) -> StoredSource | str:
    """The stored source a user names (path, unique file name or IRI), or why there is none."""
    if given in stored:
        return stored[given]
    by_path = stored.get(ids.source_iri(given))
    if by_path is not None:
        return by_path
    named = [s for s in stored.values() if given in (s.name, s.path)]
    if len(named) == 1:
        return named[0]
    if named:
        return f"{given}: {len(named)} stored sources have this name; give the path: " + ", ".join(sorted(s.path for s in named))
    return f"{given}: no stored source has this path or name (see: policykg query documents)"


def alignment_runs_by_source(backend: Backend) -> dict[str, set[str]]:
    """Source graph -> the alignment-run graphs that read it."""
    out: dict[str, set[str]] = {}
    for r in backend.select(internal_query("alignment_sources")).records():
        out.setdefault(r["src"], set()).add(r["g"])
    return out


def alignment_graphs_of(backend: Backend, sources: set[str]) -> list[str]:
    """The alignment-run graphs that read any of these source graphs."""
    runs = alignment_runs_by_source(backend)
    return sorted(set().union(*(runs.get(s, set()) for s in sources)))


def remove_sources(backend: Backend, graphs: list[str]) -> list[str]:
    """Drop source graphs with everything derived from them (their alignment runs); return the
    alignment graphs dropped. Alignments go first: a crash never leaves evidence into nothing."""
    runs = alignment_graphs_of(backend, set(graphs))
    for g in runs + graphs:
        backend.drop_graph(g)
    return runs


def reference_graph_iris() -> list[str]:
    return [reference_graph_iri(name) for _, name in REFERENCE_FILES]


def reference_graph_iri(file_name: str) -> str:
    return f"{ids.ID}graph/{file_name.removesuffix('.ttl')}"


def reference_ntriples() -> dict[str, list[str]]:
    """Graph IRI -> N-Triples of the bundled reference data. Catalog documents are typed
    pkg:CatalogDocument so that views can draw them as known-but-not-ingested."""
    from rdflib import RDF, Graph, URIRef

    out: dict[str, list[str]] = {}
    for package, name in REFERENCE_FILES:
        res = resources.files(package).joinpath(name)
        if not res.is_file():
            continue
        g = Graph().parse(data=res.read_text(encoding="utf-8"), format="turtle")
        if name == "documents.ttl":
            for s in set(g.subjects(RDF.type, URIRef(PKG.PolicyDocument))):
                g.add((s, RDF.type, URIRef(PKG.CatalogDocument)))
        out[reference_graph_iri(name)] = [
            line + "\n" for line in g.serialize(format="nt").splitlines() if line.strip()
        ]
    return out


def load_reference(backend: Backend) -> None:
    """Write the reference graphs, skipping those the store already holds unchanged (every
    ingest calls this; rewriting them was a third of re-ingesting an unchanged collection)."""
    for graph, lines in reference_ntriples().items():
        current = getattr(backend, "graph_ntriples", None)
        if current is not None and set(current(graph).splitlines(keepends=True)) == set(lines):
            continue
        backend.replace_graph(graph, lines)


__all__ = ["store_document", "stored_sources", "load_reference", "remove_sources", "find_source", "StoredSource"]
