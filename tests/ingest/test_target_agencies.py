"""Goals a goals list assigns (1.…达到12件。（区知识产权局负责） / 牵头单位：… under the goal) carry
their lead and support: on the extracted target, in the graph (pkg:targetAssignment, apart from
the measures' pkg:hasAssignment) and in the export record; goals nobody is assigned keep the
record they had."""
from pathlib import Path

from policykg.graph.store import OxigraphBackend
from policykg.ingest.batch import ingest_paths
from policykg.ingest.pipeline import ingest_file
from policykg.queries.export import export_records
from policykg.queries.run import sorted_records

GOALS = """某区2024年主要预期目标任务分解方案
一、主要预期目标

1.地区生产总值增长6%左右。

牵头单位：区发改局

配合单位：区统计局

2.规模以上工业增加值增长5%左右。

二、知识产权指标
1.每万人口发明专利拥有量达到12件。（区知识产权局负责）
2.PCT专利申请量达到60件。（区知识产权局、区商务局按职责分别负责）
三、重点任务
（一）培育高价值专利。支持企业布局核心专利。（区知识产权局牵头，区科技局配合）
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "goals.txt"
    path.write_text(GOALS, encoding="utf-8")
    return path


def test_goals_list_assigns_its_goals(tmp_path):
    doc = ingest_file(_write(tmp_path))
    by = {t.indicator: t for t in doc.targets}
    gdp = next(t for name, t in by.items() if name.startswith("地区生产总值"))
    assert [a.name for a in gdp.lead] == ["区发改局"] and [a.name for a in gdp.support] == ["区统计局"]
    industry = next(t for name, t in by.items() if name.startswith("规模以上工业"))
    assert not industry.lead and not industry.support  # the next goal's line is its own
    pct = next(t for name, t in by.items() if name.startswith("PCT"))
    assert [a.name for a in pct.lead] == ["区知识产权局", "区商务局"]
    for t in doc.targets:  # every agency span points at its name in the text as read
        for a in (*t.lead, *t.support):
            assert doc.source.text[a.span.start:a.span.end].endswith(a.name[-2:])


def test_goal_roles_in_graph_and_export_not_in_measure_counts(tmp_path):
    store = OxigraphBackend(tmp_path / "store")
    try:
        ingest_paths(store, [_write(tmp_path)], jobs=1)
        record = export_records(store)[0]
        goals = {t["indicator"]: t for t in record["targets"]}
        gdp = next(t for name, t in goals.items() if name.startswith("地区生产总值"))
        assert gdp["lead"] == [{"name": "区发改局", "canonical": None}]
        industry = next(t for name, t in goals.items() if name.startswith("规模以上工业"))
        assert "lead" not in industry and "support" not in industry
        rows = sorted_records(store, "export_target_assignments")
        assert {r["name"] for r in rows} >= {"区发改局", "区统计局", "区知识产权局", "区商务局"}
        # measures keep their own assignments only: one measure, led by 区知识产权局
        assert [(r["role"], r["name"]) for r in sorted_records(store, "export_assignments")] == [
            ("lead", "区知识产权局"), ("support", "区科技局")]
    finally:
        store.close()
