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
    return subprocess.run([sys.executable, "-m", "policykg.queries.cli", *args], capture_output=True, text=True, cwd=ROOT)


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
