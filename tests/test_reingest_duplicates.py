"""A file found to be a duplicate of a stored source is remembered: re-ingesting an unchanged
collection extracts nothing, not even its duplicates (issue 20: re-ingest speed-up), and the
memory never hides a change (the file's, the original's, the extractor's, a removal)."""
from __future__ import annotations

import hashlib

import pytest
from conftest import CORPUS

import policykg.ingest.batch as batch
from policykg.graph import ids
from policykg.graph.load import remove_sources
from policykg.graph.store import OxigraphBackend
from policykg.ingest.batch import ingest_paths
from policykg.ingest.pipeline import EXTRACTOR

SRC = CORPUS / "004_b226f07776384f2e.txt"


@pytest.fixture()
def backend(tmp_path):
    b = OxigraphBackend(tmp_path / "store")
    yield b
    b.close()


@pytest.fixture()
def extracted(monkeypatch) -> list[str]:
    """The paths the extractor is run on (jobs=1 extracts in this process)."""
    calls: list[str] = []
    real = batch.ingest_file

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch, "ingest_file", counting)
    return calls


def collection(tmp_path, text: str | None = None):
    """The original, a byte-identical copy and a copy of the same document in another shape."""
    docs = tmp_path / "docs"
    docs.mkdir()
    text = SRC.read_text(encoding="utf-8") if text is None else text
    for name in ("a.txt", "b-same-bytes.txt"):
        (docs / name).write_text(text, encoding="utf-8")
    (docs / "c-markdown.md").write_text(text.replace("\n", "\n\n"), encoding="utf-8")
    return docs


def own_notice(number: int) -> str:
    """A small notice of our own under a number no other test stores (the server is shared)."""
    return ("许昌市人民政府办公室\n"
            f"许政办〔2031〕{number}号\n许昌市人民政府办公室关于印发知识产权保护工作方案的通知\n"
            "各县（市、区）人民政府，市政府各部门：\n为加强知识产权保护，结合本市实际，制定本方案。\n"
            "一、主要任务\n（一）加强专利行政执法。开展专项整治行动。（市市场监管局牵头，市公安局配合）\n"
            "（二）完善维权援助机制。建设维权援助工作站。（市司法局负责）\n"
            "许昌市人民政府办公室\n2031年3月1日\n")


def statuses(report) -> dict[str, str]:
    return {o.path.rsplit("/", 1)[-1]: o.status for o in report.outcomes}


def test_reingest_skips_remembered_duplicates_without_extracting(backend, tmp_path, extracted):
    docs = collection(tmp_path)
    first = ingest_paths(backend, [docs], jobs=1)
    assert statuses(first) == {"a.txt": "stored", "b-same-bytes.txt": "duplicate", "c-markdown.md": "duplicate"}
    assert len(extracted) == 3
    graphs, quads = backend.named_graphs(), len(backend.store)
    extracted.clear()
    again = ingest_paths(backend, [docs], jobs=1)
    assert extracted == []  # the old code extracted both duplicates again
    assert statuses(again) == {"a.txt": "unchanged", "b-same-bytes.txt": "duplicate", "c-markdown.md": "duplicate"}
    # the same lines as when they were found
    assert sorted(o.message for o in again.by_status("duplicate")) == sorted(o.message for o in first.by_status("duplicate"))
    assert backend.named_graphs() == graphs and len(backend.store) == quads  # nothing written


def test_a_changed_duplicate_or_extractor_is_extracted_again(backend, tmp_path, extracted, monkeypatch):
    docs = collection(tmp_path)
    ingest_paths(backend, [docs], jobs=1)
    (docs / "b-same-bytes.txt").write_text(SRC.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    extracted.clear()
    report = ingest_paths(backend, [docs], jobs=1)
    assert [p.rsplit("/", 1)[-1] for p in extracted] == ["b-same-bytes.txt"]
    assert statuses(report)["b-same-bytes.txt"] == "duplicate"  # now a copy of the same document
    monkeypatch.setattr(batch, "EXTRACTOR", EXTRACTOR + ".next")  # as after an upgrade
    extracted.clear()
    ingest_paths(backend, [docs], jobs=1)
    assert len(extracted) == 3


def test_a_changed_or_removed_original_frees_its_duplicates(backend, tmp_path, extracted):
    docs = collection(tmp_path)
    ingest_paths(backend, [docs], jobs=1)
    # the original edited: it and its duplicates are extracted again, in the same batch
    (docs / "a.txt").write_text(SRC.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    extracted.clear()
    report = ingest_paths(backend, [docs], jobs=1)
    assert len(extracted) == 3
    assert statuses(report) == {"a.txt": "stored", "b-same-bytes.txt": "duplicate", "c-markdown.md": "duplicate"}
    # the original removed: the next ingest stores the first duplicate in its place
    remove_sources(backend, [ids.source_iri(docs / "a.txt")])
    (docs / "a.txt").unlink()
    extracted.clear()
    report = ingest_paths(backend, [docs], jobs=1)
    assert len(extracted) == 2
    assert statuses(report) == {"b-same-bytes.txt": "stored", "c-markdown.md": "duplicate"}
    # and what is remembered follows: c is a duplicate of b now, a re-ingest extracts nothing
    extracted.clear()
    report = ingest_paths(backend, [docs], jobs=1)
    assert extracted == [] and statuses(report) == {"b-same-bytes.txt": "unchanged", "c-markdown.md": "duplicate"}


def test_force_extracts_remembered_duplicates_too(backend, tmp_path, extracted):
    docs = collection(tmp_path)
    ingest_paths(backend, [docs], jobs=1)
    extracted.clear()
    report = ingest_paths(backend, [docs], jobs=1, force=True)
    assert len(extracted) == 3 and statuses(report)["c-markdown.md"] == "duplicate"


@pytest.mark.server
def test_remembered_duplicates_on_virtuoso(tmp_path, virtuoso_server, extracted):
    """The shared-server path: the duplicates graph is written and read back through SPARQL."""
    remote = virtuoso_server.backend()
    docs = collection(tmp_path, own_notice(int(hashlib.sha256(str(tmp_path).encode()).hexdigest()[:6], 16)))
    try:
        first = ingest_paths(remote, [docs], jobs=1)
        assert statuses(first) == {"a.txt": "stored", "b-same-bytes.txt": "duplicate", "c-markdown.md": "duplicate"}
        extracted.clear()
        again = ingest_paths(remote, [docs], jobs=1)
        assert extracted == []
        assert statuses(again) == {"a.txt": "unchanged", "b-same-bytes.txt": "duplicate", "c-markdown.md": "duplicate"}
    finally:
        remove_sources(remote, [ids.source_iri(docs / "a.txt")])
        remote.drop_graph(ids.duplicates_graph_iri())
        remote.close()
