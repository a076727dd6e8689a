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
    from policykg.analysis.align_review import REVIEW_GRAPH, decide, pair_links
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
            backend.drop_graph(REVIEW_GRAPH + link["id"])
        backend.drop_graph(graph_iri(LEFT, RIGHT))


def test_listing_a_pair_never_aligned_says_so(aligned):
    from policykg.analysis.align import AlignError
    from policykg.analysis.align_review import pair_links

    with pytest.raises(AlignError, match="no stored alignment of"):
        pair_links(aligned, LEFT, "nope.txt")
    assert pair_links(aligned, RIGHT, LEFT)  # either order


# ----------------------------------------------------------------------------- decisions in every query,
# and across re-ingest from another path (real store, real CLI)


def policykg(store: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "policykg.views.cli", "--store", str(store), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, (args, done.stderr[-2000:])
    return done.stdout


def query(store: Path, name: str, **params: str) -> list[dict]:
    args = ["query", name, "--format", "records"] + [x for k, v in params.items() for x in ("--param", f"{k}={v}")]
    return json.loads(policykg(store, *args))


def review_list(store: Path, left: str = LEFT, right: str = RIGHT) -> list[dict]:
    return json.loads(policykg(store, "align", "review", "list", left, right, "--format", "json"))


def sole_links(links: list[dict], grade: str) -> dict:
    """A link of this grade whose left measure has no other link (so rejecting it opens a gap)."""
    count: dict[str, int] = {}
    for l in links:
        count[l["left_measure"]] = count.get(l["left_measure"], 0) + 1
    return next(l for l in links if l["grade"] == grade and count[l["left_measure"]] == 1)


def test_counterparts_coverage_gaps_diffusion_prefer_the_decisions(tmp_path):
    """RIGHT is declared to implement LEFT. After an analyst rejects one link and regrades another,
    every query built on links follows the analyst: the rejected link is no counterpart, covers
    nothing (its upstream measure becomes a gap), counts for no diffusion; the regraded link shows
    the analyst's grade."""
    from policykg.graph.terms import ID, PKG

    store = tmp_path / "store"
    policykg(store, "ingest", "--quiet", str(CORPUS / LEFT), str(CORPUS / RIGHT))
    docs = {r["source"]: r["doc"] for r in query(store, "measure_texts") if "doc" in r} or None
    assert docs, "measure_texts gives each measure's document"
    up, down = docs[LEFT], docs[RIGHT]
    backend = OxigraphBackend(store)
    backend.replace_graph(f"{ID}graph/test-chain", [f"<{down}> <{PKG.implements}> <{up}> .\n"])
    backend.close()
    policykg(store, "align", LEFT, RIGHT)
    links = review_list(store)
    rejected = sole_links(links, "same")
    regraded = next(l for l in links if l["grade"] == "partial")

    def state():
        counterparts = {(r["counterpart"], r["grade"]) for r in query(store, "measure_counterparts", measure=rejected["left_measure"])}
        regraded_counterparts = {r["counterpart"]: r["grade"] for r in query(store, "measure_counterparts", measure=regraded["left_measure"])}
        coverage = {(r["upstream_measure"], r["local_measure"]): r["grade"] for r in query(store, "upstream_coverage", upstream=up)}
        gaps = {r["upstream_measure"] for r in query(store, "implementation_gaps", upstream=up)}
        diffusion = {r["measure"]: (int(r["documents"]), int(r["same"])) for r in query(store, "measure_diffusion")}
        return counterparts, regraded_counterparts, coverage, gaps, diffusion

    counterparts, regraded_counterparts, coverage, gaps, diffusion = state()
    assert (rejected["right_measure"], "same") in counterparts
    assert regraded_counterparts[regraded["right_measure"]] == "partial"
    assert coverage[(rejected["left_measure"], rejected["right_measure"])] == "same"
    assert coverage[(regraded["left_measure"], regraded["right_measure"])] == "partial"
    assert rejected["left_measure"] not in gaps
    assert diffusion[rejected["left_measure"]] == (1, 1)

    policykg(store, "align", "review", "reject", rejected["id"], "--note", "a shared theme only")
    policykg(store, "align", "review", "regrade", regraded["id"], "same")
    counterparts, regraded_counterparts, coverage, gaps, diffusion = state()
    assert rejected["right_measure"] not in {c for c, _ in counterparts}
    assert regraded_counterparts[regraded["right_measure"]] == "same"
    assert (rejected["left_measure"], rejected["right_measure"]) not in coverage
    assert coverage[(regraded["left_measure"], regraded["right_measure"])] == "same"
    assert rejected["left_measure"] in gaps
    assert rejected["left_measure"] not in diffusion
    assert diffusion[regraded["left_measure"]][1] >= 1

    # accepted although no run proposes it (the run is gone): still a counterpart, and no gap
    policykg(store, "align", "review", "accept", rejected["id"], "--grade", "partial")
    backend = OxigraphBackend(store)
    for r in run_query(backend, "alignment_runs").records():
        backend.drop_graph(r["graph"])
    backend.close()
    assert (rejected["right_measure"], "partial") in {(r["counterpart"], r["grade"]) for r in
                                                      query(store, "measure_counterparts", measure=rejected["left_measure"])}
    assert rejected["left_measure"] not in {r["upstream_measure"] for r in query(store, "implementation_gaps", upstream=up)}


def test_decisions_survive_reingest_from_another_path_and_realignment(tmp_path):
    """Link ids and decisions are keyed by the documents and the measures' content, not by the
    source paths: the same two files removed, ingested again from another folder and re-aligned
    keep their link ids, and the decisions apply to the new measures."""
    import shutil

    store = tmp_path / "store"
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        for name in (LEFT, RIGHT):
            shutil.copy(CORPUS / name, folder / name)
    policykg(store, "ingest", "--quiet", str(first))
    policykg(store, "align")
    before = {l["id"]: l for l in review_list(store)}
    rejected = next(l for l in before.values() if l["grade"] == "same")
    regraded = next(l for l in before.values() if l["grade"] == "partial")
    policykg(store, "align", "review", "reject", rejected["id"])
    policykg(store, "align", "review", "regrade", regraded["id"], "same")

    policykg(store, "remove", str(first / LEFT), str(first / RIGHT))
    policykg(store, "ingest", "--quiet", str(second))
    policykg(store, "align")
    after = {l["id"]: l for l in review_list(store)}
    assert set(after) == set(before)  # same ids, although every measure IRI changed
    assert after[regraded["id"]]["left_measure"] != regraded["left_measure"]
    assert after[rejected["id"]]["decision"] == "reject" and after[rejected["id"]]["grade"] is None
    assert after[regraded["id"]]["decision"] == "regrade" and after[regraded["id"]]["grade"] == "same"
    decisions = json.loads(policykg(store, "align", "review", "decisions", "--format", "json"))
    assert len(decisions) == 2 and {d["id"] for d in decisions} == {rejected["id"], regraded["id"]}
    reviewed = {m for d in query(store, "align_review_decisions") for m in (d["measure_a"], d["measure_b"])}
    assert reviewed == {after[i][k] for i in (rejected["id"], regraded["id"]) for k in ("left_measure", "right_measure")}
    out = tmp_path / "alignments.json"
    policykg(store, "align", "--format", "json", "--out", str(out))
    (record,) = json.loads(out.read_text(encoding="utf-8"))
    exported = {(l["left_heading"], l["right_heading"]): l["grade"] for l in record["links"]}
    key = lambda l: (l["left_heading"], l["right_heading"]) if record["left"] == LEFT else (l["right_heading"], l["left_heading"])  # noqa: E731
    assert key(rejected) not in exported
    assert exported[key(regraded)] == "same"
    edges = {frozenset((e["left_measure"], e["right_measure"])): e["grade"] for e in query(store, "alignment_edges")}
    new_regraded = after[regraded["id"]]
    assert edges[frozenset((new_regraded["left_measure"], new_regraded["right_measure"]))] == "same"


def test_counterparts_coverage_gaps_diffusion_prefer_the_decisions_on_virtuoso(virtuoso_server):
    """Counterparts, gaps and diffusion on a server (Virtuoso reads NOT EXISTS and MINUS its own way)."""
    from policykg.analysis.align import align_pair, graph_iri
    from policykg.analysis.align_review import REVIEW_GRAPH, decide, pair_links
    from policykg.graph.terms import ID, PKG
    from policykg.ingest.batch import ingest_paths

    backend = virtuoso_server.backend()
    assert not ingest_paths(backend, [CORPUS / LEFT, CORPUS / RIGHT], jobs=1, force=True).failed
    docs = {r["source"]: r["doc"] for r in run_query(backend, "measure_texts").records()}
    up, down = docs[LEFT], docs[RIGHT]
    chain = f"{ID}graph/test-chain-review"
    backend.replace_graph(chain, [f"<{down}> <{PKG.implements}> <{up}> .\n"])
    align_pair(backend, LEFT, RIGHT)
    links = pair_links(backend, LEFT, RIGHT)
    rejected, regraded = sole_links(links, "same"), next(l for l in links if l["grade"] == "partial")
    try:
        decide(backend, rejected["id"], "reject")
        decide(backend, regraded["id"], "regrade", "same")
        counterparts = {r["counterpart"] for r in run_query(backend, "measure_counterparts", {"measure": rejected["left_measure"]}).records()}
        assert rejected["right_measure"] not in counterparts
        grades = {r["counterpart"]: r["grade"] for r in run_query(backend, "measure_counterparts", {"measure": regraded["left_measure"]}).records()}
        assert grades[regraded["right_measure"]] == "same"
        coverage = {(r["upstream_measure"], r["local_measure"]): r["grade"]
                    for r in run_query(backend, "upstream_coverage", {"upstream": up}).records()}
        assert (rejected["left_measure"], rejected["right_measure"]) not in coverage
        assert coverage[(regraded["left_measure"], regraded["right_measure"])] == "same"
        assert sum(1 for _, local in coverage if local) > 2  # the run's other links are there too
        gaps = {r["upstream_measure"] for r in run_query(backend, "implementation_gaps", {"upstream": up}).records()}
        assert rejected["left_measure"] in gaps and regraded["left_measure"] not in gaps
        diffusion = {r["measure"] for r in run_query(backend, "measure_diffusion").records()}
        assert rejected["left_measure"] not in diffusion and regraded["left_measure"] in diffusion
    finally:  # the Virtuoso server is shared by the session: leave nothing behind
        for link in (rejected, regraded):
            backend.drop_graph(REVIEW_GRAPH + link["id"])
        backend.drop_graph(graph_iri(LEFT, RIGHT))
        backend.drop_graph(chain)
