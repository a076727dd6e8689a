"""Word .docx via python-docx: body paragraphs and tables in document order.

Paragraph text is read as Word shows it (``docx_text``): runs inside insertions, content
controls and fields, the labels of Word's automatic numbering (一、 （一） 1.), text boxes.
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
from .common import clean_cell, header_columns, is_task_table, lines_text
from .docx_text import Numbering, paragraph_text, text_boxes

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

        document = docx.Document(io.BytesIO(raw))
        numbering = Numbering(_numbering_element(document), document.styles.element)
        lines: list[str] = []
        tables = []
        for element in _blocks(document.element.body):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                for box in text_boxes(element):
                    lines.extend(line.strip() for line in paragraph_text(box).split("\n"))
                text = paragraph_text(element)
                label = numbering.label(element) if text.strip() else ""
                lines.extend(line.strip() for line in (label + text.lstrip()).split("\n"))
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


def _numbering_element(document):
    """The XML root of the numbering part, None when the package has none (python-docx
    would add an empty one: look at the package's relationships instead)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in document.part.rels.values():
        if rel.reltype == RT.NUMBERING and not rel.is_external:
            return rel.target_part.element
    return None


def _rows(table) -> list[list[str]]:
    rows: list[list[str]] = []
    names: set[int] = set()  # columns of agency names (牵头单位 / 配合单位 of a task table)
    for row in table.rows:
        cells = [clean_cell(_cell_text(cell, i in names)) for i, cell in enumerate(row.cells)]
        if any(cells):
            if not rows:
                columns = header_columns(cells)
                names = {columns[role] for role in ("lead", "support") if role in columns}
            rows.append(cells)
    return rows


def _cell_text(cell, names: bool) -> str:
    """A cell's paragraphs joined. In a column of agency names, a paragraph ending a name
    (市科技局 / 市财政局, one name per line as typed in Word) is a list item: joined with 、 so
    the names stay apart; anything else (a name wrapped with Enter, 市农业 / 农村局) runs on."""
    parts = [paragraph_text(p).strip() for p in cell._tc.iter(f"{_W}p")]
    parts = [part for part in parts if part]
    text = parts[0] if parts else ""
    for part in parts[1:]:
        ends_name = names and text[-1:] in NAME_END and part[:1] not in "、，,；;（("
        text += ("、" if ends_name else "\n") + part
    return text


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NAME_END = set("局委厅办部院会处室府署站所队司心行")
