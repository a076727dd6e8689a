"""Stage: document metadata (title, 发文字号, issuers, date, jurisdiction, level).

Evidence, strongest first: a government portal's metadata block (索引号 / 发布机构 / 文号 /
成文日期 lines, or ``Source.fields`` from an HTML reader), the header (issuer line, 发文字号 line,
title line(s)), the closing signature and date line, then catalogs (doc-number prefixes,
regions). The labels, title endings and notice shapes are rules in ``patterns/metadata.jsonl``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from ..catalog import (Region, county_region, county_regex, find_county, issuer_for_doc_number, normalize_title,
                       region_for, region_regex, regions)
from ..numbers import cn_integer
from ..record import DocumentMeta, Source, Span
from ..registry import Jurisdiction, load_registry
from ..rules import alternation, catalog_table, ids_by_match, rules_by_label
from ..text import squash, to_simplified

HEADER_LINES = 14  # a title sits within the first lines of a document
NATIONAL = re.compile(r"^(?:中共中央|国务院|全国人民代表大会|全国人大|最高人民法院|最高人民检察院|国家[\u4e00-\u9fff]{2,12}(?:局|委|署|院|部|委员会|总局)|[\u4e00-\u9fff]{1,8}部$|中央[\u4e00-\u9fff]{2,8})")
COUNTY = re.compile(r"(?P<county>[\u4e00-\u9fff]{1,6}?(?:自治县|县|区|旗))(?:人民政府|委员会|党委|$)")


_LAST_SIMPLIFIED: tuple[str | None, str | None] = (None, None)  # (text, simplified): the last text seen


def simplified(text: str) -> str:
    """``to_simplified(text)``, computed once for the text the stages share: the conversion maps
    one character to one character, so it is decided on the text's distinct characters, and a
    text with nothing traditional (most documents) comes back as it is."""
    global _LAST_SIMPLIFIED
    last = _LAST_SIMPLIFIED  # one read, so that threads sharing the module see a consistent pair
    if last[0] is text:
        return last[1]
    chars = "".join(set(text))
    converted = to_simplified(chars)
    if converted == chars:
        out = text
    else:
        out = text.translate({ord(a): b for a, b in zip(chars, converted) if a != b})
    _LAST_SIMPLIFIED = (text, out)
    return out


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str  # stripped of markup and blanks at both ends


@lru_cache(maxsize=1)
def _rx():
    doc_number = rules_by_label("doc_number", "DOC_NUMBER")[0].regex
    date = r"(?P<y>\d{4}|[〇零○OoＯ一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
    # a date line whose 年月日 an OCR or a scraper lost: 20141229, 2023411 (month and day unpadded)
    compact = r"(?P<cy>(?:19|20)\d\d)(?P<cmd>\d{3,4})"
    return {
        "doc_number": re.compile(doc_number),
        "doc_number_line": re.compile(r"^[\s\[【（(]*(?:" + doc_number + r")[\s\]】）)]*$"),
        # a header line that opens with the number and runs on, after a blank, into the addressees
        "opening_number": re.compile(r"^[\[【（(]?(?P<number>" + doc_number.replace("?P<", "?P<o") + r")[\]】）)]?\s+(?=各|[\u4e00-\u9fff]{2,30}[:：])"),
        # a title line a page lists with its date ((2016-4-26)): a link to another document
        "listed_link": re.compile(r"[(（]\s*(?:19|20)\d\d\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[)）]$"),
        # a report's byline under its title: 某市人民政府（2011年3月23日）
        "byline": re.compile(r"^(?P<issuer>[\u4e00-\u9fff、\s]{3,40}?)\s*[(（]\s*(?P<date>" + date.replace("?P<", "?P<b") + r")\s*[)）]$"),
        "stop_code": re.compile(alternation("doc_number", "STOP_BEFORE_CODE")),
        "date": re.compile(date),
        "date_line": re.compile(r"^[\s(（]*(?:" + date + "|" + compact + r")[\s)）?？]*$"),  # ??? a scrape's lost seal
        "compact_date": re.compile(compact),
        "number_date": re.compile(r"(?:^|\s)[\s(（]*(?P<number>" + doc_number + r")[\s)）]*(?P<date>" + date.replace("?P<", "?P<n") + r")(?:\s|$)"),
        "headline": re.compile(rules_by_label("metadata", "HEADLINE")[0].regex),
        "chrome": re.compile(alternation("metadata", "SITE_CHROME")),
        "published_by": re.compile(rules_by_label("metadata", "PUBLISHED_BY")[0].regex),
        "issuer_lead_noise": re.compile(rules_by_label("metadata", "ISSUER_LEAD_NOISE")[0].regex),
        "number_after": re.compile(r"\s*[(（]\s*(?:" + doc_number + r")"),
        # a cheap necessary condition of each slow pattern: most texts skip it (issue 20)
        "published_by_gate": re.compile(rules_by_label("metadata", "PUBLISHED_BY_GATE")[0].regex),
        "joint_drafters_gate": re.compile(rules_by_label("metadata", "JOINT_DRAFTERS_GATE")[0].regex),
        "addressee": [(re.compile(rx.pattern), level) for rx, level in ids_by_match("metadata", "ADDRESSEE_LEVEL")],
        "inline_signature": re.compile(r"(?:^|\s)(?P<issuer>[\u4e00-\u9fff]{0,30}?(?:人民政府|办公厅|办公室|国务院|局|委员会|部))\s*(?P<date>" + date.replace("?P<", "?P<s") + r")(?=\s|$)"),
        "doc_type_end": re.compile(alternation("metadata", "DOC_TYPE") + r"(?:\s*[(（][^()（）]{2,30}[)）])?$"),
        "breadcrumb": re.compile(alternation("metadata", "BREADCRUMB")),
        "issuer_name": re.compile(r"^[\u4e00-\u9fff（）()、\s]{2,40}?" + alternation("metadata", "ISSUER_SUFFIX") + r"$"),
        "not_issuer": re.compile(alternation("metadata", "NOT_ISSUER")),
        "notice_title": re.compile(rules_by_label("metadata", "NOTICE_TITLE")[0].regex),
        "notice_body": re.compile(rules_by_label("metadata", "NOTICE_BODY")[0].regex),
        "own_title": re.compile(rules_by_label("metadata", "OWN_TITLE_IN_PREAMBLE")[0].regex),
        "subject_title": re.compile(rules_by_label("metadata", "SUBJECT_TITLE")[0].regex),
        "dated_title": re.compile(rules_by_label("metadata", "DATED_TITLE")[0].regex),
        "interprets": re.compile(rules_by_label("metadata", "INTERPRETS")[0].regex),
        "reported_notice": re.compile(rules_by_label("metadata", "REPORTED_NOTICE")[0].regex),
        "docshare_title": re.compile(rules_by_label("metadata", "DOCSHARE_TITLE")[0].regex),
        "reported_issuer": re.compile(rules_by_label("metadata", "REPORTED_ISSUER")[0].regex),
        "reports_notice": re.compile(rules_by_label("metadata", "REPORTS_NOTICE")[0].regex),
        "anaphoric_publisher": re.compile(rules_by_label("metadata", "ANAPHORIC_PUBLISHER")[0].regex),
        "joint_drafters": re.compile(rules_by_label("metadata", "JOINT_DRAFTERS")[0].regex),
        "deciding_body": re.compile(rules_by_label("metadata", "DECIDING_BODY")[0].regex),
        "launched_at": re.compile(rules_by_label("metadata", "LAUNCHED_AT")[0].regex),
        "organ_title": re.compile(rules_by_label("metadata", "ORGAN_TITLE")[0].regex),
        "draft_note": re.compile(rules_by_label("metadata", "DRAFT_NOTE")[0].regex),
        "consultation_title": re.compile(rules_by_label("metadata", "CONSULTATION_TITLE")[0].regex),
        "qa_title": re.compile(rules_by_label("metadata", "QA_TITLE")[0].regex, re.M),
        "unquoted_published": re.compile(rules_by_label("metadata", "UNQUOTED_PUBLISHED")[0].regex),
        "consultation_news": re.compile(rules_by_label("metadata", "CONSULTATION_NEWS")[0].regex),
        "adopted_by": re.compile(rules_by_label("metadata", "ADOPTED_BY")[0].regex),
        "interpreted_by": re.compile(rules_by_label("metadata", "INTERPRETED_BY")[0].regex),
        "headline_mark": re.compile(rules_by_label("metadata", "HEADLINE_MARK")[0].regex),
        "own_title_bare": re.compile(rules_by_label("metadata", "OWN_TITLE_BARE")[0].regex),
        "own_title_placed": re.compile(rules_by_label("metadata", "OWN_TITLE_PLACED")[0].regex),
        "passive_published": re.compile(rules_by_label("metadata", "PASSIVE_PUBLISHED")[0].regex),
        "news_lead": re.compile(rules_by_label("metadata", "NEWS_LEAD")[0].regex),
        "fields": [(re.compile(r"^\s*(?:" + rx.pattern + r")\s*[:：]\s*(?P<value>.*?)\s*$"), fid) for rx, fid in ids_by_match("metadata", "FIELD")],
        # "文号：…", "文号 | …", "[ 发文字号 ] | …" (portal tables flattened into lines)
        # "• 发文字号 青自贸管发〔2021〕82号": a portal's bulleted list, label and value set apart by spaces
        # - 发布日期 2024-01-05; •【公布日期】2018.03.23 (a law library's bracketed labels)
        "field_bullet": re.compile(r"^\s*[•·\-]?\s*(?:(?P<bracket>【)|(?=[•·\-]))?(?P<label>" + alternation("metadata", "FIELD")
                                   + r"|(?<=【)字号(?=】))(?(bracket)】\s*|\s+)(?P<value>\S.*?)\s*$"),
        "field_inline": re.compile(r"(?P<label>" + alternation("metadata", "FIELD") + r")\s*(?:[:：]|\]\s*[|｜]|[|｜])\s*"),
    }


_ORGAN_CODE = "(?P<code>[\\u4e00-\\u9fff]{1,12}?)\\s*"  # how the DOC_NUMBER rule must open for the fast finder
_CODE_MAX = 12


class DocNumberMatch:
    """What ``finditer_doc_numbers`` yields: the parts of ``re.Match`` the stages use."""

    __slots__ = ("_start", "_end", "_groups")

    def __init__(self, start: int, end: int, groups: dict[str, str]):
        self._start, self._end, self._groups = start, end, groups

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, name: str) -> str:
        return self._groups[name]


@lru_cache(maxsize=1)
def _doc_number_tail() -> re.Pattern | None:
    """The DOC_NUMBER rule without its organ code (the bracketed year, serial and 号), or None
    when the rule does not open with the lazy organ code the fast finder expects."""
    regex = rules_by_label("doc_number", "DOC_NUMBER")[0].regex
    return re.compile(regex[len(_ORGAN_CODE):]) if regex.startswith(_ORGAN_CODE) else None


def finditer_doc_numbers(text: str):
    """The same matches as ``re.finditer(DOC_NUMBER, text)``, found in a fraction of the time:
    the regex's lazy organ code is tried at every Han character, so instead find the bracketed
    year (rare) first, then read the organ code backwards from it: the blanks before the
    bracket, then up to 12 Han characters, starting no earlier than the previous match's end."""
    tail = _doc_number_tail()
    if tail is None:
        yield from _rx()["doc_number"].finditer(text)
        return
    last_end = 0
    for t in tail.finditer(text):
        q = t.start()
        while q > last_end and text[q - 1].isspace():
            q -= 1
        p, lo = q, max(last_end, q - _CODE_MAX)
        while p > lo and "\u4e00" <= text[p - 1] <= "\u9fff":
            p -= 1
        if p == q:
            continue
        last_end = t.end()
        yield DocNumberMatch(p, last_end, {"code": text[p:q], "year": t.group("year"), "serial": t.group("serial")})


def normalize_doc_number(code: str, year: str, serial: str) -> str:
    return f"{code}〔{year}〕{int(serial)}号"


def doc_number_of(match: re.Match) -> str:
    """The normalized number of a DOC_NUMBER match, its organ code trimmed of leading words."""
    code = trim_code(match.group("code"))
    return normalize_doc_number(code, match.group("year"), match.group("serial"))


def trim_code(code: str) -> str:
    cut = 0
    for m in _rx()["stop_code"].finditer(code):
        if m.end() < len(code):
            cut = max(cut, m.end())
    return code[cut:]


ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})")


def compact_readings(year: str, rest: str) -> list[str]:
    """The dates a year and its run-together month and day can be: 0411 and 411 are 4月11日 only,
    111 is 1月11日 or 11月1日."""
    out = []
    for cut in (1, 2):
        month, day = rest[:cut], rest[cut:]
        if len(day) > 2 or (cut == 2 and len(rest) == 3 and month[0] == "0"):
            continue
        try:
            out.append(dt.date(int(year), int(month), int(day)).isoformat())
        except ValueError:
            continue
    return out


def parse_date(text: str, prefer: str | None = None) -> str | None:
    m = _rx()["date"].search(text) or ISO_DATE.search(text)
    if m:
        parts = m.group("y", "m", "d")
    else:  # a bare 20141229 or 2023411 (a date line that lost its 年月日)
        c = _rx()["compact_date"].fullmatch(text.strip(" \t()（）"))
        if not c:
            return None
        readings = compact_readings(c.group("cy"), c.group("cmd"))
        if prefer in readings:  # 2023111: 1月11日 or 11月1日, as the page's own date says
            return prefer
        return readings[0] if len(readings) == 1 else None
    # OCR and typists write the zero of 二〇〇九 as a letter O
    parts = [re.sub(r"[OoＯ]", "〇", g) for g in parts]
    y, mo, d = (int(g) if g.isdigit() else cn_integer(g) for g in parts)
    if not 1949 <= y <= 2100:
        return None
    try:  # a day the month does not have (6月31日, a typo or an OCR slip) is no xsd:date
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


_LINE_BODY = re.compile(r"^[\s#*>\-]*(.*?)[\s*]*$")


def split_lines(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        if raw and raw[0] not in "#*>-" and raw[-1] != "*" and not raw[0].isspace() and not raw[-1].isspace():
            out.append(Line(start, end, raw))  # nothing to strip (most lines)
            continue
        m = _LINE_BODY.match(raw)
        body = m.group(1)
        if body:
            s = start + raw.index(body) if body in raw else start
            out.append(Line(s, s + len(body), body))
    return out


def portal_fields(lines: list[Line], source: Source) -> dict[str, tuple[str, Span | None]]:
    """label: value pairs of a portal metadata block (first value wins)."""
    found: dict[str, tuple[str, Span | None]] = {}
    for label, value in source.fields:
        for rx, fid in _rx()["fields"]:
            if rx.match(f"{label}:") and value.strip() and fid not in found:
                found[fid] = (to_simplified(value.strip()), None)
    head = lines[:80]
    for k, line in enumerate(head):
        if len(line.text) > 160:
            continue
        # a line may hold several pairs: "索引号：… 发布机构：…", "[ 发文字号 ] | 某府发〔2025〕12号 |"
        labels = list(_rx()["field_inline"].finditer(line.text))
        bullet = None if labels else _rx()["field_bullet"].match(line.text)
        if bullet:
            label = "文号" if bullet.group("label") == "字号" else bullet.group("label")  # 【字号】: a law library's 文号
            for rx, fid in _rx()["fields"]:
                if rx.match(label + ":") and fid not in found:
                    found[fid] = (bullet.group("value"), Span(line.start + bullet.start("value"), line.start + bullet.end("value")))
                    break
        for i, m in enumerate(labels):
            # 备注/文号：…: a combined label
            if m.start() > 0 and not line.text[m.start() - 1].isspace() and line.text[m.start() - 1] not in "|｜[【\t/":
                continue
            end = labels[i + 1].start() if i + 1 < len(labels) else len(line.text)
            raw = line.text[m.end():end]
            value = raw.strip(_FIELD_JUNK)
            where = line.start + m.end() + (len(raw) - len(raw.lstrip(_FIELD_JUNK)))
            if not value and i + 1 == len(labels) and k + 1 < len(head) and not is_field_line(head[k + 1].text):
                nxt = head[k + 1]  # a label on its line, the value on the next ("發文字號:" / "融政規〔2021〕1號")
                value, where = nxt.text.strip(_FIELD_JUNK), nxt.start
            for rx, fid in _rx()["fields"]:
                if rx.match(m.group("label") + ":") and value and fid not in found:
                    found[fid] = (value, Span(where, where + len(value)))
                    break
    found.pop("other", None)
    return found


_FIELD_JUNK = " \t|｜[]【】"


def find_doc_number(lines: list[Line], fields) -> tuple[str | None, Span | None]:
    if "doc_number" in fields:
        value, span = fields["doc_number"]
        m = _rx()["doc_number"].search(squash(value))
        if m:
            return doc_number_of(m), span
    for line in lines[:40]:
        m = _rx()["doc_number_line"].match(line.text)
        if m:
            inner = _rx()["doc_number"].search(line.text)
            return doc_number_of(inner), Span(line.start + inner.start(), line.start + inner.end())
    number, span, _, _ = number_with_date(lines)
    if number is None:
        for line in lines[:8]:
            glued = glued_number(line.text)
            if glued:
                return doc_number_of(glued), Span(line.start + glued.start(), line.start + glued.end())
        for line in lines[:8]:  # 国知发管字〔2017〕81号 各省、自治区…：: a run-on header opening with the number
            opening = _rx()["opening_number"].match(line.text)
            if opening:
                inner = _rx()["doc_number"].search(line.text, opening.start("number"))
                return doc_number_of(inner), Span(line.start + inner.start(), line.start + inner.end())
    long_lines = [line for line in lines[:3] if len(line.text) >= 200]
    if number is None and long_lines:  # a page run into one line: the number set off by blanks near its start
        head = long_lines[0]
        for m in finditer_doc_numbers(head.text[:300]):
            before = head.text[:m.start()]
            if before.count("《") == before.count("》") and before.count("(") + before.count("（") == before.count(")") + before.count("）") \
                    and (not before or before[-1].isspace() or _rx()["doc_type_end"].search(squash(before))):
                return doc_number_of(m), Span(head.start + m.start(), head.start + m.end())
    return number, span


def glued_number(t: str):
    """A 发文字号 closing a title line (…的通知粤办函〔2019〕267号, …意见（某府〔2020〕3号）), or None."""
    for m in finditer_doc_numbers(t):
        if t[m.end():].strip(" )）") == "" and m.start() > 0:
            code = trim_code(m.group("code"))
            cut = m.start() + len(m.group("code")) - len(code)
            if _rx()["doc_type_end"].search(squash(t[:cut]).rstrip("(（")):
                return DocNumberMatch(cut, m.end(), {"code": code, "year": m.group("year"), "serial": m.group("serial")})
    return None


def number_with_date(lines: list[Line]) -> tuple[str | None, Span | None, str | None, Span | None]:
    """A header line giving the 发文字号 followed by the date (苏政发〔2009〕1号 2009年1月5日, also after
    the title on one line): (number, its span, ISO date, its span)."""
    for line in lines[:8]:
        m = _rx()["number_date"].search(line.text)
        if m:
            inner = _rx()["doc_number"].search(m.group("number"))
            n0 = line.start + m.start("number") + inner.start()
            return (doc_number_of(inner), Span(n0, n0 + len(inner.group(0))),
                    parse_date(m.group("date")), Span(line.start + m.start("date"), line.start + m.end("date")))
    return None, None, None, None


def is_issuer_name(s: str) -> bool:
    s = s.strip()
    return bool(s) and bool(_rx()["issuer_name"].match(s)) and not _rx()["not_issuer"].search(s) and "关于" not in s


def split_issuers(s: str) -> list[str]:
    # not inside brackets: 市政府办公室（研究室、机关事务局） is one body
    return [p for p in re.split(r"[\s、,，;；]+(?![^（(]*[)）])", s) if p]


def is_field_line(s: str) -> bool:
    m = _rx()["field_inline"].match(s)
    return bool(m)


def title_line(t: str) -> str | None:
    """The title a header line can hold, or None for a headline or a line of the page's frame.
    A leading 发文字号 (融政规〔2021〕1号关于印发…), a category label (管理办法:…) and site-frame
    chunks before the title (EHS中国 法规首页 某市…意见) are left out."""
    rx = _rx()
    t = t.strip(" \t|｜")  # a portal table flattened into lines keeps its cell bars: "…的 通知 |"
    if len(re.findall(r"[|｜]", t)) >= 2:
        return None  # a site's menu (南粤政策|科技项目申报|知识产权|…), never a title
    if "《" not in t and len(re.findall(r"\s*》\s*", t)) >= 2:
        return None  # a breadcrumb drawn with 》 (某局 》 政务公开 》 通知公告)
    number = rx["doc_number"].match(t)
    if number and number.end() < len(t):
        t = t[number.end():].lstrip(" )）")
    quoted = re.fullmatch(r"《([^《》]{4,120})》", t.strip())  # 南府办函〔2019〕21号《…的通知》: a page's headline
    if quoted:
        t = quoted.group(1)
    glued = glued_number(t)  # …的通知粤办函〔2019〕267号
    if glued:
        t = t[:glued.start()].rstrip(" (（")
    said = re.match(r"^([\u4e00-\u9fff、]{3,30})\s*[:：]\s*\S", t)
    if said and all(is_issuer_name(n) for n in said.group(1).split("、")):  # 国家版权局：“十四五”将完善…: who said what
        return None
    label = re.match(r"^[^：:\s]{1,8}[:：]\s*(?=\S)", t)
    if label and rx["doc_type_end"].search(squash(t[label.end():])):
        t = t[label.end():]
    chunks = t.split()
    if len(chunks) > 1 and rx["chrome"].search(t):
        for i in range(1, len(chunks)):
            tail = " ".join(chunks[i:])
            if not rx["chrome"].search(tail):
                t = tail
                break
    flat = squash(t)
    if not flat or rx["headline"].match(flat) or (rx["chrome"].search(flat) and not rx["doc_type_end"].search(flat)):
        return None
    if rx["listed_link"].search(flat) or re.search(r"[!！]", flat):  # a dated link to another page; a site's slogan
        return None
    if re.search(r"[A-Za-z]{1,6}\d{3,}", flat):  # a spam site's code (yl6809永利) is in no title
        return None

    return t


def title_candidates(lines: list[Line]) -> list[tuple[str, Span]]:
    """Title lines in the header: a line ending with a document type, or up to three short
    lines that only together end with one."""
    rx = _rx()
    header = []
    for line in lines[:HEADER_LINES]:
        if len(line.text) > 80 and not header and len(re.findall(r"[|｜_]", line.text)) >= 3 and "。" not in line.text:
            continue  # a spam site's keyword banner (甲|乙|丙…) above the page: no prose yet
        if len(line.text) > 80 or line.text.endswith(("：", ":")):
            break
        header.append(line)
    out = []
    for i, line in enumerate(header):
        t = line.text
        if (rx["breadcrumb"].search(t) or rx["doc_number_line"].match(t) or rx["date_line"].match(t) or is_field_line(t)
                or rx["inline_signature"].fullmatch(t)):  # 某省人民政府办公厅 2023年5月6日: a signature, no title's start
            continue
        t = title_line(t)
        if t is None:
            continue
        start = line.end - len(t) if line.text.endswith(t) else line.start
        joined, end = t, line.end
        if rx["doc_type_end"].search(squash(joined)) and not is_issuer_name(joined):
            nxt = header[i + 1] if i + 1 < len(header) else None
            # "市政府关于大力实施商标战略" / "推进创新型城市建设的意见": a 关于 title ends with 的 + type
            if ("关于" in joined and "的" not in joined.split("关于", 1)[1] and nxt is not None
                    and title_key(nxt.text) not in title_key(joined) and title_key(joined) not in title_key(nxt.text)
                    and not rx["doc_number_line"].match(nxt.text) and not is_field_line(nxt.text)
                    and title_line(nxt.text) and rx["doc_type_end"].search(squash(joined + nxt.text))):
                joined, end = joined + nxt.text, nxt.end
            out.append((squash(joined), Span(start, end)))
            continue
        for nxt in header[i + 1:i + 3]:
            if (rx["doc_number_line"].match(nxt.text) or is_field_line(nxt.text) or re.search(r"[。；;，,]$", joined)
                    or rx["breadcrumb"].search(nxt.text) or title_line(nxt.text) is None):
                break
            if region_regex().match(nxt.text) and rx["doc_type_end"].search(squash(nxt.text)) and len(squash(nxt.text)) >= 10:
                break  # a complete title of its own (宁夏…规划) under a column name (团队动态)
            if title_key(joined) in title_key(nxt.text) and rx["doc_type_end"].search(squash(nxt.text)):
                break  # a doc-sharing cover's words (知识产权 / 工作任务) over the title line that holds them
            if ("关于" in nxt.text[2:] and rx["doc_type_end"].search(squash(nxt.text)) and len(squash(nxt.text)) >= 10
                    and all(is_issuer_name(n) for n in split_issuers(nxt.text.split("关于", 1)[0]))):
                break  # 某局关于…的通知, complete with its issuer, under a news headline (…名单确定)
            joined, end = joined + nxt.text, nxt.end
            if rx["doc_type_end"].search(squash(joined)):
                out.append((squash(joined), Span(start, end)))
                break
    if len(out) > 1:  # a column's name (南粤政策) above the page's own title line
        out = [c for c in out if len(c[0]) >= 6] or out
    return out


def title_key(title: str) -> str:
    """How titles are compared: letters and digits only, a year range without its 年 (2023年-2025年
    and 2023-2025年 are one period)."""
    return re.sub(r"(\d{4})年(?=\d{4})", r"\1", normalize_title(without_draft_note(title)))


def without_draft_note(title: str | None) -> str | None:
    """The title without a draft's note ((公开征求意见稿)), for comparing: the draft and the document
    are one (the title itself keeps the note, as the page names the draft)."""
    return _rx()["draft_note"].sub("", title) if title else title


def own_title_line(plan: str, lines: list[Line]) -> tuple[str, Span] | None:
    """The plan's own title line(s) after its notice: the notice quotes the plan's name, the plan
    then opens with it (the line wins: it is how the plan names itself)."""
    key = title_key(plan)
    for i, line in enumerate(lines[:120]):
        if not title_key(line.text):  # a lone mark a scrape left for a lost seal or character (?)
            continue
        joined = ""
        for nxt in lines[i:i + 3]:
            joined += nxt.text
            k = title_key(joined)
            # a page's headline may quote it: 《…》; the plan's own line may hold a word the notice
            # left out (咸宁市实施质量兴市战略… for the notice's 《咸宁市质量兴市战略…》)
            if k == key or (len(key) >= 10 and 0 < len(k) - len(key) <= 2 and k[:3] == key[:3]
                            and k[-3:] == key[-3:] and is_subsequence(key, k)):
                return squash(re.sub(r"^《(.+)》$", r"\1", joined.strip())), Span(line.start, nxt.end)
            if len(k) > len(key) + 2:
                break
    return None


def first_of_pair(plan: str, lines: list[Line]) -> tuple[str, Span] | None:
    """A notice printing two documents (印发2023年工作总结和2024年工作要点): the first, by the title line
    it opens with below the notice (市知识产权局2023年工作总结), or None."""
    if "和" not in plan:
        return None
    first = plan.split("和", 1)[0]
    if not _rx()["doc_type_end"].search(first):
        return None
    key = title_key(first)
    for line in lines[3:120]:
        k = title_key(line.text)
        if k.endswith(key) and len(k) - len(key) <= 12 and len(line.text) <= 60 and not re.search(r"[，,。；;]", line.text):
            return squash(line.text), Span(line.start, line.end)
    return None


def unwrap_plan(plan: str) -> str:
    """批转市商务局某市…方案: the plan without the organ that drafted it."""
    m = re.match(r"^[市省区县]?[\u4e00-\u9fff]{1,8}?(?:局|委|厅|办|部)(?:制定的|拟定的|关于)?", plan)
    if m and region_regex().match(plan, m.end()):
        return plan[m.end():]
    return plan


def own_over_headline(candidates: list[tuple[str, Span]]) -> tuple[str, Span]:
    """The first title candidate, unless it reads as a site's or news headline (# 某新闻网｜…, 权威发布：…)
    and a later header line is a title without such marks: the document's own."""
    first = candidates[0]
    if not _rx()["headline_mark"].search(first[0]):  # a label the title line dropped (范文资料：…) is no mark
        return first
    for other in candidates[1:]:
        if not _rx()["headline_mark"].search(other[0]):
            return other
    return first


def news_lead(lines: list[Line], headline: Span) -> tuple[str, Span] | None:
    """The document a news repost reports, named in the lead under its headline (近日，某市人民政府
    印发《…》): (its name, span), or None. Only the first prose line below the headline counts (the
    byline, source and date lines between are short), and only when the headline is no document
    title of its own (a notice's 关于… title, or the very name the lead gives)."""
    below = [line for line in lines if line.start >= headline.end][:8]
    for line in below:
        if line.text.endswith(("：", ":")):
            return None  # an addressee line: a document's own header, not a news item
        if len(line.text) <= 40 and not re.search(r"[。，,；;]", line.text):
            continue  # 来源 / 时间 / 作者 lines, a site's name
        m = _rx()["news_lead"].match(line.text)
        if not m:
            return None
        return squash(m.group("title")), Span(line.start + m.start("title"), line.start + m.end("title"))
    return None


def find_title(text: str, lines: list[Line], fields) -> tuple[str | None, Span | None, str | None]:
    """(title, span, issuer part of a 印发通知 title). The document's own title: the plan its notice
    prints (现将《…》印发), else the header's title line, else the name a page gives it in 《》."""
    rx = _rx()
    title, span = None, None
    if "title" in fields:
        title = title_line(squash(fields["title"][0])) or squash(fields["title"][0])
        span = fields["title"][1]
    else:
        candidates = title_candidates(lines)
        if candidates:
            title, span = own_over_headline(candidates)
            lead = news_lead(lines, span)
            # 浙江省政府下达2025年…计划 over 近日，浙江省人民政府印发《关于下达…的通知》: the lead names it
            if lead and "关于" not in title and not rx["notice_title"].match(title) and title_key(lead[0]) != title_key(title):
                title, span = lead
    consultation = rx["consultation_title"].fullmatch(squash(title)) if title else None
    consulting = None
    if consultation:  # 关于对《X（征求意见稿）》公开征求意见的通知: the page is there for the draft X
        title, span = squash(consultation.group("title")), None
        consulting = consultation.group("issuer") if consultation.group("issuer") and is_issuer_name(consultation.group("issuer")) else None
    notice = rx["notice_title"].match(squash(title)) if title else None
    issuer_part = (notice.group("issuer") or None) if notice else consulting
    # a portal's title of the notice may lose its 的通知: 某办公厅关于印发某工作方案
    wrapper = notice or (title is not None and re.search(r"关于(?:印发|转发|批转)", title))
    issuer_plan = None
    if issuer_part is None and "title" not in fields:  # the notice's title line below a page's own heading
        for other, _ in title_candidates(lines)[1:]:
            other_notice = rx["notice_title"].match(other)
            if other_notice and other_notice.group("issuer"):
                issuer_part = other_notice.group("issuer")
                issuer_plan = squash(other_notice.group("plan"))
                break
    body = rx["notice_body"].search(text[:6000])
    if body:
        group = next(g for g in ("plan", "plan2", "plan3", "plan4") if body.group(g))
        plan = squash(body.group(group))
        listed = re.search(r"(?:《[^《》]{4,120}》[、，,和及]?\s*)+$", text[max(0, body.start(group) - 400):body.start(group) - 1])
        if group == "plan2" and listed:  # 《A》《B》《C》已经…通过，现印发: the notice prints A first
            first = re.match(r"《([^《》]{4,120})》", listed.group(0))
            plan = squash(first.group(1))
        # 关于下达X的通知 whose body prints X (X已经…批准，现印发给你们): the document is X
        hands_down = title is not None and title_key(title).endswith(title_key(plan) + "的通知")
        if hands_down and issuer_part is None:
            issuer_part = title.split("关于", 1)[0] or None
        if title is None or wrapper or hands_down or title_key(plan) == title_key(title):
            return (*(own_title_line(plan, lines) or (plan, Span(body.start(group), body.end(group)))), issuer_part)
    if notice:
        plan = unwrap_plan(squash(notice.group("plan")))
        found = own_title_line(plan, lines) or first_of_pair(plan, lines)
        return (found[0], found[1], issuer_part) if found else (plan, span, issuer_part)
    if title is None:
        shared = rx["docshare_title"].search(text[:400])
        if shared:
            return squash(shared.group("title")), Span(shared.start("title"), shared.end("title")), None
        headline = next((m for line in lines[:HEADER_LINES] if (m := rx["interprets"].match(line.text))), None)
        if headline:  # 《…》分析解读: the page explains that document
            return squash(headline.group("title")), None, None
        consulted = rx["consultation_news"].search(text[:1500])
        if consulted:  # 某网发布国家数据局关于向社会公开征求《X（征求意见稿）》意见的公告
            body = re.split(r"发布|公布|印发|获悉|消息|显示|官网|网站", consulted.group("issuer"))[-1]
            return (squash(consulted.group("title")), Span(consulted.start("title"), consulted.end("title")),
                    body if is_issuer_name(body) else None)
        bare = rx["own_title_bare"].search(text[:3000])
        if bare and len(squash(bare.group("title"))) >= 8:  # …，特制定某区…“十二五”规划。
            return squash(bare.group("title")), Span(bare.start("title"), bare.end("title")), None
        passive = rx["passive_published"].search(text[:1500])
        if passive:  # …，近日，《某省…行动计划》（以下简称《行动计划》）出炉
            # a headline's 《X》印发 over a lead naming it in full (某省印发《X（2024—2026年）》): the full name
            full = next(published_reports(text), None)
            if full and title_key(full.group("title")).startswith(title_key(passive.group("title"))):
                passive = full
            return squash(passive.group("title")), Span(passive.start("title"), passive.end("title")), None
        placed = rx["own_title_placed"].search(text[:1500])
        if placed and region_regex().match(squash(placed.group("title"))) and len(squash(placed.group("title"))) >= 8:
            return squash(placed.group("title")), Span(placed.start("title"), placed.end("title")), None
        m = (rx["subject_title"].match(text, 0, 400) or rx["qa_title"].search(text[:400])
             or unquoted_report(text) or next(published_reports(text), None)
             or rx["dated_title"].search(text[:3000])
             or rx["own_title"].search(text[:3000]))
        if m:
            return squash(m.group("title")), Span(m.start("title"), m.end("title")), None
        reported = rx["reported_notice"].search(text[:3000])
        if reported and is_issuer_name(reported.group("issuer")):
            return squash(reported.group("title")), Span(reported.start("title"), reported.end("title")), reported.group("issuer")
        for line in lines[:HEADER_LINES]:  # a news headline naming the document: 123项!《…》印发
            quoted = re.search(r"《(?P<title>[^》]{4,120})》", line.text)
            if quoted and len(line.text) <= 60 and not re.search(r"[，,。；;]", line.text) and rx["headline"].match(squash(line.text)):
                return squash(quoted.group("title")), Span(line.start + quoted.start("title"), line.start + quoted.end("title")), None
        return None, None, None
    # a page's heading over the notice that prints it (银川市…行动计划 / 中共银川市委办公室银川市人民政府办公室关于印发《银川市…行动计划》的通知)
    printed_by = issuer_part if issuer_plan and title and title_key(issuer_plan) == title_key(title) else None
    return title, span, printed_by or consulting


def title_issuers(title: str | None) -> list[str]:
    if not title or "关于" not in title:
        return []
    head = title.split("关于", 1)[0]
    names = [clean_issuer(n) for n in split_issuers(head)]
    return names if names and all(is_issuer_name(n) for n in names) else []


def clean_issuer(name: str) -> str:
    """An issuer's name without a trailing alias in brackets (某市市场监督管理局（知识产权局）) and
    written once (a portal's 发布机构 can repeat it: 市政府办公室市政府办公室)."""
    name = re.sub(r"[（(][^()（）]{2,12}[)）]$", "", name.strip())
    half = len(name) // 2
    if len(name) % 2 == 0 and half >= 3 and name[:half] == name[half:]:
        name = name[:half]
    place = region_regex().match(name) or county_regex().match(name)
    if place and name[place.end():].startswith("委") and not name.startswith("中共") and len(name) > place.end() + 1:
        name = "中共" + name  # 佛山市委宣传部 is the party committee's: 中共佛山市委宣传部
    if place and name[place.end():] in ("政府", "政府办公室", "政府办公厅"):  # 连云港市政府 is 连云港市人民政府
        name = name[:place.end()] + "人民" + name[place.end():]
    m = region_regex().match(name)  # 广东省惠州市人民政府 is 惠州市人民政府 (a prefecture's name is unique)
    if m and regions()[m.group(0)].kind == "province":
        inner = region_regex().match(name, m.end())
        if inner and regions()[inner.group(0)].kind == "prefecture" and inner.group(0) == regions()[inner.group(0)].name:
            name = name[m.end():]
    return name


def has_place(name: str) -> bool:
    """Whether an issuer's name says whose it is (深圳市…, 通州区…, 国务院…)."""
    # a 总局 is national by its name alone (市场监管总局 is no 市…)
    return bool(region_regex().match(name) or county_regex().match(name) or NATIONAL.match(name)
                or (name.startswith("中共") and (region_regex().match(name, 2) or county_regex().match(name, 2)))  # 中共福建省委办公厅, 中共环县委办公室
                or name.endswith("总局")
                or name in _national_names()  # 中国科学院, 中国气象局: national bodies the registry knows
                # a national system's local branch: 中国人民银行山西省分行, 中华人民共和国北京海关
                or (name.startswith(("中国", "国家", "中华人民共和国")) and region_regex().search(name)))


def same_body(short: str, long: str) -> bool:
    """通州区人民政府 in 南通市通州区人民政府, 市政府办公室 for 太仓市人民政府办公室: one body."""
    a, b = short.replace("人民政府", "政府"), long.replace("人民政府", "政府")
    return a != b and b.endswith(a)


_PARENT = re.compile(r"(?:中共中央|中央|国务院|中共[\u4e00-\u9fff]{1,8}委|[\u4e00-\u9fff]{1,8}(?:人民政府|省委|市委|县委|区委))$")
_SUFFIX_END = re.compile(r"(?:局|部|厅|委员会|署|院|办公厅|办公室|人民政府|总局|委)(?=.)")


def split_joint(name: str) -> list[str]:
    """Two bodies a squashed title or signature ran together (国家知识产权局工业和信息化部, 江苏省教育厅江苏省财政厅):
    split where each part is an organ that says whose it is; a parent and its own department
    (中共中央宣传部, 国务院办公厅, 某市人民政府办公室) stay one."""
    for m in _SUFFIX_END.finditer(name):
        head, tail = name[:m.end()], name[m.end():]
        place = region_regex().match(tail)
        if len(head) < 3 or len(tail) < 3:
            continue
        if _PARENT.search(head) and not (place and is_issuer_name(tail)):  # 中共北京市委北京市人民政府: two bodies
            continue
        if place and re.fullmatch(r"(?:监管局|监管分局|分局|分行|办事处|特派办|监管办)", tail[place.end():]):
            continue  # a national system's local office: 国家金融监督管理总局湖南监管局
        if is_issuer_name(head) and is_issuer_name(tail) and has_place(head) and has_place(tail):
            return [head, *split_joint(tail)]
    return [name]


def joined_bodies(name: str) -> list[str]:
    """财政部和国家知识产权局: the bodies a report joins with 和 or 与 (国家发展和改革委员会 stays one)."""
    for m in re.finditer(r"[和与]", name):
        head, tail = name[:m.start()], name[m.end():]
        if is_issuer_name(head) and has_place(head) and len(tail) >= 3:
            rest = joined_bodies(tail)
            if all(is_issuer_name(n) and has_place(n) for n in rest):
                return [head, *rest]
    return [name]


def settle_issuers(names: list[str]) -> list[str]:
    """One name per body, the fullest; names that do not say whose they are go when others do."""
    names = [part for n in names if n for part in split_joint(clean_issuer(n))]
    names = list(dict.fromkeys(clean_issuer(n) for n in names if n))
    names = [n for n in names if not any(same_body(n, o) for o in names)]
    if any(has_place(n) for n in names):
        names = [n for n in names if has_place(n)]
    return names


_ROLE_CLAUSE = re.compile(r"[（(]([^（）()]{2,80}?)(?:按职责分工)?(?:负责|牵头)")
_NATIONAL_BODY = re.compile(r"^(?:国家|中央|最高人民|全国)|(?<!部门)部$|总局$|^国务院")


def national_assignments(text: str) -> bool:
    """Whether the tasks are given to national bodies (（国家知识产权局、司法部负责）) and to no local one:
    a national plan that names no issuer."""
    names = [n for m in _ROLE_CLAUSE.finditer(text) for n in re.split(r"[、，,]", m.group(1)) if n]
    national = {n for n in names if _NATIONAL_BODY.search(n)}
    local = [n for n in names if n not in national and (n[:1] in "市省区县" or region_regex().match(n))]
    return len(national) >= 2 and not local


def addressee_level(lines: list[Line]) -> str | None:
    for line in lines[:30]:
        if line.text.endswith(("：", ":")) or "：" in line.text[-3:] or ":" in line.text[-3:]:
            for rx, level in _rx()["addressee"]:
                if rx.match(line.text):
                    return level
    return None


def district_name(region: Region) -> str:
    """A region's name as its bodies' full names carry it: a city's district with its city (区财政局 of
    滨海新区 is 天津市滨海新区财政局; district names repeat across cities), any other region alone."""
    if region.kind == "county" and region.name.endswith("区") and region.parent and not region.name.startswith(region.parent):
        return region.parent + region.name
    return region.name


def local_issuer(doc_number: str | None, region: Region | None) -> str | None:
    """The government (or its office) that a local 发文字号 names by the region's first character(s):
    东府办〔2020〕52号 in 东莞市 is 东莞市人民政府办公室, 大足府发 in 大足区 is 重庆市大足区人民政府's."""
    if not doc_number or region is None or region.kind == "province":
        return None
    code = re.split(r"[〔\[(（【［]", doc_number, 1)[0]
    short = region.short or re.sub(r"(?:自治县|市|县|区|旗)$", "", region.name)
    for abbr in dict.fromkeys((short, short[:1])):
        if abbr and code.startswith(abbr):
            rest = code[len(abbr):]
            if rest.startswith(("府办", "政办")):
                return region.name + "人民政府办公室"
            if rest.startswith(("府", "政")):
                return region.name + "人民政府"
    return None


def header_issuers(lines: list[Line], title_span: Span | None, red_header_only: bool = False) -> list[str]:
    """Body names above the title; with ``red_header_only`` (the document is signed) only a red
    header's (某市人民政府文件): a bare name up there is the portal's (咸宁市市场监督管理局 over a
    notice the city government signs)."""
    out = []
    for line in lines[:6]:
        if title_span and line.start >= title_span.start:
            break
        if red_header_only and not line.text.endswith("文件"):
            continue
        t = re.sub(r"文件$", "", line.text)
        if is_issuer_name(t) and not _rx()["doc_number_line"].match(t):
            out += split_issuers(t)
    return joined_groups(out)


def unspaced(t: str) -> str:
    """A signature line set out one character at a time (国 家 数 据 局, 科     技     部, to align a
    joint signature's short names with its long ones) as one name; other lines as they are."""
    t = t.strip()
    return re.sub(r"\s+", "", t) if re.fullmatch(r"[\u4e00-\u9fff](?:\s+[\u4e00-\u9fff])+", t) else t


def signature_issuers(lines: list[Line]) -> tuple[list[str], Line | None]:
    """Org-name lines right above the first standalone date line (the signature block)."""
    rx = _rx()
    for i, line in enumerate(lines):
        if rx["date_line"].match(line.text):
            names = []
            j = i - 1
            while j >= 0 and re.fullmatch(r"[(（][^()（）]{2,30}代章[)）]", lines[j].text.strip()):
                j -= 1  # a seal note between the signature and the date
            while j >= 0 and len(names) < 24 and is_issuer_name(unspaced(lines[j].text)) and len(lines[j].text) <= 40:
                names = split_issuers(unspaced(lines[j].text)) + names
                j -= 1
            return joined_groups(names), line
    # no date line (a page cut after its signature): the org-name lines right after 特此通知
    for i, line in enumerate(lines):
        if re.fullmatch(r"特此(?:通知|函告|批复|公告)[。.]?", line.text.strip()):
            names = []
            for nxt in lines[i + 1:i + 7]:
                if not (is_issuer_name(nxt.text) and len(nxt.text) <= 40):
                    break
                names += split_issuers(nxt.text)
            return names, None
    return [], None


_GROUP = re.compile(r"(?:领导小组|工作小组|指挥部|委员会)(?:办公室)?$")
_GROUP_PARENT = re.compile(r"(?:人民政府|政府|[省市县区]委|党委)$")


def joined_groups(names: list[str]) -> list[str]:
    """A signature that wraps a group's name under the bodies that set it up (中共某县委某县人民政府 /
    优化营商环境领导小组): one issuer, the group."""
    out: list[str] = []
    for name in names:
        if out and _GROUP.search(name) and not has_place(name) and _GROUP_PARENT.search(out[-1]):
            out[-1] += name
        else:
            out.append(name)
    return out


def byline(lines: list[Line]):
    """The match of a byline in the header (an issuer with the date in brackets), or None."""
    for line in lines[:HEADER_LINES]:
        m = _rx()["byline"].match(line.text)
        if m and all(is_issuer_name(n) for n in split_issuers(m.group("issuer"))):
            return m
    return None


def region_of_name(name: str, text: str) -> Region | None:
    """The jurisdiction an organ or title names: its leading region (深圳市…), a county-level unit
    after it or alone (南通市通州区…, 太仓市…, 平阳县…; from the division data), or None."""
    m = region_regex().match(name)
    region = regions()[m.group(0)] if m else None
    rest = name[m.end():] if m else name
    if region is not None and region.kind == "province":
        inner = region_regex().match(rest)  # 广东省惠州市…
        if inner and regions()[inner.group(0)].kind == "prefecture":
            region, rest = regions()[inner.group(0)], rest[inner.end():]
    c = county_regex().match(rest)
    if c and (region is None or region.kind in ("prefecture", "municipality", "province")):
        unit = find_county(c.group(0), within=region, hint=None if region else most_mentioned_region(text))
        if unit is not None:
            return unit
    c = COUNTY.match(rest)
    if c and not rest.startswith(("市区", "地区", "自治区")) and (region is None or region.kind == "prefecture" or region.kind == "municipality"):
        county = c.group("county")
        if region is not None:
            return county_region(county, region.province)
        guess = most_mentioned_region(text)
        return county_region(county, guess.province) if guess else None
    return region


def most_mentioned_region(text: str, kind: tuple[str, ...] | None = None) -> Region | None:
    """The region the text names most (of these kinds; when a kind is asked, named at least twice or
    the only one of that kind)."""
    counts: dict[str, int] = {}
    for m in region_regex().finditer(text):
        name = regions()[m.group(0)].name
        if kind is None or regions()[name].kind in kind:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    best = max(counts, key=counts.get)
    # named twice, or the only unit of its kind the text names (焦作市决定组织开展…)
    return regions()[best] if kind is None or counts[best] >= 2 or len(counts) == 1 else None


def find_metadata(text: str, source: Source) -> DocumentMeta:
    text = simplified(text)
    lines = split_lines(text)
    fields = portal_fields(lines, source)
    doc_number, doc_number_span = find_doc_number(lines, fields)
    title, title_span, notice_issuer = find_title(text, lines, fields)
    title, notice_issuer = without_foreign_issuer(title, notice_issuer, doc_number)
    signed, date_line = signature_issuers(lines)
    by = byline(lines)
    if by is not None and not signed:  # a report signs under its title: 某市人民政府（2011年3月23日）
        signed = split_issuers(by.group("issuer"))
    # a news item: 某领导小组于2023年4月12日印发《…》, 市市场监督管理局印发《…》
    published = published_for(text, title)
    if doc_number is None and published is not None and title and title_key(published.group("title")) == title_key(title):
        after = _rx()["number_after"].match(text, published.end())  # 印发《…》（黔府发〔2017〕31号，以下简称…）
        if after:
            doc_number, doc_number_span = doc_number_of(after), Span(after.start("code"), after.end())
    issuers, reported = find_issuers(lines, fields, title, title_span, notice_issuer, signed, published, doc_number, text)
    date, date_span = find_date(text, lines, fields, date_line, published)
    adopted = list(_rx()["adopted_by"].finditer(text[:1500]))
    if adopted and not issuers:  # a local law: the people's congress that passed (and last revised) it
        issuers = [re.sub(r"第[一二三四五六七八九十]{1,3}届", "", adopted[-1].group("body"))]
        if date is None:
            date, date_span = parse_date(adopted[-1].group("date")), Span(adopted[-1].start("date"), adopted[-1].end("date"))
    if date is None and by is not None:
        date, date_span = parse_date(by.group("date")), None
    region, level = find_jurisdiction(text, lines, issuers, doc_number, title)
    if region is not None and level != "national":  # 市政府办公室, 省知识产权局: the document's own place
        issuers = settle_issuers([district_name(region) + i[1:] if i[:1] in "市省区县" and not has_place(i) and region.name.endswith(i[:1]) else i
                                  for i in issuers])
        issuers = list(dict.fromkeys(local_full_name(i, region, level) for i in issuers))
    if not issuers and level != "national":
        inferred = local_issuer(doc_number, region)
        issuers = [inferred] if inferred else []
    drafters = joint_drafters(text, region, level)
    if len(drafters) > len(issuers) and set(issuers) <= set(drafters):  # a page cut inside its joint signature
        issuers = drafters
    if level == "national":  # 市场监管总局 signs as 国家市场监督管理总局
        issuers = list(dict.fromkeys(national_full_name(n) for n in issuers))
    return DocumentMeta(
        title=title,
        doc_number=doc_number,
        issuers=tuple(issuers),
        date=date,
        region=region.name if region and level != "national" else None,
        province=region.province if region and level != "national" else None,
        level=level,
        title_span=title_span,
        doc_number_span=doc_number_span,
        date_span=date_span,
    )


def published_reports(text: str):
    """The reports of an issuing in the page's opening (某局印发《…》, PUBLISHED_BY), in text order;
    none without the cheap gate the slow pattern needs (issue 20)."""
    head = text[:3000]
    return _rx()["published_by"].finditer(head) if _rx()["published_by_gate"].search(head) else iter(())


def unquoted_report(text: str):
    """A report naming the document without 《》 (某市人民政府近日发布关于…的实施意见（以下简称…）) by a
    body, or None."""
    m = _rx()["unquoted_published"].search(text[:3000])
    return m if m and is_issuer_name(m.group("issuer")) else None


def published_for(text: str, title: str | None):
    """The report of an issuing (某局印发《…》) that names this document: a page reporting how the
    upper levels issued theirs before this one (国务院办公厅印发《A》…，某市人民政府办公室印发《B》) is
    about the one it is titled after; the first report when none names it."""
    unquoted = unquoted_report(text)
    if unquoted and (not title or title_key(unquoted.group("title")) == title_key(title)):
        return unquoted
    first = naming = None
    for m in published_reports(text):
        if title and title_key(m.group("title")) == title_key(title):
            # a headline's 17部门联合印发《…》 names it too, but by no body
            if is_issuer_name(without_lead_noise(re.split(r"、|会同", m.group("issuer"))[0])):
                return m
            naming = naming or m
        first = first or m
    return naming or first


def without_lead_noise(name: str) -> str:
    """A reported body's name without the words a news sentence puts before it (就近期省人民政府 -> 省人民政府)."""
    return _rx()["issuer_lead_noise"].sub("", name, count=1) or name


def joint_drafters(text: str, region: Region | None, level: str | None) -> list[str]:
    """The bodies a joint notice lists as its drafters (省知识产权局、省教育厅…联合制定了《…》), under their
    full names in the document's jurisdiction; [] when there is no such list or a name is no body."""
    head = text[:6000]
    m = _rx()["joint_drafters"].search(head) if _rx()["joint_drafters_gate"].search(head) else None
    if not m:
        return []
    names = m.group("names").split("、")
    lead = re.search(r"[\u4e00-\u9fff]*[，,。；;](?P<rest>[^，,。；;]*)$", "，" + names[0])
    names[0] = lead.group("rest") if lead else names[0]
    if not all(is_issuer_name(n) for n in names):
        return []
    registry = load_registry()
    where = Jurisdiction(region.name if region else None, region.province if region else None, level)
    out = []
    for name in names:
        agency = registry.resolve(name, where)
        full = agency.canonical if getattr(agency, "canonical", None) else name
        if full[:1] in "市省区县" and region is not None and region.name.endswith(full[:1]) and not has_place(full):
            full = region.name + full[1:]
        out.append(full)
    return out


@lru_cache(maxsize=1)
def _national_names() -> dict[str, str]:
    """Every spelling of a national body -> its full official name: the longest spelling the agency
    registry knows (中央宣传部, 中宣部 -> 中共中央宣传部; 市场监管总局 -> 国家市场监督管理总局)."""
    registry = load_registry()
    spellings: dict[str, list[str]] = {}
    for name, entry in {**registry.national_bare, **registry.national}.items():
        spellings.setdefault(entry.name, [entry.name]).append(name)
    return {name: max(names, key=len) for names in spellings.values() for name in names}


def national_full_name(name: str) -> str:
    """A national body's full name; an office of one keeps its office (市场监管总局办公厅 -> 国家市场监督管理总局办公厅);
    the state's name before it goes (中华人民共和国国务院 -> 国务院, as the State Council signs)."""
    state = "中华人民共和国"
    if name.startswith(state) and (name[len(state):] in _national_names() or name[len(state):].startswith("国务院")):
        name = name[len(state):]
    if name in _national_names():
        return _national_names()[name]
    for office in ("办公厅", "办公室"):
        if name.endswith(office) and name[:-len(office)] in _national_names():
            return _national_names()[name[:-len(office)]] + office
    return name


def is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def local_full_name(name: str, region: Region | None, level: str | None) -> str:
    """A local body's full name when the name is a short form of it (武汉市市场监管局 -> 武汉市市场监督管理局,
    by the agency registry); another body the registry folds into it (江苏省版权局) keeps its name."""
    if region is None or name.startswith("中共"):
        return name
    agency = load_registry().resolve(name, Jurisdiction(region.name, region.province, level))
    full = getattr(agency, "canonical", None)
    if not full or full == name or len(full) <= len(name):
        return name
    place = region_regex().match(name)
    core = name[place.end():] if place else name.lstrip("市省区县")
    return full if is_subsequence(core, full) else name


def without_foreign_issuer(title: str | None, notice_issuer: str | None, doc_number: str | None):
    """(title, notice issuer) without a body before 关于 that the document's own number contradicts:
    a page's site name run into the title (某市知识产权信息中心 / 关于开展…的通知, 国知发办字〔2023〕11号)."""
    by_number = issuer_for_doc_number(doc_number)
    if not title or by_number is None or "关于" not in title:
        return title, notice_issuer
    head = title.split("关于", 1)[0]
    if not head or head in by_number.issuer or by_number.issuer in head:
        return title, notice_issuer
    place = region_of_name(head, "")
    national_number = by_number.region is None
    if (national_number and place is not None) or (not national_number and place is not None and place.province != (region_for(by_number.region).province if region_for(by_number.region) else None)):
        return title[len(head):], None
    return title, notice_issuer


def with_place(name: str, text: str) -> str:
    """市知识产权局 as the text names it with its place elsewhere (天津市知识产权局), else as it is."""
    if has_place(name) or name[:1] not in "市省区县":
        return name
    for m in re.finditer(re.escape(name[1:]), text):
        before = region_regex().search(text, max(0, m.start() - 12), m.start())
        if before and before.end() == m.start() and regions()[before.group(0)].name.endswith(name[:1]):
            return regions()[before.group(0)].name + name[1:]
    return name


def find_issuers(lines: list[Line], fields, title, title_span, notice_issuer, signed, published,
                 doc_number, text: str = "") -> tuple[list[str], str | None]:
    """(issuers, the one a news item reported). The signature block names the issuers; a portal's
    发布机构 is often only the office that posted the page."""
    issuers: list[str] = []
    if signed:
        issuers += signed
    elif "issuer" in fields:
        issuers += [n for n in split_issuers(fields["issuer"][0]) if not _rx()["not_issuer"].search(n)]
    issuers += title_issuers(notice_issuer + "关于" if notice_issuer else title)
    issuers += header_issuers(lines, title_span, red_header_only=bool(signed))
    reported = None
    reported_names = [without_lead_noise(n) for n in re.split(r"、|会同", published.group("issuer"))] if published else []
    named = [n for n in reported_names if is_issuer_name(n)]
    if named:  # 中共静安区委办公室 静安区人民政府办公室印发《…》: joint bodies set apart by a blank
        line_start = text.rfind("\n", 0, published.start("issuer")) + 1
        for chunk in reversed(text[line_start:published.start("issuer")].split()):
            if not is_issuer_name(chunk):
                break
            named.insert(0, chunk)
    if (named and not issuers and is_issuer_name(reported_names[0])
            and not set(named) & {"市政府", "省政府", "区政府", "县政府"}):
        reported = named[0]  # several bodies when a report says 甲、乙联合印发
        place = region_regex().match(named[0])  # 上海市司法局、市知识产权局: the second is 上海市's too
        if place:
            city = regions()[place.group(0)].name
            named = [city + n[1:] if n[:1] in "市省" and city.endswith(n[:1]) and not region_regex().match(n) else n for n in named]
        issuers += named
    if not issuers and title:  # 市市场监管局2022年度…的实施意见: a title opening with its body
        organ = _rx()["organ_title"].match(title)
        if organ and is_issuer_name(organ.group("issuer")):
            issuers.append(organ.group("issuer"))
    if not issuers:  # 某市委宣传部举行…新闻发布会，发布《…》: the body that launched the document
        launched = _rx()["launched_at"].search(text[:3000])
        if launched and is_issuer_name(launched.group("issuer")) and (not title or title_key(launched.group("title")) == title_key(title)):
            issuers.append(launched.group("issuer"))
    if not issuers:  # 市市场监管委决定在全市开展…: a run-on notice opening with its body's decision
        deciding = _rx()["deciding_body"].match(text)
        if deciding and is_issuer_name(deciding.group("issuer")):
            issuers.append(deciding.group("issuer"))
    if not issuers:  # 从省知识产权局获悉，…该局正式印发实施《…》: the body the report named before
        back = _rx()["anaphoric_publisher"].search(text[:3000])
        if back:
            organ = re.compile("(?:" + region_regex().pattern + r"|[省市县区])[\u4e00-\u9fff]{1,12}?" + back.group("ref")[1])
            named = [m.group(0) for m in organ.finditer(text, max(0, back.start() - 300), back.start()) if is_issuer_name(m.group(0))]
            if named:
                issuers.append(named[-1])
    by_number = issuer_for_doc_number(doc_number)
    if by_number and not issuers:
        issuers.append(by_number.issuer)
    if not issuers and _rx()["reports_notice"].search(text[:1500]):  # 财政部、国家知识产权局：继续支持… (两部门印发的通知)
        for line in lines[:HEADER_LINES]:
            head = re.match(r"^(?P<names>[\u4e00-\u9fff]{3,30}(?:、[\u4e00-\u9fff]{3,30}){0,5})[:：]\S", line.text)
            if head and all(is_issuer_name(n) and has_place(n) for n in head.group("names").split("、")):
                issuers += head.group("names").split("、")
                break
    if not issuers:  # a news item: 国家知识产权局发布通知，确定… (a body that says whose it is)
        for m in _rx()["reported_issuer"].finditer(text[:1500]):
            names = joined_bodies(m.group("issuer"))
            if all(is_issuer_name(n) and has_place(n) for n in names):
                issuers += names
                break
    issuers = settle_issuers([with_place(n, text) for n in issuers])
    # the office of the body that signs, named above the title (淄博市人民政府办公室 over 淄博市人民政府):
    # the office that prints or posts the document, no issuer of it
    signers = {clean_issuer(n) for n in signed}
    issuers = [n for n in issuers if n in signers or re.sub(r"办公[室厅]$", "", n) not in signers]
    # …and the reverse: a portal's name above the page (青州市人民政府) over the notice its office signs
    issuers = [n for n in issuers if n in signers or not ({n + "办公室", n + "办公厅"} & signers)]
    return issuers, reported


def find_date(text: str, lines: list[Line], fields, date_line: Line | None, published) -> tuple[str | None, Span | None]:
    """成文日期, else the signed date line, else a date beside the number (苏政发〔2009〕1号 2009年1月5日),
    after a signature inside a run-on page (國務院 2021年10月9日), or in 于…印发."""
    if "date" in fields:
        date = parse_date(fields["date"][0])
        if date:
            return date, fields["date"][1]
    if date_line is not None:
        published = parse_date(fields["published"][0]) if "published" in fields else None
        date = parse_date(date_line.text, prefer=published)
        if date:
            return date, Span(date_line.start, date_line.end)
    _, _, date, date_span = number_with_date(lines)
    if date:
        return date, date_span
    inline = _rx()["inline_signature"].search(text[:3000])
    if inline and is_issuer_name(inline.group("issuer")):
        return parse_date(inline.group("date")), Span(inline.start("date"), inline.end("date"))
    for report in (published_reports(text) if published else ()):
        if report.group("date") or report.group("lead_date"):  # 于2023年4月12日印发 / 2022年1月7日，某局印发
            key = "date" if report.group("date") else "lead_date"
            return parse_date(report.group(key)), Span(report.start(key), report.end(key))
    dated = _rx()["dated_title"].search(text[:3000])  # 于2020年10月16日对外印发的《…》
    if dated and dated.group("date"):
        return parse_date(dated.group("date")), Span(dated.start("date"), dated.end("date"))
    return None, None


def find_jurisdiction(text: str, lines: list[Line], issuers: list[str], doc_number: str | None,
                      title: str | None) -> tuple[Region | None, str | None]:
    """(region, level): the first issuer's, else the number's issuer's, else the title's; with
    none of them, who the text is sent to (各省、自治区、直辖市 / 各县（市、区）…) or whom it tasks."""
    region = level = None
    for name in issuers:
        if name.startswith("中共") and region_regex().match(name, 2):  # 中共佛山市委宣传部 is 佛山市's
            name = name[2:]
        elif NATIONAL.match(name):
            return None, "national"
        region = region_of_name(name, text)
        if region:
            return region, region.level
    by_number = issuer_for_doc_number(doc_number)
    # a city's body (市政府办公室) under a province's prefix (苏府办 is 苏州市's too): the number says nothing
    city_body = any(n[:1] == "市" and not has_place(n) for n in issuers)
    if by_number and not (city_body and by_number.level == "provincial"):
        if by_number.region is None:
            return None, "national"
        region = region_for(by_number.region)
    if region is None and title:
        region = region_of_name(title, text)
        if region is None:
            m = region_regex().search(title)
            region = regions()[m.group(0)] if m else None
    if region is None:
        region = province_of_department_code(doc_number)
    if region is not None:
        return region, region.level
    if any(n[:1] == "省" and not has_place(n) for n in issuers):  # 省科技厅 writing to 承德、张家口、廊坊、保定市: their province
        provinces = {regions()[m.group(0)].province for m in region_regex().finditer(text[:3000])
                     if regions()[m.group(0)].kind == "prefecture"}
        if len(provinces) == 1:
            found = regions()[provinces.pop()]
            return found, found.level
    level = addressee_level(lines) or ("national" if national_assignments(text) else None)
    if level is None and title and re.match(r"^市(?:委|政府|人民政府|[\u4e00-\u9fff]{1,10}?(?:局|委|厅|办|部))", title):
        level = "municipal"  # 市委宣传部2016年度重点工作项目安排表: a city body's own page; its city is the one it names
    if level in ("provincial", "municipal"):  # whose: the unit of that kind it names most
        region = most_mentioned_region(text, kind=("province", "municipality") if level == "provincial" else ("prefecture",))
    if level == "municipal" and region is None:  # 各区人民政府 in a 直辖市 is sent by the municipality
        region = most_mentioned_region(text, kind=("municipality",))
        if region is not None:
            level = region.level
    if region is None and level != "national":  # 全盟…我盟…兴安盟知名商标: the text's own unit
        own = self_named_region(text)
        if own is not None and level in (None, own.level):
            region, level = own, own.level
    if region is None and level is None and title and (whole := re.match(r"^全([省市县])", title)):
        level = _SELF_LEVEL[whole.group(1)]  # 全县重大政策宣传解读工作实施方案: the title says whose it is
    if region is None and level is None:  # 在全市开展…我市: a city's document that never names its city
        level = self_named_level(text)
    if region is None and level in (None, "municipal", "provincial"):  # 结合淮安实际，制定…: the basis sentence names whose plan it is
        own = re.search(r"结合(?P<place>" + region_regex().pattern + r")(?:的)?(?:发展)?实际", text[:4000])
        if own and (level is None or regions()[own.group("place")].level == level):
            found = regions()[own.group("place")]
            return found, found.level
    if region is None and level != "national":  # 市市场监管委 exists in 天津市 alone: a page that never names its city
        own = region_of_scoped_body(text)
        if own is not None:
            return own, own.level
    if region is None and level is None and title:  # 国家知识产权局有关负责人对…《…》予以解读
        explained = _rx()["interpreted_by"].search(text[:3000])
        if explained and title_key(explained.group("title")) == title_key(title) and is_issuer_name(explained.group("body")):
            body = explained.group("body")
            if NATIONAL.match(body):
                return None, "national"
            region = region_of_name(body, text)
            if region is not None:
                return region, region.level
    return region, level


def region_of_scoped_body(text: str) -> Region | None:
    """The one region whose own bodies (the agency registry's rows scoped to a region: 天津市's
    市场监管委, 深圳市's 前海管理局) the text names, or None when it names none or several's."""
    registry = load_registry()
    found = {scope for scope, name in registry.scoped if len(name) >= 4 and name in text}
    if len(found) != 1:
        return None
    return region_for(found.pop())


_SELF_LEVEL = {"省": "provincial", "市": "municipal", "县": "county"}


def self_named_level(text: str) -> str | None:
    """The level a text gives itself by 我市/全市/本市 (or 省, 县), named at least twice and alone; or once
    where its basis sentence says whose plan it is (结合我县实际，制定本方案)."""
    own = re.search(r"结合[我本]([省市县])(?:的)?实际", text[:4000])
    if own:
        return _SELF_LEVEL[own.group(1)]
    refs: dict[str, int] = {}
    for m in re.finditer(r"[我全本]([省市县])(?!场|民|委|政府|级|长)", text):
        refs[m.group(1)] = refs.get(m.group(1), 0) + 1
    if len(refs) == 1:
        (unit, count), = refs.items()
        return _SELF_LEVEL[unit] if count >= 2 else None
    return None


# the first character of a provincial department's code after the province's (湘农办发, 黔科发, 粤市监知)
_DEPARTMENT_INITIAL = "农科知市教财发工商人司公文卫林水交住环自版新质食药审统民应体"


@lru_cache(maxsize=1)
def _province_abbreviations() -> dict[str, str]:
    return {row["abbr"]: row["province"] for row in catalog_table("province_abbreviations.tsv", ("province", "abbr"))}


def province_of_department_code(doc_number: str | None) -> Region | None:
    """The province whose department a 发文字号 names (湘农办发〔2019〕33号 is a 湖南省 department's),
    or None: the last evidence of a jurisdiction when nothing else names one."""
    if not doc_number:
        return None
    code = re.split(r"[〔\[(（【［]", doc_number, 1)[0]
    province = _province_abbreviations().get(code[:1])
    if province is None or len(code) < 3 or code[1] not in _DEPARTMENT_INITIAL:
        return None
    return region_for(province)


def self_named_region(text: str) -> Region | None:
    """The unit a text calls its own (我市, 全盟, 本省…) when it names exactly one unit of that kind."""
    refs: dict[str, int] = {}
    for m in re.finditer(r"[我全本]([省市盟州])(?!场|民|委|政府|级)", text):
        refs[m.group(1)] = refs.get(m.group(1), 0) + 1
    if not refs:
        return None
    suffix = max(refs, key=refs.get)
    names = {regions()[m.group(0)].name for m in region_regex().finditer(text)}
    names = {n for n in names if n.endswith(suffix)}
    return regions()[names.pop()] if len(names) == 1 else None
