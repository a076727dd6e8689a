"""Unit cases of the structure stage: sections, measures, categories and kinds."""
from __future__ import annotations

import json

import pytest

from policykg.ingest.components.structure import find_structure, load_rules
from policykg.ingest.errors import PatternFileError
from policykg.ingest.text import normalize


def measures(text: str):
    return [(m.number, m.heading, m.category, m.kind) for m in find_structure(normalize(text))[1]]


CASES = {
    "numbered_tasks_under_subsections": (
        "三、重点任务\n（一）促进创造运用。\n1. 实施倍增计划。完善资助政策。\n2. 实施强企工程。推广管理规范。\n"
        "（二）实行严格保护。\n3. 加强司法保护。完善审判机制。\n",
        [("1", "实施倍增计划", "促进创造运用", "task"), ("2", "实施强企工程", "促进创造运用", "task"),
         ("3", "加强司法保护", "实行严格保护", "task")],
    ),
    "heading_paragraphs_under_section": (
        "一、总体要求\n指导思想。坚持创新驱动。\n工作目标。到2020年明显提升。\n二、促进知识产权创造运用\n"
        "激发知识产权创造活力。鼓励各类主体开展创造。\n实施高价值专利培育工程。培育核心专利。\n",
        [(None, "激发知识产权创造活力", "促进知识产权创造运用", "task"),
         (None, "实施高价值专利培育工程", "促进知识产权创造运用", "task")],
    ),
    "numbered_heading_holding_heading_paragraphs": (
        "二、主要任务\n（一）健全融合机制。\n培育密集型产业。集成创新资源。\n强化企业主体地位。推动要素集聚。\n"
        "三、保障措施\n（一）加强资金保障。\n完善财政投入机制。各区安排资金。\n",
        [(None, "培育密集型产业", "健全融合机制", "task"), (None, "强化企业主体地位", "健全融合机制", "task"),
         ("一", "加强资金保障", "保障措施", "safeguard")],
    ),
    "goals_principles_background_are_not_measures": (
        "一、发展基础\n（一）政策体系更趋完善\n制定了一系列政策。\n二、指导思想、基本原则与发展目标\n（二）基本原则\n"
        "1.坚持深化改革。逐步推进改革。\n三、主要任务\n1.建立健全法规政策。推进文件落实。\n",
        [("1", "建立健全法规政策", "主要任务", "task")],
    ),
    "safeguard_sections": (
        "三、重点任务\n1. 实施倍增计划。完善政策。\n四、组织实施\n（一）加强组织领导。建立协调机制。\n",
        [("1", "实施倍增计划", "重点任务", "task"), ("一", "加强组织领导", "组织实施", "safeguard")],
    ),
    "trailing_safeguards_without_section_title": (
        "(一)实施保护工程。\n1.完善法规体系。推动实施条例。\n2.加强执法体系建设。完善执法体系。\n"
        "(一)加强组织领导。主管部门要发挥作用。\n(二)加强财政保障。市区两级政府要保障经费。\n",
        [("1", "完善法规体系", "实施保护工程", "task"), ("2", "加强执法体系建设", "实施保护工程", "task"),
         ("一", "加强组织领导", "保障措施", "safeguard"), ("二", "加强财政保障", "保障措施", "safeguard")],
    ),
    "articles_are_measures": (
        "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 市市场监管局负责日常管理。\n第三条 本办法自2023年1月1日起施行。\n",
        [("二", "市市场监管局负责日常管理", "总则", "task")],
    ),
    "markdown_and_page_breaks": (
        "### 三、重点任务\n\n- (一)促进创造运用。\n- 1. 实施知识产权倍增计划。完善市、区财政专利申请资助和奖励政策，提高发明\n\n"
        "**—** 5 **—**\n\n专利申请质数量。\n  - 2. 推进重点产业知识产权联盟建设。支持在软件和集成电路\n\n设计产业开展布局。\n",
        [("1", "实施知识产权倍增计划", "促进创造运用", "task"), ("2", "推进重点产业知识产权联盟建设", "促进创造运用", "task")],
    ),
    "numbering_styles": (
        "二、重点任务\n1、开展专利导航。围绕产业开展分析。\n（1）建设导航中心。依托园区建设。\n（2）发布导航报告。每年发布。\n",
        [("1", "建设导航中心", "开展专利导航", "task"), ("2", "发布导航报告", "开展专利导航", "task")],
    ),
    "sections_end_at_cc_line": (
        "三、保障措施\n（一）加强督查考核。把知识产权纳入考核。\n\n抄送：市委各部委办局，市中级法院。\n",
        [("一", "加强督查考核", "保障措施", "safeguard")],
    ),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=CASES.keys())
def test_structure_measures(text, expected):
    assert measures(text) == expected


def test_structure_spans_point_into_text():
    text = normalize(CASES["numbered_tasks_under_subsections"][0])
    sections, found = find_structure(text)
    for m in found:
        assert text[m.heading_span.start:m.heading_span.end] == m.heading
        assert m.span.start <= m.heading_span.start < m.heading_span.end <= m.span.end
    assert [s.level for s in sections][:3] == [1, 2, 3]


def test_structure_continues_numbering_across_sections():
    got = measures("一、重点任务\n（一）甲\n1.甲任务。内容。\n（二）乙\n2.乙任务。内容。\n3.丙任务。内容。\n")
    assert [m[0] for m in got] == ["1", "2", "3"] and got[2][2] == "乙"


def test_structure_rules_file_is_validated(tmp_path):
    bad = tmp_path / "structure.jsonl"
    bad.write_text('{"label": "MARKER", "regex": "x", "colour": "red"}\n', encoding="utf-8")
    with pytest.raises(PatternFileError) as err:
        load_rules(str(bad))
    assert err.value.line == 1 and "colour" in str(err.value)


def test_structure_unknown_label_rejected(tmp_path):
    bad = tmp_path / "structure.jsonl"
    bad.write_text(json.dumps({"label": "MAKRER", "regex": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(PatternFileError):
        load_rules(str(bad))


def test_background_and_label_sections_hold_no_measures():
    """A plan's 发展环境 / 主要成就 items are background, and a notice's 活动时间, 活动主题 and 联系人
    sections are labels: only the 重点活动 items are measures."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "styles" / "style_struct_background_labels.txt").read_text(encoding="utf-8")
    _, measures = find_structure(text)
    assert [m.heading for m in measures] == ["举办版权知识进园区活动", "开展正版软件检查", "发布典型案例"]
