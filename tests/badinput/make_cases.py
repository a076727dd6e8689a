"""Write the bad-input corpus into a folder: one file per row of cases.tsv.

    python tests/badinput/make_cases.py OUT_DIR

Files are generated (not stored) so the binary ones stay reviewable as code. Each
``case_<name>`` function writes one file and returns its path; cases.tsv says what
``ingest_file`` must do with it: ``ok`` or a substring of the IngestError message.
"""
from __future__ import annotations

import io
import random
import sys
import zipfile
from pathlib import Path

BODY = "深圳市人民政府关于加快发展知识产权服务业的若干措施\n一、总体要求\n（一）加强知识产权保护。由市市场监管局牵头。\n"
INJECTION = '关于<script>alert("x")</script>的通知\n"} ; DROP ALL ; {"\n\'); DELETE WHERE { ?s ?p ?o } ; --\n' \
            "<http://example.org/x> a <y> .\n${jndi:ldap://x}\n{{7*7}}\n"


def _docx_bytes(paragraphs) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf_bytes(user_password: str | None = None, owner_password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if user_password is not None:
        writer.encrypt(user_password, owner_password or "owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _junk(n: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


CASES = {
    # text files
    "empty.txt": lambda: b"",
    "whitespace_only.txt": lambda: b"  \n\t \r\n   \n",
    "fullwidth_spaces_only.txt": lambda: "\u3000\u3000\u200b\n\ufeff".encode("utf-8"),
    "bom_only.txt": lambda: b"\xef\xbb\xbf",
    "binary_junk.txt": lambda: _junk(4096),
    "png_named_txt.txt": lambda: b"\x89PNG\r\n\x1a\n" + _junk(512),
    "zip_named_txt.txt": lambda: b"PK\x03\x04" + _junk(256),
    "nul_bytes.txt": lambda: BODY.encode() + b"\x00\x00\x00" + BODY.encode(),
    "control_chars.txt": lambda: bytes(range(1, 9)) * 200,
    "invalid_utf8_few_bytes.txt": lambda: BODY.encode() * 20 + b"\xff" + BODY.encode() * 20,
    "invalid_utf8_everywhere.txt": lambda: b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" * 200,
    "undeclared_gbk.txt": lambda: BODY.encode("gbk"),
    "undeclared_gbk_short.txt": lambda: "通知".encode("gbk"),
    "undeclared_gb18030_rare.txt": lambda: ("㐀㐁" + BODY).encode("gb18030"),
    "undeclared_big5.txt": lambda: "臺北市政府關於加強資訊安全管理的實施要點\n一、總體要求\n".encode("big5"),
    "utf8_bom.txt": lambda: BODY.encode("utf-8-sig"),
    "utf16_bom.txt": lambda: BODY.encode("utf-16"),
    "injection.txt": lambda: INJECTION.encode(),
    "injection.md": lambda: ("# 标题\n\n" + INJECTION).encode(),
    "one_long_line.txt": lambda: ("中" * 300_000).encode(),
    # unsupported
    "unsupported.rtf": lambda: b"{\\rtf1\\ansi hello}",
    "legacy_word.doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
    "no_extension": lambda: BODY.encode(),
    # HTML
    "html_only_scripts.html": lambda: ("<html><head><script>var a=1;</script><style>p{}</style></head><body>"
                                       + "<script>document.write('x')</script>" * 200 + "</body></html>").encode(),
    "html_empty_body.html": lambda: b"<html><head><title>t</title></head><body></body></html>",
    "html_deep_nesting.html": lambda: ("<html><body>" + "<div><span>" * 3000 + "<p>深层正文</p>"
                                       + "</span></div>" * 3000 + "</body></html>").encode(),
    "html_unclosed_tags.html": lambda: "<html><body><p>第一段<p>第二段<div><table><tr><td>格".encode(),
    "html_no_markup.html": lambda: "这不是网页，只是文字。".encode(),
    "html_undeclared_gbk.html": lambda: f"<html><body><p>{BODY}</p></body></html>".encode("gbk"),
    "html_charset_lies.html": lambda: f"<html><head><meta charset='utf-8'></head><body><p>{BODY}</p></body></html>".encode("gbk"),
    "html_unknown_charset.html": lambda: f"<html><head><meta charset='x-klingon'></head><body><p>{BODY}</p></body></html>".encode(),
    "html_injection.html": lambda: ("<html><body><p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>\"} ; DROP ALL ; {\"</p>"
                                    "<p>正文</p></body></html>").encode(),
    "html_binary.html": lambda: b"\x00\x01\x02" + _junk(1024),
    "html_huge_colspan.html": lambda: ("<html><body><table><tr><td colspan='99999999' rowspan='-3'>序号</td><td>重点任务</td>"
                                       "<td>牵头单位</td></tr><tr><td rowspan='x'>1</td></tr></table></body></html>").encode(),
    "html_metadata_only.html": lambda: ("<html><body><table><tr><td>索引号：</td><td>1</td></tr><tr><td>文号：</td><td>2</td></tr>"
                                        "<tr><td>发布日期：</td><td>2024-01-01</td></tr></table></body></html>").encode(),
    # docx
    "docx_truncated.docx": lambda: _docx_bytes([BODY] * 30)[:4000],
    "docx_not_zip.docx": lambda: BODY.encode(),
    "docx_zip_without_document.docx": lambda: _zip({"hello.txt": b"hi"}),
    "docx_broken_xml.docx": lambda: _replace_in_zip(_docx_bytes([BODY]), "word/document.xml", b"<w:document><oops"),
    "docx_no_text.docx": lambda: _docx_bytes([]),
    "docx_encrypted.docx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048,
    "docx_injection.docx": lambda: _docx_bytes(INJECTION.splitlines()),
    # pdf
    "pdf_encrypted.pdf": lambda: _pdf_bytes(user_password="secret"),
    "pdf_owner_password_only.pdf": lambda: _pdf_bytes(user_password="", owner_password="owner"),
    "pdf_image_only.pdf": lambda: _pdf_bytes(),
    "pdf_truncated.pdf": lambda: _pdf_bytes()[:300],
    "pdf_header_only.pdf": lambda: b"%PDF-1.7\n",
    "pdf_not_pdf.pdf": lambda: BODY.encode(),
    "pdf_junk_after_header.pdf": lambda: b"%PDF-1.4\n" + _junk(2048, seed=3),
}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _replace_in_zip(raw: bytes, member: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = data
    return _zip(members)


def make_cases(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, make in CASES.items():
        path = directory / name
        path.write_bytes(make())
        paths[name] = path
    folder = directory / "folder_named.txt"
    folder.mkdir(exist_ok=True)
    paths["folder_named.txt"] = folder
    paths["missing_file.txt"] = directory / "missing_file.txt"
    return paths


if __name__ == "__main__":
    for name, path in make_cases(Path(sys.argv[1] if len(sys.argv) > 1 else "badinput-out")).items():
        print(path)
