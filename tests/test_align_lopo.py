"""The leave-one-pair-out evaluation (benchmarks/align_lopo.py) never tunes on the pair it scores."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file(), reason="../shared/eval/score_align.py is not present")
def test_each_pair_is_scored_with_parameters_tuned_on_the_others():
    import align_lopo

    golds = align_lopo.load_gold()
    assert len(golds) >= 4 and len({frozenset((g["left"], g["right"])) for g in golds}) == len(golds)
    # two points: the held-out pair must be scored at the point the other pairs prefer
    r = align_lopo.evaluate(grid={"link_threshold": (0.02, 10.0)})
    assert [row["pair"] for row in r["rows"]] == [g["_name"] for g in golds]
    for row in r["rows"]:
        assert row["pair"] not in row["tuned_on"] and len(row["tuned_on"]) == len(golds) - 1
        assert row["params"] == {"link_threshold": 0.02}  # a threshold that links nothing never wins
        assert row["links"]["f1"] > 0.6
    assert 0.6 < r["total"]["links"]["f1"] <= 1


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file(), reason="../shared/eval/score_align.py is not present")
def test_the_link_model_is_fitted_without_the_pair_it_scores_and_predicts_as_scikit_learn():
    """Each held-out pair is aligned by a model fitted on the other pairs only; the exported trees
    give scikit-learn's probabilities (align.link_probability reads the JSON without it)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    import align_lopo
    from policykg.analysis import align_fit
    from policykg.analysis.align import link_probability

    r = align_lopo.evaluate_model()
    golds = align_lopo.load_gold()
    assert [row["pair"] for row in r["rows"]] == [g["_name"] for g in golds]
    for row in r["rows"]:
        assert row["pair"] not in row["tuned_on"] and len(row["tuned_on"]) == len(golds) - 1
        assert 0.1 <= row["params"]["link_probability"] < 0.8
    assert 0.7 < r["total"]["links"]["f1"] <= 1 and 0.7 < r["total"]["same"]["f1"] <= 1
    index, by_source = align_lopo.corpus_index()
    blocks = [align_lopo.gold_block(index, by_source, g) for g in golds[:2]]
    model = align_fit.fit(blocks)
    assert model["trained_on"] == [g["_name"] for g in golds[:2]]
    x = np.column_stack([np.concatenate([b.features[f].ravel() for b in blocks]) for f in align_fit.FEATURES])
    y = np.concatenate([b.labels.ravel() for b in blocks]) > 0
    # fitted on the pairs the aligner may link, monotone in every feature
    keep = np.concatenate([b.allowed.ravel() for b in blocks])
    assert model["settings"]["monotonic_cst"] == [1] * len(align_fit.FEATURES) and 0 < keep.sum() < len(keep)
    expected = HistGradientBoostingClassifier(random_state=0, **model["settings"]).fit(x[keep], y[keep]).predict_proba(x)[:, 1]
    got = np.concatenate([link_probability(model, b.features).ravel() for b in blocks])
    assert np.allclose(got, expected)
    # monotone: raising any one feature of every pair never lowers a probability
    for f in ("sim_csls", "head_csls", "rank_best"):
        raised = [{**b.features, f: b.features[f] + 0.1} for b in blocks]
        assert np.all(np.concatenate([link_probability(model, r).ravel() for r in raised]) >= got - 1e-12)


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file(), reason="../shared/eval/score_align.py is not present")
def test_error_analysis_lists_every_missed_gold_link_of_the_held_out_model():
    """``align_lopo.py --errors``: the missed links it lists are the gold links the
    leave-one-pair-out model does not find, as the scorer counts them."""
    import align_lopo

    lines: list[str] = []
    r = align_lopo.error_analysis(out=lines.append)
    found = sum(v[0] for v in r["by_rank"].values())
    missed = sum(v[1] for v in r["by_rank"].values())
    scored = align_lopo.evaluate_model()["total"]["links"]
    assert found == scored["tp"] and found + missed == scored["gold"]
    assert sum(line.startswith("MISSED") for line in lines) == missed
    assert sum(line.startswith("FALSE") for line in lines) == scored["pred"] - scored["tp"]
    assert 0 < r["oracle_threshold_f1"] <= 1


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file(), reason="../shared/eval/score_align.py is not present")
def test_candidate_features_cover_every_measure_pair_and_reach_the_model():
    """``align_lopo.py --candidates``: each candidate is an n × n similarity of every measure
    pair, and ``align_fit.fit`` fits on the feature names it is given."""
    import numpy as np

    import align_lopo
    from policykg.analysis import align_fit
    from policykg.analysis.align import _csls

    index, by_source = align_lopo.corpus_index()
    n = len(index.measures)
    full = align_lopo.candidate_features(index, by_source)
    assert {"latent", "association", "agency", "heading_specific_cover", "position"} <= set(full)
    for name, m in full.items():
        assert m.shape == (n, n) and np.isfinite(m).all(), name
        assert m.min() >= (-1 - 1e-5 if name == "latent" else -1e-6) and m.max() <= 1 + 1e-5, name  # LSA cosines may be < 0
    # a measure is its own closest match on the symmetric similarities
    for name in ("latent", "association", "position", "sentence"):
        assert np.allclose(np.diag(full[name])[np.diag(full[name]) > 0], full[name].max(1)[np.diag(full[name]) > 0]), name
    # agencies by function: only measures with assignments have any, and 深圳's meet each other
    has = np.asarray(index.agencies.sum(1)).ravel() > 0
    assert has.any() and not full["agency"][~has].any()
    golds = align_lopo.load_gold()[:2]
    blocks = [align_lopo.gold_block(index, by_source, g) for g in golds]
    for g, b in zip(golds, blocks):
        a, bb = by_source[g["left"]], by_source[g["right"]]
        b.features["latent"] = full["latent"][np.ix_(a, bb)]
        b.features["latent_csls"] = _csls(b.features["latent"], 5)
    features = align_fit.FEATURES + ("latent", "latent_csls")
    model = align_fit.fit(blocks, features=features)
    assert model["features"] == list(features) and len(model["settings"]["monotonic_cst"]) == len(features)
