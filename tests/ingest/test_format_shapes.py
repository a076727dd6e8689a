"""The same constructed document, in the shapes other formats give its text, gives the same record.

A .txt keeps blank lines between paragraphs; the text read from a .docx, a PDF or an HTML page
has none (one line per paragraph). Rules that look at neighbouring lines must not read the two
shapes differently."""
from __future__ import annotations

from pathlib import Path

from policykg.ingest.pipeline import as_record, ingest_file

REPOST = [
    "青川发布2024年青川市专利转化专项行动工作要点",
    "时间:2024-04-02 来源:青川市知识产权局 阅读:356",
    "青川市知识产权工作领导小组于2024年3月18日印发《2024年青川市专利转化专项行动工作要点》,全文如下:",
    "2024年青川市专利转化专项行动工作要点",
    "为推动高校院所专利向中小企业转移转化,结合本市实际,制定本要点。",
    "一、梳理存量专利",
    "1.组织高校院所开展存量专利盘点,筛选具有市场前景的专利进入转化清单。(市知识产权局、市教育局按职责分工负责)",
    "2.建立专利转化需求库,每季度组织一次供需对接活动。(市科技局负责)",
]


def record(path: Path) -> dict:
    return {k: v for k, v in as_record(ingest_file(path)).items() if k != "source"}


def test_repost_news_line_keeps_headline_apart_without_blank_lines(tmp_path):
    spaced, dense = tmp_path / "spaced.txt", tmp_path / "dense.txt"
    spaced.write_text("\n\n".join(REPOST) + "\n", encoding="utf-8")
    dense.write_text("\n".join(REPOST) + "\n", encoding="utf-8")
    expected = record(spaced)
    assert expected["document"]["issuers"] == ["青川市知识产权工作领导小组"]
    assert record(dense) == expected


PLAN = [
    "青川市商标品牌培育工作方案",
    "为提升本市商标品牌影响力，制定本方案。",
    "一、重点任务",
    "1.培育区域公用品牌。围绕茶叶、竹编等特色产业注册集体商标。",
    "2.保护老字号商标。建立老字号商标名录并开展维权援助。",
    "附件：重点任务分工",
]
TASKS = [["序号", "任务", "牵头单位", "配合单位"],
         ["1", "培育区域公用品牌", "市市场监管局", "市农业农村局、市商务局"],
         ["2", "保护老字号商标", "市商务局", "市市场监管局"]]


def test_markdown_pipe_table_reads_as_the_task_table_of_its_text(tmp_path):
    txt, md = tmp_path / "plan.txt", tmp_path / "plan.md"
    txt.write_text("\n".join(PLAN + ["\t".join(row) for row in TASKS]) + "\n", encoding="utf-8")
    rows = ["| " + " | ".join(row) + " |" for row in TASKS]
    md.write_text("\n\n".join(PLAN) + "\n\n" + "\n".join([rows[0], "|---|---|---|---|", *rows[1:]]) + "\n",
                  encoding="utf-8")
    expected = record(txt)
    assert any(m["support"] for m in expected["measures"])
    assert record(md) == expected


NEWS = [
    "青川市商标品牌指导站建设迎来新部署",
    "记者从青川市市场监管局获悉，全市将在今年新建一批商标品牌指导站，为中小企业提供商标注册、运用和保护的一站式服务。",
    "据介绍，指导站将设在产业园区和特色小镇，由市场监管部门会同行业协会共同运营，并定期组织企业开展商标知识培训。",
    "下一步，青川市还将推动指导站与知识产权维权援助机构对接，帮助企业应对商标侵权纠纷。",
]


def test_markdown_headline_over_news_prose_is_the_title_not_a_measure(tmp_path):
    """A page saved as Markdown marks its headline with #; the text under it is news prose, as in the .txt."""
    txt, md = tmp_path / "news.txt", tmp_path / "news.md"
    txt.write_text("\n\n".join(NEWS) + "\n", encoding="utf-8")
    md.write_text("# " + "\n\n".join(NEWS) + "\n", encoding="utf-8")
    expected = record(txt)
    assert expected["measures"] == []
    assert record(md)["measures"] == []
