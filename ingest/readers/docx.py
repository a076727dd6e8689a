"""Word .docx via python-docx: body paragraphs and tables in document order.

Tables become tab-separated rows in the text (merged cells repeated, as Word shows them
spanning); task tables (序号 / 重点任务 / 牵头单位 ...) also go into ``tables``. Headers
and footers (page numbers) are not part of the body, so they never reach the text.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from ..errors import IngestError
from ..limits import limits, over
from .common import clean_cell, is_task_table, lines_text

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def read_docx(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    if raw.startswith(_OLE_MAGIC):
        raise IngestError(path, "not a .docx: an encrypted (password-protected) Word file or a legacy .doc; "
                                "save it as .docx without a password")
    if not raw.startswith(b"PK"):
        raise IngestError(path, "not a .docx file (not a ZIP package)")
    check_unzipped_size(raw, path, limits().max_unzipped_bytes)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        tables = []
        for element in _blocks(document.element.body):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.extend(line.strip() for line in Paragraph(element, document).text.split("\n"))
            elif tag == "tbl":
                rows = _rows(Table(element, document))
                lines.extend("\t".join(row) for row in rows)
                if is_task_table(rows):
                    tables.append(tuple(tuple(row) for row in rows))
    except zipfile.BadZipFile:
        raise IngestError(path, "not a valid .docx (the ZIP package is corrupt or truncated)") from None
    except Exception as err:  # python-docx/lxml on a damaged package: a bad file, not a bug here
        raise IngestError(path, f"not a valid .docx (corrupt or truncated: {type(err).__name__})") from None
    return lines_text(lines), (), tuple(tables)


def check_unzipped_size(raw: bytes, path: str, limit: int) -> None:
    """Refuse a package that unpacks to more than ``limit`` bytes (a zip bomb) before anything
    parses it: first by the sizes its member headers declare, then by inflating each member in
    bounded chunks and counting. Headers can lie, and ``zipfile`` inflates a member to its end
    whatever its header says; here a member stops at the first byte past its declared size.
    Memory stays at one chunk, time at most ``limit`` bytes of inflating."""
    too_much = "the .docx unpacks to too much data"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            members = package.infolist()
    except zipfile.BadZipFile:
        raise IngestError(path, "not a valid .docx (the ZIP package is corrupt or truncated)") from None
    except Exception as err:
        raise IngestError(path, f"not a valid .docx (cannot read the ZIP directory: {type(err).__name__})") from None
    declared = sum(m.file_size for m in members)
    if declared > limit:
        raise IngestError(path, over(too_much, declared, limit, "max_unzipped_bytes", " bytes"))
    total = 0
    for m in members:
        size = _inflated_size(raw, m, path, min(m.file_size, limit - total))
        if size > m.file_size:
            raise IngestError(path, f"not a valid .docx: {m.filename} unpacks to more than its header says "
                                    f"({m.file_size:,} bytes; corrupt, or a zip bomb)")
        total += size


def _inflated_size(raw: bytes, m: zipfile.ZipInfo, path: str, stop_after: int) -> int:
    """Bytes member ``m`` inflates to, counted up to ``stop_after + 1``."""
    head = raw[m.header_offset:m.header_offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise IngestError(path, "not a valid .docx (the ZIP package is corrupt or truncated)")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    start = m.header_offset + 30 + name_len + extra_len
    data = raw[start:start + m.compress_size]
    if m.compress_type == zipfile.ZIP_STORED:
        return len(data)
    if m.compress_type != zipfile.ZIP_DEFLATED:
        raise IngestError(path, f"not a valid .docx ({m.filename}: unsupported ZIP compression {m.compress_type})")
    inflate = zlib.decompressobj(-15)
    total = 0
    try:
        while data and total <= stop_after:
            total += len(inflate.decompress(data, _CHUNK))
            data = inflate.unconsumed_tail
    except zlib.error:
        raise IngestError(path, f"not a valid .docx ({m.filename}: the compressed data is corrupt)") from None
    return total


_CHUNK = 1024 * 1024


def _blocks(body):
    """Paragraphs and tables of the body in order, looking inside content controls."""
    stack = list(reversed(list(body.iterchildren())))
    while stack:
        element = stack.pop()
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in ("p", "tbl"):
            yield element
        elif tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
            stack.extend(reversed(list(element.iterchildren())))


def _rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = [clean_cell(cell.text) for cell in row.cells]
        if any(cells):
            rows.append(cells)
    return rows
