"""Graph pages without a browser: offline, escaped, counts, CLI."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policykg.graph.store import OxigraphBackend
from policykg.ingest.batch import ingest_paths
from policykg.views.cli import app
from policykg.views.viz import write_agencies, write_lineage, write_network

ROOT = Path(__file__).resolve().parents[1]
PFX = "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("vizstore") / "store"
    backend = OxigraphBackend(path)
    assert not ingest_paths(backend, [ROOT / "corpus"], jobs=1).failed
    backend.close()
    del backend
    return path


@pytest.fixture(scope="module")
def store(store_dir):
    return OxigraphBackend(store_dir)


@pytest.mark.parametrize("writer", [write_agencies, write_network, write_lineage])
def test_viz_page_is_offline_and_self_contained(store, writer, tmp_path):
    out = tmp_path / "g.html"
    info = writer(store, out)
    text = out.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", text)
    assert "Noto Sans CJK SC" in text and "vis.Network" in text
    assert info["nodes"] > 0


def test_viz_agencies_counts_match_the_store(store, tmp_path):
    rows = store.select(PFX + "SELECT DISTINCT ?a ?m WHERE { ?d pkg:sourceFile ?f ; pkg:hasMeasure ?m . "
                              "{ ?m pkg:leadAgency ?a } UNION { ?m pkg:supportingAgency ?a } }").records()
    info = write_agencies(store, tmp_path / "a.html")
    assert info["edges"] == len(rows)
    assert info["nodes"] == len({r["a"] for r in rows}) + len({r["m"] for r in rows})
    lead = write_agencies(store, tmp_path / "lead.html", role="lead")
    assert lead["support_edges"] == 0 and lead["lead_edges"] == info["lead_edges"]


def test_viz_agencies_filters_by_document(store, tmp_path):
    docs = store.select(PFX + "SELECT DISTINCT ?s WHERE { ?d pkg:sourceFile/pkg:fileName ?s ; pkg:hasMeasure/pkg:leadAgency ?a }").records()
    if not docs:
        pytest.skip("no assignments extracted from the corpus")
    one = write_agencies(store, tmp_path / "one.html", document=docs[0]["s"])
    assert one["documents"] == 1
    assert write_agencies(store, tmp_path / "none.html", document="no such file.txt")["nodes"] == 0


def test_viz_cli_writes_all_three(tmp_path):
    store_dir = tmp_path / "store"  # its own store: the module's is held open (one process per store)
    runner = CliRunner()
    assert runner.invoke(app, ["--store", str(store_dir), "ingest", "-q", str(ROOT / "corpus")]).exit_code == 0
    for view in ("agencies", "network", "lineage"):
        out = tmp_path / f"{view}.html"
        res = runner.invoke(app, ["--store", str(store_dir), "viz", view, "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert "nodes" in res.output and out.exists()
    res = runner.invoke(app, ["--store", str(store_dir), "viz", "agencies", "--out", str(tmp_path / "x.html"), "--role", "boss"])
    assert res.exit_code == 1


def test_viz_agencies_folds_a_large_graph_and_keeps_every_measure(tmp_path):
    """Above FOLD_MEASURES measures the page opens with one node per lead-agency set; every
    measure, with each of its edges, is still in the page (the JSON block it expands from)."""
    import json
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks.browser import synthetic_agency_graph
    from policykg.views import viz

    g = synthetic_agency_graph(400, viz.FOLD_MEASURES + 500)
    out = tmp_path / "big.html"
    info = viz.write_agency_graph(g, out)
    text = out.read_text(encoding="utf-8")
    assert (info["nodes"], info["edges"]) == (g.number_of_nodes(), g.number_of_edges())
    assert 0 < info["clusters"] < info["measures"] and info["drawn_nodes"] == info["agencies"] + info["clusters"]
    assert text.count("</script") == 3  # vis-network, the folded measures, the page: nothing breaks out
    assert "http://" not in text and "https://" not in text
    block = re.search(r'<script type="application/json" id="pkg-reserve">(.*?)</script>', text, re.S).group(1)
    reserve = json.loads(block)
    ids = [m["id"] for m in reserve["measures"]]
    assert sorted(ids) == sorted(n for n, k in g.nodes(data="kind") if k == "measure")
    members = [i for c in reserve["clusters"].values() for i in c["members"]]
    assert sorted(members) == list(range(len(ids)))  # each measure in exactly one folded node
    links = {(a, m["id"], r) for m in reserve["measures"] for a, r in m["pkgLinks"]}
    assert links == {(a, m, r) if g.nodes[a]["kind"] == "agency" else (m, a, r) for a, m, r in g.edges(data="role")}
    note = re.search(r"var PKG = (.*?);\n", text).group(1)
    assert f"{info['measures']:,} 项措施" in json.loads(note)["note"]


def test_viz_lineage_cli_grade_and_pair(tmp_path, monkeypatch):
    from policykg.views import cli
    from policykg.analysis.align import align_all

    monkeypatch.setattr(cli.state, "_backend", None)  # the CLI keeps one backend per process

    store_dir = tmp_path / "store"  # its own store, ingested and aligned here, then closed for the CLI
    backend = OxigraphBackend(store_dir)
    assert not ingest_paths(backend, [ROOT / "corpus"], jobs=1).failed
    align_all(backend)
    backend.close()
    del backend
    runner = CliRunner()
    base = ["--store", str(store_dir), "viz", "lineage", "--measures", "--out"]
    res = runner.invoke(app, base + [str(tmp_path / "all.html")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert 'id="pkg-filter-grade"' in text and 'id="pkg-filter-pair"' in text
    res = runner.invoke(app, base + [str(tmp_path / "same.html"), "--grade", "same"])
    assert res.exit_code == 0, res.output
    same = (tmp_path / "same.html").read_text(encoding="utf-8")
    assert '"grade": "partial"' not in same and same.count('"grade": "same"') < text.count('"grade": ')
    res = runner.invoke(app, base + [str(tmp_path / "x.html"), "--grade", "alike"])
    assert res.exit_code == 1 and "alike" in res.output
    res = runner.invoke(app, base + [str(tmp_path / "y.html"), "--pair", "no such.txt", "other.txt"])
    assert res.exit_code == 1 and "no such.txt" in res.output
