"""Leave-one-pair-out evaluation of measure alignment on every annotated corpus pair.

    python benchmarks/align_lopo.py                    # the table: each pair scored with
                                                       # parameters tuned on the other pairs only
    python benchmarks/align_lopo.py --json out.json
    python benchmarks/align_lopo.py --errors           # missed and false links, with features

Gold: ``tests/data/align_gold/*.json`` (annotated in this repository) and, when present,
``../shared/gold/align/*.json``; scored by ``../shared/eval/score_align.py`` (its
``score_pair``), so the figures are the ones CI checks. For each held-out pair a small grid
(``GRID``) of alignment parameters is scored on the *other* pairs; the best point there
(links F1 + same F1, ties to the default) aligns the held-out pair, which tunes nothing.
The corpus is ingested once into a temporary store; the index (IDF over every measure) is the
one ``policykg align`` builds.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLD_DIRS = (ROOT / "tests" / "data" / "align_gold", SHARED / "gold" / "align")

# The parameters tuned per fold: the link threshold on CSLS, its neighbourhood size, the margin
# above the threshold a mutual best link needs to be graded "same", and the weight of the word
# (rjieba) TF-IDF feature.
GRID = {
    "link_threshold": (0.0, 0.01, 0.02, 0.03),
    "csls_k": (4, 5, 6),
    "same_threshold": (0.0, 0.05, 0.1),
    "term_weight": (0.0, 0.25, 0.5),
}
# ``--more-features``: also the lead-in-sentence weight and the graph's classification and agencies
MORE_GRID = {**GRID, "lead_weight": (0.0, 0.1, 0.2), "class_weight": (0.0, 0.05), "agency_weight": (0.0, 0.05)}


def load_gold() -> list[dict]:
    seen, out = set(), []
    for folder in GOLD_DIRS:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            g = json.loads(path.read_text(encoding="utf-8"))
            key = frozenset((g["left"], g["right"]))
            if key not in seen:
                seen.add(key)
                out.append({**g, "_name": path.stem})
    return out


def scorer():
    sys.path.insert(0, str(SHARED / "eval"))
    from score_align import score_pair  # noqa: PLC0415

    return score_pair


def pair_record(index, by_source, left: str, right: str, model: dict | None = None) -> dict:
    from policykg.analysis.align import align_block, candidate_pairs_for

    a, b = by_source[left], by_source[right]
    links = align_block(index, a, b, candidate_pairs_for(index, a, b), model=model)
    return {"left": left, "right": right,
            "links": [{"left_heading": x.left.heading, "right_heading": x.right.heading, "grade": x.grade,
                       "score": x.score} for x in links]}


def totals(scores: list[dict]) -> dict:
    from score import prf  # noqa: PLC0415  (../shared/eval, on the path once scorer() ran)

    out = {}
    for metric in ("links", "same"):
        tp = sum(s[metric]["tp"] for s in scores)
        pred = sum(s[metric]["pred"] for s in scores)
        gold = sum(s[metric]["gold"] for s in scores)
        out[metric] = prf(tp, pred, gold)
    return out


def corpus_index(store_dir: Path | None = None, params=None):
    """(index over every measure of the corpus, file name -> measure rows): ingested once into a
    temporary store unless ``store_dir`` holds it."""
    from policykg.graph.store import OxigraphBackend
    from policykg.analysis.align import AlignParams, Index, read_facets, read_measures
    from policykg.ingest.batch import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        backend = OxigraphBackend(store_dir or Path(tmp) / "store")
        if store_dir is None:
            report = ingest_paths(backend, [ROOT / "corpus"], jobs=1)
            assert not report.by_status("failed"), report.failed
        measures = read_measures(backend)
        facets = read_facets(backend)
        backend.close()
    by_source: dict[str, list[int]] = {}
    for i, m in enumerate(measures):
        by_source.setdefault(m.source, []).append(i)
    return Index(measures, params or AlignParams(), facets), by_source


def gold_block(index, by_source, gold: dict):
    """The features and gold labels of one annotated pair (headings matched as the scorer does)."""
    import numpy as np
    from policykg.analysis.align import candidate_pairs_for, pair_features
    from policykg.analysis.align_fit import Block

    scorer()
    from score_align import heading_map, side_headings  # noqa: PLC0415

    a, b = by_source[gold["left"]], by_source[gold["right"]]
    ms = index.measures
    names = {side: heading_map([ms[i].heading for i in rows], side_headings(gold, side)) for side, rows in (("left", a), ("right", b))}
    grade = {(x["left_heading"], x["right_heading"]): x["grade"] for x in gold["links"]}
    labels = np.zeros((len(a), len(b)), dtype=np.int8)
    for x, i in enumerate(a):
        for y, j in enumerate(b):
            g = grade.get((names["left"].get(ms[i].heading), names["right"].get(ms[j].heading)))
            labels[x, y] = {"partial": 1, "same": 2}.get(g, 0)
    keys = candidate_pairs_for(index, a, b)
    allowed = np.array([[(i, j) in keys for j in b] for i in a], dtype=bool)
    features, _, _ = pair_features(index, a, b)
    return Block(gold["_name"], features, labels, allowed)


def evaluate_model(store_dir: Path | None = None, c: float | None = None) -> dict:
    """Leave-one-pair-out figures of the link model: for each annotated pair, the model is fitted
    (coefficients and both thresholds) on the other pairs only, then aligns the held-out pair."""
    from policykg.analysis.align_fit import C, fit

    score_pair = scorer()
    golds = load_gold()
    index, by_source = corpus_index(store_dir)
    blocks = {g["_name"]: gold_block(index, by_source, g) for g in golds}
    rows, held = [], []
    for g in golds:
        train = [x["_name"] for x in golds if x is not g]
        model = fit([blocks[n] for n in train], C if c is None else c)
        s = score_pair(pair_record(index, by_source, g["left"], g["right"], model), g)
        held.append(s)
        rows.append({"pair": g["_name"], "left": g["left"], "right": g["right"], "tuned_on": train,
                     "params": {"link_probability": model["link_probability"], "same_csls": model["same_csls"]},
                     "links": s["links"], "same": s["same"]})
    return {"rows": rows, "total": totals(held), "method": "model"}


def error_analysis(store_dir: Path | None = None, out=print) -> dict:
    """What the leave-one-pair-out model gets wrong: per held-out pair, every missed gold link
    and every false link with its probability and main features (and the gold's ``why``), then
    where the missed links rank and the F1 a per-pair best threshold would reach (the ceiling of
    threshold calibration with these features). Returns the counts."""
    import numpy as np
    from policykg.analysis.align import link_probability
    from policykg.analysis.align_fit import fit

    golds = load_gold()
    index, by_source = corpus_index(store_dir)
    ms = index.measures
    blocks = {g["_name"]: gold_block(index, by_source, g) for g in golds}
    shown = ("sim", "sim_csls", "head_csls", "body_csls", "term", "lead", "cover")
    by_rank: dict[str, list[int]] = {}
    ceiling = np.zeros(3, dtype=np.int64)
    for g in golds:
        model = fit([blocks[x["_name"]] for x in golds if x is not g])
        b = blocks[g["_name"]]
        prob = np.where(b.allowed, link_probability(model, b.features), 0.0)
        linked, gold = prob >= model["link_probability"], b.labels > 0
        why = {(x["left_heading"], x["right_heading"]): x.get("why", "") for x in g["links"]}
        a, bb = by_source[g["left"]], by_source[g["right"]]
        out(f"== {g['_name']} ({len(a)} × {len(bb)} measures, {int(gold.sum())} gold links; threshold {model['link_probability']})")
        for x, y in zip(*np.nonzero(linked != gold)):
            f = b.features
            kind = ("MISSED " + ("same" if b.labels[x, y] == 2 else "partial")) if gold[x, y] else "FALSE"
            rank = int(round(1 / f["rank_best"][x, y])) - 1, int(round(1 / f["rank_worst"][x, y])) - 1
            feats = " ".join(f"{k}={f[k][x, y]:.2f}" for k in shown)
            out(f"{kind:14} p={prob[x, y]:.2f} rank={rank[0]}/{rank[1]}{'' if b.allowed[x, y] else ' no-key'} {feats} | "
                f"{ms[a[x]].heading} ~ {ms[bb[y]].heading}")
            if gold[x, y]:
                out(f"{'':14} why: {why.get((ms[a[x]].heading, ms[bb[y]].heading), '(headings differ from the gold)')}")
        best = max((np.array([(gold & (prob >= t)).sum(), (prob >= t).sum(), gold.sum()]) for t in np.arange(0.05, 0.96, 0.025)),
                   key=lambda c: 2 * c[0] / max(1, c[1] + c[2]))
        ceiling += best
        for x, y in zip(*np.nonzero(gold)):
            r = int(round(1 / b.features["rank_best"][x, y])) - 1
            key = "mutual best" if b.features["mutual"][x, y] else "best of one side" if r == 0 else "below both bests"
            by_rank.setdefault(key, [0, 0])[0 if linked[x, y] else 1] += 1
    out("gold links by rank on sim's CSLS (found / missed): " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_rank.items())))
    f1 = 2 * ceiling[0] / max(1, ceiling[1] + ceiling[2])
    out(f"links F1 with the best threshold chosen on each held-out pair itself (a ceiling, not a result): {f1:.3f}")
    return {"by_rank": by_rank, "oracle_threshold_f1": round(float(f1), 3)}


def fit_all(store_dir: Path | None = None) -> dict:
    """The shipped model: fitted on every annotated pair."""
    from policykg.analysis.align_fit import fit

    golds = load_gold()
    index, by_source = corpus_index(store_dir)
    return fit([gold_block(index, by_source, g) for g in golds])


def evaluate(store_dir: Path | None = None, grid: dict | None = None) -> dict:
    """Leave-one-pair-out figures of the CSLS threshold rule (``model=""``), its parameters
    chosen per held-out pair on a grid scored on the other pairs."""
    from policykg.analysis.align import AlignParams

    score_pair = scorer()
    golds = load_gold()
    default = AlignParams(model="")
    index, by_source = corpus_index(store_dir, default)
    grid = grid or GRID
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]

    def score_at(point: dict, gold: dict) -> dict:
        index.params = replace(default, **point)
        return score_pair(pair_record(index, by_source, gold["left"], gold["right"]), gold)

    # every (point, pair) once: folds reuse them
    table = {(i, g["_name"]): score_at(p, g) for i, p in enumerate(points) for g in golds}
    default_point = next(i for i, p in enumerate(points) if all(getattr(default, k) == v for k, v in p.items()))

    def objective(i: int, names: list[str]) -> tuple:
        t = totals([table[(i, n)] for n in names])
        return (round(t["links"]["f1"] + t["same"]["f1"], 4), i == default_point)

    rows = []
    held_scores = []
    for g in golds:
        train = [x["_name"] for x in golds if x is not g]
        best = max(range(len(points)), key=lambda i: objective(i, train))
        s = table[(best, g["_name"])]
        held_scores.append(s)
        rows.append({"pair": g["_name"], "left": g["left"], "right": g["right"], "tuned_on": train, "params": points[best],
                     "links": s["links"], "same": s["same"], "default_links_f1": table[(default_point, g["_name"])]["links"]["f1"],
                     "default_same_f1": table[(default_point, g["_name"])]["same"]["f1"]})
    return {"rows": rows, "total": totals(held_scores), "default_params": points[default_point],
            "default_total": totals([table[(default_point, g["_name"])] for g in golds])}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--rule", action="store_true", help="the CSLS threshold rule (no model), its parameters tuned on GRID")
    ap.add_argument("--more-features", action="store_true",
                    help="with --rule: also tune the lead-in-sentence, classification and agency weights (MORE_GRID)")
    ap.add_argument("--write-model", action="store_true",
                    help="fit the link model on every annotated pair and write analysis/align_model.json")
    ap.add_argument("--errors", action="store_true",
                    help="error analysis of the leave-one-pair-out model: missed and false links with their features")
    args = ap.parse_args(argv)
    if args.errors:
        error_analysis()
        return
    if args.write_model:
        from policykg.analysis.align_fit import write

        model = fit_all()
        write(model, ROOT / "analysis" / "align_model.json")
        print(f"analysis/align_model.json: fitted on {', '.join(model['trained_on'])}; link probability "
              f"{model['link_probability']}, same CSLS {model['same_csls']}")
        return
    if not args.rule:
        r = evaluate_model()
        print(f"{'held-out pair':16} {'thresholds (fitted on the other pairs)':42} {'links P/R/F1':>16} {'same P/R/F1':>16}")
        for row in r["rows"]:
            cells = " ".join(f"{row[m]['precision']:.2f}/{row[m]['recall']:.2f}/{row[m]['f1']:.2f}".rjust(16) for m in ("links", "same"))
            params = " ".join(f"{k}={v}" for k, v in row["params"].items())
            print(f"{row['pair']:16} {params:42} {cells}")
        t = r["total"]
        print(f"held-out total: links P {t['links']['precision']:.3f} R {t['links']['recall']:.3f} F1 {t['links']['f1']:.3f}, "
              f"same P {t['same']['precision']:.3f} R {t['same']['recall']:.3f} F1 {t['same']['f1']:.3f}")
        if args.json:
            Path(args.json).write_text(json.dumps(r, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    r = evaluate(grid=MORE_GRID if args.more_features else GRID)
    print(f"{'held-out pair':16} {'tuned params (on the other pairs)':52} {'links P/R/F1':>16} {'same P/R/F1':>16}  default links/same F1")
    for row in r["rows"]:
        cells = " ".join(f"{row[m]['precision']:.2f}/{row[m]['recall']:.2f}/{row[m]['f1']:.2f}".rjust(16) for m in ("links", "same"))
        params = " ".join(f"{k}={v}" for k, v in row["params"].items())
        print(f"{row['pair']:16} {params:52} {cells}  {row['default_links_f1']:.2f}/{row['default_same_f1']:.2f}")
    t, d = r["total"], r["default_total"]
    print(f"held-out total: links P {t['links']['precision']:.3f} R {t['links']['recall']:.3f} F1 {t['links']['f1']:.3f}, "
          f"same P {t['same']['precision']:.3f} R {t['same']['recall']:.3f} F1 {t['same']['f1']:.3f}")
    print(f"default parameters ({r['default_params']}): links F1 {d['links']['f1']:.3f}, same F1 {d['same']['f1']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(r, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
