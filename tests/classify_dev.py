"""Developer aid (not a test): run the classifier on the gold measures and report accuracy.

    .venv/bin/python tests/classify_dev.py [--errors] [--pipeline]

Without --pipeline, measures are rebuilt from the gold headings (located in the corpus text; the
body runs to the next gold heading or the next numbered section line), so the classifier can be
developed while the structure stage is not yet written. With --pipeline, the real pipeline's
measures are used and paired to gold by heading as the scorer does.
Remember: the gold documents are the evaluation; never copy their wording into the cue lexicon.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from policykg.ingest.components.classify import STAGES, classify_measures
from policykg.ingest.record import Measure, Span
from policykg.ingest.text import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "gold" / "classes"
DIMENSIONS = ("stage", "instrument", "tool")
SECTION_LINE = re.compile(
    r"^[ \t\-*#]*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、]|第[一二三四五六七八九十]+[章节部分])",
    re.M,
)
LEVEL1 = re.compile(r"^[ \t\-*#]*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章部分])(.*)$", re.M)
LEVEL2 = re.compile(r"^[ \t\-*#]*[（(][一二三四五六七八九十]+[)）](.*)$", re.M)


def squash_map(text: str) -> tuple[str, list[int]]:
    idx = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in idx), idx


def gold_measures(text: str, gold: dict) -> list[tuple[dict, Measure]]:
    sq, idx = squash_map(text)
    located = []
    cursor = 0
    for g in gold["measures"]:
        h = re.sub(r"\s", "", g["heading"])
        at = sq.find(h, cursor)
        if at < 0:
            at = sq.find(h)
        if at < 0:
            print(f"  not found: {g['heading']}", file=sys.stderr)
            continue
        cursor = at + len(h)
        located.append((g, idx[at], idx[at + len(h) - 1] + 1))
    starts = sorted(s for _, s, _ in located)
    out = []
    for g, start, hend in located:
        line_end = text.find("\n", hend)
        line_end = len(text) if line_end < 0 else line_end
        nxt = [s for s in starts if s > start]
        end = min(nxt) if nxt else len(text)
        b = SECTION_LINE.search(text, line_end)
        if b and b.start() < end:
            end = b.start()
        before = text[:start]
        l1 = list(LEVEL1.finditer(before))
        l2 = list(LEVEL2.finditer(before))
        # the category: the nearest section heading above, unless it is the measure itself
        cat = None
        cands = [m for m in l1[-1:] + l2[-1:]]
        if cands:
            m = max(cands, key=lambda m: m.start())
            cat = re.sub(r"\s", "", m.group(1)).strip("。") or None
        kind = "safeguard" if l1 and re.search(r"保障|组织实施", l1[-1].group(1)) else "task"
        out.append((g, Measure(None, g["heading"], cat, kind, Span(start, end), Span(start, hend))))
    return out


def pipeline_pairs(stem: str, gold: dict) -> tuple[list[tuple[dict, Measure]], str]:
    sys.path.insert(0, str(ROOT.parent / "shared" / "eval"))
    from score import greedy_match, heading_similarity  # noqa: E402

    from policykg.ingest.pipeline import ingest_file

    doc = ingest_file(ROOT / "corpus" / gold["source"])
    preds = [{"heading": m.heading, "m": m} for m in doc.measures]
    matched = dict((j, i) for i, j in greedy_match(preds, gold["measures"], heading_similarity))
    return [(g, preds[matched[j]]["m"]) for j, g in enumerate(gold["measures"]) if j in matched], doc.source.text


def main(argv: list[str]) -> int:
    right = Counter()
    total = 0
    confusion = defaultdict(Counter)
    per_doc = []
    rows = []
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        raw = (ROOT / "corpus" / gold["source"]).read_text(encoding="utf-8")
        if "--pipeline" in argv:
            pairs, raw = pipeline_pairs(path.stem, gold)
            text = normalize(raw)
            measures = [m for _, m in pairs]
            golds = [g for g, _ in pairs]
        else:
            text = normalize(raw)
            pairs = gold_measures(text, gold)
            measures = [m for _, m in pairs]
            golds = [g for g, _ in pairs]
        coded = classify_measures(text, tuple(measures))
        doc_right = Counter()
        n = len(gold["measures"])
        for g, m in zip(golds, coded):
            c = m.classification
            for d in DIMENSIONS:
                ok = getattr(c, d) == g[d]
                doc_right[d] += ok
            confusion[g["stage"]][c.stage] += 1
            rows.append((path.stem[:3], g, m, c))
        total += n
        right.update(doc_right)
        per_doc.append((path.stem, n, len(measures), {d: doc_right[d] / n for d in DIMENSIONS}))
    print(f"{'document':28} {'gold':>4} {'found':>5} " + " ".join(f"{d:>10}" for d in DIMENSIONS))
    for stem, n, found, acc in per_doc:
        print(f"{stem:28} {n:>4} {found:>5} " + " ".join(f"{acc[d]:>10.3f}" for d in DIMENSIONS))
    print(f"{'total':28} {total:>4} {'':>5} " + " ".join(f"{right[d] / total:>10.3f}" for d in DIMENSIONS))
    print("\nstage confusion (rows gold, columns predicted):")
    print("        " + " ".join(f"{s:>5}" for s in STAGES))
    for s in STAGES:
        print(f"{s:>5}  " + " ".join(f"{confusion[s][p]:>6}" for p in STAGES))
    if "--errors" in argv:
        for doc, g, m, c in rows:
            wrong = [d for d in ("stage", "tool") if getattr(c, d) != g[d]]
            if wrong:
                conf = dict(c.confidence)
                print(f"{doc} {m.heading[:24]:24} gold {g['stage']}/{g['tool']} got {c.stage}/{c.tool} "
                      f"conf {conf['stage']:.2f}/{conf['tool']:.2f} ev {[e for e, _ in c.evidence]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
