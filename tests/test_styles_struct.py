"""Style documents of the structure, agency and target stages (tests/styles/style_struct_*,
style_assign_*, style_target_*; .txt, .md, .html), scored by the shared scorer: each is extracted in
memory and its record scored against the sibling .json."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_extraction_score import FLOOR_ARGS
from policykg.ingest.pipeline import as_record, ingest_file

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "tests" / "styles"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"


STYLE_FILES = sorted(f for prefix in ("style_struct_", "style_assign_", "style_target_") for suffix in (".txt", ".md", ".html")
                     for f in STYLES.glob(f"{prefix}*{suffix}"))


@pytest.fixture(scope="module")
def style_scoring(tmp_path_factory):
    """Every style document extracted once, with its gold, for scoring one by one."""
    tmp = tmp_path_factory.mktemp("styles")
    gold = tmp / "gold"
    gold.mkdir()
    for f in STYLE_FILES:
        (gold / f.with_suffix(".json").name).write_text(f.with_suffix(".json").read_text(encoding="utf-8"), encoding="utf-8")
    pred = tmp / "pred.json"
    pred.write_text(json.dumps([as_record(ingest_file(f)) for f in STYLE_FILES], ensure_ascii=False), encoding="utf-8")
    return pred, gold


def test_styles_struct_scores(style_scoring):
    """All of them together meet the floors."""
    pred, gold = style_scoring
    assert STYLE_FILES
    args = [sys.executable, str(SCORER), str(pred), str(gold), *FLOOR_ARGS]
    for f in STYLE_FILES:
        args += ["--only", f.name]
    run = subprocess.run(args, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("style", STYLE_FILES, ids=lambda f: f.name)
def test_each_style_document_meets_the_floors(style, style_scoring):
    """Each phenomenon is held on its own: a document far below the floors cannot hide in the total."""
    pred, gold = style_scoring
    run = subprocess.run([sys.executable, str(SCORER), str(pred), str(gold), *FLOOR_ARGS, "--only", style.name],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
