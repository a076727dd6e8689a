"""policykg diagnose: the cues extraction left behind, in memory and through the CLI."""
from __future__ import annotations

import json

from policykg.ingest.diagnose import diagnose
from policykg.ingest.pipeline import extract, ingest_file
from policykg.ingest.record import Source

from conftest import run_cli


def _doc(text: str, name: str = "d.txt"):
    return extract(Source(path=name, name=name, text=text, media_type="text/plain", sha256="0" * 64))


def test_an_assignment_cue_without_an_agency_is_a_warning():
    d = diagnose(_doc("某市工作方案\n一、重点任务\n1.建设服务平台。整合检索功能。由有关方面负责。\n"
                      "2.开展专项行动。严厉打击侵权行为。（市市场监管局负责）\n"))
    cues = [f for f in d.findings if f.kind == "assignment"]
    assert [f.status for f in cues] == ["skipped", "found"]
    assert cues[0].span is not None and cues[0].text == "负责"


def test_words_that_assign_nobody_are_dismissed_not_warned():
    d = diagnose(_doc("某市工作方案\n一、工作要求\n各牵头单位要高度负责，主要负责同志亲自部署。\n"))
    cues = [f for f in d.findings if f.kind == "assignment"]
    assert cues and all(f.status == "dismissed" for f in cues)


def test_goal_sentences_found_and_dismissed():
    text = ("某市工作方案\n一、工作目标\n到2025年，新建维权工作站10个。\n"
            "截至2023年底，全市已建成工作站5个。\n")
    d = diagnose(_doc(text))
    goals = [(f.text[:2], f.status) for f in d.findings if f.kind == "goal"]
    assert goals == [("到2", "found"), ("截至", "dismissed")]


def test_task_counts_past_comparisons_and_generic_lead_words_are_dismissed():
    text = ("某市推进计划\n近日，市政府印发2024年推进计划，围绕6个方面部署32项重点任务。\n"
            "一、重点任务\n1.加强协同保护。发挥市市场监管局牵头单位作用，采取联合调解、协助调解等方式化解纠纷。\n")
    d = diagnose(_doc(text))
    goals = [f.status for f in d.findings if f.kind == "goal"]
    cues = [(f.text, f.status) for f in d.findings if f.kind == "assignment"]
    assert goals == ["dismissed"]
    assert cues == [("牵头", "dismissed"), ("协助", "dismissed")]
    news = diagnose(_doc("记者获悉，全市专利运用成效明显。企业专利产业化率从2020年的38.2%提升至2024年的46.5%。\n"))
    assert [f.status for f in news.findings if f.kind == "goal"] == ["dismissed"]


def test_missing_metadata_and_uncited_titles_are_listed():
    d = diagnose(_doc("一、重点任务\n1.开展宣传。\n"))
    assert {f.text for f in d.findings if f.kind == "metadata"} == {"title", "发文字号", "date"}
    assert len(d.warnings) == 3


def test_cli_json_and_text(tmp_path):
    f = tmp_path / "plan.txt"
    f.write_text("某市[bold]工作方案\n一、重点任务\n1.建设平台。整合资源。由有关方面负责。\n", encoding="utf-8")
    run = run_cli("diagnose", "--format", "json", str(f))
    assert run.returncode == 0, run.stderr
    rec = json.loads(run.stdout)[0]
    assert rec["source"] == "plan.txt" and rec["counts"]["assignment"]["skipped"] == 1
    assert rec["warnings"] == len([x for x in rec["findings"] if x["status"] == "skipped"])
    text = run_cli("diagnose", str(f))
    assert text.returncode == 0, text.stderr
    assert "[bold]工作方案" in text.stdout  # the document's own brackets are text, not markup
    bad = run_cli("diagnose", str(tmp_path / "missing.txt"), str(f))
    assert bad.returncode == 1 and "missing.txt" in bad.stderr and "plan.txt" in bad.stdout


def test_names_in_brackets_that_are_no_documents_or_already_cited_raise_no_warning():
    text = ("某市知识产权宣传周活动总结\n"
            "为贯彻落实《某省知识产权促进条例》，结合我市实际，开展宣传周活动。\n"
            "活动中发放《某某日报知识产权特刊》《商标知识宣传册》，并组织学习《某省知识产权促进条例》。\n"
            "企业签订《技术开发保密协议（参考文本）》。\n")
    titles = {f.text: (f.status, f.note) for f in diagnose(_doc(text)).findings if f.kind == "title"}
    assert titles["某省知识产权促进条例"][0] == "found"  # both mentions: the citation covers the second too
    assert [f.status for f in diagnose(_doc(text)).findings if f.kind == "title" and f.text == "某省知识产权促进条例"] == ["found", "found"]
    for name in ("某某日报知识产权特刊", "商标知识宣传册", "技术开发保密协议（参考文本）"):
        assert titles[name][0] == "dismissed", (name, titles[name])
