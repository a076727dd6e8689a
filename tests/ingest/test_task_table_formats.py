"""A task table (附件：重点任务分工表) in HTML, .docx and PDF gives the same lead/support roles as
the same assignments written as parentheticals after each measure.

The PDF's cells each fit on one line: cells wrapped over several lines in a PDF are not
rebuilt yet (the reader keeps same-baseline cells as one tab-separated row)."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from policykg.ingest.pipeline import ingest_file

from test_format_invariance import CHROMIUM, print_pdf

TITLE = "佛山市人民政府关于强化知识产权保护的实施意见"
NUMBER = "佛府〔2022〕5号"
TASKS = [  # (heading, body, lead, support)
    ("加强知识产权行政执法", "严厉打击侵犯知识产权和制售假冒伪劣商品行为，完善行政执法与刑事司法衔接机制。",
     "市市场监管局", "市公安局、市商务局"),
    ("完善知识产权纠纷多元化解机制", "建立知识产权纠纷人民调解组织，推动诉调对接。", "市司法局", "市中级法院"),
    ("发展知识产权服务业", "培育一批知识产权服务品牌机构，提升专利代理质量。", "市科技局", ""),
]
HEADER = ("序号", "重点任务", "牵头单位", "配合单位", "完成时限")
NUMERALS = "一二三"


def _lines(with_parentheticals: bool) -> list[str]:
    out = [TITLE, NUMBER, "各区人民政府，市政府各部门：", "为贯彻落实国家和省有关部署，结合我市实际，提出如下意见。", "一、重点任务"]
    for i, (heading, body, lead, support) in enumerate(TASKS):
        note = ""
        if with_parentheticals:
            note = f"（{lead}牵头" + (f"，{support}配合）" if support else "）")
        out.append(f"（{NUMERALS[i]}）{heading}。{body}{note}")
    out.append("二、保障措施")
    out.append("（一）加强组织领导。各区各部门要加强统筹协调，确保各项任务落实。")
    return out


def _rows() -> list[tuple[str, ...]]:
    return [(str(i + 1), heading, lead, support, "2023年底前") for i, (heading, _, lead, support) in enumerate(TASKS)]


def _html(lines: list[str]) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    cells = lambda row, tag: "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)  # noqa: E731
    colgroup = "".join(f"<col style='width:{w}%'>" for w in (9, 41, 17, 20, 13))
    table = ("<table border='1' style='width:100%;table-layout:fixed;border-collapse:collapse'>"
             f"<colgroup>{colgroup}</colgroup><tr>{cells(HEADER, 'th')}</tr>"
             + "".join(f"<tr>{cells(r, 'td')}</tr>" for r in _rows()) + "</table>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(TITLE)}</title>"
            "<style>body{font-family:'Noto Serif CJK SC',serif;font-size:13pt} td,th{padding:4px 10px;font-size:9pt}</style></head>"
            f"<body><h1>{html.escape(TITLE)}</h1>{paragraphs}<p>附件：重点任务分工表</p>{table}</body></html>")


def _docx(lines: list[str], path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.add_paragraph("附件：重点任务分工表")
    table = document.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = text
    for row in _rows():
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    document.save(path)
    return path


def _roles(path: Path) -> list[tuple[str, list[str], list[str]]]:
    doc = ingest_file(path)
    return [(m.heading, [a.name for a in m.lead], [a.name for a in m.support]) for m in doc.measures if m.kind == "task"]


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> list:
    path = tmp_path_factory.mktemp("inline") / "inline.txt"
    path.write_text("\n".join(_lines(with_parentheticals=True)), encoding="utf-8")
    roles = _roles(path)
    assert [r[0] for r in roles] == [t[0] for t in TASKS]
    assert roles[0][1] == ["市市场监管局"] and roles[0][2] == ["市公安局", "市商务局"]
    return roles


def test_task_table_html_gives_the_parenthetical_roles(expected, tmp_path):
    page = tmp_path / "table.html"
    page.write_text(_html(_lines(with_parentheticals=False)), encoding="utf-8")
    assert _roles(page) == expected


def test_task_table_docx_gives_the_parenthetical_roles(expected, tmp_path):
    assert _roles(_docx(_lines(with_parentheticals=False), tmp_path / "table.docx")) == expected


@pytest.mark.slow
@pytest.mark.browser
def test_task_table_pdf_gives_the_parenthetical_roles(expected, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("needs Debian chromium (make test installs it)")
    page = tmp_path / "table.html"
    page.write_text(_html(_lines(with_parentheticals=False)), encoding="utf-8")
    pdf = print_pdf(page, tmp_path / "table.pdf", tmp_path / "profile")
    assert _roles(pdf) == expected
