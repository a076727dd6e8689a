"""The same behaviour on three backends: embedded pyoxigraph, `oxigraph serve` and Virtuoso 7."""
from __future__ import annotations

import re

import pytest

from policykg.graph.ids import source_iri
from policykg.graph.store import OxigraphBackend, StoreError
from policykg.ingest.batch import ingest_paths
from policykg.queries.export import export_records

SERVER_KINDS = ["oxigraph", "virtuoso"]


def pytest_generate_tests(metafunc):  # noqa: D103 - parametrize "kind" over the servers
    if "kind" in metafunc.fixturenames:
        metafunc.parametrize("kind", [pytest.param(k, marks=pytest.mark.server) for k in SERVER_KINDS])


@pytest.fixture(scope="module")
def embedded(corpus_dir):
    b = OxigraphBackend(None)
    report = ingest_paths(b, [corpus_dir], jobs=1, force=True)
    assert not report.failed, report.failed
    return b


@pytest.fixture(scope="module")
def loaded(request, corpus_dir):
    """Server backends with the corpus ingested (once per module)."""
    cache: dict = {}

    def get(kind: str):
        if kind not in cache:
            server = request.getfixturevalue(f"{kind}_server")
            b = server.backend()
            report = ingest_paths(b, [corpus_dir], jobs=1, force=True)
            assert not report.failed, [o.message for o in report.failed]
            cache[kind] = b
        return cache[kind]

    return get


def test_backends_export_identical(embedded, loaded, kind):
    assert export_records(loaded(kind)) == export_records(embedded)


def test_backends_stored_sources_identical(embedded, loaded, kind):
    from policykg.graph.load import stored_sources

    assert stored_sources(loaded(kind)) == stored_sources(embedded)


def _graph_triples(backend, graph: str) -> set[str]:
    res = backend.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o")
    return {f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in res.rows}


def _replace_checks(backend, base: str) -> None:
    g = base + "graph"
    first = [f'<{base}s{i}> <{base}p> "值 {i}"@zh .\n' for i in range(1500)]  # > Virtuoso's 1,000 per INSERT
    backend.replace_graph(g, first)
    assert len(_graph_triples(backend, g)) == 1500
    second = [f'<{base}s> <{base}p> "第二 \\"quoted\\" {{}}"@zh .\n']
    backend.replace_graph(g, second)
    assert _graph_triples(backend, g) == {f'<{base}s> <{base}p> "第二 \\"quoted\\" {{}}"@zh'}
    backend.drop_graph(g)
    assert _graph_triples(backend, g) == set()
    # no temporary graph left behind
    assert not [x for x in backend.named_graphs() if x.startswith(base)]


def _replace_many_checks(backend, base: str, sparql_syntax: bool = False) -> None:
    """``replace_graphs``: new graphs (bulk-loaded on the embedded store) and an existing one
    (replaced whole); with ``sparql_syntax``, a batch with a line that only SPARQL reads (rdflib's
    long literals), which the embedded store writes one by one."""
    old, new1, new2 = base + "old", base + "new1", base + "new2"
    backend.replace_graph(old, [f'<{base}s> <{base}p> "旧" .\n'])
    backend.replace_graphs([(old, [f'<{base}s> <{base}p> "新" .\n']),
                            (new1, [f'<{base}s{i}> <{base}p> "值 {i}"@zh .\n' for i in range(700)]),
                            (new2, [f'<{base}s> <{base}p> <{base}o> .'])])  # no final newline
    assert _graph_triples(backend, old) == {f'<{base}s> <{base}p> "新"'}
    assert len(_graph_triples(backend, new1)) == 700
    assert _graph_triples(backend, new2) == {f"<{base}s> <{base}p> <{base}o>"}
    twice = base + "twice"  # one graph twice in a batch (two files of one name): the last wins
    backend.replace_graphs([(twice, [f'<{base}s> <{base}p> "一" .\n']), (twice, [f'<{base}s> <{base}p> "二" .\n'])])
    assert _graph_triples(backend, twice) == {f'<{base}s> <{base}p> "二"'}
    for g in (old, new1, new2, twice):
        backend.drop_graph(g)
    if not sparql_syntax:
        return
    long = base + "long"
    backend.replace_graphs([(long, [f'<{base}s> <{base}p> """两行\n文本""" .\n']),
                            (base + "plain", [f'<{base}s> <{base}p> "一" .\n'])])
    assert _graph_triples(backend, long) == {f'<{base}s> <{base}p> "两行\\n文本"'}
    assert len(_graph_triples(backend, base + "plain")) == 1
    for g in (long, base + "plain"):
        backend.drop_graph(g)


def test_backends_replace_graphs_embedded(tmp_path):
    _replace_many_checks(OxigraphBackend(tmp_path / "store"), "http://example.org/many/", sparql_syntax=True)


def test_backends_replace_graphs_rejects_a_line_without_object(tmp_path):
    """A malformed line fails its graph with a StoreError: it never becomes a triple elsewhere
    (as N-Quads, ``<s> <p> <graph> .`` would have been a default-graph triple)."""
    backend = OxigraphBackend(tmp_path / "store")
    base = "http://example.org/bad/"
    with pytest.raises(StoreError, match=base + "broken"):
        backend.replace_graphs([(base + "good", [f'<{base}s> <{base}p> "一" .\n']),
                                (base + "broken", [f"<{base}s> <{base}p> .\n"])])
    assert backend.named_graphs() == [base + "good"]  # written whole before the broken one
    assert len(backend.store) == 1


def test_backends_replace_graphs_on_servers(loaded, kind):
    _replace_many_checks(loaded(kind), f"http://example.org/{kind}/many/")


def test_backends_replace_graph_embedded():
    _replace_checks(OxigraphBackend(None), "http://example.org/replace/")


def test_backends_replace_graph_with_graph_store(loaded, kind):
    _replace_checks(loaded(kind), f"http://example.org/{kind}/gsp/")


def test_backends_replace_graph_with_sparql_update(request, kind):
    server = request.getfixturevalue(f"{kind}_server")
    b = server.backend(graph_store=None)
    assert b.flavor == kind
    _replace_checks(b, f"http://example.org/{kind}/update/")


def test_backends_reingest_replaces(embedded, request, kind, corpus_dir, tmp_path):
    """Ingesting a changed file replaces its graph: nothing of the old version remains."""
    server = request.getfixturevalue(f"{kind}_server")
    b = server.backend()
    src = sorted(corpus_dir.glob("*.txt"))[0]
    copy = tmp_path / "reingest_probe.txt"
    # another serial: a document of its own, not a copy of one the shared server may hold
    text = re.sub(r"(\d+)号", r"9\1号", src.read_text(encoding="utf-8"), count=1)
    copy.write_text(text, encoding="utf-8")
    report = ingest_paths(b, [copy], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored"], report.outcomes
    graph = source_iri(copy)
    before = _graph_triples(b, graph)
    cut = text[: len(text) // 2]
    copy.write_text(cut, encoding="utf-8")
    report = ingest_paths(b, [copy], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored"]
    after = _graph_triples(b, graph)
    e = OxigraphBackend(None)
    ingest_paths(e, [copy], jobs=1)
    assert after == _graph_triples(e, graph)
    assert after != before
    b.drop_graph(graph)


def test_backends_unchanged_files_skipped(loaded, kind, corpus_dir):
    report = ingest_paths(loaded(kind), [corpus_dir], jobs=1)
    assert {o.status for o in report.outcomes} == {"unchanged"}


def test_backends_paging_past_virtuoso_row_cap(loaded, virtuoso_server):
    """The test Virtuoso cuts results at a few hundred rows; the export queries page past it."""
    from servers import VIRTUOSO_MAX_ROWS

    from policykg.queries.run import run_query

    rows = run_query(loaded("virtuoso"), "export_evidence").rows
    assert len(rows) > VIRTUOSO_MAX_ROWS
    assert len(rows) == len(set(rows))


test_backends_paging_past_virtuoso_row_cap = pytest.mark.server(test_backends_paging_past_virtuoso_row_cap)
