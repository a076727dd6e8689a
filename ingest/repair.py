"""Repair degraded text before structure: what scrapers, doc-sharing sites, OCR and browsers'
print-to-PDF leave in a policy text (pinyin after each character, lost line breaks, digits spaced
apart, site chrome, page markers, running headers and footers, table cells wrapped inside a name).

Unlike ``text.normalize`` (one character for one character), a repair deletes and inserts, so the
repaired text keeps an offset map back to the text as read: ``Repaired.span(start, end)`` turns a
span of the repaired text into a span of ``Source.text``, and ``Repaired.restore(doc)`` moves every
span of an extracted ``PolicyDoc``. Text that needs no repair (most documents) comes back as it is,
with no map. The rules are data: ``patterns/repair.jsonl``.
"""
from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from functools import lru_cache

from .record import Span
from .rules import alternation, rules_by_label
from .text import normalize

LONG_LINE = 200  # a line this long in a policy text has lost its breaks (a paragraph rarely is, and its breaks need 。 before 1. or 二、)
NAME_TAIL = "局委厅办部院会处室府署头合责站所队"  # what a wrapped cell or name leaves alone on a line
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜǹńňḿ"


@dataclass(frozen=True)
class Repaired:
    text: str  # what the stages read
    # starts[i]: offset in the text as read of text[i]; ends[i]: offset just after it. None: unchanged.
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def changed(self) -> bool:
        return self.starts is not None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None:
            return start, end
        s = self.starts[start] if start < len(self.starts) else self.starts[-1]
        e = self.ends[end - 1] if end > start else s
        return s, max(s, e)

    def then(self, later: "Repaired") -> "Repaired":
        """This repair followed by ``later`` (a repair of this one's text), mapped to the text as read."""
        if later.starts is None:
            return self
        if self.starts is None:
            return later
        starts = tuple(self.starts[i] for i in later.starts)
        ends = tuple(self.ends[e - 1] if e > s else self.starts[e] for s, e in zip(later.starts, later.ends))
        return Repaired(later.text, starts, ends)

    def restore(self, value):
        """``value`` (a PolicyDoc, or any frozen dataclass / tuple holding Spans) with every Span
        moved from the repaired text into the text as read."""
        if self.starts is None:
            return value
        return self._move(value)

    def _move(self, value):
        if isinstance(value, Span):
            return Span(*self.span(value.start, value.end))
        if isinstance(value, tuple):
            return tuple(self._move(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                if f.name == "source":
                    continue  # the text as read is what spans point into
                old = getattr(value, f.name)
                new = self._move(old)
                if new is not old:
                    changes[f.name] = new
            return dataclasses.replace(value, **changes) if changes else value
        return value


HTML_DUMP_MIN = 4  # block tags (<p>, <br>, <td>…) that make a text a page's HTML dump, not a title quoting markup
BARE_PINYIN_MIN = 4  # pinyin without tone marks counts as ruby only where a line holds this many
BARE_PINYIN_TEXT_MIN = 12  # ... or where the whole text holds this many
_CJK_OR_MARK = re.compile(r"[\u4e00-\u9fff，。、；：,;:]")


@lru_cache(maxsize=1)
def _rx():
    return {
        "noise_line": re.compile(alternation("repair", "NOISE_LINE")),
        "news_meta": re.compile(alternation("repair", "NEWS_META")),
        "noise_inline": re.compile(alternation("repair", "NOISE_INLINE")),
        "related": re.compile(r"(?:相关阅读|相关文章|相关新闻|相关链接|热点推荐|推荐阅读|最新资讯|热门文章)[:：]?\s*$"),
        "pinyin": re.compile(alternation("repair", "PINYIN_RUBY")),
        "bare_pinyin": re.compile(alternation("repair", "BARE_PINYIN")),
        "docshare": re.compile(alternation("repair", "DOCSHARE_HEADER")),
        "quote_mojibake": re.compile(r"“[^”“\n]{1,20}?冶"),
        # GBK text read one byte out of step after a lost byte (?。ㄒ唬┩… for （一）推…): up to the first
        # trail byte that reads as ASCII (0x40-0x7e), where the reading falls back in step
        "shifted_gbk": re.compile(r"\?(?P<run>[^\x00-\x7f\n]{2,60}?[\x40-\x7e]?)(?=[\x00-\x7f\n]|(?<=[\x40-\x7e]))"),
        "docshare_page": re.compile(r"^(?P<n>\d{1,2})、(?!\d{1,2}[、.．])"),
        "replace": [(re.compile(r.regex, re.M), r.id or "") for r in rules_by_label("repair", "REPLACE")],
        "html_tag": [(re.compile(r.regex), r.id or "") for r in rules_by_label("repair", "HTML_TAG")],
        "html_block": re.compile(r"</?(?:p|div|br|td|tr|li|span|table)\b[^<>\n]{0,300}>"),
        "entity": re.compile(alternation("repair", "HTML_ENTITY")),
        "breaks": [(re.compile(r.regex), r.id) for r in rules_by_label("repair", "BREAK_BEFORE")],
        "header_run_on": re.compile(r"(?:意见|方案|通知|办法|规划|计划|纲要|规定|细则|决定|要点|措施)\s*各[^。；;:：]{0,60}[:：]"),
        "heading_before": re.compile(r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])[^。；;\n]{1,24}$"),
        # OCR and PDF text: digits spaced apart ("2 0 2 5年"), a number set off by spaces ("到 2027 年")
        "spaced_digits": re.compile(r"(?<![\d.])\d(?: \d){2,}(?![\d.])"),
        # PDF text with every character set apart: 为 深 入 贯 彻 落 实 《 安 徽 省 …
        "spaced_cjk": re.compile(r"[\u4e00-\u9fff《》“”](?: [\u4e00-\u9fff《》“”]){3,}"),
        "spaced_serial": re.compile(r"(?<![\d.])\d(?: \d)+(?= ?[号年月日件个家项%])"),  # 〔2024〕1 9 号
        "name_tail": re.compile("^[" + NAME_TAIL + r"]{1,2}(?:$|(?=[配牵负、，,）)]))"),
        "glued_title": re.compile(r"^\s*[^。，,；;\n]{6,60}?(?:方案|意见|规划|办法|纲要|计划|措施|细则|要点)(?=为|根据|按照|依据|现将)"),
        "glued_heading": re.compile(r"[一二三四五六七八九十]{1,3}、[\u4e00-\u9fff]{0,8}?(?:目标|任务|措施|原则|思想|要求|保障|实施)(?=[^\n。；，,、）)（(])"),
        "spaced_number": re.compile(r"(?<=[\u4e00-\u9fff]) +(\d(?:[\d.,]| (?=\d))*) *(?=[年月日件个家项次万亿元%倍人户所座条款批])|(?<=[\u4e00-\u9fff]) *(\d(?:[\d.,]| (?=\d))*) +(?=[年月日件个家项次万亿元%倍人户所座条款批])"),
        "spaced_bracket": re.compile(r"(?<=[（(]) +(?=[一二三四五六七八九十]{1,3}[)）])"),
        "any": re.compile("[" + _TONE + r"\u2e3a\u2e3b_/:>＞»›]|第\s*\d+\s*页|\d \d|[\u4e00-\u9fff] +\d|\d +[\u4e00-\u9fff]|[（(] +[一二三四五六七八九十]|下载|阅读|来源|首页|@@|[\u4e00-\u9fff][(（][a-z]{1,6}[)）]|“[^”“\n]{1,20}?冶|\?[^\x00-\x7f\n]|[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]|(?:([\u4e00-\u9fff]{2})\1\1)|本文仅代表|</?[a-z][a-z0-9:]{0,9}[\s/>]|<!--|&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});|(?:意见|方案|通知|办法|规划|计划|纲要|规定|细则|决定|要点|措施)\s*各[^。；;:：\n]{0,60}[:：]|欢迎|打印|分享|版权|登录|技术支持|ICP|网站|Copyright|\n[\u4e00-\u9fff]{1,2}(?:\n|$)|[^\n]{" + str(LONG_LINE) + ",}"
                          + "|(?m:" + alternation("repair", "REPLACE") + ")"),
    }


def repair(text: str, raw: str | None = None) -> Repaired:
    """The repaired text and its offset map (none when nothing needed repair): first what is not
    the document goes (noise, pinyin) and digits close up, then lost line breaks come back (so that
    a page marker pasted between "（市科技局负责）" and "3." no longer hides the break).
    ``raw``: the text as read when ``text`` is its one-for-one normalized form (same offsets), so
    that a mis-decoded span is read again from the characters the file held."""
    if not _rx()["any"].search(text) and not (raw is not None and _rx()["shifted_gbk"].search(raw)):
        return Repaired(text)
    first = _apply(text, _cleaning_edits(text, raw if raw is not None and len(raw) == len(text) else text))
    second = _apply(first.text, _break_edits(first.text))
    return first.then(second)


def _break_edits(text: str) -> list[tuple[int, int, str]]:
    rx = _rx()
    edits: list[tuple[int, int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        if len(raw) >= LONG_LINE:
            edits += _lost_breaks(raw, pos, rx)
        elif rx["header_run_on"].search(raw):  # a title, its addressees and preamble on one short line
            edits += [(pos + m.start(), pos + m.end(), "\n") for pattern, rule_id in rx["breaks"] if rule_id == "any_length"
                      for m in pattern.finditer(raw)]
        pos += len(raw) + 1
    return edits


def _cleaning_edits(text: str, as_read: str) -> list[tuple[int, int, str]]:
    rx = _rx()
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) on ``text``, non-overlapping
    pos = 0
    lines = []
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    noise = [bool(raw.strip()) and _is_noise_line(raw.strip(), rx) for _, _, raw in lines]
    _related_lists(lines, noise, rx)
    for i, (start, end, raw) in enumerate(lines):
        body = raw.strip()
        if noise[i]:
            edits.append((start, min(end + 1, len(text)), ""))  # the line and its newline
            if i > 0 and not noise[i - 1] and _wrapped_across(lines, noise, i):
                edits.append((start - 1, start, ""))  # a running header/footer between wrapped lines
            continue
        # a wrapped name: "省市场监管局、省知识产权" / "局", "市市场监管" / "局配合）" joins its line
        if body and i > 0 and rx["name_tail"].match(body):
            prev = lines[i - 1][2].rstrip()
            if prev and "\u4e00" <= prev[-1] <= "\u9fff":
                edits.append((start - 1, start + raw.index(body), ""))
    if rx["docshare"].search(text[:600]):  # a doc-sharing viewer numbers its page chunks: 1、… 2、…
        for i, (start, end, raw) in enumerate(lines):
            mark = rx["docshare_page"].match(raw)
            if mark and not noise[i]:
                joins = int(mark.group("n")) > 1 and i > 0 and not noise[i - 1] and lines[i - 1][2].strip()
                edits.append((start - 1 if joins else start, start + mark.end(), ""))  # the chunk continues the last
    for m in rx["noise_inline"].finditer(text):
        edits.append((m.start(), m.end(), ""))
    for m in rx["shifted_gbk"].finditer(as_read):  # read again from the characters as read, then normalized
        fixed = _gbk_in_step(m.group("run"))
        if fixed is not None:
            edits.append((m.start(), m.end(), normalize(fixed)))
    for m in rx["quote_mojibake"].finditer(text):  # “十四五冶: a closing quote a wrong code page read as 冶
        edits.append((m.end() - 1, m.end(), "”"))
    for m in rx["pinyin"].finditer(text):
        edits.append((m.start(), m.end(), ""))
    # 各(ge)地(di)方(fang)(fang): pinyin without tone marks, only where it is dense: in a line, or over the
    # whole text (關(guan) 於(yu), two a line but dozens a page); the space a scraper put after it goes too
    dense_text = len(rx["bare_pinyin"].findall(text)) >= BARE_PINYIN_TEXT_MIN
    for start, _, raw in lines:
        bare = list(rx["bare_pinyin"].finditer(raw))
        if len(bare) >= BARE_PINYIN_MIN or dense_text:
            for m in bare:
                end = m.end() + 1 if raw[m.end():m.end() + 1] == " " and _CJK_OR_MARK.match(raw, m.end() + 1) else m.end()
                edits.append((start + m.start(), start + end, ""))
    for pattern, replacement in rx["replace"]:
        for m in pattern.finditer(text):
            edits.append((m.start(), m.end(), m.expand(replacement)))
    if len(rx["html_block"].findall(text, 0, 20000)) >= HTML_DUMP_MIN:  # a page's HTML dumped into the text
        for pattern, replacement in rx["html_tag"]:
            for m in pattern.finditer(text):
                edits.append((m.start(), m.end(), replacement))
        for m in rx["entity"].finditer(text):  # &ldquo; -> “ (one character for the reference)
            edits.append((m.start(), m.end(), html.unescape(m.group(0))))
    for m in list(rx["spaced_digits"].finditer(text)) + list(rx["spaced_serial"].finditer(text)) + list(rx["spaced_cjk"].finditer(text)):
        for k in range(m.start(), m.end()):
            if text[k] == " ":
                edits.append((k, k + 1, ""))
    # a table copied as text with one blank between cells (序号 指标名称 单位 2020年基数 2025年目标):
    # those blanks part cells, they are no OCR gaps inside a number
    cell_rows = [(start, end) for start, end, raw in lines
                 if len(raw.split()) >= 4 and not re.search(r"[。，,；;：:]", raw) and not rx["spaced_cjk"].search(raw)]
    for m in rx["spaced_number"].finditer(text):
        if any(a <= m.start() < b for a, b in cell_rows):
            continue
        group = 1 if m.group(1) is not None else 2
        if m.start() < m.start(group):
            edits.append((m.start(), m.start(group), ""))
        if m.end(group) < m.end():
            edits.append((m.end(group), m.end(), ""))
    for m in rx["spaced_bracket"].finditer(text):
        edits.append((m.start(), m.end(), ""))
    return edits


_MARKER = re.compile(r"^(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMERAL_LEADS = {n.encode("gbk")[:1]: n.encode("gbk") for n in "一二三四五六七八九十"}  # lead byte -> numeral


def _gbk_in_step(run: str) -> str | None:
    """``run`` read again one byte later (the byte before it was lost), or None when that is no
    better: kept only when the reading opens with a numbering mark (（一）, 一、, 1.) and is Chinese
    text throughout, so a real question mark before real text is never touched."""
    try:
        raw = run.encode("gbk")
    except UnicodeEncodeError:
        return None
    raw = raw[1:]
    # （二） is A3A8 B6FE A3A9: read out of step, the pair FE A3 is no character and the misreading
    # dropped it, leaving A3A8 B6 A9; each numeral's lead byte is its own, so the numeral comes back
    lead = _NUMERAL_LEADS.get(raw[2:3]) if raw[:2] == b"\xa3\xa8" and raw[3:4] == b"\xa9" else None
    if lead is not None:
        raw = raw[:2] + lead + b"\xa3" + raw[3:]
    fixed = raw.decode("gbk", errors="ignore")
    if not _MARKER.match(fixed) or _CJK.search(run[:1] or "") and _MARKER.match(run):
        return None
    body = re.sub(r"[\s\d（）()、.．,，。;；:：“”\"'—\-]", "", fixed)
    return fixed if body and len(_CJK.findall(body)) >= 0.8 * len(body) else None


def _is_noise_line(body: str, rx) -> bool:
    if len(body) <= 160 and rx["noise_line"].fullmatch(body):
        return True
    plain = rx["pinyin"].sub("", body)  # 行業(yè)行業(yè)行業(yè): the tag cloud of a page scraped with its pinyin
    if len(plain) <= 200 and re.fullmatch(r"(?:([\u4e00-\u9fff]{2})\1{2,})+[\u4e00-\u9fff]{0,8}", plain):
        return True  # a site's tag cloud: 政策政策政策强国强国强国专利专利专利…
    return (len(body) <= 120 and len(rx["news_meta"].findall(body)) >= 2 and not re.search(r"[。；]", body)
            and not re.search(r"成文|颁布|发文|文号|发布机构|索引号", body))  # a portal's metadata is kept


def _related_lists(lines, noise: list[bool], rx) -> None:
    """The links under a 相关阅读 / 推荐阅读 heading (other documents' titles, often in 《》) are the
    site's, not the document's: short lines without a sentence end, up to the first prose line."""
    for i, (_, _, raw) in enumerate(lines):
        if not (noise[i] and rx["related"].match(raw.strip())):
            continue
        items = []
        for k in range(i + 1, len(lines)):
            body = lines[k][2].strip()
            if not body:
                continue
            if len(body) > 60 or re.search(r"[。；;：:]$", body) or re.search(r"[，,]", body):
                break
            items.append(k)
        # a heading above all prose with one line under it is a page's box run into its own headline
        prose_before = any(len(lines[j][2].strip()) > 60 for j in range(i))
        if prose_before or len(items) > 1:
            for k in items:
                noise[k] = True


def _wrapped_across(lines, noise, i: int) -> bool:
    """Whether the text line before noise line i runs on in the first text line after the noise
    (a page's running header or footer printed between the two halves of a wrapped line)."""
    before = lines[i - 1][2].rstrip()
    after = next((raw.strip() for (_, _, raw), n in zip(lines[i + 1:], noise[i + 1:]) if not n and raw.strip()), "")
    if len(before) < 20 or not after or before[-1] in "。；;：:！!？?)）":
        return False
    # a repost's 时间/来源/阅读 line sits under its headline, never inside a wrapped line (in a .docx
    # or a PDF the two stand without the blank lines a .txt keeps between them)
    if len(_rx()["news_meta"].findall(lines[i][2])) >= 2:
        return False
    return not re.match(r"(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十百]+[章条节])", after)


def _lost_breaks(raw: str, start: int, rx) -> list[tuple[int, int, str]]:
    out = []
    title = rx["glued_title"].match(raw)  # 某市…实施方案为深入实施…: the title run into the preamble
    if title:
        out.append((start + title.end(), start + title.end(), "\n"))
    for m in rx["glued_heading"].finditer(raw):  # 一、总体目标到2025年…
        out.append((start + m.end(), start + m.end(), "\n"))
    for pattern, rule_id in rx["breaks"]:
        for m in pattern.finditer(raw):
            if rule_id == "after_heading" and not rx["heading_before"].search(raw[max(0, m.start() - 30):m.start()]):
                continue
            out.append((start + m.start(), start + m.end(), "\n"))
    return out


def _apply(text: str, edits: list[tuple[int, int, str]]) -> Repaired:
    if not edits:
        return Repaired(text)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for s, e, new in sorted(set(edits), key=lambda x: (x[0], -x[1])):
        if s < pos:  # overlaps an earlier edit: the earlier one wins
            continue
        pieces.append(text[pos:s])
        starts.extend(range(pos, s))
        ends.extend(range(pos + 1, s + 1))
        pieces.append(new)
        # a replacement stands for what it replaced; an inserted character sits before the next one read
        starts.extend([s if e > s else e] * len(new))
        ends.extend([e] * len(new))
        pos = e
    pieces.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    starts.append(len(text))  # the end of the text
    out = "".join(pieces)
    if out == text:
        return Repaired(text)
    return Repaired(out, tuple(starts), tuple(ends))


__all__ = ["Repaired", "repair"]
