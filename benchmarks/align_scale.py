"""How `align_all` grows with the store: synthetic corpora of two sizes (10× apart), each
ingested into a temporary Oxigraph store, then timed alignment of every related pair.

    python benchmarks/align_scale.py                 # 1k and 10k documents (ingest at 10k takes long)
    python benchmarks/align_scale.py --small 500 --big 5000 --jobs 2

Prints ``align_1k: … s | align_10k: … s | ratio R (goal ≤ 11)`` (labels follow the sizes) and
the counts of ``align_all``. ``align_scale(small, big)`` returns the same as a dict for
benchmarks/run.py.
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="work in this folder and keep the corpora and stores")
    args = ap.parse_args(argv)
    r = align_scale(args.small, args.big, args.seed, args.jobs, args.keep)
    print(f"align_{label(args.small)}: {r['small']['align_seconds']} s | align_{label(args.big)}: "
          f"{r['big']['align_seconds']} s | ratio {r['ratio']} (goal ≤ {GOAL:g} for {r['growth']:g}× documents)")


if __name__ == "__main__":
    main()
