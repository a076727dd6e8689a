"""Leave-one-pair-out evaluation of measure alignment on every annotated corpus pair.

    python benchmarks/align_lopo.py                    # the table: each pair scored with
                                                       # parameters tuned on the other pairs only
    python benchmarks/align_lopo.py --json out.json
    python benchmarks/align_lopo.py --errors           # missed and false links, with features
    python benchmarks/align_lopo.py --candidates       # the figures with each candidate feature added
    python benchmarks/align_lopo.py --ceiling          # the model scored on the pairs it was fitted on

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


# ----------------------------------------------------------------------------- candidate features
# Pair features tried for issue 19 beside the aligner's own (``--candidates``). Each is an
# n × n matrix over every measure of the corpus index, added to the model raw and as CSLS; the
# table gives the leave-one-pair-out figures with each one added. None raised them (the figures
# are in benchmarks/README.md), so the aligner does not compute them; they stay here so that
# the result can be checked again when more pairs are annotated.


def candidate_features(index, by_source) -> dict:
    """name -> n × n similarity matrix of every measure pair of ``index`` (see CANDIDATES)."""
    import re

    import numpy as np
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    from policykg.analysis import align as A

    ms, n = index.measures, len(index.measures)
    every = np.arange(n)
    stop = A.read_stopterms()
    vocab = {w: j for j, w in enumerate(index.word_df)}
    present = (index.term > 0).astype(np.float64).tocsr()  # measure × word, 0/1
    out = {}
    # the closest sentence pair (word TF-IDF): a partial link often rests on one sentence each side
    out["sentence"] = index.closest_sentences(every, every)
    # term similarity beyond surface overlap: cosine in a latent space of the word TF-IDF (LSA) ...
    z = TruncatedSVD(min(40, n - 1), random_state=0).fit_transform(index.term)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    out["latent"] = z @ z.T
    # ... and a soft cosine through word associations learned from the store: positive PMI of two
    # words co-occurring in a sentence of a measure (at least twice), each word's 5 best partners
    sent_words = [[w for w, _, _ in A.segment(q) if w in vocab and w not in stop]
                  for m in ms for q in A._SENTENCE.split(m.body) if len(q) >= 6]
    occ = sparse.csr_matrix((np.ones(sum(map(len, sent_words))),
                             ([i for i, ws in enumerate(sent_words) for _ in ws], [vocab[w] for ws in sent_words for w in ws])),
                            shape=(len(sent_words), len(vocab)))
    occ.data[:] = 1.0
    co = (occ.T @ occ).toarray()
    df = np.diag(co).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.where(co >= 2, np.log(co * len(sent_words) / np.outer(df, df)), 0.0)
    np.fill_diagonal(pmi, 0.0)
    pmi = np.nan_to_num(np.maximum(pmi, 0.0))
    assoc = np.zeros_like(pmi)
    best = np.argsort(-pmi, axis=1)[:, :5]
    rows = np.arange(len(pmi))[:, None]
    assoc[rows, best] = pmi[rows, best]
    assoc /= np.maximum(assoc.sum(1, keepdims=True), 1e-12)
    x = index.term.toarray().astype(np.float64)
    x = x + x @ assoc
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    out["association"] = x @ x.T
    # the IDF share of the smaller measure's specific words (lexicon terms, words rare in general
    # Chinese) that the other holds: one measure's content inside the other
    names = list(vocab)
    weight = np.array([index.word_weight(w) if index.specific(w) else 0.0 for w in names])
    inter = (present @ sparse.diags(weight) @ present.T).toarray()
    mass = present @ weight
    small = np.minimum(mass[:, None], mass[None, :])
    out["specific_containment"] = np.divide(inter, small, out=np.zeros_like(inter), where=small > 0)
    # one heading (generic words cut out) against the closest sentence of the other, character
    # 2-3-grams, so that 专利导航工程 meets 专利导航试点 whatever the segmenter does
    generic = re.compile("|".join(re.escape(w) for w in sorted(stop, key=len, reverse=True) if len(w) >= 2))
    sentences, start = [], [0]
    for m in ms:
        sentences += [A._clean(generic.sub("|", q)) for q in A._SENTENCE.split(m.body) if len(q) >= 6] or [""]
        start.append(len(sentences))
    grams, _, _ = A.tfidf(sentences + [A._clean(generic.sub("|", m.heading)) for m in ms], (2, 3))
    h = np.maximum.reduceat((grams[len(sentences):] @ grams[: len(sentences)].T).toarray(), np.array(start[:-1]), axis=1)
    out["heading_in_sentence"] = np.maximum(h, h.T)
    # the share of one heading's words, weighted by IDF × rarity in general Chinese, that the
    # other's body holds: the heading's specific action named in the other
    heading_words = sparse.lil_matrix((n, len(vocab)))
    for i, m in enumerate(ms):
        words = {w for w, _, _ in A.segment(m.heading) if w in vocab and w not in stop and len(w) >= 2}
        ws = {w: max(0.0, 6 - A.general_zipf(w)) * index.word_weight(w) for w in words}
        total = sum(ws.values())
        for w, weight_ in ws.items():
            if weight_ > 0:
                heading_words[i, vocab[w]] = weight_ / total
    cover = (heading_words.tocsr() @ present.T).toarray()
    out["heading_specific_cover"] = np.maximum(cover, cover.T)
    # the agencies' functions (the agency IRI's last part: 市场监督管理局 of 深圳 meets 珠海's)
    out["agency"] = index.dot(index.agencies, every, every).toarray()
    # where the measures stand in their documents (plans follow 创造, 运用, 保护, 管理, 服务, 保障)
    pos = np.zeros(n)
    for rows_ in by_source.values():
        pos[rows_] = (np.arange(len(rows_)) + 0.5) / len(rows_)
    out["position"] = 1 - np.abs(pos[:, None] - pos[None, :])
    return out


def evidence_weight(index, a: list[int], b: list[int], allowed):
    """The summed weight of the evidence phrases (``align.evidence_phrases``) of each allowed pair."""
    import numpy as np

    from policykg.analysis.align import evidence_phrases

    ms = index.measures
    out = np.zeros((len(a), len(b)))
    for x, y in zip(*np.nonzero(allowed)):
        out[x, y] = sum(w for *_, w in evidence_phrases(index, ms[a[x]].body, ms[b[y]].body))
    return out


def candidates(store_dir: Path | None = None, out=print) -> dict:
    """Leave-one-pair-out figures of the link model with each candidate feature added (raw and
    as CSLS), from the held-out blocks' counts (the scorer's, headings matched one-to-one)."""
    import numpy as np

    from policykg.analysis.align import _csls, link_probability
    from policykg.analysis.align_fit import FEATURES, _f1, counts, fit

    golds = load_gold()
    index, by_source = corpus_index(store_dir)
    blocks = {g["_name"]: gold_block(index, by_source, g) for g in golds}
    full = candidate_features(index, by_source)
    for g in golds:
        b, a, bb = blocks[g["_name"]], by_source[g["left"]], by_source[g["right"]]
        cells = {name: m[np.ix_(a, bb)] for name, m in full.items()}
        cells["evidence"] = evidence_weight(index, a, bb, b.allowed)
        k = max(1, min(index.params.csls_k, len(a), len(bb)))
        for name, m in cells.items():
            b.features[name], b.features[name + "_csls"] = m, _csls(m, k)
    table = {}
    for name in (None, *full, "evidence"):
        features = FEATURES + ((name, name + "_csls") if name else ())
        tot, per_pair = np.zeros((2, 3), dtype=np.int64), {}
        for g in golds:
            model = fit([blocks[x["_name"]] for x in golds if x is not g], features=features)
            b = blocks[g["_name"]]
            c = np.array(counts(b, link_probability(model, b.features), model["link_probability"], model["same_csls"]))
            tot += c
            per_pair[g["_name"]] = round(_f1(*c[0]), 3)
        row = {"links_f1": round(_f1(*tot[0]), 3), "same_f1": round(_f1(*tot[1]), 3), "lowest_pair_links_f1": min(per_pair.values()),
               "per_pair_links_f1": per_pair}
        table[name or "(the shipped features)"] = row
        out(f"{name or '(the shipped features)':26} links F1 {row['links_f1']:.3f}  same F1 {row['same_f1']:.3f}  "
            f"lowest pair links F1 {row['lowest_pair_links_f1']:.3f}  " + " ".join(f"{v:.2f}" for v in per_pair.values()))
    return table


def ceiling(store_dir: Path | None = None) -> dict:
    """The model fitted on every annotated pair, scored on those same pairs (the scorer's
    figures): not a result, a bound on what these features and this model can separate."""
    score_pair = scorer()
    golds = load_gold()
    index, by_source = corpus_index(store_dir)
    from policykg.analysis.align_fit import fit

    model = fit([gold_block(index, by_source, g) for g in golds])
    scores = {g["_name"]: score_pair(pair_record(index, by_source, g["left"], g["right"], model), g) for g in golds}
    return {"rows": scores, "total": totals(list(scores.values()))}


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
    ap.add_argument("--candidates", action="store_true",
                    help="leave-one-pair-out figures with each candidate feature (candidate_features) added")
    ap.add_argument("--ceiling", action="store_true",
                    help="the model fitted on every pair, scored on the same pairs (a bound, not a result)")
    args = ap.parse_args(argv)
    if args.candidates:
        candidates()
        return
    if args.ceiling:
        r = ceiling()
        for name, s in r["rows"].items():
            print(f"{name:16} links F1 {s['links']['f1']:.3f}  same F1 {s['same']['f1']:.3f}")
        t = r["total"]
        print(f"in-sample total (not a result): links F1 {t['links']['f1']:.3f}, same F1 {t['same']['f1']:.3f}")
        return
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
