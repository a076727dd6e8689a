"""policykg analyze: agency and document tables agree with the store."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policykg.graph.store import OxigraphBackend
from policykg.analysis.analyze import agency_table, document_table
from policykg.ingest.batch import ingest_paths
from policykg.views.cli import app

ROOT = Path(__file__).resolve().parents[1]
PFX = "PREFIX pkg: <https://w3id.org/policykg/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("analyze") / "store"
    backend = OxigraphBackend(path)
    assert not ingest_paths(backend, [ROOT / "corpus"], jobs=1).failed
    backend.close()
    return path


def test_analyze_agencies_counts_roles(store_dir):
    backend = OxigraphBackend(store_dir)
    rows = agency_table(backend)
    lead = backend.select(PFX + "SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m pkg:leadAgency ?a } GROUP BY ?a").records()
    got = {r["iri"]: r["lead"] for r in rows if r["lead"]}
    assert got == {r["a"]: r["n"] for r in lead}
    for r in rows:
        assert r["total"] == r["lead"] + r["support"]
        assert 0.0 <= r["betweenness"] <= 1.0 and r["community"] >= 1
    backend.close()


def test_analyze_documents_counts(store_dir):
    backend = OxigraphBackend(store_dir)
    rows = {r["source"]: r for r in document_table(backend)}
    expected = backend.select(PFX + "SELECT ?s (COUNT(DISTINCT ?m) AS ?n) WHERE { ?d pkg:sourceFile/pkg:fileName ?s . "
                                    "OPTIONAL { ?d pkg:hasMeasure ?m } } GROUP BY ?s").records()
    assert {s: r["measures"] for s, r in rows.items()} == {r["s"]: r["n"] for r in expected}
    backend.close()


@pytest.mark.parametrize("what", ["agencies", "documents"])
def test_analyze_cli_json_and_csv(store_dir, what):
    runner = CliRunner()
    res = runner.invoke(app, ["--store", str(store_dir), "analyze", what, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert isinstance(json.loads(res.stdout), list)
    res = runner.invoke(app, ["--store", str(store_dir), "analyze", what, "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.count("\n") >= 2
