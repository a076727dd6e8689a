"""A PDF whose compressed stream inflates far past its size (a PDF bomb): pdfminer inflates every
stream whole into memory, so the reader bounds what one PDF's streams may inflate to
(POLICYKG_MAX_UNZIPPED_BYTES, shared with .docx) and refuses the file while inflating, with one
line naming it and the limit; the batch goes on with the other files."""
import subprocess
import sys
import zlib

import pytest

from policykg.graph.store import OxigraphBackend
from policykg.ingest.batch import ingest_paths
from policykg.ingest.errors import IngestError
from policykg.ingest.readers import read

TEXT = "BT /F1 12 Tf 72 720 Td (Hello policy) Tj ET\n".encode()


def deflated(content: bytes, spaces_mib: int = 0) -> bytes:
    """``content`` and then ``spaces_mib`` MiB of spaces, deflated a MiB at a time (the test never
    holds the inflated bytes: a child's peak RSS would inherit the parent's across exec)."""
    c = zlib.compressobj(9)
    mib = b" " * (1 << 20)
    return c.compress(content) + b"".join(c.compress(mib) for _ in range(spaces_mib)) + c.flush()


def pdf_with_stream(content: bytes, spaces_mib: int = 0) -> bytes:
    """A one-page PDF whose page content is ``content`` (and spaces), deflated (FlateDecode), with a true xref."""
    data = deflated(content, spaces_mib)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_bomb_is_refused_while_inflating_with_the_limit_named(tmp_path, monkeypatch):
    ok, bomb = tmp_path / "ok.pdf", tmp_path / "bomb.pdf"
    ok.write_bytes(pdf_with_stream(TEXT))
    bomb.write_bytes(pdf_with_stream(TEXT, 40))  # 40 MiB of spaces in ~40 KB
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("POLICYKG_MAX_UNZIPPED_BYTES", str(4 << 20))
    assert "Hello policy" in read(ok).text  # a stream under the limit reads as before
    with pytest.raises(IngestError) as err:
        read(bomb)
    message = str(err.value)
    assert message.startswith(f"{bomb}: ") and "\n" not in message
    assert "inflate to more than 4,194,304 bytes" in message and "POLICYKG_MAX_UNZIPPED_BYTES" in message


def test_pdf_bomb_fails_alone_in_a_batch(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bomb.pdf").write_bytes(pdf_with_stream(TEXT, 40))
    (folder / "plan.txt").write_text("某市知识产权工作方案\n一、加强专利保护\n1.开展专利执法检查。（市市场监管局负责）\n", encoding="utf-8")
    monkeypatch.setenv("POLICYKG_MAX_UNZIPPED_BYTES", str(4 << 20))
    report = ingest_paths(OxigraphBackend(str(tmp_path / "store")), [folder], jobs=1)
    assert [o.path.endswith("bomb.pdf") for o in report.failed] == [True]
    assert "inflate to more than" in report.failed[0].message
    assert len(report.by_status("stored")) == 1


_READ_BOMB = ("import resource, sys\nfrom policykg.ingest.readers import read\n"
              "from policykg.ingest.errors import IngestError\n"
              "try:\n    read(sys.argv[1])\n    print('read')\nexcept IngestError as e:\n    print('refused')\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")


def _read_in_child(path, env) -> tuple[str, int]:
    res = subprocess.run([sys.executable, "-c", _READ_BOMB, str(path)], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    verdict, max_rss_kib = res.stdout.splitlines()
    return verdict, int(max_rss_kib)


def test_pdf_bomb_memory_stays_near_the_limit(tmp_path):
    """With a 16 MiB limit, a stream of 400 MiB is refused without holding it: the child's peak memory
    is that of reading a small PDF plus about twice the limit (compared with a child reading a real
    one, as a child's peak RSS counts its parent's from before exec)."""
    bomb, ok = tmp_path / "bomb.pdf", tmp_path / "ok.pdf"
    bomb.write_bytes(pdf_with_stream(TEXT, 400))
    ok.write_bytes(pdf_with_stream(TEXT))
    env = {"POLICYKG_MAX_UNZIPPED_BYTES": str(16 << 20), "PATH": "/usr/bin:/bin"}
    verdict, bomb_rss = _read_in_child(bomb, env)
    assert verdict == "refused"
    baseline, baseline_rss = _read_in_child(ok, env)
    assert baseline == "read"
    assert bomb_rss < baseline_rss + 64 * 1024  # ~2x the 16 MiB limit, not the 400 MiB
