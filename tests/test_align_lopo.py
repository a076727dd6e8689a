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
