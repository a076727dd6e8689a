"""One document, four formats, one record.

Corpus document 003 is rendered as .txt, .html (a portal page with navigation, scripts and
footer), .docx and .pdf (printed by headless Chromium with running page numbers; the
Noto CJK text layer yields Kangxi radical code points). Every rendering must give the same
``as_record(ingest_file(path))`` apart from ``source``, and the same text.
"""
from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest

from policykg.ingest.charmap import RADICALS
from policykg.ingest.pipeline import as_record, ingest_file
from policykg.ingest.readers import read

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CORPUS_DOC = Path(__file__).resolve().parents[2] / "corpus" / "003_b70a2f308e677d33.txt"
CHROMIUM = "/usr/bin/chromium"

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 25mm 20mm; @bottom-center {{ content: "- " counter(page) " -"; }} }}
body {{ font-family: "{font}", serif; font-size: 14pt; line-height: 1.6; text-align: justify; }}
p {{ margin: 0 0 4pt 0; text-indent: 2em; }} h1 {{ font-size: 18pt; text-align: center; }}
</style>
<script>window.dataLayer = [{{"event": "pageview"}}];</script></head><body>
{chrome_top}
<div class="article"><h1>{title}</h1><div id="zoom">{body}</div></div>
{chrome_bottom}
</body></html>"""
CHROME_TOP = """<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zcfg">政策法规</a></div>"""
CHROME_BOTTOM = """<div class="xglj"><ul><li><a href="/1">关于印发某办法的通知</a></li><li><a href="/2">关于某事项的通知</a></li></ul></div>
<footer><p>版权所有：鹤壁市人民政府办公室</p><p>网站标识码：4106000001</p></footer>
<script>document.write("统计代码");</script>"""


def render_html(lines: list[str], font: str = "Noto Serif CJK SC", chrome: bool = True) -> str:
    title, rest = lines[0], lines[1:]
    return PAGE.format(title=html.escape(title), font=font,
                       body="\n".join(f"<p>{html.escape(line)}</p>" for line in rest),
                       chrome_top=CHROME_TOP if chrome else "", chrome_bottom=CHROME_BOTTOM if chrome else "")


def render_docx(lines: list[str], path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.sections[0].footer.paragraphs[0].text = "- 1 -"
    document.save(path)
    return path


def print_pdf(html_path: Path, out: Path, profile: Path) -> Path:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", f"--print-to-pdf={out}", "--no-pdf-header-footer", str(html_path)],
                   check=True, capture_output=True, timeout=180)
    return out


@pytest.fixture(scope="module")
def renderings(tmp_path_factory) -> dict[str, Path]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian chromium")
    tmp = tmp_path_factory.mktemp("formats")
    text = CORPUS_DOC.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    out = {"txt": tmp / "doc.txt"}
    shutil.copy(CORPUS_DOC, out["txt"])
    out["html"] = tmp / "doc.html"
    out["html"].write_text(render_html(lines), encoding="utf-8")
    out["docx"] = render_docx(lines, tmp / "doc.docx")
    for name, font in (("pdf", "Noto Serif CJK SC"), ("pdf-sans", "Noto Sans CJK SC")):
        page = tmp / f"{name}.html"
        page.write_text(render_html(lines, font=font, chrome=False), encoding="utf-8")
        out[name] = print_pdf(page, tmp / f"{name}.pdf", tmp / "profile")
    return out


FORMATS = ["html", "docx", "pdf", "pdf-sans"]


def without_source(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "source"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_invariance_text(renderings, fmt):
    expected = read(renderings["txt"]).text.strip()
    got = read(renderings[fmt]).text.strip()
    assert got == expected


def test_format_invariance_pdf_has_radicals_in_text_layer(renderings):
    """The fixture really exercises the radical mapping: pdfminer's raw text of the
    Chromium/Noto PDF holds Kangxi radical code points, the reader's text none."""
    from pdfminer.high_level import extract_text

    raw = extract_text(str(renderings["pdf"]))
    assert any(ord(ch) in RADICALS for ch in raw)
    assert "- 1 -" in raw.replace("-1-", "- 1 -") or "-1-" in raw
    text = read(renderings["pdf"]).text
    assert not any(ord(ch) in RADICALS for ch in text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_invariance_record(renderings, fmt):
    expected = without_source(as_record(ingest_file(renderings["txt"])))
    assert without_source(as_record(ingest_file(renderings[fmt]))) == expected
