"""Word .docx via python-docx: body paragraphs and tables in document order.

Tables become tab-separated rows in the text (merged cells repeated, as Word shows them
spanning); task tables (序号 / 重点任务 / 牵头单位 ...) also go into ``tables``. Headers
and footers (page numbers) are not part of the body, so they never reach the text.
"""
from __future__ import annotations

import io
import zipfile

from ..errors import IngestError
from .common import clean_cell, is_task_table, lines_text

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def read_docx(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    if raw.startswith(_OLE_MAGIC):
        raise IngestError(path, "not a .docx: an encrypted (password-protected) Word file or a legacy .doc; "
                                "save it as .docx without a password")
    if not raw.startswith(b"PK"):
        raise IngestError(path, "not a .docx file (not a ZIP package)")
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
