"""How `align_all` grows with the store: synthetic corpora of two sizes (10× apart), each
ingested into a temporary Oxigraph store, then timed alignment of every related pair.

    python benchmarks/align_scale.py                 # 1k and 10k documents (ingest at 10k takes long)
    python benchmarks/align_scale.py --small 500 --big 5000 --jobs 2
    python benchmarks/align_scale.py --incremental --small 1000 --add 100

Prints ``align_1k: … s | align_10k: … s | ratio R (goal ≤ 11)`` (labels follow the sizes) and
the counts of ``align_all``. ``align_scale(small, big)`` returns the same as a dict for
benchmarks/run.py.

``--incremental``: ``small`` documents are ingested and aligned, ``add`` more are ingested
and aligned again (incremental: only pairs with a new document, or newly selected), and the
same ``small + add`` documents are aligned from scratch in a second store. Prints the time of
the incremental run against the one from scratch, and how far their links differ (pairs
selected, links of pairs with a new document, links of kept pairs: these carry the IDF of the
first run).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synth import write_corpus  # noqa: E402

GOAL = 11.0


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def measure(n: int, tmp: Path, seed: int = 7, jobs: int = 2) -> dict:
    """Generate ``n`` documents, ingest them, time ``align_all``; returns timings and counts."""
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import ingest_paths

    docs, store = tmp / f"docs{n}", tmp / f"store{n}"
    write_corpus(docs, n, seed)
    backend = OxigraphBackend(store)
    t = time.perf_counter()
    report = ingest_paths(backend, [docs], jobs=jobs)
    ingest_s = time.perf_counter() - t
    backend.close()
    return {"documents": n, "ingest_seconds": round(ingest_s, 1), "failed": len(report.by_status("failed")),
            **timed_align(store)}


def timed_align(store: Path) -> dict:
    """Open an ingested store, run ``align_all`` once and time it: {align_seconds, stats}."""
    from policykg.graph.store import OxigraphBackend
    from policykg.analysis.align import align_all

    backend = OxigraphBackend(store)
    try:
        t = time.perf_counter()
        stats = align_all(backend)
        return {"align_seconds": round(time.perf_counter() - t, 2), "stats": stats}
    finally:
        backend.close()


def align_scale(small: int = 1000, big: int = 10000, seed: int = 7, jobs: int = 2, keep: str | None = None) -> dict:
    """Time ``align_all`` on ``small`` and ``big`` synthetic documents; ``ratio`` = big / small time."""
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="policykg-align-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        a = measure(small, tmp, seed, jobs)
        print(f"[{label(small)}] ingest {a['ingest_seconds']} s, align {a['align_seconds']} s: {json.dumps(a['stats'])}", flush=True)
        b = measure(big, tmp, seed, jobs)
        print(f"[{label(big)}] ingest {b['ingest_seconds']} s, align {b['align_seconds']} s: {json.dumps(b['stats'])}", flush=True)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    ratio = b["align_seconds"] / max(a["align_seconds"], 1e-9)
    return {"small": a, "big": b, "ratio": round(ratio, 2), "growth": big / small, "goal": GOAL, "met": ratio <= GOAL}


INCREMENTAL_GOAL = 3.0  # adding 10 %: about 1/5 of the pairs involve a new document, plus fixed costs


def link_set(backend) -> dict[str, set[tuple[str, str, str]]]:
    """Alignment graph -> its links (left measure, right measure, grade) as the aligner wrote them."""
    from policykg.graph.store import internal_query

    out: dict[str, set] = {}
    for r in backend.select(internal_query("alignment_links")).records():
        out.setdefault(r["g"], set()).add((r["left_measure"], r["right_measure"], r["grade"]))
    return out


RUN_STATS = ("documents", "selected_pairs", "document_pairs", "kept_pairs", "dropped_pairs", "pairs_with_new_document",
             "pairs_newly_selected", "pairs_changed", "links",
             "seconds_read", "seconds_index", "seconds_block", "seconds_align_write")


def _progress(k: str, out: dict) -> None:
    """Print one run's time and counts as soon as it ends (long runs: partial results survive)."""
    st = {x: out[k].get(x) for x in RUN_STATS}
    print(f"[{k}] {out[k + '_seconds']} s: {json.dumps(st)}", flush=True)


def align_incremental(small: int = 1000, add: int = 100, seed: int = 7, jobs: int = 2, keep: str | None = None,
                       scale_from: int | None = None, again: bool = True) -> dict:
    """Ingest and align ``small`` documents, ingest ``add`` more and align incrementally; align
    the same documents from scratch in another store. ``ratio`` = scratch / incremental time.

    ``scale_from``: first time ``align_all`` on that many documents in a fresh store, so that
    the first run on ``small`` gives the growth figure too (``scale``: small / scale_from
    time), without aligning ``small`` documents from scratch twice. ``again``: also time a
    second incremental run with nothing new (costly on large stores)."""
    from policykg.analysis.align import align_all, stored_digests
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import ingest_paths

    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="policykg-align-inc-"))
    tmp.mkdir(parents=True, exist_ok=True)
    scale = None
    try:
        if scale_from:
            scale = measure(scale_from, tmp, seed, jobs)
            print(f"[{label(scale_from)}] ingest {scale['ingest_seconds']} s, align {scale['align_seconds']} s: "
                  f"{json.dumps(scale['stats'])}", flush=True)
        base, extra = tmp / f"docs{small}", tmp / f"docs{small}+{add}"
        write_corpus(base, small, seed)
        write_corpus(extra, add, seed, start=small)
        out: dict = {"documents": small, "added": add}
        inc, scratch = OxigraphBackend(tmp / "incremental"), OxigraphBackend(tmp / "scratch")
        try:
            t = time.perf_counter()
            ingest_paths(inc, [base], jobs=jobs)
            out["ingest_seconds"] = round(time.perf_counter() - t, 1)
            t = time.perf_counter()
            out["first"] = align_all(inc)
            out["first_seconds"] = round(time.perf_counter() - t, 2)
            _progress("first", out)
            if scale:
                out["scale"] = {"small": scale, "ratio": round(out["first_seconds"] / max(scale["align_seconds"], 1e-9), 2),
                                "growth": small / scale_from, "goal": GOAL}
                print(f"align {label(scale_from)}->{label(small)}: {scale['align_seconds']} -> {out['first_seconds']} s, "
                      f"ratio {out['scale']['ratio']} (goal <= {GOAL:g} for {small / scale_from:g}x documents)", flush=True)
            before = set(stored_digests(inc))
            ingest_paths(inc, [extra], jobs=jobs)
            t = time.perf_counter()
            out["incremental"] = align_all(inc)
            out["incremental_seconds"] = round(time.perf_counter() - t, 2)
            _progress("incremental", out)
            if again:
                t = time.perf_counter()
                out["again"] = align_all(inc)
                out["again_seconds"] = round(time.perf_counter() - t, 2)
                _progress("again", out)
            ingest_paths(scratch, [base, extra], jobs=jobs)
            t = time.perf_counter()
            out["scratch"] = align_all(scratch)
            out["scratch_seconds"] = round(time.perf_counter() - t, 2)
            _progress("scratch", out)
            a, b = link_set(inc), link_set(scratch)
            ga, gb = set(stored_digests(inc)), set(stored_digests(scratch))
            new_pairs = ga - before
            la = set().union(*(a.get(g, set()) for g in new_pairs)) if new_pairs else set()
            lb = set().union(*(b.get(g, set()) for g in new_pairs)) if new_pairs else set()
            ka = set().union(*(a.get(g, set()) for g in ga - new_pairs)) if ga - new_pairs else set()
            kb = set().union(*(b.get(g, set()) for g in ga - new_pairs)) if ga - new_pairs else set()
            all_a, all_b = set().union(*a.values()) if a else set(), set().union(*b.values()) if b else set()
            out["compare"] = {"same_pairs": ga == gb, "pairs": len(ga), "pairs_only_incremental": len(ga - gb),
                              "pairs_only_scratch": len(gb - ga), "aligned_pairs": len(new_pairs),
                              "new_pair_links_equal": la == lb, "new_pair_links": len(lb),
                              "kept_pair_links": len(kb), "kept_pair_links_differing": len(ka ^ kb),
                              "links_jaccard": round(len(all_a & all_b) / max(1, len(all_a | all_b)), 4)}
        finally:
            inc.close()
            scratch.close()
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    ratio = out["scratch_seconds"] / max(out["incremental_seconds"], 1e-9)
    return {**out, "ratio": round(ratio, 2), "goal": INCREMENTAL_GOAL, "met": ratio >= INCREMENTAL_GOAL}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="work in this folder and keep the corpora and stores")
    ap.add_argument("--incremental", action="store_true", help="add --add documents to --small and align incrementally")
    ap.add_argument("--add", type=int, default=100)
    ap.add_argument("--scale-from", type=int, help="with --incremental: first align this many documents, "
                    "so that the first run on --small gives the growth figure as well")
    ap.add_argument("--no-again", action="store_true", help="with --incremental: skip the second run with nothing new")
    args = ap.parse_args(argv)
    if args.incremental:
        r = align_incremental(args.small, args.add, args.seed, args.jobs, args.keep, args.scale_from, not args.no_again)
        print(f"compare: {json.dumps(r['compare'])}")
        c = r["compare"]
        print(f"align {label(args.small)} + {args.add} documents: incremental vs from scratch: {r['incremental_seconds']} s | "
              f"baseline: {r['scratch_seconds']} | ratio {r['ratio']} (goal >= {INCREMENTAL_GOAL:g}) "
              f"{'ok' if r['met'] else 'MISSED'}  -- pairs aligned {r['incremental']['document_pairs']} of "
              f"{r['incremental']['selected_pairs']}, same pair set as from scratch: {c['same_pairs']}, links of new pairs "
              f"equal: {c['new_pair_links_equal']}, links Jaccard {c['links_jaccard']}"
              + (f"; a second run aligned {r['again']['document_pairs']} pairs in {r['again_seconds']} s" if "again" in r else ""))
        return
    r = align_scale(args.small, args.big, args.seed, args.jobs, args.keep)
    print(f"align_{label(args.small)}: {r['small']['align_seconds']} s | align_{label(args.big)}: "
          f"{r['big']['align_seconds']} s | ratio {r['ratio']} (goal ≤ {GOAL:g} for {r['growth']:g}× documents)")


if __name__ == "__main__":
    main()
