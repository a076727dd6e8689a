"""Explicit limits instead of silent caps, and inputs that used to take a batch down (issue 17,
items 5, 6 and 8). Every hostile input is generated here."""
from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from conftest import CORPUS, run_cli

TITLE = "深圳市人民政府办公厅关于印发测试工作方案的通知\n深府办〔2020〕1号\n各区人民政府：\n一、重点任务\n"
SIGNATURE = "深圳市人民政府办公厅\n2020年1月1日\n"


def many_measures(n: int) -> str:
    return TITLE + "".join(f"{i}. 加强第{i}项工作。由市科技局负责推进落实相关任务。\n" for i in range(1, n + 1)) + SIGNATURE


def _count_measures(store: Path) -> tuple[int, int]:
    from policykg.graph.store import OxigraphBackend

    backend = OxigraphBackend(store, read_only=True)
    try:
        res = backend.select("PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
                             "SELECT (COUNT(DISTINCT ?m) AS ?n) (COUNT(DISTINCT ?t) AS ?texts) "
                             "WHERE { ?d pkg:hasMeasure ?m . ?m pkg:text ?t }")
        rec = res.records()[0]
        return rec["n"], rec["texts"]
    finally:
        backend.close()


# ----------------------------------------------------------------------------- item 5


@pytest.mark.slow
def test_limits_ten_thousand_measures_are_all_kept(tmp_path):
    """Numbering past 999 (``1000.``) used to stop being a marker: measures 999–10,000 merged."""
    doc = tmp_path / "many.txt"
    doc.write_text(many_measures(10_000), encoding="utf-8")
    store = tmp_path / "store"
    res = run_cli("--store", str(store), "ingest", "--quiet", str(doc))
    assert res.returncode == 0, res.stderr
    assert _count_measures(store) == (10_000, 10_000)


def test_limits_measures_over_the_limit_are_refused_with_the_limit_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "many.txt").write_text(many_measures(60), encoding="utf-8")
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], folder)
    env = dict(os.environ, POLICYKG_MAX_MEASURES="50")
    res = run_cli("--store", str(tmp_path / "store"), "ingest", "--quiet", str(folder), env=env)
    assert res.returncode == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "many.txt" in errors[0], res.stderr
    assert "(60; limit 50," in errors[0] and "POLICYKG_MAX_MEASURES" in errors[0]
    assert "1 stored" in res.stderr and "Traceback" not in res.stderr


def test_limits_a_title_too_long_is_reported_not_silently_dropped(tmp_path):
    """A 100,000-character title used to vanish and the stored document then failed SHACL. Now
    it is no title: the document is stored without one, the ingest says why in one line, and
    the store conforms."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long_title.txt").write_text(
        "关于" + "加强" * 50_000 + "工作的通知\n深府办〔2020〕2号\n一、重点任务\n1. 加强管理。由市科技局负责。\n", encoding="utf-8")
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], folder)
    store = tmp_path / "store"
    res = run_cli("--store", str(store), "ingest", "--quiet", str(folder))
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "long_title.txt" in warnings[0] and "POLICYKG_MAX_TITLE_CHARS" in warnings[0], res.stderr
    assert "100,007" in warnings[0] and "stored without a title" in warnings[0]
    rows = json.loads(run_cli("--store", str(store), "export", "--format", "json").stdout)
    long_doc = next(r for r in rows if r["source"] == "long_title.txt")
    assert long_doc["document"]["title"] is None and long_doc["document"]["doc_number"] == "深府办〔2020〕2号"
    assert long_doc["measures"]  # everything else was kept
    assert run_cli("--store", str(store), "validate").returncode == 0  # what was stored conforms


def test_limits_bad_limit_values_are_one_line_errors(tmp_path):
    doc = tmp_path / "a.txt"
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], doc)
    res = run_cli("--store", str(tmp_path / "store"), "ingest", "--quiet", str(doc),
                  env=dict(os.environ, POLICYKG_MAX_BYTES="lots"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "POLICYKG_MAX_BYTES='lots'" in res.stderr


# ----------------------------------------------------------------------------- item 6


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_limits_gbk_file_names_are_stored_and_shown_readably(tmp_path, jobs):
    """Names that are GBK bytes (a Chinese zip unpacked on Linux) are not UTF-8: no traceback,
    every document stored, shown as the Chinese name it is."""
    folder = tmp_path / "zip"
    folder.mkdir()
    sources = sorted(CORPUS.glob("*.txt"))
    names = []
    for i, f in enumerate(sources):
        raw = f"关于印发方案的通知{i}.txt".encode("gbk") if i % 2 == 0 else f.name.encode()
        shutil.copy(f, os.path.join(os.fsencode(folder), raw))
        names.append(raw.decode("gbk") if i % 2 == 0 else f.name)
    assert any(not n.isascii() for n in names)
    store = tmp_path / "store"
    res = run_cli("--store", str(store), "ingest", "--jobs", jobs, str(folder))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert f"{len(sources)} stored, 0 unchanged, 0 failed" in res.stderr
    docs = run_cli("--store", str(store), "query", "export_documents", "--format", "csv")
    assert docs.returncode == 0, docs.stderr
    assert {line.split(",")[0] for line in docs.stdout.splitlines()[1:]} == set(names)


def test_limits_undecodable_names_in_errors_are_escaped_not_crashing(tmp_path):
    from policykg.ingest.errors import readable_path

    name = os.fsdecode(b"\xff\xfe\xfa.txt")
    assert readable_path(name) == "\\xff\\xfe\\xfa.txt"
    assert readable_path(os.fsdecode("目录/".encode() + "通知公告.txt".encode("gbk"))) == "目录/通知公告.txt"


# ----------------------------------------------------------------------------- item 8


def test_limits_fifo_and_dev_zero_are_refused_without_hanging(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "fifo.txt")
    os.symlink("/dev/zero", folder / "zero.txt")
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], folder)
    # a hang fails through the subprocess timeout; nothing here is timed
    res = run_cli("--store", str(tmp_path / "store"), "ingest", "--quiet", str(folder), timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, res.stderr
    assert any("fifo.txt" in e and "not a regular file (a FIFO)" in e for e in errors)
    assert any("zero.txt" in e and "not a regular file (a character device)" in e for e in errors)
    assert "1 stored" in res.stderr


def test_limits_bytes_read_are_bounded_whatever_stat_says(tmp_path, monkeypatch):
    """The limit counts bytes actually read: a file that grows past st_size is cut off at the limit."""
    from policykg.ingest.errors import IngestError
    from policykg.ingest.readers import read_bytes

    f = tmp_path / "a.txt"
    f.write_bytes(b"x" * 5000)
    assert len(read_bytes(f, 5000)) == 5000
    with pytest.raises(IngestError, match=r"too large \(5,000 bytes; limit 4,000 bytes, set POLICYKG_MAX_BYTES"):
        read_bytes(f, 4000)
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 0, *real_fstat(fd)[7:])))
    with pytest.raises(IngestError, match=r"too large \(4,001 bytes; limit 4,000"):
        read_bytes(f, 4000)


def zip_bomb(unpacked_mib: int, declared: int | None = None) -> bytes:
    """A .docx-shaped ZIP whose word/document.xml inflates to ``unpacked_mib`` MiB of zeros: one
    full-flushed deflate block repeated (built in a fraction of a second, ~1 KB per MiB).
    ``declared``: the size its headers claim instead of the true one (a lying header)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    data = block * unpacked_mib + b"\x03\x00"  # an empty final block ends the stream
    crc, mib = 0, b"\0" * (1 << 20)
    for _ in range(unpacked_mib):
        crc = zlib.crc32(mib, crc)
    size = unpacked_mib << 20 if declared is None else declared
    out = io.BytesIO()
    entries = []
    types = b"<Types/>"
    for name, payload, method, usize, ucrc in ((b"[Content_Types].xml", types, 0, len(types), zlib.crc32(types)),
                                               (b"word/document.xml", data, 8, size, crc)):
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, ucrc, len(payload), usize, len(name), 0))
        out.write(name + payload)
        entries.append((name, method, ucrc, len(payload), usize, offset))
    directory = out.tell()
    for name, method, ucrc, csize, usize, offset in entries:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, ucrc, csize, usize,
                              len(name), 0, 0, 0, 0, 0, offset))
        out.write(name)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - directory, directory, 0))
    return out.getvalue()


_READ_ONE = ("import resource, sys\nfrom policykg.ingest.pipeline import ingest_file\n"
             "from policykg.ingest.errors import IngestError\n"
             "try:\n    ingest_file(sys.argv[1])\n    print('read')\nexcept IngestError as e:\n    print(e)\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")


def _read_in_child(path: Path) -> tuple[str, int]:
    """Ingest one file in a fresh interpreter: (message, peak RSS in KiB). The old reader spent
    130 s and 3.4 GB on such a bomb; the timeout fails a regression without timing anything."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _READ_ONE, str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    message, max_rss_kib = res.stdout.splitlines()
    return message, int(max_rss_kib)


@pytest.mark.parametrize("declared", [None, 1000, 64 << 20], ids=["honest", "lying-small", "lying-under-limit"])
def test_limits_docx_zip_bomb_fails_fast_in_little_memory(tmp_path, declared):
    """A ~650 KB .docx that unpacks to 640 MiB: refused from its headers, or, when they lie, while
    inflating, without holding the data (peak memory compared with reading a real .docx)."""
    import docx

    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bomb(640, declared))
    assert bomb.stat().st_size < 1024 * 1024
    real = tmp_path / "real.docx"
    d = docx.Document()
    for line in (CORPUS / "004_b226f07776384f2e.txt").read_text(encoding="utf-8").splitlines()[:80]:
        d.add_paragraph(line)
    d.save(real)
    message, bomb_rss = _read_in_child(bomb)
    assert message.startswith(f"{bomb}: ")
    if declared is None:
        assert "unpacks to too much data (671,088,648 bytes; limit 268,435,456 bytes" in message
        assert "POLICYKG_MAX_UNZIPPED_BYTES" in message
    else:
        assert "unpacks to more than its header says" in message
    baseline_message, baseline_rss = _read_in_child(real)
    assert baseline_message == "read"
    assert bomb_rss < baseline_rss + 64 * 1024  # the interpreter and its imports, not the 640 MiB


def test_limits_unzipped_limit_is_configurable_and_real_docx_still_read(tmp_path, monkeypatch):
    import docx

    from policykg.ingest.errors import IngestError
    from policykg.ingest.readers import read

    d = docx.Document()
    d.add_paragraph("深圳市人民政府关于加强知识产权保护的意见")
    for i in range(1, 40):
        d.add_paragraph(f"{i}. 加强第{i}项工作。由市市场监管局负责。")
    path = tmp_path / "real.docx"
    d.save(path)
    assert "加强第39项工作" in read(path).text
    monkeypatch.setenv("POLICYKG_MAX_UNZIPPED_BYTES", "10000")
    with pytest.raises(IngestError, match="unpacks to too much data .* limit 10,000 bytes"):
        read(path)


def test_limits_a_stored_name_turned_into_a_fifo_or_dev_zero_does_not_hang(tmp_path):
    """The unchanged-file check reads like the readers: a stored file replaced by a FIFO or by a
    symlink to /dev/zero is refused at once on re-ingest, not read forever."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("fifo.txt", "zero.txt"):
        shutil.copy(ONE_CORPUS_FILE, folder / name)
    store = tmp_path / "store"
    assert run_cli("--store", str(store), "ingest", "--quiet", str(folder)).returncode == 0
    (folder / "fifo.txt").unlink()
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").unlink()
    os.symlink("/dev/zero", folder / "zero.txt")
    res = run_cli("--store", str(store), "ingest", "--quiet", str(folder), timeout=60)  # a hang fails here
    assert res.returncode == 1 and "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all("not a regular file" in e for e in errors), res.stderr


ONE_CORPUS_FILE = sorted(CORPUS.glob("*.txt"))[0]


def test_limits_a_long_first_line_of_sentences_is_stored_not_refused(tmp_path):
    """A doc-sharing copy that lost every line break opens with its whole text on one line: that is
    body text, not a lost title, so the document is extracted instead of refused."""
    from policykg.ingest.pipeline import ingest_file

    item = "推动重点企业注册商标，组织代理机构走进园区帮助企业完成注册和续展。"
    path = tmp_path / "runon.txt"
    path.write_text("某市关于推进商标品牌建设的意见各县、区人民政府：为推动品牌建设，制定本意见。"
                    + "".join(f"{n}.{item}（市市场监管局负责）" for n in range(1, 20)) + "\n", encoding="utf-8")
    assert len(path.read_text(encoding="utf-8").splitlines()[0]) > 500
    doc = ingest_file(path)
    assert doc.meta.title == "某市关于推进商标品牌建设的意见"
    assert len(doc.measures) == 19
