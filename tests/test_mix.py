"""policykg analyze mix and the classification queries: counts agree with the export records, and
the chart files are valid, offline and carry their Chinese labels."""
from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from typer.testing import CliRunner

from policykg.analysis import mix
from policykg.views import cli
from policykg.queries.export import export_records
from policykg.analysis.mix import (GROUPINGS, UNKNOWN, MissingCJKFont, MixError, document_year, mix_records,
                                  mix_table, write_mix_chart)
from policykg.queries.run import run_query


@pytest.fixture(scope="module")
def records(corpus_store):
    return export_records(corpus_store)


def _classified(records):
    """(record, measure) for every measure with a classification."""
    return [(r, m) for r in records for m in r["measures"] if m.get("stage")]


def _group_key(record: dict, by: str) -> str:
    d = record["document"]
    if by == "document":
        return record["source"]
    if by == "region":
        return d["region"] or UNKNOWN
    return document_year(d["date"], d["doc_number"]) or UNKNOWN


def test_corpus_measures_are_classified(records):
    assert len(_classified(records)) == sum(len(r["measures"]) for r in records) > 0


@pytest.mark.parametrize("by", GROUPINGS)
def test_mix_table_sums_equal_classified_measures_per_group(corpus_store, records, by):
    rows = mix_table(corpus_store, by)
    got = Counter()
    for row in rows:
        assert row["total"] == sum(row[i] for i in mix.INSTRUMENTS)
        got[row["key"]] += row["total"]
    expected = Counter(_group_key(r, by) for r, _ in _classified(records))
    assert got == expected


@pytest.mark.parametrize("by", GROUPINGS)
def test_mix_table_cells_equal_stage_by_instrument_counts(corpus_store, records, by):
    cells = Counter()
    for row in mix_table(corpus_store, by):
        for i in mix.INSTRUMENTS:
            if row[i]:
                cells[(row["key"], row["stage"], i)] += row[i]
    expected = Counter((_group_key(r, by), m["stage"], m["instrument"]) for r, m in _classified(records))
    assert cells == expected


def test_mix_stages_follow_scheme_order(corpus_store):
    rows = [r for r in mix_table(corpus_store, "document") if r["key"] == mix_table(corpus_store, "document")[0]["key"]]
    order = [r["stage"] for r in rows]
    assert order == [s for s in mix.STAGES if s in order]


def test_document_year_from_date_or_doc_number():
    assert document_year("2017-09-30", "渝府发〔2016〕25号") == "2017"
    assert document_year(None, "珠府函〔2017〕127号") == "2017"
    assert document_year(None, None) is None


def test_bad_grouping_is_a_user_error(corpus_store):
    with pytest.raises(MixError):
        mix_table(corpus_store, "agency")


# ----------------------------------------------------------------------------- named queries


def test_measures_by_class_lists_every_classified_measure(corpus_store, records):
    rows = run_query(corpus_store, "measures_by_class").records()
    got = Counter((r["source"], r["heading"], r["stage"], r["instrument"], r["tool"]) for r in rows)
    expected = Counter((rec["source"], m["heading"], m["stage"], m["instrument"], m["tool"]) for rec, m in _classified(records))
    assert got == expected


@pytest.mark.parametrize("params", [
    {"stage": "运用"},
    {"instrument": "需求型"},
    {"stage": "保护", "instrument": "环境型"},
    {"tool": "金融支持"},
    {"stage": "综合保障", "instrument": "供给型", "tool": "人才培养"},
])
def test_measures_by_class_filters(corpus_store, records, params):
    rows = run_query(corpus_store, "measures_by_class", params).records()
    expected = Counter((rec["source"], m["heading"]) for rec, m in _classified(records)
                       if all(m[k] == v for k, v in params.items()))
    assert expected, f"the corpus has no measure with {params}: pick another example"
    assert Counter((r["source"], r["heading"]) for r in rows) == expected
    assert all(r[k] == v for r in rows for k, v in params.items())


def test_instrument_mix_counts_per_document_and_tool(corpus_store, records):
    rows = run_query(corpus_store, "instrument_mix").records()
    got = Counter()
    for r in rows:
        got[(r["source"], r["stage"], r["instrument"], r["tool"])] += int(r["measures"])
        assert r["stage_en"] and r["instrument_en"] and r["tool_en"]
    expected = Counter((rec["source"], m["stage"], m["instrument"], m["tool"]) for rec, m in _classified(records))
    assert got == expected
    meta = {r["source"]: r["document"] for r in records}
    for r in rows:  # the group keys are the document's own metadata
        assert r.get("region") == meta[r["source"]]["region"]
        assert r.get("docNumber") == meta[r["source"]]["doc_number"]
        assert r.get("date") == meta[r["source"]]["date"]


def _agency_kinds(records, role: str | None = None) -> Counter:
    seen = set()
    for rec in records:
        for i, m in enumerate(rec["measures"]):
            if not m.get("stage"):
                continue
            for r in ("lead", "support"):
                if role and r != role:
                    continue
                for a in m[r]:
                    seen.add((a["canonical"] or a["name"], r, m["stage"], m["instrument"], rec["source"], i))
    return Counter(k[:4] for k in seen)


@pytest.mark.parametrize("role", [None, "lead", "support"])
def test_agency_measure_kinds_matches_assignments(corpus_store, records, role):
    rows = run_query(corpus_store, "agency_measure_kinds", {"role": role} if role else {}).records()
    got = Counter({(r["agency"], r["role"], r["stage"], r["instrument"]): int(r["measures"]) for r in rows})
    assert got == _agency_kinds(records, role)
    assert all(1 <= int(r["documents"]) <= int(r["measures"]) for r in rows)


def test_agency_measure_kinds_one_agency(corpus_store, records):
    expected = _agency_kinds(records, "lead")
    agency = expected.most_common(1)[0][0][0]
    rows = run_query(corpus_store, "agency_measure_kinds", {"agency": agency, "role": "lead"}).records()
    assert rows and {r["agency"] for r in rows} == {agency}
    assert sum(int(r["measures"]) for r in rows) == sum(n for k, n in expected.items() if k[0] == agency)


# ----------------------------------------------------------------------------- charts

CHINESE = ("创造", "综合保障", "环境型", "措施数")


def test_png_chart_is_written(corpus_store, tmp_path):
    info = write_mix_chart(corpus_store, tmp_path / "mix.png", by="document")
    data = (tmp_path / "mix.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert info["groups"] == 5 and info["measures"] == 128


@pytest.mark.parametrize("by", GROUPINGS)
def test_svg_chart_parses_and_carries_chinese_labels(corpus_store, tmp_path, by):
    out = tmp_path / f"mix-{by}.svg"
    write_mix_chart(corpus_store, out, by=by)
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag.endswith("svg")
    # glyphs are drawn as paths; matplotlib keeps each string as a comment beside them
    for word in CHINESE:
        assert word in text, word


@pytest.mark.parametrize("by", GROUPINGS)
def test_html_chart_is_offline(corpus_store, records, tmp_path, by):
    out = tmp_path / "mix.html"
    write_mix_chart(corpus_store, out, by=by)
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text, re.I)
    assert "<script" not in text.lower()
    for word in CHINESE:
        assert word in text, word
    for key in {_group_key(r, by) for r in records} - {UNKNOWN}:
        if by != "document":
            assert key in text


def test_chart_without_cjk_font_warns_and_still_writes(corpus_store, tmp_path, monkeypatch):
    monkeypatch.setattr(mix, "find_cjk_font", lambda: None)
    with pytest.warns(MissingCJKFont):
        info = write_mix_chart(corpus_store, tmp_path / "mix.png")
    assert info["font"] is None and (tmp_path / "mix.png").stat().st_size > 0


def test_chart_uses_a_cjk_font():
    font = mix.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    assert "CJK" in font or "Han" in font or "Hei" in font


def test_chart_rejects_other_formats(corpus_store, tmp_path):
    with pytest.raises(MixError):
        write_mix_chart(corpus_store, tmp_path / "mix.pdfx")


# ----------------------------------------------------------------------------- CLI


@pytest.fixture
def runner(corpus_store, monkeypatch):
    monkeypatch.setattr(cli.state, "_backend", corpus_store)
    return CliRunner()


@pytest.mark.parametrize("by", GROUPINGS)
def test_cli_analyze_mix_json(runner, records, by):
    res = runner.invoke(cli.app, ["analyze", "mix", "--by", by, "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert sum(r["total"] for r in rows) == len(_classified(records))


def test_cli_analyze_mix_table_and_plot(runner, tmp_path):
    out = tmp_path / "chart.png"
    res = runner.invoke(cli.app, ["analyze", "mix", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    assert "小计" in res.stdout and "综合保障" in res.stdout
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_cli_analyze_mix_csv_header(runner):
    res = runner.invoke(cli.app, ["analyze", "mix", "--by", "region", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "group,key,stage,供给型,环境型,需求型,total"


@pytest.mark.parametrize("args", [["--by", "agency"], ["--format", "xml"], ["--plot", "x.pdfx"]])
def test_cli_analyze_mix_bad_input(runner, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli.app, ["analyze", "mix", *args])
    assert res.exit_code == 1


# ----------------------------------------------------------------------------- viz agencies, coloured by stage


def _page_nodes(html_text: str) -> list[dict]:
    m = re.search(r"var nodes = new vis\.DataSet\((.*?)\);\n", html_text, re.S)
    assert m, "no node data in the page"
    return json.loads(m.group(1))


def test_viz_agencies_colours_measures_by_stage(corpus_store, tmp_path):
    viz = pytest.importorskip("policykg.views.viz")
    if not hasattr(viz, "STAGE_COLORS"):
        pytest.skip("viz.py has no colour-by-stage option")
    out = tmp_path / "agencies.html"
    viz.write_agencies(corpus_store, out)
    text = out.read_text(encoding="utf-8")
    assert "按环节" in text  # the colour-by switch offers the stage
    stage_of = {r["measure"]: r["stage"] for r in run_query(corpus_store, "measures_by_class").records()}
    measures = [n for n in _page_nodes(text) if n.get("pkgKind") == "measure"]
    assert measures
    for n in measures:
        assert n["pkgColors"]["stage"] == viz.STAGE_COLORS[stage_of[n["id"]]], n["id"]
    # the legend of the stage mode names every stage drawn
    drawn = {stage_of[n["id"]] for n in measures}
    assert all(s in text for s in drawn)
    assert mix.STAGE_COLORS == viz.STAGE_COLORS  # the chart and the graph use one palette
