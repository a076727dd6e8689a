"""User queries on the embedded store (issue 17, items 11 and 13): SERVICE is refused before
evaluation, wherever the query comes from; FROM / FROM NAMED choose the dataset."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from policykg.graph.terms import ID

from conftest import CORPUS, ROOT, run_cli


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory):
    store = tmp_path_factory.mktemp("two") / "store"
    files = sorted(CORPUS.glob("*.txt"))[:2]
    res = run_cli("--store", str(store), "ingest", "--quiet", *map(str, files))
    assert res.returncode == 0, res.stderr
    return store, files


@pytest.fixture
def listener():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    server.shutdown()
    server.server_close()
    thread.join(5)


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE<{url}>{ ?s ?p ?o } } LIMIT 1",
    "PREFIX e: <{url}#>\nSELECT * WHERE { ?s ?p 'it\\'s' . OPTIONAL { SERVICE e: { ?s ?p ?o } } }",
    "# SERVICE in a comment does not hide\nSELECT * { { SELECT ?s { SERVICE <{url}> { ?s ?p ?o } } } }",
    "ASK { SERVICE <{url}> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
]
HARMLESS_QUERIES = [
    'SELECT ?service WHERE { ?service ?p "SERVICE <http://127.0.0.1:9/>" } # SERVICE <http://x/>',
    "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ex:SERVICE <http://example.org/#SERVICE> ?from }",
    "SELECT * WHERE { ?s ?p '''a SERVICE <http://x/> { } ''' }",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_store_queries_service_is_refused_before_any_request(two_docs, listener, tmp_path, template):
    store, _ = two_docs
    url, hits = listener
    rq = tmp_path / "remote.rq"
    rq.write_text(template.replace("{url}", url), encoding="utf-8")
    fmt = ["--format", "ttl"] if template.startswith("CONSTRUCT") else []
    res = run_cli("--store", str(store), "query", "--file", str(rq), *fmt)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.strip() == (f"error: {rq}: SERVICE is not allowed: queries run on this store only, "
                                  "never fetch other servers")
    assert hits == []


def test_store_queries_service_is_refused_in_the_backend_for_every_caller(listener):
    from policykg.graph.store import OxigraphBackend, QueryNotAllowed

    url, hits = listener
    backend = OxigraphBackend(None)
    for template in SERVICE_QUERIES:
        query = template.replace("{url}", url)
        with pytest.raises(QueryNotAllowed):
            if query.startswith("ASK"):
                backend.ask(query)
            elif query.startswith("CONSTRUCT"):
                backend.construct(query)
            else:
                backend.select(query)
    for query in HARMLESS_QUERIES:
        backend.select(query)
    assert hits == []


def test_store_queries_keyword_scan_agrees_with_rdflibs_algebra(listener):
    """The lexical scan the store uses finds SERVICE exactly where rdflib's algebra has a
    ServiceGraphPattern, and never in the named or internal queries."""
    from rdflib.plugins.sparql.parser import parseQuery

    from policykg.graph.store import query_keywords

    def has_service(query: str) -> bool:
        return "ServiceGraphPattern" in repr(parseQuery(query))

    url, _ = listener
    for template in SERVICE_QUERIES + HARMLESS_QUERIES:
        query = template.replace("{url}", url)
        assert ("SERVICE" in query_keywords(query)) == has_service(query), query
    for rq in [*ROOT.joinpath("queries").glob("*.rq"), *ROOT.joinpath("graph", "sparql").glob("*.rq")]:
        assert query_keywords(rq.read_text(encoding="utf-8")) == set(), rq


def _graph_of(store: Path, name: str) -> str:
    from policykg.graph.load import find_source, stored_sources
    from policykg.graph.store import open_read_only

    backend = open_read_only(store)
    try:
        return find_source(name, stored_sources(backend)).graph
    finally:
        backend.close()


def test_store_queries_from_chooses_the_default_graph(two_docs, tmp_path):
    store, files = two_docs
    graph = _graph_of(store, files[0].name)
    count = tmp_path / "count.rq"

    def triples(dataset: str) -> int:
        count.write_text(f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}", encoding="utf-8")
        res = run_cli("--store", str(store), "query", "--file", str(count), "--format", "csv")
        assert res.returncode == 0, res.stderr
        return int(res.stdout.splitlines()[1])

    everything = triples("")
    one = triples(f"FROM <{graph}>")
    assert 0 < one < everything
    from policykg.graph.store import open_read_only

    backend = open_read_only(store)
    assert one == len(backend.graph_ntriples(graph).splitlines())
    backend.close()
    assert triples("FROM <https://w3id.org/policykg/id/src/no-such-file.txt>") == 0
    assert triples(f"FROM NAMED <{graph}>") == 0  # a dataset with only named graphs has an empty default graph


def test_store_queries_from_named_limits_the_graphs(two_docs, tmp_path):
    store, files = two_docs
    first = _graph_of(store, files[0].name)
    rq = tmp_path / "graphs.rq"
    rq.write_text(f"SELECT DISTINCT ?g FROM NAMED <{first}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", encoding="utf-8")
    res = run_cli("--store", str(store), "query", "--file", str(rq), "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert res.stdout.lstrip("\ufeff").splitlines()[1:] == [first.removeprefix(ID)]  # ids as the CLI accepts them
    rq.write_text("SELECT DISTINCT ?g FROM NAMED <urn:x:none> WHERE { GRAPH ?g { ?s ?p ?o } }", encoding="utf-8")
    assert run_cli("--store", str(store), "query", "--file", str(rq), "--format", "csv").stdout.lstrip("\ufeff").splitlines() == ["g"]


def test_store_queries_named_queries_still_see_the_union(two_docs):
    store, _ = two_docs
    res = run_cli("--store", str(store), "stats", "--format", "json")
    assert res.returncode == 0 and '"documents": 2' in res.stdout, res.stdout + res.stderr


def test_store_queries_timeout_stops_a_runaway_query(two_docs, tmp_path):
    """A cross product of every triple with every triple (tens of millions of rows) stops at the
    timeout instead of keeping a core busy and filling memory."""
    import os
    import time

    store, _ = two_docs
    rq = tmp_path / "cross.rq"
    rq.write_text("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", encoding="utf-8")
    started = time.monotonic()
    res = run_cli("--store", str(store), "query", "--file", str(rq), "--timeout", "1", "--format", "csv", timeout=120)
    assert time.monotonic() - started < 15
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip() == "error: the query ran longer than 1 s (the query timeout)"
    env = dict(os.environ, POLICYKG_QUERY_TIMEOUT="1")
    res = run_cli("--store", str(store), "query", "--file", str(rq), env=env, timeout=120)
    assert res.returncode == 1 and "ran longer than 1 s" in res.stderr
    bad = run_cli("--store", str(store), "query", "documents", "--timeout", "0")
    assert bad.returncode == 1 and bad.stderr.strip() == "error: --timeout must be more than 0 seconds"
    ok = run_cli("--store", str(store), "query", "documents", "--timeout", "60", "--format", "csv")
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 3
