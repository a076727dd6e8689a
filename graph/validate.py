"""SHACL validation of the store with pySHACL, one document graph at a time.

Copying a whole store into one rdflib graph does not scale (about 1 KB of memory and 0.1 ms
per triple: a 10,000-document store holds over 20 million triples), and pySHACL 0.40 on a
pyoxigraph Store with named graphs was found ~100x slower than on rdflib here and reported
every ``sh:class`` check that crosses graphs (benchmarks/README.md). So the embedded store is
validated in units, each small enough for rdflib:

* every ingested document's graph (``…/src/<file>``), plus the ``rdf:type`` triples of the
  reference graphs (so ``sh:class skos:Concept`` sees the schemes);
* the reference graphs together (ontology, schemes, catalog);
* every other graph (alignment runs, …) the same way as a document graph.

Units are validated in worker processes, streamed through a bounded window, so memory stays
flat at any store size. Each unit sees what queries see of it; only constraints that need two
documents at once (none in shapes.ttl today) would differ from validating the union.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from importlib import resources


from .load import reference_graph_iris
from .parallel import bounded_map
from .store import Backend, OxigraphBackend, StoreError

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def shapes_text() -> str:
    return resources.files("policykg.ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _shapes():
    from rdflib import Graph

    return Graph().parse(data=shapes_text(), format="turtle")


def validate_ntriples(data: str) -> tuple[bool, list[str]]:
    """Validate one unit given as N-Triples. No inference; the data is not changed."""
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    graph = Graph().parse(data=data, format="nt")
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=_shapes(), inference="none", inplace=True, allow_warnings=True)
    lines = []
    for r in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(r, SH.focusNode)
        path = report.value(r, SH.resultPath)
        msg = report.value(r, SH.resultMessage)
        lines.append(f"{focus} {path or ''}: {msg}")
    return bool(conforms), lines


def validate_backend(backend: Backend, jobs: int | None = None) -> tuple[bool, list[str]]:
    """Return (conforms, one sorted line per violation). The data is never changed (no
    inference); ``jobs`` worker processes (default: one per core) validate the units."""
    if not isinstance(backend, OxigraphBackend):
        from rdflib import Graph

        data = "".join(backend.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
        Graph().parse(data=data, format="nt")  # fail early on a malformed answer
        conforms, lines = validate_ntriples(data)
        return conforms, sorted(set(lines))
    conforms, lines = True, set()
    for ok, found in _validate_units(_units(backend), jobs or os.cpu_count() or 1):
        conforms = conforms and ok
        lines.update(found)
    return conforms, sorted(lines)


def _units(backend: OxigraphBackend) -> Iterator[str]:
    """N-Triples of each validation unit: the reference graphs together, then each other graph
    (every document, every alignment run) with the reference graphs' types."""
    try:
        known = set(reference_graph_iris())
        graphs = backend.named_graphs()
        reference = [g for g in graphs if g in known]
        yield "".join(backend.graph_ntriples(g) for g in reference)
        context = "".join(backend.graph_ntriples(g, predicate=RDF_TYPE) for g in reference)
        for g in graphs:
            if g not in known:
                yield backend.graph_ntriples(g) + context
    except OSError as err:
        raise StoreError(f"cannot read the store for validation: {err}") from None


def _validate_units(units: Iterator[str], jobs: int) -> Iterator[tuple[bool, list[str]]]:
    first = next(units, None)
    if first is None:
        return
    rest = list(_take(units, 2))
    if jobs <= 1 or len(rest) < 2:  # a small store: no worker start-up cost
        for unit in chain((first, *rest), units):
            yield validate_ntriples(unit)
        return
    yield from bounded_map(validate_ntriples, chain((first, *rest), units), jobs, window=jobs * 2)


def _take(it: Iterator[str], n: int) -> Iterator[str]:
    for _ in range(n):
        x = next(it, None)
        if x is None:
            return
        yield x
