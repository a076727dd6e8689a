"""A web page printed to PDF by a browser, with the running header and footer it adds (date and
time, page title, the page address, 2/7): corpus document 002 printed so by headless Chromium
(Noto Sans CJK, A4) must score like its text."""
import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.ingest.pipeline import as_record, ingest_file
from test_extraction_score import FLOOR_ARGS

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
DOC = "002_02588ea22fbee5d9"
CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_browser_printed_page_keeps_its_record(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian chromium")
    lines = [line for line in (SHARED / "corpus" / f"{DOC}.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    page = tmp_path / "page.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(lines[0])}</title>'
        '<style>body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 12pt; line-height: 1.6; }'
        ' p { margin: 0 0 4pt 0; }</style></head><body>'
        + "".join(f"<p>{html.escape(line)}</p>" for line in lines) + "</body></html>", encoding="utf-8")
    pdf = tmp_path / f"{DOC}.pdf"
    # no --no-pdf-header-footer: the browser prints its header and footer on every page
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", str(page)],
                   check=True, capture_output=True, timeout=180)
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / f"{DOC}.json").write_text((SHARED / "gold" / f"{DOC}.json").read_text(encoding="utf-8"), encoding="utf-8")
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps([as_record(ingest_file(pdf))], ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(pred), str(gold), *FLOOR_ARGS,
                          "--min-f1", "assignments=0.95"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
