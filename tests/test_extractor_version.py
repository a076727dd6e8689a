"""Re-ingest skips a file only while its bytes and the extractor are unchanged."""
from __future__ import annotations

from conftest import CORPUS

import policykg.ingest.batch as batch
from policykg.graph.store import OxigraphBackend
from policykg.ingest.pipeline import EXTRACTION_INPUTS, EXTRACTOR, code_digest
from policykg.ingest.batch import ingest_paths


def test_extractor_names_the_code_and_data_it_ran():
    assert EXTRACTOR.startswith("policykg-ingest/") and EXTRACTOR.endswith(code_digest(EXTRACTION_INPUTS)[:12])
    assert all(p.exists() for p in EXTRACTION_INPUTS)


def test_code_digest_follows_content_and_names_not_caches(tmp_path):
    rules = tmp_path / "ingest"
    (rules / "patterns").mkdir(parents=True)
    (rules / "patterns" / "cues.tsv").write_text("牵头\tlead\n", encoding="utf-8")
    first = code_digest((rules,))
    (rules / "__pycache__").mkdir()
    (rules / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert code_digest((rules,)) == first
    (rules / "patterns" / "cues.tsv").write_text("牵头\tlead\n配合\tsupport\n", encoding="utf-8")
    changed = code_digest((rules,))
    assert changed != first
    (rules / "patterns" / "cues.tsv").rename(rules / "patterns" / "roles.tsv")
    assert code_digest((rules,)) not in (first, changed)


def test_reingest_after_an_extractor_change_extracts_again(tmp_path, monkeypatch):
    one = sorted(CORPUS.glob("*.txt"))[:1]
    backend = OxigraphBackend(tmp_path / "store")
    assert [o.status for o in ingest_paths(backend, one, jobs=1).outcomes] == ["stored"]
    assert [o.status for o in ingest_paths(backend, one, jobs=1).outcomes] == ["unchanged"]
    monkeypatch.setattr(batch, "EXTRACTOR", EXTRACTOR + ".next")  # as after an upgrade
    assert [o.status for o in ingest_paths(backend, one, jobs=1).outcomes] == ["stored"]
