"""Writing documents and reference data (ontology, schemes, catalog) into a backend."""
from __future__ import annotations

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


def stored_sources(backend: Backend) -> dict[str, tuple[str, str | None]]:
    """source file name -> (sha256, extractor version) of what the store holds."""
    res = backend.select(internal_query("stored_sources"))
    return {r["name"]: (r["sha"], r["extractor"]) for r in res.records()}


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


__all__ = ["store_document", "stored_sources", "load_reference"]
