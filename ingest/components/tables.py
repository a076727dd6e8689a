"""Stage: task tables (重点任务分工表) -> lead and supporting agencies of measures.

A task table lists each task with its 牵头单位 and 配合单位. Rows come from
``Source.tables`` (HTML/docx readers) or, failing that, from tab-separated rows the text
holds after a heading like ``附件：重点任务分工表``. A row is linked to the measure it
describes by its task text (character-bigram Dice against the measure heading) or by its
序号 (matching ``Measure.number``), and fills that measure's lead/support — only for a
measure whose lead and support are both still empty, so agencies named in the body win.
Text tables are read in three layouts: tab-separated rows, ``pdftotext`` column layouts and
streams, and a portal page's table flattened to one cell per line (序号 / 内容与要求 / 进展情况 /
责任单位). A progress column (进展情况) reports the past: a row's task then spans its own cell only.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ..readers.common import header_columns
from ..record import Agency, Measure, Source, Span

_TABLE_HEADING = re.compile(r"^[ \t]*(?:附件\s*\d*\s*[:：]?\s*)?[^\n]{0,30}任务分工[表方案]?[^\n]{0,10}$", re.M)
_SPLIT = re.compile(r"[、，,;；/／\s]+")
_PUNCT = re.compile(r"[\s\W_]+")
# A jurisdiction prefix the first agency carries and the ones after it leave out:
# 市发展改革委、科技创新委 -> 市发展改革委, 市科技创新委
_PREFIX = re.compile(r"^(?:国家|省|市|区|县|[\u4e00-\u9fff]{2,6}?(?:省|自治区|市|区|县|州|盟|旗))")
_HAS_PLACE = re.compile(r"[省市区县州]|国家|各|中央|国务院|人民银行|海关")
_TEXT_MATCH = 0.45
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def apply_task_tables(source: Source, text: str, measures: tuple[Measure, ...],
                      jurisdiction=None) -> tuple[Measure, ...]:
    """Fill lead/support of measures from task-table rows; other measures unchanged.

    ``jurisdiction``: a ``registry.Jurisdiction`` (what ``agencies.jurisdiction_of`` returns),
    a region name, or None to take the region the text mostly names.
    """
    tables = list(source.tables) or _tables_in_text(text)
    rows_as_measures = measures_from_tables(text, tables) if tables else ()
    # a plan published as its task table alone (分工方案, a table-only annex): one measure a row;
    # also when the only "measures" found are some of the table's own rows read as numbered lines
    if not measures or (len(rows_as_measures) > len(measures) and all(
            any(r.span.start <= m.span.start < r.span.end for r in rows_as_measures) for m in measures)):
        measures = rows_as_measures
        if not measures:
            return measures
    first_leads = bool(_first_leads().search(text))
    found: dict[int, tuple[list[str], list[str]]] = {}
    for rows in tables:
        columns = task_columns(rows[0]) if rows else {}
        if not columns:
            continue
        bodies = [_PUNCT.sub("", text[m.span.start:m.span.end]) for m in measures]
        for row in rows[1:]:
            if tuple(row) == tuple(rows[0]):
                continue  # the header repeated after a page break
            index = _match(row, columns, measures, bodies)
            if index is None or measures[index].lead or measures[index].support:
                continue
            lead, support = found.setdefault(index, ([], []))
            for role, bucket in (("lead", lead), ("support", support)):
                if role in columns and columns[role] < len(row):
                    # a cell cut at the page end (市发) names nobody
                    names = [n for n in split_agencies(row[columns[role]]) if _agency_end().search(n)]
                    if role == "lead" and columns.get("listed") and first_leads and "support" not in columns:
                        names, rest = names[:1], names[1:]  # 责任单位 column, first unit leads
                        support.extend(n for n in rest if n not in support)
                    for name in names:
                        if name not in bucket:
                            bucket.append(name)
    if not found:
        return measures
    resolve = _resolver(text, jurisdiction)
    out = list(measures)
    for index, (lead, support) in found.items():
        support = [n for n in support if n not in lead]  # a lead the merged 配合 cell repeats counts once, as lead
        out[index] = replace(out[index],
                             lead=tuple(_agency(n, resolve, text) for n in lead),
                             support=tuple(_agency(n, resolve, text) for n in support))
    return tuple(out)


def task_columns(header) -> dict[str, int]:
    """header_columns, plus the header cells of ``roles.jsonl`` TABLE_COLUMN (工作重点, 责任部门);
    "listed" is set when the lead column is a 责任单位 list."""
    from .agencies import load_rules

    extra = load_rules().table_columns
    found = dict(header_columns(header))
    for i, cell in enumerate(header):
        cell = re.sub(r"\s+", "", cell)
        for rx, role in extra:
            if rx.match(cell):
                if role in ("task", "number", "progress") and role not in found:
                    found[role] = i
                elif role == "listed":
                    found.setdefault("lead", i)
                    if found["lead"] == i:
                        found["listed"] = i
    if "task" in found and ("lead" in found or "support" in found):
        return found
    return {}


@lru_cache(maxsize=1)
def _agency_end():
    from .agencies import load_rules

    return load_rules().agency_end


@lru_cache(maxsize=1)
def _first_leads():
    from .agencies import load_rules

    return load_rules().first_leads


def measures_from_tables(text: str, tables) -> tuple[Measure, ...]:
    """One task measure per task-table row (heading: the task cell's first sentence; number: its
    序号), for a document whose body holds no numbered or heading-sentence measures."""
    out: list[Measure] = []
    pos = 0
    for rows in tables:
        columns = task_columns(rows[0]) if rows else {}
        if not columns:
            continue
        for row in rows[1:]:
            if tuple(row) == tuple(rows[0]) or columns["task"] >= len(row):
                continue
            cell = row[columns["task"]].strip()
            head = re.split(r"[。；;]", cell, maxsplit=1)[0].strip(" ，,、")
            if len(squash_text(head)) < 4:
                continue
            at = _find(text, head, pos)
            if at is None:
                continue
            pos = at[1]
            number = row[columns["number"]].strip() if "number" in columns and columns["number"] < len(row) else None
            row_end = _row_end(text, at[1])
            filled = [c for c in row if c.strip()]
            last = _find(text, filled[-1], at[1]) if filled else None  # the row's last cell, wrapped
            if last and last[0] >= at[0]:
                row_end = max(row_end, last[1])
            if "progress" in columns:  # a progress column reports the past: the task is its own cell
                whole = _find(text, cell, at[0])
                row_end = whole[1] if whole and whole[0] == at[0] else at[1]
            out.append(Measure(number or None, squash_text(head), None, "task", Span(at[0], row_end), Span(*at)))
    # a row runs to the next row (cells wrapped over lines in a column layout belong to it)
    for k in range(len(out) - 1 if not any("progress" in task_columns(r[0]) for r in tables if r) else 0):
        if out[k].span.end < out[k + 1].span.start:
            out[k] = replace(out[k], span=Span(out[k].span.start, max(out[k].span.end, _line_start(text, out[k + 1].span.start) - 1)))
    return tuple(out)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _row_end(text: str, pos: int) -> int:
    """End of the line holding ``pos``, and of the indented lines after it (a wrapped row)."""
    end = text.find("\n", pos)
    while end != -1 and re.match(r"\n[ \t]+\S", text[end:end + 40]):
        nxt = text.find("\n", end + 1)
        end = nxt
    return len(text.rstrip()) if end == -1 else end


def squash_text(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _find(text: str, cell: str, start: int) -> tuple[int, int] | None:
    """[start, end) of ``cell`` in text, blanks inside it allowed (a wrapped cell)."""
    chars = [re.escape(c) for c in squash_text(cell)]
    if not chars:
        return None
    m = re.compile(r"\s*".join(chars)).search(text, start) or re.compile(r"\s*".join(chars)).search(text)
    if m is None and len(chars) > 6:  # wrapped inside a column layout: where the cell begins
        m = re.compile("".join(chars[:6])).search(text, start) or re.compile("".join(chars[:6])).search(text)
    return (m.start(), m.end()) if m else None


def _tables_in_text(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """Tab-separated rows after a 任务分工表 heading, header row first."""
    tables = []
    for heading in _TABLE_HEADING.finditer(text):
        rows: list[tuple[str, ...]] = []
        for line in text[heading.end():].split("\n")[1:]:
            if "\t" not in line:
                if rows:
                    break
                if line.strip():
                    continue  # a caption or note between the heading and the table
                continue
            rows.append(tuple(cell.strip() for cell in line.split("\t")))
        while rows and not task_columns(rows[0]):
            rows.pop(0)
        if rows:
            tables.append(tuple(rows))
    return tables or _layout_tables(text) or _spaced_tables(text) or _stream_tables(text) or _cell_line_tables(text)


def _spaced_tables(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """A table copied as text with one blank between cells (a doc-sharing copy of a 分工表:
    "序号 重点任务 牵头单位 配合单位" then "1 实施… 市市场监管局 市科技局、市工信局"): rows from a
    row number to the next, cut at blanks; a row with more pieces than the header keeps the extra
    ones in its task cell (a task written with blanks inside)."""
    lines = text.split("\n")
    for h, line in enumerate(lines):
        header = line.split()
        if not 3 <= len(header) <= 7 or any(len(c) > 8 for c in header):
            continue
        columns = task_columns(header)
        if not columns or columns.get("number") != 0:
            continue
        rows, expect = [tuple(header)], 1
        for row_line in lines[h + 1:]:
            cells = row_line.split()
            if not cells:
                continue
            if _number(cells[0]) != expect or len(cells) < len(header) - 1:
                break
            if len(cells) == len(header) - 1 and (due := re.search(r"(?:19|20)\d\d\s*年.{0,8}$", cells[-1])) and due.start() > 0:
                cells = cells[:-1] + [cells[-1][:due.start()], due.group()]  # 市工信局2025年底: a blank the repair closed
            extra = len(cells) - len(header)
            if extra > 0:
                task = columns["task"]
                cells = cells[:task] + [" ".join(cells[task:task + extra + 1])] + cells[task + extra + 1:]
            rows.append(tuple((cells + [""] * len(header))[:len(header)]))
            expect += 1
        if len(rows) > 2:
            return [tuple(rows)]
    return []


def _cell_line_tables(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """A table a portal page flattened to one cell per line (blank lines between): the header
    cells (序号 / 内容与要求 / 进展情况 / 责任单位) on lines of their own, then each row from its
    序号 (1, 2, …) to the next."""
    blocks: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        blocks.append(squash_text(block))
    for h in range(len(blocks)):
        for width in range(5, 2, -1):
            header = blocks[h:h + width]
            if len(header) < width or any(not c or len(c) > 8 for c in header):
                continue
            columns = task_columns(header)
            if not columns or "number" not in columns or columns["number"] != 0:
                continue
            rows, k, expect = [tuple(header)], h + width, 1
            while k < len(blocks):
                if _number(blocks[k]) != expect:
                    break
                j = k + 1
                while j < len(blocks) and _number(blocks[j]) != expect + 1:
                    j += 1
                rows.append(tuple((blocks[k:j] + [""] * width)[:width]))
                k, expect = j, expect + 1
            if len(rows) > 1:
                return [tuple(rows)]
    return []


_CHUNK = re.compile(r"\S+(?: \S+)*")  # a cell in a column layout: text between runs of 2+ blanks
_RUNNING = re.compile(r"^(?:\d{1,3}\s*/\s*\d{1,3}|第\s*\d+\s*页.*|[-—]\s*\d+\s*[-—])$")  # running page marks
_ROW_NUMBER = re.compile(r"^(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.、．]?$")


_WORD_CARRIED = re.compile(r"^[\u4e00-\u9fff]{1,2}[，,。；;、]")  # the end of a word the line before began
_BARE_LEVEL = re.compile(r"^(?:省|市|县|区|自治区|国家|中央|国务院)")
_OPENS_LIST = re.compile(r"^(?:省|市|县|区|自治区|国家|中央|国务院|[\u4e00-\u9fff]{2,4}(?:省|市|县|区))")


def _agency_list(s: str) -> bool:
    """Whether s (blanks removed) is a list of agency names: 省信用办、知识产权局、工商局."""
    from .agencies import load_rules

    end = load_rules().agency_end
    names = [n for n in re.split(r"[、，,；;]", s) if n]
    return bool(names) and all(2 <= len(n) <= 20 and end.search(n) for n in names)


def _stream_tables(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """Task tables as plain ``pdftotext`` writes them: the header words on one line, then every
    cell's wrapped lines one after another, row by row. A row is read from its first cell (the
    task: lines no wider than its first line) to the run of lines that together make an agency
    list (the 责任单位 cell, 省市场监管局、省知识产权 / 局), which closes it."""
    lines = text.split("\n")
    for h, line in enumerate(lines):
        words = line.split()
        columns = task_columns(words) if 3 <= len(words) <= 8 else {}
        if not columns or "lead" not in columns:
            continue
        body = [(i, squash_text(lines[i])) for i in range(h + 1, len(lines)) if lines[i].strip()]
        rows, k = [], 0
        while k < len(body):
            first_width = len(body[k][1])
            j = k + 1
            while j < len(body) and len(body[j][1]) <= first_width + 1 and not _agency_list(body[j][1]):
                j += 1
                if len(body[j - 1][1]) < first_width - 1:
                    break  # a short line closes the cell
            task = "".join(t for _, t in body[k:j])
            end = None
            for a in range(j, len(body)):  # the agency cell: the first run of lines forming a list
                joined = ""
                for b in range(a, min(a + 4, len(body))):
                    joined += body[b][1]
                    if _agency_list(joined) and (b + 1 == len(body) or not _agency_list(joined + body[b + 1][1])):
                        if b + 1 < len(body) and _WORD_CARRIED.match(body[b + 1][1]):
                            break  # …全程网上办 / 理，压缩…: a sentence wrapped mid-word, no 办 office
                        end = (a, b)
                        break
                if end:
                    break
            if end is None:
                # the table's last row cut off by the page end before its 责任单位 cell: still a task
                # row (its content cells follow the task), with no agency to give
                if len(task) >= 6 and j < len(body):
                    row = [""] * len(words)
                    row[columns["task"]] = task
                    rest = columns["task"] + 1
                    if rest < len(words) and rest != columns["lead"]:
                        row[rest] = "".join(t for _, t in body[j:])  # its other cells, so the row spans them
                    rows.append(tuple(row))
                break
            # a list opens with a body carrying its jurisdiction (省…、市…): the cell before it may
            # end on a line that glues onto the list (…办法》 / 省信用办、…)
            starts = [a for a in range(end[0], end[1] + 1)
                      if _OPENS_LIST.match(body[a][1]) and _agency_list("".join(t for _, t in body[a:end[1] + 1]))]
            # a bare level prefix (省版权局、…) opens it more surely than a word ending in one (完成省直…)
            starts = [a for a in starts if _BARE_LEVEL.match(body[a][1])] or starts
            if starts:
                end = (starts[0], end[1])
            row = [""] * len(words)
            row[columns["task"]] = task
            row[columns["lead"]] = "".join(t for _, t in body[end[0]:end[1] + 1])
            rows.append(tuple(row))
            k = end[1] + 1
        if rows:
            return [(tuple(words), *rows)]
    return []


def stream_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of the body of a ``pdftotext`` stream task table (the lines after its header
    line), where every cell is wrapped over lines: for the stages that read sentences in it."""
    pos = 0
    for line in text.split("\n"):
        words = line.split()
        columns = task_columns(words) if 3 <= len(words) <= 8 else {}
        if columns and "lead" in columns and _stream_tables(text):
            return [(pos + len(line) + 1, len(text))]
        pos += len(line) + 1
    return []


def carried_rows(text: str) -> list[tuple[int, int]]:
    """[start, end) of a task-table row carried over from the page before, above the header the
    table repeats on a new page: its wrapped cells (…年度处理纠纷案件100起以上 / 省商务厅、法院、知 /
    识产权局) with no task cell, closed by its agency list. Its goals are task goals."""
    lines = text.split("\n")
    out, pos = [], 0
    starts = []
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    for h, line in enumerate(lines):
        words = line.split()
        columns = task_columns(words) if 3 <= len(words) <= 8 else {}
        if not columns or "lead" not in columns:
            continue
        above = [i for i in range(h) if lines[i].strip() and not _RUNNING.match(lines[i].strip())
                 and not re.fullmatch(r"\d{1,4}", lines[i].strip())]
        for a in range(len(above) - 1, max(-1, len(above) - 5), -1):
            if _agency_list("".join(squash_text(lines[i]) for i in above[a:])):
                first = above[0]
                out.append((starts[first], starts[above[-1]] + len(lines[above[-1]])))
                break
        break  # only the first header: a row carried into the page the text starts with
    return out


def _width(s: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in s)


def _column_at(line: str, pos: int, header: str, starts: list[int]) -> int:
    """The column a cell starting at ``pos`` sits in. Column layouts align either by characters
    (pdftotext places each piece at a character column) or by display width (a layout typed
    or shown in a CJK editor): the reading under which the cell sits closest to a column wins."""
    best = None
    for measure in (lambda s: len(s), _width):
        p = measure(line[:pos])
        cols = [measure(header[:st]) for st in starts]
        k = min(range(len(cols)), key=lambda j: abs(cols[j] - p))
        d = abs(cols[k] - p)
        if best is None or d < best[0]:
            best = (d, k)
    return best[1]


def _layout_tables(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """Task tables laid out in columns of blanks (``pdftotext -layout``, some plain-text copies).
    A cell wrapped over lines (省市场监管局、省知识产权 / 局) continues on the next line in its
    column: lines without a new row number are folded into the row above, cell by cell; a header
    repeated after a page break and running page marks are dropped."""
    lines = text.split("\n")
    tables, i = [], 0
    while i < len(lines):
        chunks = [(m.start(), m.group()) for m in _CHUNK.finditer(lines[i])]
        columns = task_columns([c for _, c in chunks]) if len(chunks) >= 3 else {}
        i += 1
        if not columns:
            continue
        header = tuple(c for _, c in chunks)
        starts = [p for p, _ in chunks]
        header_line = i - 1
        number_col = columns.get("number")
        agency_cols = [columns[r] for r in ("lead", "support") if r in columns]
        rows: list[list[str]] = []
        merged: list[bool] = []  # the row's agency cells are merged with the rows after it
        while i < len(lines):
            line = lines[i]
            cells = [(m.start(), m.group()) for m in _CHUNK.finditer(line)]
            if not cells or len(cells) == 1 and _RUNNING.match(cells[0][1]):
                i += 1
                continue
            if tuple(c for _, c in cells) == header:
                i += 1
                continue  # the header again, after a page break
            if len(cells) == 1 and cells[0][0] < 2 and len(cells[0][1]) > starts[1] + 2:
                break  # a prose line across the columns: the table is over
            row = [""] * len(header)
            if len(cells) == len(header):
                for k, (_, cell) in enumerate(cells):
                    row[k] = cell
            else:
                for pos, cell in cells:
                    row[_column_at(line, pos, lines[header_line], starts)] += cell
            first = row[number_col] if number_col is not None else ""
            if not rows or (number_col is not None and _ROW_NUMBER.match(first)):
                rows.append(row)
                merged.append(False)
            else:
                # an agency cell on a line of its own below a row whose own line had none: a cell
                # merged over this row and the next ones, printed once between them
                if agency_cols and not any(rows[-1][c] for c in agency_cols) and any(row[c] for c in agency_cols) \
                        and "task" in columns and not row[columns["task"]]:
                    merged[-1] = True
                rows[-1] = [a + b for a, b in zip(rows[-1], row)]
            i += 1
        for k in range(len(rows)):
            j = k + 1
            while merged[k] and j < len(rows) and not any(rows[j][c] for c in agency_cols) and rows[j][columns["task"]]:
                for c in agency_cols:
                    rows[j][c] = rows[k][c]
                j += 1
        if rows:
            tables.append((header, *(tuple(r) for r in rows)))
    return tables


def split_agencies(cell: str) -> list[str]:
    """``市发展改革委、科技创新委，各区政府`` -> [市发展改革委, 市科技创新委, 各区政府]."""
    cell = re.sub(r"[（(][^）)]*[)）]", "", cell)  # notes such as （列第一位者为牵头单位）
    names = [n.strip().rstrip("等") for n in _SPLIT.split(cell) if n.strip()]
    names = [n for n in names if n and n not in ("无", "-", "—", "／")]
    if not names:
        return []
    out = [names[0]]
    prefix_match = _PREFIX.match(names[0])
    prefix = prefix_match.group(0) if prefix_match and prefix_match.end() < len(names[0]) else ""
    for name in names[1:]:
        out.append(prefix + name if prefix and not _HAS_PLACE.search(name) else name)
    return out


def _match(row, columns, measures, bodies=None) -> int | None:
    task = row[columns["task"]] if columns["task"] < len(row) else ""
    best, best_score = None, 0.0
    if task:
        key = _PUNCT.sub("", task)
        for i, m in enumerate(measures):
            score = dice(task, m.heading)
            # an abbreviated task (行业监管专项整治) written out in the measure's own text
            if len(key) >= 4 and bodies is not None:
                score = max(score, 0.9 * coverage(key, bodies[i]))
            if score > best_score:
                best, best_score = i, score
    number = _number(row[columns["number"]]) if "number" in columns and columns["number"] < len(row) else None
    by_number = [i for i, m in enumerate(measures) if number is not None and _number(m.number) == number]
    if best_score >= _TEXT_MATCH:
        return best
    if len(by_number) == 1:
        return by_number[0]
    return None


def coverage(part: str, whole: str) -> float:
    """Share of ``part``'s character bigrams found in ``whole``: how much of an abbreviated task
    (行业监管专项整治) a measure's text (…开展代理行业专项整治…) writes out."""
    grams = [part[i:i + 2] for i in range(len(part) - 1)]
    return sum(g in whole for g in grams) / len(grams) if grams else 0.0


def dice(a: str, b: str) -> float:
    """Character-bigram Dice coefficient, ignoring whitespace and punctuation."""
    a, b = _PUNCT.sub("", a), _PUNCT.sub("", b)
    x = [a[i:i + 2] for i in range(len(a) - 1)]
    y = [b[i:i + 2] for i in range(len(b) - 1)]
    if not x or not y:
        return 1.0 if a and a == b else 0.0
    pool = list(y)
    common = 0
    for gram in x:
        if gram in pool:
            pool.remove(gram)
            common += 1
    return 2 * common / (len(x) + len(y))


def _number(value: str | None) -> int | None:
    """``3`` ``3.`` ``（三）`` ``三、`` ``十二`` -> int."""
    if not value:
        return None
    value = re.sub(r"[\s（()）.、．,，:：第条项]", "", value)
    if value.isdigit():
        return int(value)
    if value and all(ch in _CN_DIGITS or ch in "十百" for ch in value):
        total, digit = 0, 0
        for ch in value:
            if ch == "十":
                total += (digit or 1) * 10
                digit = 0
            elif ch == "百":
                total += (digit or 1) * 100
                digit = 0
            else:
                digit = _CN_DIGITS[ch]
        return total + digit
    return None


def _resolver(text: str, jurisdiction):
    """registry.resolve bound to the document's jurisdiction (``ingest.registry``, the
    resolver ``assign_agencies`` uses), or None when the registry cannot be loaded."""
    try:
        from ..registry import Jurisdiction, load_registry

        registry = load_registry()
    except ImportError:
        return None
    if jurisdiction is None:
        where = registry.dominant_region(text)
    elif isinstance(jurisdiction, str):
        where = Jurisdiction(None, None, "national") if jurisdiction == "national" else Jurisdiction(jurisdiction, None, None)
    else:
        where = jurisdiction
    return lambda name, span: registry.resolve(name, where, span)


def _agency(name: str, resolve, text: str) -> Agency:
    at = text.find(name)
    span = Span(at, at + len(name)) if at >= 0 else None
    if resolve is not None:
        return resolve(name, span)
    return Agency(name=name, canonical=None, key="unresolved/" + name, jurisdiction=None, span=span)


__all__ = ["apply_task_tables", "split_agencies", "dice", "task_columns", "measures_from_tables", "carried_rows", "stream_spans"]
