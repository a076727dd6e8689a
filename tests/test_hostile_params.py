"""Hostile parameter values: a correct (usually empty) result or a clear ParameterError, and the
store unchanged."""
from __future__ import annotations

import pytest

from policykg.graph.store import OxigraphBackend
from policykg.ingest.batch import ingest_paths
from policykg.queries.catalog import all_queries
from policykg.queries.run import ParameterError, run_query

HOSTILE = ['"', "'", "}", "{", '"} ; DROP ALL ; {"', "a\nb", "x\r\n} DROP ALL", "\\", '\\" } DROP ALL #',
           "> DROP ALL <", "中文\"}#", "http://x.org/a> . } DROP ALL ; INSERT DATA { <a", "?s", "$x"]

CASES = [(q.name, p.name, p.type) for q in all_queries().values() for p in q.params]


def _count(backend) -> int:
    return backend.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").records()[0]["n"]


def _params(name: str, param: str, value: str) -> dict[str, str]:
    """The other parameters from the query's example line, the hostile value for param."""
    import shlex

    q = all_queries()[name]
    words = shlex.split(q.examples[0]) if q.examples else []
    out = dict(v.split("=", 1) for f, v in zip(words, words[1:]) if f in ("--param", "-p"))
    out[param] = value
    return out


def _check(backend, name, param, value):
    before = _count(backend)
    try:
        res = run_query(backend, name, _params(name, param, value))
    except ParameterError as e:
        # The error names the parameter at fault: the hostile one, or a required one that is missing.
        assert "\n" not in str(e) and (param in str(e) or "needs --param" in str(e))
    else:
        assert all(v != value for r in res.records() for v in r.values() if isinstance(v, str) and len(value) > 2)
    assert _count(backend) == before


@pytest.fixture(scope="module")
def embedded(corpus_dir):
    b = OxigraphBackend(None)
    assert not ingest_paths(b, [corpus_dir], jobs=1, force=True).failed
    return b


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name,param,type_", CASES)
def test_hostile_params_embedded(embedded, name, param, type_, value):
    _check(embedded, name, param, value)


def _loaded(server, corpus_dir):
    b = server.backend()
    assert not ingest_paths(b, [corpus_dir], jobs=1).failed
    return b


@pytest.fixture(scope="module")
def oxigraph(oxigraph_server, corpus_dir):
    return _loaded(oxigraph_server, corpus_dir)


@pytest.mark.server
@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name,param,type_", CASES)
def test_hostile_params_oxigraph_server(oxigraph, name, param, type_, value):
    _check(oxigraph, name, param, value)


# Virtuoso: a representative subset (each query's first parameter x five hostile values).
HOSTILE_SUBSET = ['"} ; DROP ALL ; {"', "a\nb", '\\" } DROP ALL #', "中文\"}#", "http://x.org/a> . } DROP ALL ; INSERT DATA { <a"]
FIRST_PARAMS = [(q.name, q.params[0].name, q.params[0].type) for q in all_queries().values() if q.params]


@pytest.fixture(scope="module")
def virtuoso(virtuoso_server, corpus_dir):
    return _loaded(virtuoso_server, corpus_dir)


@pytest.mark.server
@pytest.mark.parametrize("value", HOSTILE_SUBSET)
@pytest.mark.parametrize("name,param,type_", FIRST_PARAMS)
def test_hostile_params_virtuoso(virtuoso, name, param, type_, value):
    _check(virtuoso, name, param, value)


@pytest.mark.parametrize("value", HOSTILE_SUBSET)
def test_hostile_params_missing_required_is_named(embedded, value):
    """Only the optional role given: the error names the missing required agency."""
    with pytest.raises(ParameterError, match="agency"):
        run_query(embedded, "measures_by_agency", {"role": value})


@pytest.mark.parametrize("value", ["http://x.org/a> . } DROP ALL", "no-colon", "http://x.org/{}", "http://x.org/a b"])
def test_hostile_params_bad_iri_is_parameter_error(value):
    from policykg.queries.run import to_term

    with pytest.raises(ParameterError):
        to_term(value, "iri", "p")
