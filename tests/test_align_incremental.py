"""Incremental alignment (issue 20): after adding documents, `align_all` aligns only the pairs
whose inputs changed, selects the same pairs as a run from scratch, and a run with nothing new
aligns nothing."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from policykg.graph.store import OxigraphBackend
from policykg.queries.run import run_query

ROOT = Path(__file__).resolve().parent.parent


def links(backend) -> dict[tuple[str, str], set[tuple[str, str, str]]]:
    """(left file, right file) -> its links (left measure, right measure, grade)."""
    out: dict[tuple[str, str], set] = {}
    for r in run_query(backend, "alignment_runs").records():
        out[(r["left"], r["right"])] = set()
    for r in run_query(backend, "alignment_edges").records():
        out[(r["left_source"], r["right_source"])].add((r["left_measure"], r["right_measure"], r["grade"]))
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two stores of the same 19 synthetic documents: one aligned after 16 and again after the
    last 3 were added, one aligned once from scratch."""
    from policykg.analysis.align import align_all
    from policykg.ingest.batch import ingest_paths

    sys.path.insert(0, str(ROOT))
    from benchmarks.synth import write_corpus

    tmp = tmp_path_factory.mktemp("incremental")
    write_corpus(tmp / "base", 16, 7)
    write_corpus(tmp / "added", 3, 7, start=16)
    inc, scratch = OxigraphBackend(tmp / "inc"), OxigraphBackend(tmp / "scratch")
    assert not ingest_paths(inc, [tmp / "base"], jobs=1).by_status("failed")
    first = align_all(inc)
    before = links(inc)
    assert not ingest_paths(inc, [tmp / "added"], jobs=1).by_status("failed")
    second = align_all(inc)
    assert not ingest_paths(scratch, [tmp / "base", tmp / "added"], jobs=1).by_status("failed")
    full = align_all(scratch)
    new = {p.name for p in (tmp / "added").iterdir()}
    return {"inc": inc, "scratch": scratch, "first": first, "second": second, "full": full, "before": before,
            "new": new, "tmp": tmp}


def test_adding_documents_aligns_only_pairs_with_a_new_document_or_newly_selected(stores):
    first, second, before, new = stores["first"], stores["second"], stores["before"], stores["new"]
    after = links(stores["inc"])
    aligned = {p for p in after if p not in before or after[p] != before[p]}
    assert second["document_pairs"] < first["document_pairs"]
    assert second["kept_pairs"] > 0 and second["kept_pairs"] + second["document_pairs"] == len(after)
    # every pair with a new document is aligned; a pair of two old documents is aligned only when
    # the first pass selects it for the first time (kept pairs are not touched)
    assert {p for p in after if new & set(p)} <= aligned
    assert all(p not in before for p in aligned - {p for p in after if new & set(p)})
    assert all(after[p] == before[p] for p in after if p in before)


def test_incremental_selects_the_pairs_of_a_run_from_scratch(stores):
    after, scratch, new = links(stores["inc"]), links(stores["scratch"]), stores["new"]
    assert set(after) == set(scratch)
    # pairs aligned in the second run saw the same store as the run from scratch: same links
    fresh = [p for p in after if p not in stores["before"] or new & set(p)]
    assert fresh and all(after[p] == scratch[p] for p in fresh)
    # the pairs kept from the first run carry its statistics (IDF over 16 documents): nearly
    # the same links
    kept = set().union(*(after[p] for p in after if p not in fresh))
    again = set().union(*(scratch[p] for p in after if p not in fresh))
    assert len(kept & again) >= 0.9 * len(kept | again)


def test_a_run_with_nothing_new_aligns_nothing_a_changed_document_its_pairs_and_full_all(stores, tmp_path):
    from policykg.analysis.align import AlignParams, align_all, input_digest
    from policykg.graph.load import stored_sources
    from policykg.ingest.batch import ingest_paths

    shutil.copytree(stores["tmp"] / "scratch", tmp_path / "copy")  # the module's stores stay as they were
    backend = OxigraphBackend(tmp_path / "copy")
    path = stores["tmp"] / "added" / sorted(stores["new"])[0]
    saved = path.read_text(encoding="utf-8")
    try:
        before = links(backend)
        again = align_all(backend)
        assert again["document_pairs"] == 0 and again["dropped_pairs"] == 0
        assert again["kept_pairs"] == len(before) and links(backend) == before
        # other parameters or another model: every pair's inputs change
        s, t = list(stored_sources(backend).values())[:2]
        assert len({input_digest(AlignParams(), s, t), input_digest(AlignParams(max_evidence=2), s, t),
                    input_digest(AlignParams(model=""), s, t), input_digest(AlignParams(), t, s)}) == 4
        # the same path with other text: its pairs are aligned again (their stored runs point
        # into the old text), the pairs of unchanged documents are kept as they were
        path.write_text(saved.replace("。", "。\n", 1), encoding="utf-8")
        assert not ingest_paths(backend, [path], jobs=1).by_status("failed")
        st = align_all(backend)
        after = links(backend)
        touching = {p for p in after if path.name in p}
        assert touching and st["document_pairs"] >= len(touching)
        untouched = {p for p in before if path.name not in p and p in after}
        assert untouched and all(after[p] == before[p] for p in untouched)
        assert st["kept_pairs"] >= len(untouched)
        full = align_all(backend, full=True)
        assert full["document_pairs"] == len(after) and full["kept_pairs"] == 0 and links(backend) == after
    finally:
        path.write_text(saved, encoding="utf-8")
        backend.close()
