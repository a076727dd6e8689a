"""Fitting the link model of measure alignment (``align_model.json``) on annotated pairs.

A pair of measures is described by ``align.pair_features`` (text, classification and rank
features, each against the two measures' neighbourhoods in the other document). The model is a
logistic regression (scikit-learn, L2, ``C``) of "linked, any grade" on the standardised features;
(``kind: logistic``), or, the default, gradient-boosted trees of depth 2 (scikit-learn's
HistGradientBoostingClassifier, ``kind: trees``; exported to JSON, evaluated by
``align.link_probability`` without scikit-learn). Its two thresholds are chosen on the same
training pairs: the link probability, and the CSLS a
mutual best link needs to be graded ``same``, maximising links F1 + same F1 summed over the
training pairs. ``benchmarks/align_lopo.py`` fits it once per held-out pair on the other pairs
(the figures reported) and, with ``--write-model``, on every annotated pair (the shipped model).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .align import COMPONENTS

FEATURES = tuple(f"{c}{s}" for c in COMPONENTS for s in ("", "_csls")) + ("rank_best", "rank_worst", "mutual", "gap_best", "gap_worst")
LINK_GRID = tuple(round(x, 3) for x in np.arange(0.10, 0.80, 0.025))
SAME_GRID = tuple(round(x, 3) for x in np.arange(0.0, 0.20, 0.02))
C = 0.03


@dataclass
class Block:
    """One annotated document pair: its features and labels (0 none, 1 partial, 2 same) as
    len(a) × len(b) matrices, and which pairs the aligner may link (they share a key phrase)."""
    name: str
    features: dict[str, np.ndarray]
    labels: np.ndarray
    allowed: np.ndarray


def _f1(tp: int, pred: int, gold: int) -> float:
    return 2 * tp / (pred + gold) if pred + gold else 0.0


def counts(block: Block, prob: np.ndarray, link_p: float, same_csls: float) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """((tp, predicted, gold) of links, the same of same) at these thresholds."""
    linked = (prob >= link_p) & block.allowed
    same = linked & (block.features["mutual"] > 0) & (block.features["sim_csls"] >= same_csls)
    y = block.labels
    return ((int((linked & (y > 0)).sum()), int(linked.sum()), int((y > 0).sum())),
            (int((same & (y == 2)).sum()), int(same.sum()), int((y == 2).sum())))


# the trees (chosen by leave-one-pair-out totals over the annotated pairs, benchmarks/align_lopo.py)
TREES = {"max_depth": 2, "max_iter": 200, "learning_rate": 0.05, "l2_regularization": 1.0}
# Every feature is a similarity, a rank (1 / (1 + rank)) or a gap to the best (≤ 0): a pair more
# alike on any of them is never less likely linked. Without the constraint the trees learnt, from
# a few pairs, to score down two measures with nearly the same heading whose bodies differ.
MONOTONIC = True


def fit(blocks: list[Block], c: float = C, kind: str = "trees", features: tuple[str, ...] = FEATURES) -> dict:
    """The link model fitted on ``blocks``; ``features``: other feature names of the blocks
    (``benchmarks/align_lopo.py --candidates`` tries features the aligner does not compute)."""
    # only the measure pairs the aligner may link (they share a key phrase) reach the model
    keep = np.concatenate([b.allowed.ravel() for b in blocks])
    x = np.column_stack([np.concatenate([b.features[f].ravel() for b in blocks]) for f in features])[keep]
    y = (np.concatenate([b.labels.ravel() for b in blocks]) > 0)[keep]
    model = {"kind": kind, "features": list(features), "trained_on": [b.name for b in blocks]}
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean, scale = x.mean(0), x.std(0)
        scale[scale == 0] = 1.0
        reg = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
        model.update(mean=mean.tolist(), scale=scale.tolist(), coef=reg.coef_[0].tolist(), intercept=float(reg.intercept_[0]), C=c)
    else:
        from sklearn.ensemble import HistGradientBoostingClassifier

        settings = {**TREES, "monotonic_cst": [1] * len(features)} if MONOTONIC else TREES
        clf = HistGradientBoostingClassifier(random_state=0, **settings).fit(x, y)
        model.update(settings=settings, baseline=float(np.ravel(clf._baseline_prediction)[0]),
                     trees=[_tree(tree[0].nodes) for tree in clf._predictors])
    from .align import link_probability

    probs = [link_probability(model, b.features) for b in blocks]
    best = None
    for link_p in LINK_GRID:
        for same_csls in SAME_GRID:
            tot = np.zeros((2, 3), dtype=np.int64)
            for b, p in zip(blocks, probs):
                tot += np.array(counts(b, p, link_p, same_csls))
            objective = round(_f1(*tot[0]) + _f1(*tot[1]), 6)
            if best is None or objective > best[0]:
                best = (objective, link_p, same_csls)
    model["link_probability"], model["same_csls"] = best[1], best[2]
    model["training_objective"] = best[0]
    return model


def _tree(nodes) -> dict:
    """One fitted tree as plain lists: node k splits on ``feature[k]`` at ``threshold[k]`` (≤ goes
    ``left[k]``, else ``right[k]``) unless it is a leaf, whose ``value[k]`` adds to the raw score."""
    return {"feature": nodes["feature_idx"].tolist(), "threshold": [float(t) for t in nodes["num_threshold"]],
            "left": nodes["left"].tolist(), "right": nodes["right"].tolist(), "leaf": [bool(v) for v in nodes["is_leaf"]],
            "value": [float(v) for v in nodes["value"]]}


def write(model: dict, path: Path) -> None:
    # one line per tree: the file stays readable in a diff and small
    trees = model.get("trees", [])
    head = json.dumps({k: v for k, v in model.items() if k != "trees" and not k.startswith("_")}, ensure_ascii=False, indent=1)
    body = ",\n".join(json.dumps(t, separators=(",", ":")) for t in trees)
    path.write_text(head[:-2] + (',\n "trees": [\n' + body + "\n ]" if trees else "") + "\n}\n", encoding="utf-8")
