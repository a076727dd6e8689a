"""The frictions a policy analyst met on first use (issue 18), each as a test of the CLI in a
subprocess: parameters as analysts write them, readable ids that are accepted back, spreadsheets,
internal queries out of the way, and agencies kept apart by jurisdiction."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cities import write_city_docs

ROOT = Path(__file__).resolve().parents[1]
POLICYKG = str(Path(sys.executable).parent / "policykg")


def cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "400"}  # tables wide enough not to fold ids
    return subprocess.run([POLICYKG, "--store", str(store), *args], capture_output=True, text=True, timeout=300, env=env)


def csv_rows(res: subprocess.CompletedProcess) -> list[dict]:
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("\ufeff"), "CSV for Excel/WPS starts with the UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(res.stdout[1:])))


@pytest.fixture(scope="module")
def store(tmp_path_factory, corpus_dir):
    folder = tmp_path_factory.mktemp("cities")
    store = tmp_path_factory.mktemp("analyst") / "store"
    r = subprocess.run([POLICYKG, "--store", str(store), "ingest", "-q", "-j", "1", str(corpus_dir),
                        *map(str, write_city_docs(folder))], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return store


# ---------------------------------------------------------------------------- values as analysts write them


def test_doc_number_in_the_corpus_bracket_style(store):
    rows = csv_rows(cli(store, "query", "traces_to_directive", "--param", "upstream_number=国发[2015]71号", "--format", "csv"))
    assert rows and {r["upstream_number"] for r in rows} == {"国发〔2015〕71号"}


def test_role_in_chinese(store):
    rows = csv_rows(cli(store, "query", "measures_by_agency", "--param", "agency=深圳市市场监督管理局",
                        "--param", "role=牵头", "--format", "csv"))
    assert rows and {r["role"] for r in rows} == {"lead"}


@pytest.mark.parametrize("written, stored", [("应用", "运用"), ("creation", "创造"), ("Protection", "保护")])
def test_stage_as_written(store, written, stored):
    rows = csv_rows(cli(store, "query", "measures_by_class", "--param", f"stage={written}", "--format", "csv"))
    assert rows and {r["stage"] for r in rows} == {stored}


def test_agency_as_written_is_resolved_in_a_jurisdiction(store):
    # 市场监管局 is Shenzhen's and Zhuhai's: ambiguous, and the error names both
    res = cli(store, "query", "measures_by_agency", "--param", "agency=市场监管局")
    assert res.returncode == 1 and "深圳市市场监督管理局" in res.stderr and "珠海市市场监督管理局" in res.stderr
    assert "Traceback" not in res.stderr
    # with the place written first it is one agency
    rows = csv_rows(cli(store, "query", "measures_by_agency", "--param", "agency=珠海市市场监管局", "--format", "csv"))
    assert rows and {r["agency"] for r in rows} == {"珠海市市场监督管理局"}


def test_place_without_its_suffix(store):
    rows = csv_rows(cli(store, "query", "documents", "--param", "region=深圳", "--format", "csv"))
    assert rows and {r["region"] for r in rows} == {"深圳市"}


def test_a_value_matching_nothing_says_so_and_suggests(store):
    res = cli(store, "query", "documents", "--param", "region=深证市")
    assert res.returncode == 1 and "no region '深证市'" in res.stderr and "深圳市" in res.stderr
    res = cli(store, "query", "measures_by_class", "--param", "stage=运营")
    assert res.returncode == 1 and "no stage" in res.stderr and "运用" in res.stderr


# ---------------------------------------------------------------------------- readable, accepted ids


def test_ids_shown_are_ids_accepted(store):
    rows = csv_rows(cli(store, "query", "measures", "--param", "source=sz.txt", "--format", "csv"))
    shown = rows[0]["measure"]
    assert re.fullmatch(r"src/[0-9a-f]{16}/m/1", shown) and "%" not in "".join(r["measure"] for r in rows)
    res = cli(store, "query", "measure_counterparts", "--param", f"measure={shown}", "--format", "csv")
    assert res.returncode == 0, res.stderr
    table = cli(store, "query", "measures", "--param", "source=sz.txt")
    assert shown in table.stdout


def test_measures_sort_by_their_place_not_their_iri(store):
    rows = csv_rows(cli(store, "query", "traces_to_directive", "--param", "upstream_number=国发〔2015〕71号", "--format", "csv"))
    orders = [int(r["order"]) for r in rows if r["source"] == "000_aac036100b9cab63.txt"]
    assert len(orders) > 10 and orders == sorted(orders)


def test_targets_by_year_has_a_place(store):
    rows = csv_rows(cli(store, "query", "targets_by_year", "--param", "year=2025", "--format", "csv"))
    assert {r["region"] for r in rows} >= {"深圳市", "珠海市"}


def test_an_analyst_query_returns_measure_text(store):
    rows = csv_rows(cli(store, "query", "measures", "--param", "region=珠海", "--format", "csv"))
    assert any("质押融资" in r["text"] for r in rows) and all(r["title"] for r in rows)


# ---------------------------------------------------------------------------- spreadsheets


def test_export_xlsx_and_csv(store, tmp_path):
    from openpyxl import load_workbook

    res = cli(store, "export", "--format", "xlsx", "--out", str(tmp_path / "policykg.xlsx"))
    assert res.returncode == 0, res.stderr
    wb = load_workbook(tmp_path / "policykg.xlsx", read_only=True)
    assert wb.sheetnames == ["documents", "measures", "assignments", "targets", "citations", "correspondences"]
    header = next(wb["measures"].iter_rows(values_only=True))
    assert "text" in header and "document" in header
    res = cli(store, "export", "--format", "csv", "--out", str(tmp_path / "tables"))
    assert res.returncode == 0, res.stderr
    data = (tmp_path / "tables" / "documents.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "深府函〔2021〕11号" in data.decode("utf-8-sig")
    res = cli(store, "export", "--format", "xlsx")
    assert res.returncode == 1 and "--out" in res.stderr


# ---------------------------------------------------------------------------- query library


def test_list_shows_analyst_queries_and_internal_ones_behind_all(store):
    listed = cli(store, "query", "--list").stdout
    assert "measures_by_agency" in listed and "export_measures" not in listed and "workbench_spans" not in listed
    everything = cli(store, "query", "--list", "--all").stdout
    assert "export_measures" in everything and "workbench_spans" in everything


def test_own_sparql_without_prefixes_and_with_params(store, tmp_path):
    f = tmp_path / "mine.rq"
    f.write_text("SELECT ?title WHERE { ?d pkg:sourceFile/pkg:fileName ?source ; dcterms:title ?title }\n", encoding="utf-8")
    res = cli(store, "query", "--file", str(f), "--param", "source=zh.txt", "--format", "json")
    assert res.returncode == 0, res.stderr
    titles = {b["title"]["value"] for b in json.loads(res.stdout)["results"]["bindings"]}
    assert titles == {"珠海市人民政府关于加强知识产权质押融资工作的通知"}
    # labels are @zh: undeclared, a Chinese value matches nothing, and the CLI says what to add
    f.write_text("SELECT ?title WHERE { ?d pkg:sourceFile ?s ; pkg:region/skos:prefLabel ?region ; dcterms:title ?title }\n",
                 encoding="utf-8")
    res = cli(store, "query", "--file", str(f), "--param", "region=珠海市")
    assert res.returncode == 0 and "# param: region zh" in res.stderr
    f.write_text("# param: region zh  the issuing region\n" + f.read_text(encoding="utf-8"), encoding="utf-8")
    res = cli(store, "query", "--file", str(f), "--param", "region=珠海", "--format", "json")
    titles = {b["title"]["value"] for b in json.loads(res.stdout)["results"]["bindings"]}
    assert "珠海市人民政府关于加强知识产权质押融资工作的通知" in titles and len(titles) == 2


# ---------------------------------------------------------------------------- agencies keep their jurisdiction


def test_two_cities_unresolved_agencies_are_two_rows(store):
    rows = csv_rows(cli(store, "query", "agency_workload", "--format", "csv"))
    districts = sorted(r["jurisdiction"] for r in rows if r["agency"] == "各区政府")
    assert districts == ["深圳市", "珠海市"]


# ---------------------------------------------------------------------------- install


def test_serve_needs_nothing_outside_the_main_install():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for d in deps}
    assert {"datasette", "openpyxl"} <= names


def test_readme_says_how_to_get_policykg_on_path_and_the_namespaces():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text
    from policykg.graph.terms import PREFIXES

    for prefix in ("pkg", "eli", "skos", "dcterms", "prov"):
        assert f"PREFIX {prefix}: <{PREFIXES[prefix]}>" in text


# ---------------------------------------------------------------------------- indicators compare like with like


def test_indicator_wordings_of_one_standard_compare_across_cities(store):
    rows = csv_rows(cli(store, "query", "indicator_across_cities", "--param", "keyword=发明专利拥有量", "--format", "csv"))
    density = [r for r in rows if r["indicator"] == "每万人口发明专利拥有量"]
    # 每万人发明专利拥有量 (深圳, 珠海), 万人发明专利拥有量（专利密度） (汕头), 万人发明专利拥有量 (鹤壁), 每万人口… (our two)
    assert {r["region"] for r in density} >= {"深圳市", "珠海市", "汕头市", "鹤壁市"}
    assert {"每万人发明专利拥有量", "万人发明专利拥有量（专利密度）", "每万人口发明专利拥有量"} <= {r["as_written"] for r in density}


def test_a_range_keeps_both_bounds(tmp_path):
    doc = tmp_path / "range.txt"
    doc.write_text("深圳市人民政府关于印发某方案的通知\n深府〔2021〕99号\n一、发展目标\n"
                   "到2025年，培育知识产权运营机构1-2家，知识产权质押融资额达到3至5亿元。\n"
                   "二、重点任务\n1.加强保护。完善执法。(市市场监管局牵头)\n", encoding="utf-8")
    store = tmp_path / "store"
    assert cli(store, "ingest", "-q", "-j", "1", str(doc)).returncode == 0
    rows = csv_rows(cli(store, "query", "targets_by_year", "--param", "year=2025", "--format", "csv"))
    bounds = {r["indicator"]: (float(r["lower"]), float(r["value"])) for r in rows}
    assert bounds["培育知识产权运营机构"] == (1, 2)
    assert bounds["知识产权质押融资额"] == (3e8, 5e8)


# ---------------------------------------------------------------------------- graphs for Gephi


@pytest.mark.parametrize("view", ["agencies", "network", "lineage"])
@pytest.mark.parametrize("suffix", [".gexf", ".graphml"])
def test_viz_writes_gexf_and_graphml_for_gephi(store, tmp_path, view, suffix):
    import networkx as nx

    out = tmp_path / f"{view}{suffix}"
    res = cli(store, "viz", view, "--out", str(out))
    assert res.returncode == 0, res.stderr
    g = nx.read_gexf(out) if suffix == ".gexf" else nx.read_graphml(out)
    assert g.number_of_nodes() > 5 and g.number_of_edges() > 5
    labels = [d.get("label", "") for _, d in g.nodes(data=True)]
    assert not any(str(x).startswith("https://") for x in labels)
