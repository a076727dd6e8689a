"""Analysts' review of alignment links (`policykg align review`): decisions in their own named
graphs, preferred by the queries and the export, surviving re-alignment."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.graph.store import OxigraphBackend
from policykg.queries.run import run_query

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LEFT, RIGHT = "003_b70a2f308e677d33.txt", "004_b226f07776384f2e.txt"


@pytest.fixture()
def aligned(tmp_path):
    from policykg.analysis.align import align_pair
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path / "store")
    assert not ingest_paths(backend, [CORPUS / LEFT, CORPUS / RIGHT], jobs=1).by_status("failed")
    align_pair(backend, LEFT, RIGHT)
    return backend


def links_of(backend):
    from policykg.analysis.align import alignment_records

    (record,) = alignment_records(backend)
    return {(l["left_heading"], l["right_heading"]): l for l in record["links"]}


def runs(backend):
    (row,) = run_query(backend, "alignment_runs").records()
    return row["links"], row["same"]


def test_link_ids_are_stable_and_orientation_free(aligned):
    from policykg.analysis.align import align_pair
    from policykg.analysis.align_review import link_id, pair_links

    first = {l["id"]: (l["left_heading"], l["right_heading"]) for l in pair_links(aligned, LEFT, RIGHT)}
    assert len(first) >= 20
    align_pair(aligned, RIGHT, LEFT)  # re-aligned the other way round
    again = {l["id"]: (l["right_heading"], l["left_heading"]) for l in pair_links(aligned, RIGHT, LEFT)}
    assert again == first
    assert link_id("a", "b") == link_id("b", "a") != link_id("a", "c")


def test_reject_regrade_accept_are_preferred_and_survive_realignment(aligned):
    from policykg.analysis.align import AlignParams, align_all, align_pair
    from policykg.analysis.align_review import clear, decide, pair_links

    links = pair_links(aligned, LEFT, RIGHT)
    same = next(l for l in links if l["grade"] == "same")
    partial = next(l for l in links if l["grade"] == "partial")
    other = next(l for l in links if l["grade"] == "same" and l is not same)
    n, n_same = runs(aligned)

    decide(aligned, same["id"], "reject", note="only a shared theme")
    decide(aligned, partial["id"], "regrade", "same")
    decide(aligned, other["id"][:6], "accept")  # a unique prefix is enough
    key = lambda l: (l["left_heading"], l["right_heading"])  # noqa: E731
    exported = links_of(aligned)
    assert key(same) not in exported
    assert exported[key(partial)]["grade"] == "same"
    assert runs(aligned) == (n - 1, n_same - 1 + 1)
    edges = {(e["left_measure"], e["right_measure"]): e["grade"] for e in run_query(aligned, "alignment_edges").records()}
    assert (same["left_measure"], same["right_measure"]) not in edges
    assert edges[(partial["left_measure"], partial["right_measure"])] == "same"

    # re-aligned the other way round, and by align_all: the decisions still hold
    align_pair(aligned, RIGHT, LEFT)
    align_all(aligned)
    exported = links_of(aligned)
    flipped = {(r, l): v for (l, r), v in exported.items()} if key(partial) not in exported else exported
    assert key(same) not in flipped and flipped[key(partial)]["grade"] == "same"

    # a run that proposes nothing: the accepted and regraded links stay (no evidence), the rejected one does not
    align_pair(aligned, LEFT, RIGHT, AlignParams(model="", link_threshold=10.0))
    exported = links_of(aligned)
    assert set(exported) == {key(partial), key(other)}
    assert exported[key(other)]["grade"] == "same" and exported[key(other)]["evidence"] == []

    # cleared: the aligner's grade stands again
    align_pair(aligned, LEFT, RIGHT)
    clear(aligned, same["id"])
    clear(aligned, partial["id"])
    exported = links_of(aligned)
    assert exported[key(same)]["grade"] == "same" and exported[key(partial)]["grade"] == "partial"
    from policykg.analysis.align_review import decisions

    assert [d["id"] for d in decisions(aligned)] == [other["id"]]


def test_a_newer_decision_replaces_the_older(aligned):
    from policykg.analysis.align_review import decide, decisions, pair_links

    link = pair_links(aligned, LEFT, RIGHT)[0]
    decide(aligned, link["id"], "reject")
    decide(aligned, link["id"], "regrade", "partial", note="on reflection")
    (only,) = decisions(aligned)
    assert (only["decision"], only["review_grade"], only["note"]) == ("regrade", "partial", "on reflection")
    assert next(l for l in pair_links(aligned, LEFT, RIGHT) if l["id"] == link["id"])["grade"] == "partial"


def test_bad_decisions_are_refused(aligned):
    from policykg.analysis.align import AlignError
    from policykg.analysis.align_review import decide, pair_links

    ids = [l["id"] for l in pair_links(aligned, LEFT, RIGHT)]
    with pytest.raises(AlignError, match="no stored link"):
        decide(aligned, "0000000000", "reject")
    with pytest.raises(AlignError, match="expected the hexadecimal id"):
        decide(aligned, "DROP GRAPH", "reject")
    with pytest.raises(AlignError, match="needs a grade"):
        decide(aligned, ids[0], "regrade")
    with pytest.raises(AlignError, match="unknown grade"):
        decide(aligned, ids[0], "regrade", "equal")
    assert run_query(aligned, "align_review_decisions").records() == []


def test_review_graphs_conform_to_the_shapes(aligned):
    from policykg.graph.validate import validate_backend
    from policykg.analysis.align_review import decide, pair_links

    for link, (decision, grade) in zip(pair_links(aligned, LEFT, RIGHT), [("reject", None), ("regrade", "same"), ("accept", None)]):
        decide(aligned, link["id"], decision, grade, note="checked")
    conforms, violations = validate_backend(aligned)
    assert conforms, violations[:5]


def test_evidence_shows_the_sentence_around_each_phrase_on_both_sides(aligned):
    from policykg.analysis.align_review import pair_links, sentence_at

    assert sentence_at("甲。乙丙丁；戊", 2, 3) == "乙丙丁；"
    assert sentence_at("甲乙", 0, 1) == "甲乙"
    checked = 0
    for link in pair_links(aligned, LEFT, RIGHT):
        for ev in link["evidence"]:
            assert ev["text"] in ev["left_sentence"] and ev["text"] in ev["right_sentence"]
            assert not any(ch in ev["left_sentence"][:-1] for ch in "。；")
            checked += 1
    assert checked >= 20


def cli(*args):
    return subprocess.run([sys.executable, "-m", "policykg.views.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_review_round_trip(tmp_path):
    store = str(tmp_path / "store")
    assert cli("--store", store, "ingest", "--quiet", str(CORPUS / LEFT), str(CORPUS / RIGHT)).returncode == 0
    shown = cli("--store", store, "align", LEFT, RIGHT)
    assert shown.returncode == 0, shown.stderr
    listed = cli("--store", store, "align", "review", "list", LEFT, RIGHT, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    links = json.loads(listed.stdout)
    assert links and all(l["id"] in shown.stdout for l in links)  # `align A B` shows every link id
    target = links[0]
    done = cli("--store", store, "align", "review", "regrade", target["id"], "partial", "--note", "side clause")
    assert done.returncode == 0, done.stderr
    done = cli("--store", store, "align", "review", "reject", links[1]["id"])
    assert done.returncode == 0, done.stderr
    bad = cli("--store", store, "align", "review", "accept", "ffffffffff")
    assert bad.returncode == 1 and "no stored link" in bad.stderr and "Traceback" not in bad.stderr
    assert cli("--store", store, "align", "--bogus").returncode != 0
    assert cli("--store", store, "align").returncode == 0  # every pair re-aligned: decisions hold
    out = tmp_path / "a.json"
    assert cli("--store", store, "align", "--format", "json", "--out", str(out)).returncode == 0
    (record,) = [r for r in json.loads(out.read_text(encoding="utf-8")) if {r["left"], r["right"]} == {LEFT, RIGHT}]
    pairs = {frozenset((l["left_heading"], l["right_heading"])): l["grade"] for l in record["links"]}
    assert pairs[frozenset((target["left_heading"], target["right_heading"]))] == "partial"
    assert frozenset((links[1]["left_heading"], links[1]["right_heading"])) not in pairs
    decisions = cli("--store", store, "align", "review", "decisions", "--format", "json")
    assert [d["decision"] for d in json.loads(decisions.stdout)] == ["regrade", "reject"]


@pytest.mark.server
def test_review_is_preferred_on_virtuoso_too(virtuoso_server):
    """The export, the run summary and the edges read decisions by the same SPARQL on a server:
    a rejected link is left out, a regraded one carries the analyst's grade, an accepted link the
    run no longer proposes stays."""
    from policykg.analysis.align import AlignParams, align_pair, alignment_records, graph_iri
    from policykg.analysis.align_review import decide, pair_links, review_graph_iri
    from policykg.ingest.batch import ingest_paths

    backend = virtuoso_server.backend()
    assert not ingest_paths(backend, [CORPUS / LEFT, CORPUS / RIGHT], jobs=1, force=True).failed
    align_pair(backend, LEFT, RIGHT)
    links = pair_links(backend, LEFT, RIGHT)
    rejected, regraded, accepted = links[0], next(l for l in links if l["grade"] == "partial"), links[-1]
    try:
        decide(backend, rejected["id"], "reject")
        decide(backend, regraded["id"], "regrade", "same")
        decide(backend, accepted["id"], "accept")
        (record,) = [r for r in alignment_records(backend) if {r["left"], r["right"]} == {LEFT, RIGHT}]
        got = {(l["left_heading"], l["right_heading"]): l["grade"] for l in record["links"]}
        assert (rejected["left_heading"], rejected["right_heading"]) not in got
        assert got[(regraded["left_heading"], regraded["right_heading"])] == "same"
        assert len(got) == len(links) - 1
        (run,) = [r for r in run_query(backend, "alignment_runs").records() if {r["left"], r["right"]} == {LEFT, RIGHT}]
        assert run["links"] == len(links) - 1
        align_pair(backend, LEFT, RIGHT, AlignParams(model="", link_threshold=10.0))
        (record,) = [r for r in alignment_records(backend) if {r["left"], r["right"]} == {LEFT, RIGHT}]
        assert {(l["left_heading"], l["right_heading"]) for l in record["links"]} == {
            (regraded["left_heading"], regraded["right_heading"]), (accepted["left_heading"], accepted["right_heading"])}
    finally:  # the Virtuoso server is shared by the session: leave no alignment behind
        for link in (rejected, regraded, accepted):
            backend.drop_graph(review_graph_iri(link["left_measure"], link["right_measure"]))
        backend.drop_graph(graph_iri(LEFT, RIGHT))


def test_listing_a_pair_never_aligned_says_so(aligned):
    from policykg.analysis.align import AlignError
    from policykg.analysis.align_review import pair_links

    with pytest.raises(AlignError, match="no stored alignment of"):
        pair_links(aligned, LEFT, "nope.txt")
    assert pair_links(aligned, RIGHT, LEFT)  # either order
