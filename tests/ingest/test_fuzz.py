"""Fuzzing the readers and the pipeline: whatever the bytes, only IngestError escapes.

Budget: 200 examples per test, no deadline (pdfminer and lxml are slow on some inputs).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.ingest.errors import IngestError
from policykg.ingest.pipeline import extract
from policykg.ingest.readers import read

CORPUS = sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt"))
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])
SUFFIXES = [".txt", ".md", ".html", ".htm", ".docx", ".pdf"]


def ingest_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        source = read(path)
    except IngestError as err:
        assert "\n" not in str(err)
        return
    assert any(ch.isprintable() and not ch.isspace() for ch in source.text)
    try:
        extract(source)
    except IngestError:
        pass


def _docx_seed() -> bytes:
    import docx

    document = docx.Document()
    for line in CORPUS[0].read_text(encoding="utf-8").splitlines()[:20]:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=3)
    for c, cell in enumerate(["序号", "重点任务", "牵头单位"]):
        table.cell(0, c).text = cell
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf_seed() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, delete-count, insert) edits; positions wrap around the data."""
    out = bytearray(data)
    for pos, delete, insert in edits:
        at = pos % (len(out) + 1)
        out[at:at + delete] = insert
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 2**31), st.integers(0, 64), st.binary(max_size=32)), min_size=1, max_size=8)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_fuzz_random_bytes(tmp_path, data, suffix):
    ingest_bytes(tmp_path, data, suffix)


@FUZZ
@given(text=st.text(max_size=2000), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-8-sig"]),
       suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_fuzz_random_text(tmp_path, text, encoding, suffix):
    ingest_bytes(tmp_path, text.encode(encoding, errors="replace"), suffix)


@FUZZ
@given(doc=st.sampled_from(CORPUS), edits=EDITS, encoding=st.sampled_from(["utf-8", "gbk"]),
       suffix=st.sampled_from([".txt", ".html"]))
def test_fuzz_mutated_corpus(tmp_path, doc, edits, encoding, suffix):
    raw = doc.read_text(encoding="utf-8").encode(encoding, errors="replace")
    if suffix == ".html":
        raw = b"<html><body><p>" + raw.replace(b"\n", b"</p><p>") + b"</p></body></html>"
    ingest_bytes(tmp_path, mutate(raw, edits), suffix)


@FUZZ
@given(edits=EDITS)
def test_fuzz_mutated_docx(tmp_path, edits):
    ingest_bytes(tmp_path, mutate(DOCX_SEED, edits), ".docx")


@FUZZ
@given(member_edits=EDITS)
def test_fuzz_docx_with_mutated_xml(tmp_path, member_edits):
    """Mutations inside word/document.xml (a ZIP that is still valid)."""
    with zipfile.ZipFile(io.BytesIO(DOCX_SEED)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["word/document.xml"] = mutate(members["word/document.xml"], member_edits)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    ingest_bytes(tmp_path, buf.getvalue(), ".docx")


@FUZZ
@given(edits=EDITS)
def test_fuzz_mutated_pdf(tmp_path, edits):
    ingest_bytes(tmp_path, mutate(PDF_SEED, edits), ".pdf")


DOCX_SEED = _docx_seed()
PDF_SEED = _pdf_seed()
