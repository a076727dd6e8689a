"""Stage tables: task-table rows -> lead/support agencies of the measure they describe."""
from __future__ import annotations

import pytest

from policykg.ingest.components.tables import apply_task_tables, dice, split_agencies
from policykg.ingest.record import Agency, Measure, Source, Span

HEADER = ("序号", "重点任务", "牵头单位", "配合单位", "完成时限")


def measure(number, heading, lead=()):
    return Measure(number=number, heading=heading, category=None, kind="task",
                   span=Span(0, 1), heading_span=Span(0, 1), lead=lead)


def source(text="", tables=()):
    return Source(path="x", name="x", text=text, media_type="text/plain", sha256="0", tables=tables)


@pytest.mark.parametrize("cell, names", [
    ("市发展改革委、科技创新委", ["市发展改革委", "市科技创新委"]),
    ("深圳市发展改革委，科技创新委；工业和信息化局", ["深圳市发展改革委", "深圳市科技创新委", "深圳市工业和信息化局"]),
    ("市市场监管局、各区政府", ["市市场监管局", "各区政府"]),
    ("团市委、市税务局", ["团市委", "市税务局"]),
    ("省科技厅（列第一位者为牵头单位）", ["省科技厅"]),
    ("", []),
])
def test_tables_split_agencies(cell, names):
    assert split_agencies(cell) == names


def test_tables_dice():
    assert dice("加强知识产权保护", "加强知识产权保护") == 1.0
    assert dice("加强知识产权保护", "发展新能源汽车") < 0.2


def test_tables_by_text_from_source_tables():
    measures = (measure("（一）", "加强知识产权保护"), measure("（二）", "发展知识产权服务业"))
    table = (HEADER,
             ("1", "加强知识产权保护工作", "市市场监管局", "市公安局、各区政府", "2025年底"),
             ("2", "大力发展知识产权服务业", "市发展改革委、科技创新委", "", "2025年底"))
    out = apply_task_tables(source(tables=(table,)), "", measures, jurisdiction="深圳市")
    assert [a.name for a in out[0].lead] == ["市市场监管局"]
    assert [a.name for a in out[0].support] == ["市公安局", "各区政府"]
    assert [a.name for a in out[1].lead] == ["市发展改革委", "市科技创新委"]
    assert out[1].support == ()
    agency = out[1].lead[1]
    assert isinstance(agency, Agency) and agency.name == "市科技创新委"
    assert agency.canonical == "深圳市科技创新委员会"  # resolved by ingest.registry
    assert agency.jurisdiction == "深圳市"


def test_tables_region_from_text():
    text = "深圳市人民政府关于促进消费的若干措施\n（一）促进消费。\n"
    table = (HEADER, ("1", "促进消费", "市商务局", "", ""))
    out = apply_task_tables(source(text, (table,)), text, (measure("（一）", "促进消费"),))
    assert out[0].lead[0].jurisdiction == "深圳市"


def test_tables_by_number_from_text():
    text = ("一、重点任务\n（一）加快推进平台建设。\n（二）强化人才支撑。\n附件：重点任务分工表\n"
            "序号\t重点任务\t牵头单位\t配合单位\n1\t平台\t市科技局\t市财政局\n2\t人才\t市人力资源社会保障局\t\n")
    measures = (measure("1", "加快推进平台建设"), measure("2", "强化人才支撑"))
    out = apply_task_tables(source(text), text, measures)
    assert [a.name for a in out[0].lead] == ["市科技局"]
    assert [a.name for a in out[0].support] == ["市财政局"]
    assert [a.name for a in out[1].lead] == ["市人力资源社会保障局"]
    assert out[0].lead[0].span == Span(text.index("市科技局"), text.index("市科技局") + 4)


def test_tables_keeps_agencies_found_in_body():
    known = (Agency("市商务局", None, "unresolved/市商务局", None),)
    measures = (measure("1", "促进消费", lead=known),)
    table = (HEADER, ("1", "促进消费", "市发展改革委", "", ""))
    assert apply_task_tables(source(tables=(table,)), "", measures) == measures


def test_tables_no_table_no_change():
    measures = (measure("1", "促进消费"),)
    assert apply_task_tables(source("正文"), "正文", measures) is measures
    assert apply_task_tables(source("正文"), "正文", ()) == ()


def test_tables_unmatched_row_ignored():
    measures = (measure("1", "促进消费"),)
    table = (HEADER, ("9", "完全无关的任务内容", "市发展改革委", "", ""))
    assert apply_task_tables(source(tables=(table,)), "", measures) == measures
