"""`policykg align --format json` read back from the store by SPARQL meets the alignment floors
on the shared gold (/work/shared/gold/align, scored by /work/shared/eval/score_align.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
FLOORS = {"links": 0.90, "same": 0.80}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policykg.views.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file() or not (SHARED / "gold" / "align").is_dir(),
                    reason="../shared (eval/score_align.py and gold/align) is not present")
def test_align_scores_meet_the_floors(tmp_path):
    store = tmp_path / "store"
    done = cli("--store", str(store), "ingest", "--quiet", str(CORPUS))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "alignments.json"
    done = cli("--store", str(store), "align", "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    records = json.loads(out.read_text(encoding="utf-8"))
    assert records and all(r["links"] for r in records)
    for r in records:
        for link in r["links"]:
            assert link["grade"] in ("same", "partial") and 0 <= link["score"] <= 1
    args = [sys.executable, str(SHARED / "eval" / "score_align.py"), str(out), str(SHARED / "gold" / "align"), "--min-f1"]
    args += [f"{k}={v}" for k, v in FLOORS.items()]
    scored = subprocess.run(args, capture_output=True, text=True, cwd=SHARED / "eval")
    print(scored.stdout)
    assert scored.returncode == 0, scored.stdout[-3000:] + scored.stderr[-2000:]
    assert "(missing)" not in scored.stdout


# Floors on the pairs annotated in this repository (tests/data/align_gold): set a little under
# what the shipped model reaches. The model (analysis/align_model.json) was fitted on these pairs,
# so these are not the figures to report: benchmarks/align_lopo.py gives the leave-one-pair-out ones.
REPO_GOLD = ROOT / "tests" / "data" / "align_gold"
PAIR_FLOORS = {"pair2_000_002": {"links": 0.82, "same": 0.88},
               "pair3_000_001": {"links": 0.84, "same": 0.73},
               "pair4_002_004": {"links": 0.86, "same": 0.78},
               "pair5_001_003": {"links": 0.80, "same": 0.75}}


@pytest.mark.skipif(not (SHARED / "eval" / "score_align.py").is_file(), reason="../shared/eval/score_align.py is not present")
def test_every_annotated_pair_is_aligned_by_default_and_meets_its_floor(tmp_path):
    """`policykg align` without arguments reaches every annotated pair, 汕头 (000~001: no shared
    upstream) included, and each pair meets its floor."""
    sys.path.insert(0, str(SHARED / "eval"))
    from score_align import score_pair

    store = tmp_path / "store"
    assert cli("--store", str(store), "ingest", "--quiet", str(CORPUS)).returncode == 0
    out = tmp_path / "alignments.json"
    done = cli("--store", str(store), "align", "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    records = {frozenset((r["left"], r["right"])): r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert set(PAIR_FLOORS) == {p.stem for p in REPO_GOLD.glob("*.json")}
    for name, floors in PAIR_FLOORS.items():
        gold = json.loads((REPO_GOLD / f"{name}.json").read_text(encoding="utf-8"))
        pred = records.get(frozenset((gold["left"], gold["right"])))
        assert pred is not None, f"{name}: not aligned by default"
        scores = score_pair(pred, gold)
        for metric, floor in floors.items():
            assert scores[metric]["f1"] >= floor, (name, metric, scores[metric])
