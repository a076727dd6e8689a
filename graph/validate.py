"""SHACL validation of the store against ontology/shapes.ttl, by one of two engines that report
the same violations.

* ``sparql`` (the default for the embedded store and for an Oxigraph server): graph/shacl.py
  compiles every constraint into one SPARQL SELECT (templates graph/sparql/shacl_*.rq) whose
  rows are the violations, and the store evaluates it on its own indexes, a batch of 100 named
  graphs per query, several queries at a time in threads. Why: pySHACL works on rdflib graphs, so
  every triple had to be copied out of the store, parsed and indexed again in Python, which ran
  at about half the ingest speed. The queries read each path's triples once per batch and join
  them by hashing; only violations reach Python, and memory is bounded by the batch, not by the
  store. Measured on 300 synthetic documents: ~60-80 documents/s against ~5 for pySHACL and
  7-12 for ingest; the same per document at 1,000; peak RSS ~130-150 MiB at both sizes.
* ``pyshacl``: the reference implementation, kept to cross-check the compiler (the tests run
  both on the corpus and on broken copies of it) and as the default for other SPARQL servers,
  whose SPARQL we have not verified (Virtuoso's quirks: LIBRARY-NOTES §3); there the union of all
  graphs is validated as one rdflib graph, as before. On the embedded store it validates units
  in worker processes through a bounded window: every document's graph plus the ``rdf:type``
  triples of the reference graphs (so ``sh:class skos:Concept`` sees the schemes), the reference
  graphs together, and every other graph (alignment runs, …) like a document. (Copying the whole
  store into one rdflib graph, or running pySHACL on the pyoxigraph Store with its named graphs,
  did not scale.)

Shared semantics: targets are found per named graph and the focus node's values are read in
that graph, so two documents that mention the same node never add up. Nothing is inferred and
nothing is changed: in a document graph only stated types count, while the ontology's
rdfs:subClassOf statements apply inside the reference graphs, which hold them. What differs:
``sh:class`` finds types in any graph for the SPARQL engine but only in the unit for pySHACL (a
type stated only in another document's graph satisfies one and not the other; our documents type
what they mention); ``sh:pattern`` is an XPath regex for one and a Python one for the other (the
patterns in shapes.ttl mean the same in both); the reference graphs are validated one by one by
the SPARQL engine and together by pySHACL.

Violations are printed as ``<focus> <path>: sh:Component [value] [— sh:message]`` lines, sorted
and de-duplicated, the same for both engines.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from importlib import resources

from ..ingest.errors import PolicyKGError
from .load import reference_graph_iris
from .parallel import bounded_map
from .shacl import UnsupportedShape, Violation, find_violations, is_iri, make_violation, shape_message
from .store import Backend, OxigraphBackend, StoreError, Term

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ENGINES = ("sparql", "pyshacl")

__all__ = ["ENGINES", "UnsupportedShape", "Violation", "default_engine", "find_backend_violations",
           "shapes_text", "validate_backend"]


def shapes_text() -> str:
    return resources.files("policykg.ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _shapes():
    from rdflib import Graph

    return Graph().parse(data=shapes_text(), format="turtle")


def default_engine(backend: Backend) -> str:
    """sparql for the embedded store and an Oxigraph server, pyshacl for other servers."""
    if isinstance(backend, OxigraphBackend) or getattr(backend, "flavor", None) == "oxigraph":
        return "sparql"
    return "pyshacl"


def validate_backend(backend: Backend, jobs: int | None = None, engine: str | None = None,
                     graphs: Sequence[str] | None = None) -> tuple[bool, list[str]]:
    """Return (conforms, one sorted line per violation). ``engine``: "sparql" or "pyshacl"
    (default: ``default_engine``); ``graphs``: validate only these named graphs (say, the
    documents just ingested; a source file name stands for its graph); ``jobs``: threads
    (sparql) or worker processes (pyshacl), default one per core. The data is never changed (no
    inference)."""
    found = find_backend_violations(backend, jobs, engine, graphs)
    return not found, sorted({v.line() for v in found})


def _source_graph(backend: Backend, given: str) -> str:
    from .load import find_source, stored_sources

    found = find_source(given, stored_sources(backend))
    if isinstance(found, str):
        raise PolicyKGError(found)
    return found.graph


def find_backend_violations(backend: Backend, jobs: int | None = None, engine: str | None = None,
                            graphs: Sequence[str] | None = None) -> set[Violation]:
    """The violations themselves (focus, path, component, value, message), as validate_backend
    prints them."""
    engine = engine or default_engine(backend)
    if engine not in ENGINES:
        raise PolicyKGError(f"unknown validation engine {engine!r}: choose {' or '.join(ENGINES)}")
    if graphs is not None:
        graphs = [g if ":" in g else _source_graph(backend, g) for g in graphs]  # a source path or name stands for its graph
        bad = [g for g in graphs if not is_iri(g)]
        if bad:
            raise PolicyKGError(f"not a graph IRI: {bad[0]!r}")
    jobs = jobs or os.cpu_count() or 1
    if engine == "sparql":
        embedded = isinstance(backend, OxigraphBackend)
        try:
            return find_violations(backend, _shapes(), graphs, jobs=jobs if embedded else 1,
                                   schema_graphs=reference_graph_iris())
        except OSError as err:
            raise StoreError(f"cannot read the store for validation: {err}") from None
    if not isinstance(backend, OxigraphBackend):
        if graphs is not None:
            raise PolicyKGError("validating chosen graphs of a remote store needs --engine sparql")
        from rdflib import Graph

        data = "".join(backend.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
        Graph().parse(data=data, format="nt")  # fail early on a malformed answer
        return set(_pyshacl_violations(data))
    found: set[Violation] = set()
    for part in _validate_units(_units(backend, graphs), jobs):
        found.update(part)
    return found


def _pyshacl_violations(data: str, shapes=None) -> list[Violation]:
    """pySHACL on N-Triples ``data`` against ``shapes`` (an rdflib Graph; default shapes.ttl)."""
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    shapes = _shapes() if shapes is None else shapes
    graph = Graph().parse(data=data, format="nt")
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", inplace=True, allow_warnings=True)
    out = []
    for r in report.subjects(SH.resultSeverity, SH.Violation):
        path = report.value(r, SH.resultPath)
        component = str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        value = report.value(r, SH.value)
        out.append(make_violation(_term(report.value(r, SH.focusNode)), str(path) if path is not None else None,
                                  component, _term(value) if value is not None else None,
                                  shape_message(shapes, report.value(r, SH.sourceShape))))
    return out


def _term(node) -> Term:
    from rdflib import BNode, Literal

    if isinstance(node, Literal):
        if node.language:
            return Term("literal", str(node), None, node.language)
        return Term("literal", str(node), str(node.datatype) if node.datatype else XSD_STRING)
    return Term("bnode" if isinstance(node, BNode) else "uri", str(node))


def _units(backend: OxigraphBackend, graphs: Sequence[str] | None = None) -> Iterator[str]:
    """N-Triples of each validation unit: the reference graphs together, then each other graph
    (every document, every alignment run) with the reference graphs' types.
    ``graphs``: only the units of these graphs."""
    try:
        known = set(reference_graph_iris())
        present = backend.named_graphs()
        wanted = set(present if graphs is None else graphs)
        reference = [g for g in present if g in known]
        if wanted & set(reference):
            yield "".join(backend.graph_ntriples(g) for g in reference)
        context = "".join(backend.graph_ntriples(g, predicate=RDF_TYPE) for g in reference)
        for g in present:
            if g not in known and g in wanted:
                yield backend.graph_ntriples(g) + context
    except OSError as err:
        raise StoreError(f"cannot read the store for validation: {err}") from None


def _validate_units(units: Iterator[str], jobs: int) -> Iterator[list[Violation]]:
    first = next(units, None)
    if first is None:
        return
    rest = list(_take(units, 2))
    if jobs <= 1 or len(rest) < 2:  # a small store: no worker start-up cost
        for unit in chain((first, *rest), units):
            yield _pyshacl_violations(unit)
        return
    yield from bounded_map(_pyshacl_violations, chain((first, *rest), units), jobs, window=jobs * 2)


def _take(it: Iterator[str], n: int) -> Iterator[str]:
    for _ in range(n):
        x = next(it, None)
        if x is None:
            return
        yield x
