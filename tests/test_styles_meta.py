"""The style documents of metadata, page shapes, citations, jurisdiction and repair in tests/styles (style_meta_*, style_page_*,
style_cite_*, style_juris_*, style_repair_*: .txt, .md, .html, and a .docx written here from one of the texts), each with its
by the shared scorer with the extraction floors on every field."""
import json
import subprocess
import sys
from pathlib import Path

import docx

from policykg.ingest.pipeline import as_record, ingest_file
from test_extraction_score import FLOOR_ARGS

ROOT = Path(__file__).resolve().parent
STYLES = ROOT / "styles"
SCORER = ROOT.parents[1] / "shared" / "eval" / "score.py"
FORMATS = (".txt", ".md", ".html")
AS_DOCX = "style_meta_county_city.txt"  # also read as a Word file: the reader must not matter


def style_documents() -> list[Path]:
    return sorted(p for prefix in ("style_meta_", "style_page_", "style_cite_", "style_juris_", "style_repair_") for p in STYLES.glob(prefix + "*")
                  if p.suffix in FORMATS)


def write_docx(text_file: Path, out: Path) -> None:
    document = docx.Document()
    for line in text_file.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(out)


def test_every_style_document_has_its_record():
    docs = style_documents()
    assert len(docs) >= 17 and {d.suffix for d in docs} == set(FORMATS)
    for d in docs:
        expected = json.loads(d.with_suffix(".json").read_text(encoding="utf-8"))
        assert expected["source"] == d.name


def test_styles_meta_floors(tmp_path):
    docs = style_documents()
    word = tmp_path / (Path(AS_DOCX).stem + "_word.docx")
    write_docx(STYLES / AS_DOCX, word)
    gold = tmp_path / "gold"
    gold.mkdir()
    for d in docs:
        (gold / f"{d.stem}.json").write_text(d.with_suffix(".json").read_text(encoding="utf-8"), encoding="utf-8")
    expected = json.loads((STYLES / AS_DOCX).with_suffix(".json").read_text(encoding="utf-8"))
    (gold / f"{word.stem}.json").write_text(json.dumps({**expected, "source": word.name}, ensure_ascii=False), encoding="utf-8")
    preds = tmp_path / "pred.json"
    preds.write_text(json.dumps([as_record(ingest_file(d)) for d in [*docs, word]], ensure_ascii=False), encoding="utf-8")
    args = [sys.executable, str(SCORER), str(preds), str(gold), *FLOOR_ARGS]
    for d in [*docs, word]:
        args += ["--only", d.name]
    run = subprocess.run(args, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "metadata     accuracy 1.000" in run.stdout, run.stdout  # every field of every style document
