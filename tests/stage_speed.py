"""Developer aid (not a test): throughput of the metadata, citation and target stages, measured
side by side with spaCy ``spacy.blank("zh")`` character tokenization of the same texts.

    .venv/bin/python tests/stage_speed.py [--repeat 20] [--rounds 3]

CPU time (not wall time), so that other work on the machine does not skew the comparison.
Each stage gets the inputs the pipeline would give it (computed once, outside the timing); the
best of ``--rounds`` rounds is reported, each round running every corpus file ``--repeat`` times.
"""
from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

import spacy

from policykg.ingest.components.citations import find_citations
from policykg.ingest.components.metadata import find_metadata
from policykg.ingest.components.structure import find_structure
from policykg.ingest.components.targets import find_targets
from policykg.ingest.readers import read
from policykg.ingest.text import normalize

ROOT = Path(__file__).resolve().parents[1]


def best_of(rounds: int, fn) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    sources = [read(f) for f in sorted((ROOT / "corpus").glob("*.txt"))]
    inputs = []
    for src in sources:
        text = normalize(src.text)
        meta = find_metadata(text, src)
        sections, measures = find_structure(text)
        inputs.append((src, text, meta, sections, measures))
    chars = sum(len(s.text) for s in sources) * args.repeat

    nlp = spacy.blank("zh")
    texts = [s.text for s in sources]
    nlp(texts[0])  # warm up

    def run_spacy():
        for _ in range(args.repeat):
            for t in texts:
                nlp(t)

    def run(stage):
        def go():
            for _ in range(args.repeat):
                for src, text, meta, sections, measures in inputs:
                    if stage in ("metadata", "all"):
                        find_metadata(text, src)
                    if stage in ("citations", "all"):
                        find_citations(text, meta, measures)
                    if stage in ("targets", "all"):
                        find_targets(text, sections, measures, meta, src)
        return go

    for stage in ("metadata", "citations", "targets", "all"):
        run(stage)()  # warm caches (rules, catalogs) before timing
    # the long-lived objects loaded so far (spaCy's vocabulary, catalogs) are not re-scanned by
    # every garbage collection during the timing, for spaCy and the stages alike
    gc.collect()
    gc.freeze()
    spacy_rate = chars / best_of(args.rounds, run_spacy)
    print(f"{len(sources)} files x {args.repeat} = {chars:,} chars; best of {args.rounds} rounds, CPU time")
    print(f"{'spacy.blank(zh)':<24}{spacy_rate / 1e6:8.2f} M chars/s   1.00x")
    for stage, label in (("metadata", "metadata"), ("citations", "citations"), ("targets", "targets"),
                         ("all", "three stages together")):
        rate = chars / best_of(args.rounds, run(stage))
        print(f"{label:<24}{rate / 1e6:8.2f} M chars/s {rate / spacy_rate:6.2f}x")


if __name__ == "__main__":
    main()
