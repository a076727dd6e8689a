"""Every named query: header, README, runs the same on every backend, and gives the rows that
in-memory extraction predicts on the corpus (no hard-coded counts)."""
from __future__ import annotations

import shlex
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from policykg.graph.store import OxigraphBackend
from policykg.ingest.pipeline import as_record, ingest_file
from policykg.ingest.batch import ingest_paths
from policykg.queries.catalog import PARAM_TYPES, all_queries, render_readme
from policykg.queries.run import _TRAILING_ORDER, run_query, sorted_records

QUERIES = all_queries()
README = Path(__file__).resolve().parent.parent / "queries" / "README.md"


def example_params(name: str) -> dict[str, str]:
    """The --param values of the query's first example line."""
    q = QUERIES[name]
    out: dict[str, str] = {}
    if not q.examples:
        return out
    words = shlex.split(q.examples[0])
    for flag, value in zip(words, words[1:]):
        if flag in ("--param", "-p"):
            k, v = value.split("=", 1)
            out[k] = v
    return out


@pytest.fixture(scope="module")
def embedded(corpus_dir):
    b = OxigraphBackend(None)
    assert not ingest_paths(b, [corpus_dir], jobs=1, force=True).failed
    return b


@pytest.fixture(scope="module")
def docs(corpus_dir):
    return [ingest_file(p) for p in sorted(corpus_dir.glob("*.txt"))]


@pytest.fixture(scope="module")
def records(docs):
    return [as_record(d) for d in docs]


def rows(backend, name, **params):
    return run_query(backend, name, params).records()


def key(rec: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in rec.items()))


# ------------------------------------------------------------------ headers and README
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_queries_header_complete(name):
    q = QUERIES[name]
    assert q.summary and q.summary_zh and q.returns and q.examples, name
    assert Path(q.path).stem == name
    for p in q.params:
        assert p.type in PARAM_TYPES and f"?{p.name}" in q.sparql, (name, p.name)
    for k in example_params(name):
        assert q.param(k) is not None, (name, k)


def test_queries_readme_is_current():
    assert README.read_text(encoding="utf-8") == render_readme(), (
        "queries/README.md is stale: python -m policykg.queries.catalog > queries/README.md")


def test_queries_at_least_twelve_analyst_queries():
    analyst = [n for n in QUERIES if not n.startswith(("export_", "stats", "edges_"))]
    assert len(analyst) >= 12, analyst


# ------------------------------------------------------------------ same rows on every backend
@pytest.fixture(scope="module")
def server_backend(request, corpus_dir):
    cache: dict = {}

    def get(kind):
        if kind not in cache:
            b = request.getfixturevalue(f"{kind}_server").backend()
            assert not ingest_paths(b, [corpus_dir], jobs=1, force=True).failed
            cache[kind] = b
        return cache[kind]

    return get


# Columns that legitimately differ on Virtuoso: it counts its own system graphs' triples.
BACKEND_SPECIFIC = {("virtuoso", "stats"): {"triples"}}


@pytest.mark.server
@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_queries_same_rows_on_servers(embedded, server_backend, kind, name):
    params = example_params(name)
    expected = rows(embedded, name, **params)
    got = rows(server_backend(kind), name, **params)
    drop = BACKEND_SPECIFIC.get((kind, name), set())
    strip = lambda rs: sorted(key({k: v for k, v in r.items() if k not in drop}) for r in rs)  # noqa: E731
    assert strip(got) == strip(expected)


SORTED_HERE = sorted(n for n, q in QUERIES.items() if _TRAILING_ORDER.search(q.sparql))


def test_queries_sorted_here_covers_the_export_queries():
    assert {n for n in QUERIES if n.startswith("export_")} <= set(SORTED_HERE)


@pytest.mark.parametrize("name", SORTED_HERE)
def test_queries_sorted_in_python_like_order_by(embedded, name):
    """sorted_records (ORDER BY done in Python) gives the store's rows in the store's order
    (rows that tie on every ORDER BY key may come in either order, as in SPARQL)."""
    params = example_params(name)
    expected, got = rows(embedded, name, **params), sorted_records(embedded, name, params)
    order = [k for k in _TRAILING_ORDER.search(QUERIES[name].sparql).group(1).replace("?", "").split()
             if not expected or k in expected[0]]
    assert [[r[k] for k in order] for r in got] == [[r[k] for k in order] for r in expected]
    assert sorted(map(key, got)) == sorted(map(key, expected))


# ------------------------------------------------------------------ expected rows from extraction
def test_queries_documents(embedded, records):
    got = rows(embedded, "documents")
    assert sorted(r["source"] for r in got) == sorted(r["source"] for r in records)
    for r in got:
        rec = next(x for x in records if x["source"] == r["source"])
        assert r["measures"] == len(rec["measures"])
        assert r["level"] == rec["document"]["level"]
        assert r["region"] == rec["document"]["region"]
    level = records[0]["document"]["level"]
    assert len(rows(embedded, "documents", level=level)) == sum(r["document"]["level"] == level for r in records)


def _canonical(a):
    return a["canonical"] or a["name"]


def test_queries_measures_by_agency(embedded, records):
    agency = example_params("measures_by_agency")["agency"]
    expected = Counter()
    for rec in records:
        for m in rec["measures"]:
            for role in ("lead", "support"):
                if any(_canonical(a) == agency for a in m[role]):
                    expected[role] += 1
    got = Counter(r["role"] for r in rows(embedded, "measures_by_agency", agency=agency))
    assert got == expected and sum(got.values()) > 0


def _workload(records):
    lead, support = defaultdict(set), defaultdict(set)
    for rec in records:
        for i, m in enumerate(rec["measures"]):
            for a in m["lead"]:
                lead[_canonical(a)].add((rec["source"], i))
            for a in m["support"]:
                support[_canonical(a)].add((rec["source"], i))
    return lead, support


def test_queries_agency_workload(embedded, records):
    lead, support = _workload(records)
    got = {r["agency"]: (r["lead"], r["support"]) for r in rows(embedded, "agency_workload")}
    assert got == {a: (len(lead[a]), len(support[a])) for a in set(lead) | set(support)}


def test_queries_agencies_never_leading(embedded, records):
    lead, support = _workload(records)
    got = {r["agency"]: r["support"] for r in rows(embedded, "agencies_never_leading")}
    assert got == {a: len(s) for a, s in support.items() if a not in lead}


def test_queries_co_responsibility(embedded, records):
    pairs = Counter()
    for rec in records:
        for m in rec["measures"]:
            names = sorted({_canonical(a) for a in m["lead"] + m["support"]})
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    pairs[frozenset((a, b))] += 1
    got = {frozenset((r["agency1"], r["agency2"])): r["shared"] for r in rows(embedded, "co_responsibility")}
    assert got == dict(pairs)


def test_queries_measures_without_agency(embedded, records):
    expected = sum(1 for rec in records for m in rec["measures"] if not m["lead"] and not m["support"])
    got = rows(embedded, "measures_without_agency")
    assert len(got) == expected
    assert all(r["kind"] in ("task", "safeguard") for r in got)


def _implements_closure(embedded) -> dict[str, set[str]]:
    """doc -> every document it reaches through pkg:implements, computed in Python from
    single-step edges (no property path)."""
    edges = defaultdict(set)
    res = embedded.select("PREFIX pkg: <https://w3id.org/policykg/ontology#> "
                          "SELECT DISTINCT ?a ?b WHERE { ?a pkg:implements ?b }")
    for a, b in res.rows:
        edges[a.value].add(b.value)
    closure = {}
    for start in list(edges):
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closure[start] = seen
    return closure


def _doc_of_source(embedded) -> dict[str, str]:
    res = embedded.select("PREFIX pkg: <https://w3id.org/policykg/ontology#> "
                          "SELECT ?doc ?source WHERE { ?doc pkg:sourceFile/pkg:fileName ?source }")
    return {s.value: d.value for d, s in res.rows}


def test_queries_implementation_chain(embedded, records):
    closure = _implements_closure(embedded)
    docs = _doc_of_source(embedded)
    n_measures = {r["source"]: len(r["measures"]) for r in records}
    expected = sum(n_measures[s] * len(closure.get(d, ())) for s, d in docs.items())
    got = {(r["source"], r["measure"], r["upstream"]) for r in rows(embedded, "implementation_chain")}
    assert len(got) == expected


def test_queries_traces_to_directive(embedded, records):
    number = example_params("traces_to_directive")["upstream_number"]
    closure = _implements_closure(embedded)
    docs = _doc_of_source(embedded)
    res = embedded.select("PREFIX pkg: <https://w3id.org/policykg/ontology#> SELECT ?u WHERE { ?u pkg:docNumber ?n }")
    upstream = {u.value for (u,) in embedded.select(
        "PREFIX pkg: <https://w3id.org/policykg/ontology#> SELECT ?u WHERE { ?u pkg:docNumber " f'"{number}"' " }").rows}
    assert res.rows and upstream
    n_measures = {r["source"]: len(r["measures"]) for r in records}
    tracing = {s for s, d in docs.items() if closure.get(d, set()) & upstream}
    # direct citations alone must already be found
    assert {r["source"] for r in records if any(c["doc_number"] == number and c["relation"] == "implements"
                                               for c in r["citations"])} <= tracing
    got = rows(embedded, "traces_to_directive", upstream_number=number)
    assert {r["source"] for r in got} == tracing
    assert len({(r["source"], r["measure"]) for r in got}) == sum(max(n_measures[s], 1) for s in tracing)


def test_queries_citation_network(embedded, records):
    got = rows(embedded, "citation_network")
    expected = {(r["source"], c["doc_number"] or c["title"], c["relation"]) for r in records for c in r["citations"]}
    assert {(r["source"], r["cited_number"] or r["cited_title"], r["relation"]) for r in got} == expected
    implements = rows(embedded, "citation_network", relation="implements")
    assert {r["relation"] for r in implements} <= {"implements"}
    assert len(implements) == sum(1 for r in got if r["relation"] == "implements")


def test_queries_targets_by_year(embedded, records):
    years = Counter(t["year"] for r in records for t in r["targets"] if t["year"] is not None)
    assert Counter(r["year"] for r in rows(embedded, "targets_by_year")) == years
    year = example_params("targets_by_year")["year"]
    assert len(rows(embedded, "targets_by_year", year=year)) == years[int(year)]


def test_queries_targets_by_indicator(embedded, records):
    keyword = example_params("targets_by_indicator")["keyword"]
    expected = Counter(t["indicator"] for r in records for t in r["targets"] if keyword in t["indicator"])
    got = Counter(r["indicator"] for r in rows(embedded, "targets_by_indicator", keyword=keyword))
    assert got == expected and got


def standard_indicators() -> dict[str, str]:
    """Wording -> standard indicator name, from ontology/catalog/indicators.ttl."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "catalog" / "indicators.ttl")
    names = {c: str(label) for c, label in g.subject_objects(SKOS.prefLabel) if label.language == "zh"}
    return {str(w): names[c] for c, w in g.subject_objects(SKOS.hiddenLabel) if c in names}


def test_queries_indicator_across_cities(embedded, records):
    standard = standard_indicators()
    regions = defaultdict(set)
    for r in records:
        for t in r["targets"]:
            if r["document"]["region"]:
                regions[standard.get(t["indicator"], t["indicator"])].add(r["document"]["region"])
    shared = {i for i, rs in regions.items() if len(rs) > 1}
    got = rows(embedded, "indicator_across_cities")
    assert {r["indicator"] for r in got} == shared
    for ind in shared:
        assert {r["region"] for r in got if r["indicator"] == ind} == regions[ind]


def test_queries_search_measures(embedded, docs):
    keyword = example_params("search_measures")["keyword"]
    expected = {(d.source.name, m.span.start) for d in docs for m in d.measures
                if keyword in m.heading or keyword in d.source.text[m.span.start:m.span.end]}
    got = rows(embedded, "search_measures", keyword=keyword)
    assert {(r["source"], r["start"]) for r in got} == expected and expected


@pytest.mark.server
@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("keyword", ["知识产权", "质押", "专利", "PCT", "（"])
def test_queries_chinese_keyword_search_on_servers(embedded, server_backend, kind, keyword):
    """CONTAINS on Chinese text (Virtuoso's string functions are fragile with it)."""
    for name in ("search_measures", "targets_by_indicator"):
        expected = sorted(map(key, rows(embedded, name, keyword=keyword)))
        assert sorted(map(key, rows(server_backend(kind), name, keyword=keyword))) == expected


# ------------------------------------------------------------------ CLI: --limit, --file errors
def test_queries_cli_file_syntax_error(tmp_path):
    from typer.testing import CliRunner

    from policykg.views.cli import app

    from policykg.graph.store import OxigraphBackend

    OxigraphBackend(tmp_path / "s").close()  # an empty store: read commands need one
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE {\n  ?s ?p \n}}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["--store", str(tmp_path / "s"), "query", "--file", str(bad)])
    assert r.exit_code == 1
    msg = " ".join(r.output.split())
    assert f"{bad}:3:" in msg and "syntax error" in msg


def test_queries_cli_limit(tmp_path, corpus_dir):
    import json

    from typer.testing import CliRunner

    from policykg.views.cli import app

    store = str(tmp_path / "s")
    runner = CliRunner()
    assert runner.invoke(app, ["--store", store, "ingest", "-q", "-j", "1", str(corpus_dir)]).exit_code == 0
    r = runner.invoke(app, ["--store", store, "query", "agency_workload", "--limit", "3", "--format", "records"])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)) == 3
    r = runner.invoke(app, ["--store", store, "query", "--list"])
    assert r.exit_code == 0 and "search_measures" in r.output
