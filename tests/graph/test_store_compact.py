"""A large ingest ends with a compaction of the embedded store (graph/store.py COMPACT_AFTER)."""
from __future__ import annotations

from pathlib import Path

from policykg.graph.store import OxigraphBackend

CORPUS = Path(__file__).resolve().parent.parent.parent / "corpus"


def test_ingest_compacts_the_store_once_enough_was_bulk_loaded(tmp_path):
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path / "store")
    backend.COMPACT_AFTER = 1  # any bulk load is enough
    assert not ingest_paths(backend, [CORPUS], jobs=2).by_status("failed")
    assert backend._uncompacted == 0  # compacted at the end of the batch
    assert backend.compact_if_grown() is False  # nothing written since
    # the same batch below the default threshold: left as written, the same quads
    small = OxigraphBackend(tmp_path / "other")
    assert not ingest_paths(small, [CORPUS], jobs=2).by_status("failed")
    assert small._uncompacted > 0 and small.compact_if_grown() is False
    assert len(small.store) == len(backend.store)
