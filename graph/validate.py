"""SHACL validation of the store with pySHACL (which reads a pyoxigraph Store directly, ≥ 0.40)."""
from __future__ import annotations

from importlib import resources

from .store import Backend, OxigraphBackend, StoreError


def shapes_text() -> str:
    return resources.files("policykg.ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")


def validate_backend(backend: Backend) -> tuple[bool, list[str]]:
    """Return (conforms, one line per violation). The data is never changed (inplace=False,
    no inference), and the report graph is returned as pySHACL gives it."""
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    if isinstance(backend, OxigraphBackend):
        data = _union_graph(backend)
    else:
        data = Graph().parse(data="".join(backend.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")), format="nt")
    shapes = Graph().parse(data=shapes_text(), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", inplace=False, allow_warnings=True)
    lines = []
    for r in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(r, SH.focusNode)
        path = report.value(r, SH.resultPath)
        msg = report.value(r, SH.resultMessage)
        lines.append(f"{focus} {path or ''}: {msg}")
    return bool(conforms), sorted(lines)


def _union_graph(backend: OxigraphBackend):
    """The union of all named graphs as one rdflib Graph (SHACL sees what queries see)."""
    from rdflib import Graph

    try:
        nt = "".join(backend.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    except Exception as err:  # noqa: BLE001 - the store layer reports OS errors as strings
        raise StoreError(f"cannot read the store for validation: {err}") from None
    return Graph().parse(data=nt, format="nt")
