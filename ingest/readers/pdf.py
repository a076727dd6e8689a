"""PDF with a text layer, via pdfminer.six.

Why pdfminer.six rather than pypdf: its layout analysis gives every text line with its
position, which is what we need to undo the print layout — rejoin lines wrapped at the
right margin (a new paragraph starts indented or after a short line), drop running page
numbers (``- 3 -``, ``第3页``) sitting at the top or bottom of a page, and put cells that
share a baseline on one tab-separated row. It also decodes CID fonts and ToUnicode CMaps
of Chinese PDFs well. Kangxi/supplement radicals that Noto CJK text layers produce
(``⼈⺠`` for 人民) are mapped back one to one (``charmap.RADICALS``), so the text reads
the same as the document and offsets stay one character per character.

No text at all -> "needs OCR"; a password -> "encrypted"; anything pdfminer cannot parse
-> "corrupt or truncated"; compressed streams that inflate past POLICYKG_MAX_UNZIPPED_BYTES
(a PDF bomb: a few KB of deflate that pdfminer would inflate whole into memory) -> refused
while inflating, with the limit named.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
import threading
import zlib
from contextlib import contextmanager

from ..charmap import RADICALS
from ..errors import IngestError
from ..limits import ENV, limits
from .common import lines_text

_PAGE_NUMBER = re.compile(
    r"^[\s*]*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|[-—–－]\s*\d{1,4}|\d{1,4}|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d+)?)[\s*]*$", re.I)
# Lines that start a new paragraph whatever the layout says: 一、 （一） 1. 第一条 附件
_NEW_BLOCK = re.compile(r"^\s*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|第[一二三四五六七八九十百]+[章节条]|附件)")
# pdfminer puts a space into gaps that justification widened; Chinese text has none there.
_JUSTIFY_GAP = re.compile(r"(?<=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]) +| +(?=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef])")
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
# 第一条 为… / 第一章 总则: the space after an article or chapter label is the document's own
_ARTICLE_LABEL = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+[章节条]")


def _label_gap(line, char_type) -> bool:
    """Whether an article or chapter label opening the line stands apart from what follows by a
    visible gap (pdfminer writes no space for a narrow one): 第一条 为… is no 第一条为…"""
    chars = [c for c in line if isinstance(c, char_type)]
    m = _ARTICLE_LABEL.match("".join(c.get_text() for c in chars).translate(RADICALS))
    if not m or m.end() >= len(chars):
        return False
    last, nxt = chars[m.end() - 1], chars[m.end()]
    return nxt.get_text().isspace() or nxt.x0 - last.x1 > 0.15 * max(last.width, 1e-6)


def _close_gaps(text: str, label_gap: bool = False) -> str:
    """Drop the spaces justification put between CJK characters, keeping the one after a label."""
    label = _ARTICLE_LABEL.match(text) if label_gap else None
    if label:
        return text[:label.end()] + " " + _JUSTIFY_GAP.sub("", text[label.end():].lstrip())
    return _JUSTIFY_GAP.sub("", text)


class _Inflated(Exception):
    """A PDF's streams inflated past the document's budget."""


class _BoundedZlib:
    """What pdfminer's stream decoder sees as ``zlib`` (``pdfminer.pdftypes.zlib``): the same
    calls, each spending from the budget of the document being read in this thread, so that a
    stream of zeros deflated a thousandfold stops at the limit instead of filling memory.
    Without a budget (pdfminer used outside this reader) it is plain zlib."""

    error = zlib.error

    def __init__(self):
        self._local = threading.local()

    @contextmanager
    def budget(self, nbytes: int):
        self._local.left = nbytes
        try:
            yield
        finally:
            self._local.left = None

    def spend(self, n: int) -> None:
        left = getattr(self._local, "left", None)
        if left is None:
            return
        if n > left:
            raise _Inflated()
        self._local.left = left - n

    def decompress(self, data, *args, **kwargs):
        left = getattr(self._local, "left", None)
        if left is None:
            return zlib.decompress(data, *args, **kwargs)
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, left + 1)  # never more than one byte past the budget
        self.spend(len(out))
        if not inflater.eof:  # as zlib.decompress does, so that pdfminer tries its corrupted-data path
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    def decompressobj(self, *args, **kwargs):
        outer, inner = self, zlib.decompressobj(*args, **kwargs)

        class _Obj:  # pdfminer's decompress_corrupted feeds it one byte at a time
            def decompress(self, data, max_length=0):
                out = inner.decompress(data, max_length)
                outer.spend(len(out))
                return out

            def flush(self, *a):
                out = inner.flush(*a)
                outer.spend(len(out))
                return out

            def __getattr__(self, name):
                return getattr(inner, name)

        return _Obj()


_ZLIB = _BoundedZlib()


def _bounded_pdfminer() -> None:
    import pdfminer.pdftypes

    pdfminer.pdftypes.zlib = _ZLIB


@contextmanager
def _quiet_pdfminer():
    logger = logging.getLogger("pdfminer")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    if not raw.lstrip()[:1024].count(b"%PDF-") and b"%PDF-" not in raw[:1024]:
        raise IngestError(path, "not a PDF file (no %PDF header)")
    pages = _pages(raw, path)
    if not any(line for page in pages for line in page):
        raise IngestError(path, "no text layer (a scanned or image-only PDF): it needs OCR first")
    text = lines_text(_paragraphs(pages)).translate(RADICALS)
    if text.count("(cid:") > 20 and text.count("(cid:") * 8 > len(text) / 10:
        raise IngestError(path, "the PDF text layer has no Unicode mapping (glyph ids only): it needs OCR")
    return text, (), ()


class _Line:
    __slots__ = ("x0", "y0", "x1", "y1", "text")

    def __init__(self, x0, y0, x1, y1, text):
        self.x0, self.y0, self.x1, self.y1, self.text = x0, y0, x1, y1, text


def _pages(raw: bytes, path: str) -> list[list[_Line]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    _bounded_pdfminer()
    budget = limits().max_unzipped_bytes
    pages, heights = [], []
    try:
        with _quiet_pdfminer(), _ZLIB.budget(budget):
            for page in extract_pages(io.BytesIO(raw), laparams=LAParams()):
                lines = []
                stack = list(page)
                while stack:
                    item = stack.pop()
                    if isinstance(item, LTTextLine):
                        # radicals mapped here already: 一、 and （一） must be seen as such when joining lines
                        text = _close_gaps(item.get_text().strip().translate(RADICALS), _label_gap(item, LTChar))
                        if text:
                            lines.append(_Line(*item.bbox, text))
                    elif isinstance(item, LTTextContainer):
                        stack.extend(item)
                pages.append(_drop_page_numbers(lines, page.height))
                heights.append(page.height)
    except _Inflated:
        raise IngestError(path, f"its compressed streams inflate to more than {budget:,} bytes (a PDF bomb?); "
                                f"set {ENV['max_unzipped_bytes']} to change the limit") from None
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise IngestError(path, "the PDF is encrypted (password-protected); remove the password first") from None
    except Exception as err:  # pdfminer on a damaged file: the file's problem, not a bug
        if "encrypt" in str(err).lower() or "password" in str(err).lower():
            raise IngestError(path, "the PDF is encrypted (password-protected); remove the password first") from None
        raise IngestError(path, f"not a readable PDF (corrupt or truncated: {type(err).__name__})") from None
    return _drop_running(pages, heights)


# What a browser prints around each page: the date and time, the page address, "2/7".
_PRINT_FURNITURE = re.compile(
    r"^\s*(?:\d{1,2}/\d{1,2}/\d{2,4},?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M|上午|下午)?"
    r"|\d{4}[/-]\d{1,2}[/-]\d{1,2}\s*(?:上午|下午)?\s*\d{1,2}:\d{2}"
    r"|(?:https?|file|ﬁle)://\S*|about:\S+)", re.I)


def _drop_running(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Running headers and footers: in the top or bottom band of a page, what a browser prints
    (date and time, the address) and any line repeated in that band on most pages (the page
    title). Left in, they sit between the halves of wrapped lines and hide the margins."""
    def in_band(ln: _Line, height: float) -> bool:
        band = height * 0.1
        return ln.y0 < band or ln.y1 > height - band

    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))

    counts: dict[str, int] = {}
    for page, height in zip(pages, heights):
        for key in {shape(ln.text) for ln in page if in_band(ln, height)}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, (len(pages) + 1) // 2)}
    body = statistics.median([ln.y1 - ln.y0 for page in pages for ln in page] or [0])

    def printed_band(page: list[_Line], height: float, top: bool) -> bool:
        """The band holds a browser's date/time or address: its small print (the page title,
        wrapped or not) is the browser's too, even on a one-page print where nothing repeats."""
        return any(in_band(ln, height) and (ln.y1 > height / 2) == top and _PRINT_FURNITURE.match(ln.text) for ln in page)

    out = []
    for page, height in zip(pages, heights):
        bands = {True: printed_band(page, height, True), False: printed_band(page, height, False)}
        out.append([ln for ln in page if not (in_band(ln, height) and (
            shape(ln.text) in repeated or _PRINT_FURNITURE.match(ln.text)
            or bands[ln.y1 > height / 2] and ln.y1 - ln.y0 < 0.8 * body))])
    return out


def _drop_page_numbers(lines: list[_Line], height: float) -> list[_Line]:
    """Top to bottom, left to right; page numbers in the top or bottom band removed."""
    lines.sort(key=lambda ln: (-round(ln.y1), ln.x0))
    band = height * 0.12
    return [ln for ln in lines
            if not (_PAGE_NUMBER.match(ln.text) and (ln.y0 < band or ln.y1 > height - band))]


def _paragraphs(pages: list[list[_Line]]) -> list[str]:
    lines = [ln for page in pages for ln in page]
    if not lines:
        return []
    widths = [(ln.x1 - ln.x0) / len(ln.text) for ln in lines if len(ln.text) >= 4]
    char = statistics.median(widths) if widths else 10.0
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    out: list[str] = []
    previous: _Line | None = None
    header: list[_Line] = []  # the widest row of the current table: its columns
    for page in pages:
        for row in _rows(page, char):
            if len(row) > 1:  # cells side by side: one tab-separated table row
                if len(row) >= len(header):
                    header = row
                out.append("\t".join(_cells_in_columns(row, header)))
                previous = None
                continue
            header = []  # a plain line: whatever table was above has ended
            ln = row[0]
            joins = (previous is not None
                     and previous.x1 >= right - 2.2 * char  # the line above ran to the margin
                     and ln.x0 <= left + 1.2 * char  # not indented (a paragraph indents 2 characters; justified
                     # CJK print sets a line opening with 《 or “ up to a character in)
                     and not _NEW_BLOCK.match(ln.text))
            joins = joins or (previous is not None and _continues_centered(previous, ln, left, right, char))
            if joins:
                glue = "" if _CJK.match(ln.text[:1]) or _CJK.match(out[-1][-1:]) else " "
                out[-1] = out[-1] + glue + ln.text
            else:
                out.append(ln.text)
            previous = ln
    return out


def _cells_in_columns(row: list[_Line], header: list[_Line]) -> list[str]:
    """A row with fewer cells than its table's header lost its empty cells (a PDF draws no
    text there): put each cell under the header column nearest to its centre, so the columns
    keep their meaning (an empty 配合单位 must not pull 完成时限 into its place)."""
    if len(row) >= len(header):
        return [ln.text for ln in row]
    centres = [(h.x0 + h.x1) / 2 for h in header]
    cells = [""] * len(header)
    for ln in row:
        middle = (ln.x0 + ln.x1) / 2
        i = min(range(len(centres)), key=lambda k: abs(centres[k] - middle))
        cells[i] = f"{cells[i]}{ln.text}" if cells[i] else ln.text
    return cells


def _continues_centered(above: _Line, ln: _Line, left: float, right: float, char: float) -> bool:
    """A centered title wrapped onto a second centered line of the same size."""
    middle = (left + right) / 2

    def centered(line: _Line) -> bool:
        return abs((line.x0 + line.x1) / 2 - middle) < char

    height = above.y1 - above.y0
    return (centered(above) and centered(ln) and ln.x0 > left + 1.5 * char
            and abs((ln.y1 - ln.y0) - height) < 0.1 * height
            and 0 <= above.y0 - ln.y1 < 0.8 * height
            and above.x1 - above.x0 > 0.6 * (right - left))


def _rows(page: list[_Line], char: float) -> list[list[_Line]]:
    """Group lines sharing a baseline (within a third of a character) into rows."""
    rows: list[list[_Line]] = []
    for ln in page:
        if rows and abs(rows[-1][0].y0 - ln.y0) < char / 3:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    for row in rows:
        row.sort(key=lambda item: item.x0)
    return rows
