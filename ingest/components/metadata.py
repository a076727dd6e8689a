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

from ..catalog import (Region, county_region, county_regex, find_county, issuer_for_doc_number, region_for,
                       region_regex, regions)
from ..numbers import cn_integer
from ..record import DocumentMeta, Source, Span
from ..rules import alternation, ids_by_match, rules_by_label
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
    date = r"(?P<y>\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
    return {
        "doc_number": re.compile(doc_number),
        "doc_number_line": re.compile(r"^[\s\[【（(]*(?:" + doc_number + r")[\s\]】）)]*$"),
        "stop_code": re.compile(alternation("doc_number", "STOP_BEFORE_CODE")),
        "date": re.compile(date),
        "date_line": re.compile(r"^[\s(（]*" + date + r"[\s)）]*$"),
        "doc_type_end": re.compile(alternation("metadata", "DOC_TYPE") + r"(?:\s*[(（][^()（）]{2,30}[)）])?$"),
        "breadcrumb": re.compile(alternation("metadata", "BREADCRUMB")),
        "issuer_name": re.compile(r"^[\u4e00-\u9fff（）()、\s]{2,40}?" + alternation("metadata", "ISSUER_SUFFIX") + r"$"),
        "not_issuer": re.compile(alternation("metadata", "NOT_ISSUER")),
        "notice_title": re.compile(rules_by_label("metadata", "NOTICE_TITLE")[0].regex),
        "notice_body": re.compile(rules_by_label("metadata", "NOTICE_BODY")[0].regex),
        "own_title": re.compile(rules_by_label("metadata", "OWN_TITLE_IN_PREAMBLE")[0].regex),
        "fields": [(re.compile(r"^\s*(?:" + rx.pattern + r")\s*[:：]\s*(?P<value>.*?)\s*$"), fid) for rx, fid in ids_by_match("metadata", "FIELD")],
        "field_inline": re.compile(r"(?P<label>" + alternation("metadata", "FIELD") + r")\s*[:：]\s*"),
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


def parse_date(text: str) -> str | None:
    m = _rx()["date"].search(text) or ISO_DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) if g.isdigit() else cn_integer(g) for g in m.group("y", "m", "d"))
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
    for line in lines[:80]:
        if len(line.text) > 160:
            continue
        # a line may hold several pairs: "索引号：… 发布机构：…"
        labels = list(_rx()["field_inline"].finditer(line.text))
        for i, m in enumerate(labels):
            if m.start() > 0 and not line.text[m.start() - 1].isspace() and line.text[m.start() - 1] not in "|\t":
                continue
            end = labels[i + 1].start() if i + 1 < len(labels) else len(line.text)
            value = line.text[m.end():end].strip(" \t|")
            for rx, fid in _rx()["fields"]:
                if rx.match(m.group("label") + ":") and value and fid not in found:
                    found[fid] = (value, Span(line.start + m.end(), line.start + m.end() + len(value)))
                    break
    return found


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
    return None, None


def is_issuer_name(s: str) -> bool:
    s = s.strip()
    return bool(s) and bool(_rx()["issuer_name"].match(s)) and not _rx()["not_issuer"].search(s) and "关于" not in s


def split_issuers(s: str) -> list[str]:
    return [p for p in re.split(r"[\s、,，;；]+", s) if p]


def is_field_line(s: str) -> bool:
    m = _rx()["field_inline"].match(s)
    return bool(m)


def title_candidates(lines: list[Line]) -> list[tuple[str, Span]]:
    """Title lines in the header: a line ending with a document type, or up to three short
    lines that only together end with one."""
    rx = _rx()
    header = []
    for line in lines[:HEADER_LINES]:
        if len(line.text) > 80 or line.text.endswith(("：", ":")):
            break
        header.append(line)
    out = []
    for i, line in enumerate(header):
        t = line.text
        if rx["breadcrumb"].search(t) or rx["doc_number_line"].match(t) or rx["date_line"].match(t) or is_field_line(t):
            continue
        joined, end = t, line.end
        if rx["doc_type_end"].search(squash(joined)) and not is_issuer_name(joined):
            out.append((squash(joined), Span(line.start, end)))
            continue
        for nxt in header[i + 1:i + 3]:
            if rx["doc_number_line"].match(nxt.text) or is_field_line(nxt.text) or re.search(r"[。；;，,]$", joined):
                break
            joined, end = joined + nxt.text, nxt.end
            if rx["doc_type_end"].search(squash(joined)):
                out.append((squash(joined), Span(line.start, end)))
                break
    return out


def find_title(text: str, lines: list[Line], fields) -> tuple[str | None, Span | None, str | None]:
    """(title, span, issuer part of a 印发通知 title)."""
    rx = _rx()
    title, span = None, None
    if "title" in fields:
        title, span = squash(fields["title"][0]), fields["title"][1]
    else:
        candidates = title_candidates(lines)
        if candidates:
            title, span = candidates[0]
    if title is None:
        m = rx["own_title"].search(text[:3000])
        if m:
            return squash(m.group("title")), Span(m.start("title"), m.end("title")), None
        return None, None, None
    notice = rx["notice_title"].match(title)
    if notice:
        body = rx["notice_body"].search(text)
        if body:
            return squash(body.group("plan")), Span(body.start("plan"), body.end("plan")), notice.group("issuer") or None
        return notice.group("plan"), span, notice.group("issuer") or None
    return title, span, None


def title_issuers(title: str | None) -> list[str]:
    if not title or "关于" not in title:
        return []
    head = title.split("关于", 1)[0]
    names = split_issuers(head)
    return names if names and all(is_issuer_name(n) for n in names) else []


def header_issuers(lines: list[Line], title_span: Span | None) -> list[str]:
    out = []
    for line in lines[:6]:
        if title_span and line.start >= title_span.start:
            break
        t = re.sub(r"文件$", "", line.text)
        if is_issuer_name(t) and not _rx()["doc_number_line"].match(t):
            out += split_issuers(t)
    return out


def signature_issuers(lines: list[Line]) -> tuple[list[str], Line | None]:
    """Org-name lines right above the first standalone date line (the signature block)."""
    rx = _rx()
    for i, line in enumerate(lines):
        if rx["date_line"].match(line.text):
            names = []
            j = i - 1
            while j >= 0 and len(names) < 4 and is_issuer_name(lines[j].text) and len(lines[j].text) <= 40:
                names = split_issuers(lines[j].text) + names
                j -= 1
            return names, line
    return [], None


def region_of_name(name: str, text: str) -> Region | None:
    """The jurisdiction an organ or title names: its leading region (深圳市…), a county-level unit
    after it or alone (南通市通州区…, 太仓市…, 平阳县…; from the division data), or None."""
    m = region_regex().match(name)
    region = regions()[m.group(0)] if m else None
    rest = name[m.end():] if m else name
    if region is not None and region.kind == "province" and rest[:1] in "省":
        rest = rest[1:]
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


def most_mentioned_region(text: str) -> Region | None:
    counts: dict[str, int] = {}
    for m in region_regex().finditer(text):
        counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    if not counts:
        return None
    return regions()[max(counts, key=counts.get)]


def find_metadata(text: str, source: Source) -> DocumentMeta:
    text = simplified(text)
    lines = split_lines(text)
    fields = portal_fields(lines, source)
    doc_number, doc_number_span = find_doc_number(lines, fields)
    title, title_span, notice_issuer = find_title(text, lines, fields)

    issuers: list[str] = []
    if "issuer" in fields:
        issuers += [n for n in split_issuers(fields["issuer"][0]) if not _rx()["not_issuer"].search(n)]
    issuers += title_issuers(notice_issuer + "关于" if notice_issuer else title)
    issuers += header_issuers(lines, title_span)
    signed, date_line = signature_issuers(lines)
    issuers += signed
    by_number = issuer_for_doc_number(doc_number)
    if by_number and not issuers:
        issuers.append(by_number.issuer)
    issuers = list(dict.fromkeys(i for i in issuers if i))

    date, date_span = None, None
    if "date" in fields:
        date, date_span = parse_date(fields["date"][0]), fields["date"][1]
    if date is None and date_line is not None:
        date, date_span = parse_date(date_line.text), Span(date_line.start, date_line.end)

    region = level = None
    for name in issuers:
        if NATIONAL.match(name):
            level = "national"
            break
        region = region_of_name(name, text)
        if region:
            break
    if level is None and region is None and by_number:
        if by_number.region is None:
            level = "national"
        else:
            region = region_for(by_number.region)
    if level is None and region is None and title:
        region = region_of_name(title, text)
        if region is None:
            m = region_regex().search(title)
            region = regions()[m.group(0)] if m else None
    if level is None and region is not None:
        level = region.level
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
