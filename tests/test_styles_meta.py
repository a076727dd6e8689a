"""The style documents in tests/styles (style_meta_*.txt with their expected records) scored by
the shared scorer with the extraction floors on every field."""
import json
import subprocess
import sys
from pathlib import Path

from policykg.ingest.pipeline import as_record, ingest_file
from test_extraction_score import FLOOR_ARGS

ROOT = Path(__file__).resolve().parent
SCORER = ROOT.parents[1] / "shared" / "eval" / "score.py"


def test_styles_meta_floors(tmp_path):
    docs = sorted((ROOT / "styles").glob("style_meta_*.txt"))
    assert docs
    gold = tmp_path / "gold"
    gold.mkdir()
    for d in docs:
        (gold / f"{d.stem}.json").write_text(d.with_suffix(".json").read_text(encoding="utf-8"), encoding="utf-8")
    preds = tmp_path / "pred.json"
    preds.write_text(json.dumps([as_record(ingest_file(d)) for d in docs], ensure_ascii=False), encoding="utf-8")
    args = [sys.executable, str(SCORER), str(preds), str(gold),
            *FLOOR_ARGS]
    for d in docs:
        args += ["--only", d.name]
    run = subprocess.run(args, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
