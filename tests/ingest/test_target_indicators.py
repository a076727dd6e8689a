"""Goal sentences whose indicator must come out clean: a baseline value without its year, a
closing 力争, a subject lent to a bare attribute, a budget's parts and a task count left out."""
from __future__ import annotations

from policykg.ingest.pipeline import as_record, extract
from policykg.ingest.record import Source


def _targets(text: str) -> dict[str, tuple[float, int | None]]:
    doc = extract(Source(path="t.txt", name="t.txt", text=text, media_type="text/plain", sha256="0" * 64))
    return {t["indicator"]: (t["value"], t["year"]) for t in as_record(doc)["targets"]}


def test_baseline_value_and_closing_words_stay_out_of_the_indicator():
    found = _targets("某市商标品牌建设方案（2023—2025年）\n一、主要目标\n"
                     "到2025年，有效注册商标总量从5.2万件增加至7万件，知识产权质押融资额力争超过19亿元，"
                     "全市个体工商户发展质量明显提升，活跃度达到70%。\n")
    assert found == {"有效注册商标总量": (70000, 2025), "知识产权质押融资额": (1900000000, 2025),
                     "个体工商户活跃度": (70, 2025)}


def test_budget_parts_and_task_counts_are_no_targets():
    found = _targets("某市科技创新若干政策（2025年版）\n本政策共提出5个方面18项重点任务。\n"
                     "一、强化科技创新（市科技局牵头）\n2025年，市财政预算安排资金3亿元，其中，支持平台建设1.2亿元。"
                     "新认定高新技术企业120家以上。\n（一）建设创新平台。推进实验室建设。\n")
    assert found == {"新认定高新技术企业": (120, 2025)}


def test_a_news_lead_reports_goals_but_a_cited_document_does_not_set_them():
    news = _targets("近日，某市人民政府印发关于促进消费若干措施（2025年版）的通知。文件提出，全年新增品牌首店30家以上。\n")
    assert news == {"全年新增品牌首店": (30, 2025)}
    plan = _targets("某市知识产权工作方案（2023—2025年）\n一、发展形势\n《纲要》提出，到2025年每万人口高价值发明专利拥有量达到12件。\n"
                    "二、重点任务\n1．培育高价值专利。建设专利导航服务基地。\n")
    assert plan == {}
