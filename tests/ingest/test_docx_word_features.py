"""A plan typed in Word the way government offices type it must give the record its plain-text
version gives. The .docx is built here with python-docx from constructed prose:

* headings and measures numbered by Word's automatic numbering (``w:numPr``: the 一、 （一） 1.
  are drawn by Word, not typed), partly through a heading style linked to a list;
* runs split mid-word in 仿宋 (as edits and spell checks leave them), a sentence inside a tracked
  insertion, a phrase in a content control, hidden text, a page-number footer and a header;
* the task table with a vertically merged 牵头单位 cell and one agency per line in its cells.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.pipeline import as_record, ingest_file
from policykg.ingest.readers import read
from policykg.ingest.readers.docx_text import chinese_number, format_number

docx = pytest.importorskip("docx")
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402

TITLE = "青川市促进专利成果转化三年行动方案"
INTRO = "为加快专利成果在本市落地转化，结合青川实际，制定本方案。"
# (label kind, label, text); kind None = an unnumbered paragraph
BODY = [
    ("h1", "一、", "主要目标"),
    (None, "", "到2026年，全市专利转化实施率达到45%以上，技术合同成交额达到80亿元。"),
    ("h1", "二、", "重点任务"),
    ("h2", "（一）", "畅通转化渠道"),
    ("n3", "1.", "建设专利转化对接平台，定期发布高校院所可转化专利清单。（市知识产权局牵头，市科技局、市教育局配合）"),
    ("n3", "2.", "开展专利开放许可试点，引导高校以普通许可方式向中小企业许可专利。（市知识产权局负责）"),
    ("h2", "（二）", "强化金融支撑"),
    ("n3", "3.", "扩大知识产权质押融资规模，推动银行机构开发专利许可收益贷款产品。（市金融局牵头，人行青川中心支行配合）"),
    ("n3", "4.", "设立专利转化风险补偿资金，对合作银行的不良贷款给予一定比例补偿。（市财政局、市金融局负责）"),
    ("h1", "三、", "保障措施"),
    (None, "", "各责任单位要细化年度计划，每年12月底前报送工作进展。"),
]
TABLE = [
    ["序号", "重点任务", "牵头单位", "配合单位"],
    ["1", "建设专利转化对接平台", "市知识产权局", "市科技局、市教育局"],
    ["2", "开展专利开放许可试点", "市知识产权局", "市教育局"],
    ["3", "扩大知识产权质押融资规模", "市金融局", "人行青川中心支行"],
]
FORMATS = {"h1": ("chineseCounting", "%1、"), "h2": ("chineseCounting", "（%1）"), "n3": ("decimal", "%1.")}


def plain_text() -> str:
    lines = [TITLE, INTRO, *(label + text for _, label, text in BODY), "附表：重点任务分工表"]
    lines += ["\t".join(row) for row in TABLE]
    return "\n".join(lines) + "\n"


def _el(tag: str, **attrs):
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _runs(paragraph, text: str, pieces: int = 3) -> None:
    """Split text into runs mid-word, each in 仿宋_GB2312."""
    step = max(1, len(text) // pieces)
    for i in range(0, len(text), step):
        run = paragraph.add_run(text[i:i + step])
        fonts = _el("w:rFonts", eastAsia="仿宋_GB2312", ascii="Times New Roman")
        run._element.get_or_add_rPr().append(fonts)


def build(path: Path) -> Path:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for i, (kind, (fmt, text)) in enumerate(FORMATS.items()):
        abstract = _el("w:abstractNum", abstractNumId=str(20 + i))
        level = _el("w:lvl", ilvl="0")
        for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
            level.append(_el(tag, val=value))
        abstract.append(level)
        numbering.insert(0, abstract)
        num = _el("w:num", numId=str(30 + i))
        num.append(_el("w:abstractNumId", val=str(20 + i)))
        numbering.append(num)
    # 一、 comes from the Heading 1 style, linked to the list; （一） and 1. from the paragraphs
    heading = document.styles["Heading 1"].element.get_or_add_pPr()
    numpr = _el("w:numPr")
    numpr.append(_el("w:numId", val="30"))
    heading.insert(0, numpr)

    _runs(document.add_paragraph(), TITLE)
    intro = document.add_paragraph()
    _runs(intro, INTRO[:10])
    inserted = _el("w:ins", id="1", author="办公室", date="2024-03-01T00:00:00Z")
    run = _el("w:r")
    t = _el("w:t")
    t.text = INTRO[10:20]
    run.append(t)
    inserted.append(run)
    intro._p.append(inserted)
    control, content = _el("w:sdt"), _el("w:sdtContent")
    run = _el("w:r")
    t = _el("w:t")
    t.text = INTRO[20:]
    run.append(t)
    content.append(run)
    control.append(content)
    intro._p.append(control)
    hidden = intro.add_run("（内部审阅意见，不印发）")
    hidden._element.get_or_add_rPr().append(_el("w:vanish"))
    for kind, _label, text in BODY:
        if kind == "h1":
            paragraph = document.add_paragraph(style="Heading 1")
        else:
            paragraph = document.add_paragraph()
            if kind:
                numpr = _el("w:numPr")
                numpr.append(_el("w:ilvl", val="0"))
                numpr.append(_el("w:numId", val=str(30 + list(FORMATS).index(kind))))
                paragraph._p.get_or_add_pPr().insert(0, numpr)
        _runs(paragraph, text)
    document.add_paragraph("附表：重点任务分工表")
    table = document.add_table(rows=len(TABLE), cols=4)
    for r, row in enumerate(TABLE):
        for c, value in enumerate(row):
            if not (c == 2 and r == 2):
                table.cell(r, c).text = ""
    merged = table.cell(1, 2).merge(table.cell(2, 2))  # 市知识产权局 leads rows 1 and 2
    merged.paragraphs[0].text = "市知识产权局"
    for r, row in enumerate(TABLE):
        for c, value in enumerate(row):
            if c == 2 and r in (1, 2):
                continue
            names = value.split("、") if r and c == 3 else [value]
            cell = table.cell(r, c)
            cell.paragraphs[0].text = names[0]
            for name in names[1:]:
                cell.add_paragraph(name)
    section = document.sections[0]
    section.header.paragraphs[0].text = "青川市人民政府办公室"
    footer = section.footer.paragraphs[0]
    footer.add_run("— ")
    field = footer.add_run()
    field._element.append(_el("w:fldChar", fldCharType="begin"))
    instr = _el("w:instrText")
    instr.text = "PAGE"
    field._element.append(instr)
    field._element.append(_el("w:fldChar", fldCharType="end"))
    footer.add_run(" —")
    document.save(path)
    return path


def test_word_numbering_labels_and_runs_read_as_typed(tmp_path):
    text = read(build(tmp_path / "plan.docx")).text
    assert text == plain_text()


def test_word_plan_gives_the_record_of_its_text(tmp_path):
    (tmp_path / "plan.txt").write_text(plain_text(), encoding="utf-8")
    expected = as_record(ingest_file(tmp_path / "plan.txt"))
    got = as_record(ingest_file(build(tmp_path / "plan.docx")))
    assert [m["heading"] for m in expected["measures"]]  # the comparison means something
    assert any(m["lead"] for m in expected["measures"]) and expected["targets"]
    assert {k: v for k, v in got.items() if k != "source"} == {k: v for k, v in expected.items() if k != "source"}


@pytest.mark.parametrize("n, fmt, label", [(1, "chineseCounting", "一"), (10, "chineseCounting", "十"),
                                           (12, "chineseCounting", "十二"), (20, "chineseCounting", "二十"),
                                           (35, "chineseCounting", "三十五"), (3, "decimalEnclosedCircle", "③"),
                                           (2, "ideographTraditional", "乙"), (4, "upperRoman", "IV"),
                                           (7, "decimal", "7")])
def test_word_number_formats(n, fmt, label):
    assert format_number(n, fmt) == label
    assert chinese_number(105) == "一百零五"
