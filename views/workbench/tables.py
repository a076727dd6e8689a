"""Spreadsheet-shaped views of the read model: one workbook, CSV with a BOM, JSON.

Excel and WPS on Chinese Windows read a CSV as the local code page unless it starts with the
UTF-8 byte-order mark (LIBRARY-NOTES §8), so every CSV written here has one.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

# The workbook's sheets, in order: what an analyst filters and pivots. Readable identity first
# (title, 文号, place), ids last so that a row can be found again in the CLI or the workbench.
SHEETS: dict[str, str] = {
    "documents": """SELECT title, doc_number, region, province, level, date, year,
        (SELECT group_concat(value, '、') FROM json_each(issuers)) AS issuers,
        measures, targets, citations, source, id FROM documents ORDER BY region, date, title""",
    "measures": """SELECT d.title AS document, d.doc_number, m.region, m."order", m.number, m.heading, m.text,
        m.kind, m.category, m.stage, m.instrument, m.tool, m.lead, m.support, m.start, m."end", m.id
        FROM measures m LEFT JOIN documents d ON d.id = m.document ORDER BY m.source, m."order" """,
    "assignments": """SELECT d.title AS document, d.doc_number, m."order" AS measure_order, m.heading,
        a.role, a.agency_name AS agency, a.jurisdiction, a.name_as_written, a.start, a."end",
        a.measure, a.agency AS agency_id
        FROM assignments a JOIN measures m ON m.id = a.measure LEFT JOIN documents d ON d.id = a.document
        ORDER BY m.source, m."order", a.role, a.slot""",
    "targets": """SELECT d.title AS document, d.doc_number, t.region, t.indicator, t.comparator, t.lower, t.value, t.unit,
        t.year, t.start, t."end", t.measure FROM targets t LEFT JOIN documents d ON d.id = t.document
        ORDER BY t.source, t.start""",
    "citations": """SELECT d.title AS document, d.doc_number AS citing_number, c.relation, c.doc_number AS cited_number,
        c.title AS cited_title, c.cited_ingested, c.cited FROM citations c LEFT JOIN documents d ON d.id = c.document
        ORDER BY c.source, c."order" """,
    "correspondences": """SELECT dl.title AS left_document, ml.heading AS left_heading, ml.text AS left_text,
        dr.title AS right_document, mr.heading AS right_heading, mr.text AS right_text,
        c.grade, c.score, c.evidence AS shared_phrases, c.left_measure, c.right_measure
        FROM correspondences c LEFT JOIN measures ml ON ml.id = c.left_measure
        LEFT JOIN measures mr ON mr.id = c.right_measure
        LEFT JOIN documents dl ON dl.id = c.left_document LEFT JOIN documents dr ON dr.id = c.right_document
        ORDER BY c.left_measure, c.score DESC""",
}


def sheet_rows(con: sqlite3.Connection, name: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(SHEETS[name])
    return [d[0] for d in cur.description], cur.fetchall()


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode("utf-8-sig")


def json_bytes(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1).encode("utf-8")


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook, one sheet per table, header row frozen and filterable."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        widths = [min(60, max(8, len(str(c)) + 2)) for c in columns]
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.append(list(columns))
        n = 0
        for r in rows:
            ws.append([_cell(v) for v in r])
            n += 1
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(columns)))}{n + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_ILLEGAL = dict.fromkeys(list(range(0, 9)) + [11, 12] + list(range(14, 32)))


def _cell(v):
    # openpyxl refuses control characters in strings, and stores a string starting with "=" as a
    # formula: document text is never a formula
    if isinstance(v, str):
        v = v.translate(_ILLEGAL)
        if v.startswith("="):
            v = "'" + v
    return v


def workbook_bytes(db: Path) -> bytes:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return xlsx_bytes({name: sheet_rows(con, name) for name in SHEETS})
    finally:
        con.close()


def write_csv_folder(db: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    written = []
    try:
        for name in SHEETS:
            path = folder / f"{name}.csv"
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(csv_bytes(*sheet_rows(con, name)))
            tmp.replace(path)
            written.append(path)
    finally:
        con.close()
    return written
