"""Constructed documents printed to PDF by headless Chromium (A4, justified CJK text, first lines
indented two characters) read back as their text: a wrapped line that opens with 《 or “ (set in
by the print's punctuation spacing) continues its paragraph, and the space after 第一条 / 第一章
stays (a narrow gap pdfminer writes no space for), so articles are still articles; a one-page
print with the browser's header and footer (date and time, the page title in small print, the
address) loses them although nothing repeats across pages."""
from __future__ import annotations

import html
import subprocess
from pathlib import Path

import pytest

from policykg.ingest.pipeline import as_record, ingest_file
from policykg.ingest.readers import read

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"

ARTICLES = [
    "青川市专利导航项目管理办法",
    "第一章 总则",
    "第一条 为规范专利导航项目管理，提高财政资金使用效益，结合本市实际，制定本办法。",
    "第二条 本办法所称专利导航项目，是指运用专利信息分析为产业决策提供支撑的项目。",
    "第二章 项目实施",
    "第三条 市知识产权局负责项目立项、过程管理和验收工作。",
    "第四条 项目承担单位应当在合同约定期限内完成导航报告并组织专家评审。",
    "第三章 附则",
    "第五条 本办法自发布之日起施行。",
]
CITING = [
    "青川市关于加强专利转化运用的实施意见",
    "为贯彻落实《专利转化运用专项行动方案》《知识产权强国建设纲要》《关于加强知识产权保护的意见》"
    "《关于推进知识产权协同保护的指导意见》《知识产权公共服务普惠工程实施方案》《专利开放许可试点工作方案》"
    "《关于促进中小企业知识产权运用的通知》《知识产权质押融资入园惠企行动方案》《关于进一步加强知识产权"
    "运营工作的意见》《推动知识产权高质量发展年度工作指引》等文件要求，结合本市实际，提出如下意见。",
    "一、工作目标",
    "到2026年，全市专利转化实施率达到45%以上。",
]


def print_pdf(lines: list[str], tmp: Path, name: str, browser_furniture: bool = False) -> Path:
    page = tmp / f"{name}.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(lines[0])}</title>'
        '<style>@page { size: A4; margin: 25mm 22mm; }'
        ' body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.55; text-align: justify; }'
        ' p { margin: 0; text-indent: 2em; } h1 { font-size: 20pt; text-align: center; }</style></head><body>'
        f"<h1>{html.escape(lines[0])}</h1>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
        + "</body></html>", encoding="utf-8")
    pdf = tmp / f"{name}.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp / 'profile'}", f"--print-to-pdf={pdf}",
                    *(() if browser_furniture else ("--no-pdf-header-footer",)), str(page)],
                   check=True, capture_output=True, timeout=300)
    return pdf


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian chromium")
    tmp = tmp_path_factory.mktemp("pdfshapes")
    out = {}
    for name, lines, furniture in (("articles", ARTICLES, False), ("citing", CITING, False),
                                   ("one-page-browser-print", CITING, True)):
        txt = tmp / f"{name}.txt"
        txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out[name] = (txt, print_pdf(lines, tmp, name, furniture))
    return out


def without_source(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "source"}


@pytest.mark.parametrize("name", ["articles", "citing", "one-page-browser-print"])
def test_printed_pdf_reads_as_its_text(printed, name):
    txt, pdf = printed[name]
    assert read(pdf).text == read(txt).text


@pytest.mark.parametrize("name", ["articles", "citing", "one-page-browser-print"])
def test_printed_pdf_gives_the_record_of_its_text(printed, name):
    txt, pdf = printed[name]
    expected = without_source(as_record(ingest_file(txt)))
    assert expected["measures"] or expected["citations"]
    assert without_source(as_record(ingest_file(pdf))) == expected
