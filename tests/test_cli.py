"""The real `policykg` command, end to end, in subprocesses."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import CORPUS, run_cli


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A batch with good files and bad ones: the good ones must all be stored."""
    d = tmp_path_factory.mktemp("batch")
    for f in sorted(CORPUS.glob("*.txt"))[:3]:
        shutil.copy(f, d / f.name)
    (d / "empty.txt").write_text("", encoding="utf-8")
    (d / "notes.xyz").write_text("not a policy", encoding="utf-8")
    store = tmp_path_factory.mktemp("store") / "store"
    first = run_cli("--store", str(store), "ingest", str(d), str(d / "notes.xyz"), str(d / "missing.txt"))
    return d, store, first


def test_cli_ingest_batch_goes_on_after_failures(batch):
    d, store, first = batch
    assert first.returncode == 1
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert any("empty.txt" in line for line in errors), first.stderr
    assert any("notes.xyz" in line and "unsupported" in line for line in errors), first.stderr
    assert any("missing.txt" in line for line in errors), first.stderr
    assert "Traceback" not in first.stderr
    assert "3 stored" in first.stderr
    stats = json.loads(run_cli("--store", str(store), "stats", "--format", "json").stdout)
    assert stats["documents"] == 3


def test_cli_reingest_skips_unchanged_and_force_replaces(batch):
    d, store, _ = batch
    good = sorted(d.glob("0*.txt"))
    again = run_cli("--store", str(store), "ingest", *map(str, good))
    assert again.returncode == 0, again.stderr
    assert "0 stored, 3 unchanged" in again.stderr
    before = run_cli("--store", str(store), "export", "--format", "nq").stdout
    forced = run_cli("--store", str(store), "ingest", "--force", *map(str, good))
    assert "3 stored" in forced.stderr
    after = run_cli("--store", str(store), "export", "--format", "nq").stdout
    assert sorted(before.splitlines()) == sorted(after.splitlines())


def test_cli_query_named_with_param_and_formats(batch):
    _, store, _ = batch
    listed = run_cli("--store", str(store), "query", "--list")
    assert "measures_by_agency" in listed.stdout and "agency_workload" in listed.stdout
    as_csv = run_cli("--store", str(store), "query", "documents", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert len(as_csv.stdout.strip().splitlines()) == 1 + 3
    as_json = json.loads(run_cli("--store", str(store), "query", "targets_by_year", "--param", "year=2020", "--format", "json").stdout)
    assert as_json["head"]["vars"][0] == "year"
    assert all(b["year"]["value"] == "2020" for b in as_json["results"]["bindings"])
    bad = run_cli("--store", str(store), "query", "targets_by_year", "--param", "year=twenty")
    assert bad.returncode == 1 and "not an integer" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_query_file_and_syntax_error(batch, tmp_path):
    _, store, _ = batch
    good = tmp_path / "count.rq"
    good.write_text("PREFIX pkg: <https://w3id.org/policykg/ontology#>\nSELECT (COUNT(?m) AS ?n) WHERE { ?m a pkg:Measure }\n", encoding="utf-8")
    res = run_cli("--store", str(store), "query", "--file", str(good), "--format", "csv")
    assert res.returncode == 0 and int(res.stdout.splitlines()[1]) > 0
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }", encoding="utf-8")
    res = run_cli("--store", str(store), "query", "--file", str(bad))
    assert res.returncode == 1 and "bad.rq" in res.stderr and "Traceback" not in res.stderr


def test_cli_export_formats(batch, tmp_path):
    _, store, _ = batch
    out = tmp_path / "x.json"
    assert run_cli("--store", str(store), "export", "--format", "json", "--out", str(out)).returncode == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["source"] for r in records) == sorted(f.name for f in sorted(CORPUS.glob("*.txt"))[:3])
    ttl = run_cli("--store", str(store), "export", "--format", "ttl").stdout
    assert "@prefix pkg:" in ttl or "PREFIX pkg:" in ttl


def test_cli_validate_conforms(batch):
    _, store, _ = batch
    res = run_cli("--store", str(store), "validate")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "conforms" in res.stdout


def test_cli_validate_either_engine(batch):
    _, store, _ = batch
    for engine in ("sparql", "pyshacl"):
        res = run_cli("--store", str(store), "validate", "--engine", engine)
        assert res.returncode == 0 and "conforms" in res.stdout, (engine, res.stdout + res.stderr)
    bad = run_cli("--store", str(store), "validate", "--engine", "owl")
    assert bad.returncode == 1 and "--engine" in bad.stderr and "Traceback" not in bad.stderr
    one = sorted(CORPUS.glob("*.txt"))[0].name
    res = run_cli("--store", str(store), "validate", "--graph", one)
    assert res.returncode == 0 and "conforms" in res.stdout, res.stdout + res.stderr
    bad = run_cli("--store", str(store), "validate", "--graph", "urn:x:a b")
    assert bad.returncode == 1 and "not a graph IRI" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_store_from_environment(batch, tmp_path):
    import os

    _, store, _ = batch
    env = {**os.environ, "POLICYKG_STORE": str(store)}
    res = run_cli("stats", "--format", "json", env=env)
    assert json.loads(res.stdout)["documents"] == 3


def test_cli_align_table_counts_match_the_records(tmp_path):
    store = tmp_path / "store"
    assert run_cli("--store", str(store), "ingest", "--quiet", str(CORPUS)).returncode == 0
    table = run_cli("--store", str(store), "align")
    assert table.returncode == 0, table.stderr
    records = json.loads(run_cli("--store", str(store), "align", "--format", "json").stdout)
    rows = [line.split("│")[1:-1] for line in table.stdout.splitlines() if line.count("│") == 5]
    cells = {(r[0].strip(), r[1].strip()): (int(r[2]), int(r[3])) for r in rows if r[2].strip().isdigit()}
    assert cells == {(r["left"], r["right"]): (len(r["links"]), sum(x["grade"] == "same" for x in r["links"]))
                     for r in records}
    assert f"{sum(s for _, s in cells.values())} same" in table.stderr


def test_cli_align_again_aligns_nothing_new_and_full_aligns_every_pair(tmp_path):
    store = tmp_path / "store"
    assert run_cli("--store", str(store), "ingest", "--quiet", str(CORPUS)).returncode == 0
    first = run_cli("--store", str(store), "align")
    assert first.returncode == 0, first.stderr
    pairs = int(first.stderr.split(" document pairs")[0].split()[-1])
    assert pairs > 0 and "0 pairs unchanged" in first.stderr
    again = run_cli("--store", str(store), "align")
    assert again.stderr.startswith("0 document pairs") and f"{pairs} pairs unchanged" in again.stderr, again.stderr
    assert again.stdout == first.stdout  # the same stored alignments
    full = run_cli("--store", str(store), "align", "--full")
    assert full.stderr.startswith(f"{pairs} document pairs") and "0 pairs unchanged" in full.stderr, full.stderr
