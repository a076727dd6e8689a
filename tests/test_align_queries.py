"""Measure-level tracing: the alignment graph, its named queries and the functions views call."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykg.graph.ids import source_iri
from policykg.graph.store import OxigraphBackend
from policykg.graph.terms import ID, PKG
from policykg.queries.catalog import all_queries
from policykg.queries.run import run_query

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LEFT, RIGHT = "003_b70a2f308e677d33.txt", "004_b226f07776384f2e.txt"
ALIGN_QUERIES = ("align_measures", "measure_texts", "align_documents", "align_implements", "alignment_runs", "export_alignments", "alignment_edges",
                 "measure_counterparts", "upstream_coverage", "implementation_gaps", "measure_diffusion",
                 "document_similarity", "measure_citations")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from policykg.analysis.align import align_all
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path_factory.mktemp("align") / "store")
    report = ingest_paths(backend, [CORPUS], jobs=1)
    assert not report.by_status("failed")
    stats = align_all(backend)
    return backend, stats


def doc_of(backend, source):
    return next(r["doc"] for r in run_query(backend, "align_documents").records() if r["source"] == source)


def test_align_queries_headers_parse_and_declare_their_params():
    queries = all_queries()
    for name in ALIGN_QUERIES:
        q = queries[name]
        assert q.summary and q.summary_zh and q.returns, name
        for p in q.params:
            assert f"?{p.name}" in q.sparql, (name, p.name)


def test_align_queries_run(store):
    backend, _ = store
    measure = f"{ID}src/{LEFT}/m/1"
    params = {"measure_counterparts": {"measure": measure}, "upstream_coverage": {"upstream": doc_of(backend, LEFT)},
              "implementation_gaps": {"upstream": doc_of(backend, LEFT)}}
    for name in ALIGN_QUERIES:
        res = run_query(backend, name, params.get(name))
        assert set(all_queries()[name].returns) <= set(res.variables), name


def test_measure_texts_is_align_measures_without_the_extras(store):
    backend, _ = store
    cols = ("source", "measure", "order", "heading", "text", "start")
    lean = {tuple(r[c] for c in cols) for r in run_query(backend, "measure_texts").records()}
    full = {tuple(r[c] for c in cols) for r in run_query(backend, "align_measures").records()}
    assert lean == full and len(lean) > 100


def test_index_dot_relabelled_columns_give_scipy_products(store):
    """The path big vocabularies take (columns relabelled per pair) gives scipy's products."""
    import numpy as np

    from policykg.analysis.align import AlignParams, Index, read_measures

    backend, _ = store
    measures = read_measures(backend)
    index = Index(measures, AlignParams())
    index.COMPACT_ABOVE = 0
    a = [i for i, m in enumerate(measures) if m.source == LEFT]
    b = [i for i, m in enumerate(measures) if m.source == RIGHT]
    for m in (index.body, index.head, index.keys):
        assert np.array_equal(index.dot(m, a, b).toarray(), (m[a] @ m[b].T).toarray())
        assert np.array_equal(index.dot(m, b[::2], a[1::3]).toarray(), (m[b[::2]] @ m[a[1::3]].T).toarray())


def test_export_alignments_gives_a_run_without_links_one_row(tmp_path):
    """A run with no links is one row. Headings were once looked up outside the OPTIONAL that
    binds the measures: for such a run they matched every heading of the store, squared (OOM
    at 1,000 documents)."""
    from policykg.analysis.align import AlignParams, align_pair, alignment_records
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path / "store")
    assert not ingest_paths(backend, [CORPUS / LEFT, CORPUS / RIGHT], jobs=1).by_status("failed")
    assert align_pair(backend, LEFT, RIGHT, AlignParams(model="", link_threshold=10.0)) == []
    rows = run_query(backend, "export_alignments").records()
    assert len(rows) == 1 and rows[0]["correspondence"] is None and rows[0]["left_heading"] is None
    assert alignment_records(backend) == [{"left": LEFT, "right": RIGHT, "links": []}]


def test_align_all_blocks_and_stores_one_graph_per_pair(store):
    backend, stats = store
    assert stats["document_pairs"] >= 1 and stats["links"] > 0
    assert stats["candidate_measure_pairs"] < stats["scored_measure_pairs"]
    runs = run_query(backend, "alignment_runs").records()
    assert len(runs) == stats["document_pairs"]
    assert any({r["left"], r["right"]} == {LEFT, RIGHT} for r in runs)
    params = json.loads(runs[0]["parameters"])
    assert params["csls_k"] >= 1 and runs[0]["method"]
    assert sum(r["links"] for r in runs) == stats["links"] and sum(r["same"] for r in runs) == stats["same"]


def test_align_all_reports_its_phases_and_every_pair(tmp_path):
    from policykg.analysis.align import align_all
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path / "store")
    ingest_paths(backend, [CORPUS], jobs=1)
    seen: list[tuple[str, int, int]] = []
    stats = align_all(backend, on_progress=lambda *event: seen.append(event))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["reading", "indexing", "pairing", "aligning"]
    aligning = [(done, total) for phase, done, total in seen if phase == "aligning"]
    assert aligning[0][0] == 0 and aligning[-1][0] == aligning[-1][1] >= stats["document_pairs"]


def test_align_evidence_spans_point_into_the_source_text(store):
    from policykg.analysis.align import alignment_records, read_measures

    backend, _ = store
    spans = {}
    for m in read_measures(backend):
        spans.setdefault(m.source, []).append((m.start, m.text))

    def at(source, start, end):
        for s, text in spans[source]:
            if s <= start and end <= s + len(text):
                return text[start - s : end - s]
        return None

    checked = links = bare = 0
    for rec in alignment_records(backend):
        for link in rec["links"]:
            links += 1
            bare += not link["evidence"]  # no shared phrase of whole, non-generic words
            for ev in link["evidence"]:
                assert at(rec["left"], *ev["left"]) == ev["text"]
                assert at(rec["right"], *ev["right"]) == ev["text"]
                checked += 1
    assert checked and bare <= 0.05 * links


def test_align_rerun_replaces_the_pair_graph(store):
    from policykg.analysis.align import align_pair

    backend, _ = store
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <%s> }" % PKG.Correspondence
    before = backend.select(count).records()[0]["n"]
    links = align_pair(backend, RIGHT, LEFT)
    links_again = align_pair(backend, RIGHT, LEFT)
    assert len(links) == len(links_again)
    assert backend.select(count).records()[0]["n"] == before
    runs = [r for r in run_query(backend, "alignment_runs").records() if {r["left"], r["right"]} == {LEFT, RIGHT}]
    assert len(runs) == 1 and runs[0]["left"] == RIGHT


def test_counterparts_are_symmetric(store):
    backend, _ = store
    edge = run_query(backend, "alignment_edges").records()[0]
    there = run_query(backend, "measure_counterparts", {"measure": edge["left_measure"]}).records()
    back = run_query(backend, "measure_counterparts", {"measure": edge["right_measure"]}).records()
    assert edge["right_measure"] in {r["counterpart"] for r in there}
    assert edge["left_measure"] in {r["counterpart"] for r in back}


def test_alignment_edges_and_diffusion(store):
    from policykg.analysis.align import DIFFUSION_COLUMNS, alignment_edges, diffusion_table

    backend, _ = store
    edges = alignment_edges(backend)
    assert edges and set(edges[0]) == {"left_measure", "right_measure", "grade", "score", "evidence_text"}
    rows = diffusion_table(backend)
    assert rows and set(DIFFUSION_COLUMNS) <= set(rows[0])
    assert [r["documents"] for r in rows] == sorted((r["documents"] for r in rows), reverse=True)


def test_document_similarity_has_a_row_per_pair(store):
    backend, stats = store
    rows = run_query(backend, "document_similarity").records()
    assert len(rows) == len(run_query(backend, "alignment_runs").records())
    for r in rows:
        assert 0 <= r["left_coverage"] <= 1 and 0 <= r["right_coverage"] <= 1


def test_measure_citations_are_in_the_graph(store):
    backend, _ = store
    rows = run_query(backend, "measure_citations").records()
    assert rows and all(r["cited"] for r in rows)


def test_upstream_coverage_and_gaps_down_the_chain(tmp_path):
    """With one ingested document declared upstream of another, coverage lists the local measures
    carrying out each upstream measure and gaps list the rest."""
    from policykg.analysis.align import align_all
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path / "store")
    ingest_paths(backend, [CORPUS / LEFT, CORPUS / RIGHT], jobs=1)
    up, down = doc_of(backend, LEFT), doc_of(backend, RIGHT)
    backend.replace_graph(f"{ID}graph/test-chain", [f"<{down}> <{PKG.implements}> <{up}> .\n"])
    align_all(backend)
    coverage = run_query(backend, "upstream_coverage", {"upstream": up}).records()
    gaps = run_query(backend, "implementation_gaps", {"upstream": up}).records()
    covered = {r["upstream_measure"] for r in coverage if r["local_measure"]}
    missing = {r["upstream_measure"] for r in gaps}
    assert covered and missing and not covered & missing
    assert {r["upstream_measure"] for r in coverage} == covered | missing
    assert {r["missing_source"] for r in gaps} == {RIGHT}


@pytest.mark.parametrize("kind", ["embedded", pytest.param("virtuoso", marks=pytest.mark.server)])
def test_gaps_follow_correspondences_through_a_document_in_between(tmp_path, request, kind):
    """down implements mid implements up. An upstream measure linked to a mid measure that is
    linked to a down measure is no gap for either; an unlinked one is a gap for both. Also on
    Virtuoso: the query binds its parameter inside MINUS and walks alternative paths."""
    from policykg.ingest.batch import ingest_paths

    mid_source = "002_02588ea22fbee5d9.txt"
    if kind == "embedded":
        backend = OxigraphBackend(tmp_path / "store")
    else:
        backend = request.getfixturevalue(f"{kind}_server").backend()
    assert not ingest_paths(backend, [CORPUS / LEFT, CORPUS / mid_source, CORPUS / RIGHT], jobs=1, force=True).failed
    up, mid, down = (doc_of(backend, s) for s in (LEFT, mid_source, RIGHT))
    m = lambda source, n: f"{source_iri(CORPUS / source)}/m/{n}"  # noqa: E731
    chain = [f"<{down}> <{PKG.implements}> <{mid}> .\n", f"<{mid}> <{PKG.implements}> <{up}> .\n"]
    links = [(f"{ID}test/c1", m(LEFT, 1), m(mid_source, 1)), (f"{ID}test/c2", m(RIGHT, 1), m(mid_source, 1))]
    test_graph = f"{ID}graph/test-chain"
    backend.replace_graph(test_graph, chain + [
        f"<{c}> <{PKG.leftMeasure}> <{a}> .\n<{c}> <{PKG.rightMeasure}> <{b}> .\n" for c, a, b in links])
    try:
        gaps = {(r["upstream_measure"], r["missing_source"])
                for r in run_query(backend, "implementation_gaps", {"upstream": up}).records()}
    finally:
        backend.drop_graph(test_graph)  # the Virtuoso server is shared by the session
    assert not {(m(LEFT, 1), mid_source), (m(LEFT, 1), RIGHT)} & gaps
    assert {(m(LEFT, 2), mid_source), (m(LEFT, 2), RIGHT)} <= gaps


def test_align_store_conforms_to_the_shapes(store):
    from policykg.graph.validate import validate_backend

    backend, _ = store
    conforms, violations = validate_backend(backend)
    assert conforms, violations[:5]


def test_align_all_blocking_limits_the_candidates(tmp_path):
    """On a generated store of 60 documents, the first pass keeps each document to a few partners:
    the measure pairs scored are far below the measure pairs of all related document pairs, and
    the first pass never multiplies more than the capped postings allow."""
    import sys

    from policykg.analysis.align import (AlignParams, Index, align_all, chain_pairs, read_chains, read_measures,
                                        related_groups, select_pairs)
    from policykg.ingest.batch import ingest_paths

    sys.path.insert(0, str(CORPUS.parent))
    from benchmarks.synth import write_corpus

    write_corpus(tmp_path / "docs", 60, 7)
    backend = OxigraphBackend(tmp_path / "store")
    assert not ingest_paths(backend, [tmp_path / "docs"], jobs=2).by_status("failed")
    params = AlignParams(max_partners=2)
    stats = align_all(backend, params)
    measures = read_measures(backend)
    doc_of, up = read_chains(backend)
    size: dict[str, int] = {}
    for m in measures:
        size[m.src] = size.get(m.src, 0) + 1
    related = set()
    for group in related_groups(sorted(size), doc_of, up):
        related.update((a, b) for i, a in enumerate(group) for b in group[i + 1 :])
    all_pairs = sum(size[a] * size[b] for a, b in related)
    assert stats["document_pairs"] < 0.5 * len(related)
    assert 0 < stats["scored_measure_pairs"] < 0.35 * all_pairs
    assert stats["links"] > 0
    index = Index(measures, params)
    by_source: dict[str, list[int]] = {}
    for i, m in enumerate(measures):
        by_source.setdefault(m.src, []).append(i)
    assert stats["first_pass_products"] <= index.key_cap * index.first.nnz
    runs = run_query(backend, "alignment_runs").records()
    assert len(runs) == stats["document_pairs"]
    # besides the documents up its own chain, every pair is named by one of its documents among
    # its max_partners best siblings or its topic_partners most similar documents: at most
    # that many pairs per document, and every document names its own whatever the others chose
    chain = chain_pairs(size, doc_of, up)
    name = {m.src: m.source for m in measures}
    stored = {tuple(sorted((r["left"], r["right"]))) for r in runs}
    chosen = {tuple(sorted((name[a], name[b]))) for a, b in select_pairs(index, by_source, doc_of, up, params)}
    assert stored <= chosen
    others = stored - {tuple(sorted((name[a], name[b]))) for a, b in chain}
    assert 0 < len(others) <= len(size) * (params.max_partners + params.topic_partners)
    named: dict[str, int] = {}
    for a, b in others:
        for s in (a, b):
            named[s] = named.get(s, 0) + 1
    assert sum(1 for n in named.values() if n >= params.max_partners) >= len(size) // 2


def test_align_correspondences_point_at_stored_measures(store):
    """SHACL checks these references by IRI shape only (graphs are validated one at a time);
    here every referenced measure and source file must really exist."""
    backend, _ = store
    dangling = backend.select(
        "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "SELECT ?c ?m WHERE { ?c a pkg:Correspondence . { ?c pkg:leftMeasure ?m } UNION { ?c pkg:rightMeasure ?m }\n"
        "  FILTER NOT EXISTS { ?m a pkg:Measure } }"
    ).records()
    assert dangling == []
    # the left/right spans of the evidence are read in the run's left/right source files
    crossed = backend.select(
        "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?run pkg:leftSource ?ls ; pkg:rightSource ?rs .\n"
        "  ?c pkg:leftMeasure ?lm ; pkg:rightMeasure ?rm } ?lm pkg:measureOf/pkg:sourceFile ?lsrc .\n"
        "  ?rm pkg:measureOf/pkg:sourceFile ?rsrc . FILTER (?lsrc != ?ls || ?rsrc != ?rs) }"
    ).records()
    assert crossed[0]["n"] == 0


def test_align_lineage_view_draws_measure_links(store, tmp_path):
    from policykg.analysis.align import alignment_edges
    from policykg.views.viz import write_lineage

    backend, _ = store
    plain = write_lineage(backend, tmp_path / "plain.html")
    linked = write_lineage(backend, tmp_path / "linked.html", measures_links=True)
    assert plain["aligned"] == 0
    assert linked["aligned"] == len(alignment_edges(backend)) > 0
    assert linked["edges"] == plain["edges"] + linked["aligned"]
    html = (tmp_path / "linked.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert "共同表述" in html


def test_documents_without_a_shared_upstream_are_aligned_by_topic(tmp_path):
    """汕头's plan (001) implements nothing another corpus document implements: the upstream
    blocks never pair it, the topical block does."""
    from policykg.analysis.align import AlignParams, align_all, read_chains
    from policykg.ingest.batch import ingest_paths

    shantou, zhuhai = "001_5a61ba707b6c805c.txt", "000_aac036100b9cab63.txt"
    backend = OxigraphBackend(tmp_path / "store")
    assert not ingest_paths(backend, [CORPUS], jobs=1).by_status("failed")
    doc_of, up = read_chains(backend)
    shantou_src = source_iri(CORPUS / shantou)  # the aligner keys on source graphs
    assert not any(up[shantou_src] & up[s] for s in up if s != shantou_src)

    def partners(params):
        stats = align_all(backend, params)
        runs = run_query(backend, "alignment_runs").records()
        return stats, {r["left"] if r["right"] == shantou else r["right"] for r in runs if shantou in (r["left"], r["right"])}

    stats, found = partners(AlignParams(topic_partners=0))
    assert found == set() and stats["topical_pairs"] == 0
    stats, found = partners(AlignParams())
    assert zhuhai in found and 0 < len(found) <= AlignParams().topic_partners and stats["topical_pairs"] >= len(found)


def test_evidence_is_whole_words_on_both_sides_and_never_generic(store):
    """知识产权执 is shared by 知识产权执行保险 and 知识产权执法 but means different things: the
    evidence is cut back to whole words of both sides, and 知识产权 alone (a generic word of
    align_stopterms.tsv) is no evidence."""
    from policykg.analysis.align import AlignParams, Index, alignment_records, evidence_phrases, read_measures, read_stopterms, segment

    backend, _ = store
    index = Index(read_measures(backend), AlignParams())
    assert evidence_phrases(index, "探索知识产权执行保险试点。", "加强知识产权执法队伍。") == []
    assert evidence_phrases(index, "加强建立健全工作。", "建立健全加强工作。") == []
    # a lone word common in general Chinese (行政, 纠纷) is no evidence; a rare one (自律) or a
    # policy term of the lexicon (人才) is
    assert evidence_phrases(index, "加强行政管理。", "改革行政审批。") == []
    assert evidence_phrases(index, "调解知识产权纠纷。", "化解商标纠纷。") == []
    assert [q for q, _, _, _ in evidence_phrases(index, "加强自律管理。", "健全自律规范。")] == ["自律"]
    assert [q for q, _, _, _ in evidence_phrases(index, "引进高端人才。", "支持青年人才。")] == ["人才"]
    found = [q for q, _, _, _ in evidence_phrases(index, "建立健全知识产权质押融资风险补偿机制。", "完善知识产权质押融资风险补偿机制。")]
    assert found and "质押融资风险补偿" in found[0] and not found[0].startswith("建立健全") and not found[0].endswith("机制")
    stop = read_stopterms()
    measures = index.measures
    for rec in alignment_records(backend):
        for link in rec["links"]:
            for ev in link["evidence"]:
                for side in ("left", "right"):
                    source = rec[side]
                    start, end = ev[side]
                    m = next(m for m in measures if m.source == source and m.start <= start and end <= m.start + len(m.text))
                    # the bodies' words, or when the bodies share no phrase, the whole texts' (headings too)
                    cuts = [(m.start + m.body_offset, segment(m.body)), (m.start, segment(m.text))]
                    body_start, words = next(((at, w) for at, w in cuts
                                              if any(a == start - at for _, a, _ in w) and any(b == end - at for _, _, b in w)),
                                             cuts[0])
                    assert any(a == start - body_start for _, a, _ in words), (ev, side)
                    assert any(b == end - body_start for _, _, b in words), (ev, side)
                    inside = [w for w, a, b in words if a >= start - body_start and b <= end - body_start]
                    assert any(w not in stop and len(w) >= 2 for w in inside), (ev, inside)
