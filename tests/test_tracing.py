"""Implementation chains: measure → city plan → provincial plan → State Council opinion."""
from __future__ import annotations

from collections import defaultdict

from policykg.queries.run import run_query

ZHUHAI = "000_aac036100b9cab63.txt"


def test_tracing_every_zhuhai_measure_reaches_the_state_council_via_guangdong(corpus_store):
    rows = run_query(corpus_store, "implementation_chain", {"source": ZHUHAI}).records()
    upstream = defaultdict(set)
    for r in rows:
        upstream[r["measure"]].add(r["upstream_number"])
    measures = run_query(corpus_store, "export_measures").records()
    zhuhai_measures = {r["measure"] for r in measures if r["source"] == ZHUHAI}
    assert zhuhai_measures and set(upstream) == zhuhai_measures
    for m, numbers in upstream.items():
        assert {"粤府〔2016〕56号", "国发〔2015〕71号"} <= numbers, m
    levels = {r["upstream_number"]: (r["upstream_level"], r["ingested"]) for r in rows}
    assert levels["粤府〔2016〕56号"] == ("provincial", False)
    assert levels["国发〔2015〕71号"] == ("national", False)


def test_tracing_catalog_documents_are_marked_not_ingested(corpus_store):
    res = corpus_store.select(
        "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
        "SELECT DISTINCT ?d WHERE { ?d a pkg:CatalogDocument ; pkg:docNumber \"粤府〔2016〕56号\" . "
        "FILTER NOT EXISTS { ?d pkg:sourceFile ?f } }"
    )
    assert len(res.rows) == 1


def test_tracing_chain_follows_the_guangdong_plan_not_a_shortcut(corpus_store):
    """粤府〔2016〕56号 itself implements 国发〔2015〕71号 (from the catalog), so the chain has two hops."""
    ask = (
        "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
        "ASK { ?g pkg:docNumber \"粤府〔2016〕56号\" . ?n pkg:docNumber \"国发〔2015〕71号\" . ?g pkg:implements ?n }"
    )
    assert corpus_store.ask(ask)
