"""Stage: cited documents (发文字号, 《titles》), implements vs cites, measure-level citations.

A mention is a 《title》 (with an adjacent （文号） paired to it) or a bare 发文字号. Mentions of
one document (same number, same title, or one title being the other with a region prefix)
become one citation; the catalog (``ontology/catalog/documents.ttl``) fills a missing number or
title. The preamble's basis sentence (为贯彻落实 / 根据 … 制定 / 提出) makes ``implements``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..catalog import find_known, normalize_title, region_regex
from ..record import Citation, DocumentMeta, Measure, Span
from ..rules import alternation, rules_by_label
from ..text import squash
from .metadata import doc_number_of, finditer_doc_numbers, is_subsequence, simplified, title_key

# a title may wrap onto the next line once (《\n国家知识产权战略纲要》)
TITLE = re.compile(r"《(?P<title>[^《》\n]{0,150}\n?[^《》\n]{1,150}(?:《[^《》\n]{1,60}》[^《》\n]{0,60})?)》")
# 《纲要》, 《若干意见》: a document type alone names a document given in full before it
# also after the number in the same brackets (《…》（国数政策〔2023〕11号，以下简称《行动计划》）) and without
# 《》 (《…（征求意见稿）》（以下简称三年行动计划）, then 《三年行动计划》共计23条)
OWN_ALIAS = re.compile(r"\s*[(（](?:[^()（）《》]{0,40}?[,，;；、]\s*)?(?:以下简称|下称|简称)\s*[“\"《]?(?P<alias>[^《》“”\"()（）,，;；]{1,20}?)[》”\"]?\s*[)）,，;；]")
ALIAS_CUE = re.compile(r"(?:以下|下文)?简称[“\"]?$|下称[“\"]?$")


@dataclass
class Mention:
    doc_number: str | None
    title: str | None
    start: int
    end: int
    implements: bool = False


@lru_cache(maxsize=1)
def _rx():
    return {
        "doc_number": re.compile(rules_by_label("doc_number", "DOC_NUMBER")[0].regex),
        "paren_after": re.compile(r"\s*[(（]\s*(?P<inner>[^()（）]{4,80}?)\s*[)）]"),
        "basis_cue": re.compile(alternation("citations", "BASIS_CUE")),
        "basis_end": re.compile(alternation("citations", "BASIS_END")),
        "basis_lead": re.compile(alternation("citations", "BASIS_LEAD")),
        "basis_phrase": re.compile(alternation("citations", "BASIS_PHRASE")),
        "not_document": re.compile(alternation("citations", "NOT_A_DOCUMENT")),
        "law_title": re.compile(alternation("citations", "LAW_TITLE")),
        "unquoted_basis": re.compile(alternation("citations", "UNQUOTED_BASIS")),
        "consultation": re.compile(alternation("citations", "CONSULTATION_SENTENCE")),
        "preamble_end": re.compile(alternation("citations", "PREAMBLE_END"), re.M),
        "printed": re.compile(rules_by_label("metadata", "NOTICE_BODY")[0].regex),
    }


def find_mentions(text: str) -> list[Mention]:
    rx = _rx()
    mentions: list[Mention] = []
    paired: list[tuple[int, int]] = []
    for m in TITLE.finditer(text):
        title = squash(m.group("title"))
        if len(title) < 2 or rx["not_document"].search(title) or not re.search(r"[\u4e00-\u9fff]", title):
            continue
        numbers, end = [], m.end()
        after = rx["paren_after"].match(text, m.end())
        if after:
            for n in rx["doc_number"].finditer(after.group("inner")):
                numbers.append(doc_number_of(n))
            if numbers:
                end = after.end()
                paired.append((after.start(), after.end()))
        mentions.append(Mention(numbers[0] if numbers else None, title, m.start(), end))
        for extra in numbers[1:]:
            mentions.append(Mention(extra, None, m.start(), end))
    for n in finditer_doc_numbers(text):
        if any(a <= n.start() < b for a, b in paired):
            continue
        if any(mt.start <= n.start() < mt.end for mt in mentions):  # a number quoted inside a title
            continue
        mentions.append(Mention(doc_number_of(n), None, n.start(), n.end()))
    mentions.sort(key=lambda x: x.start)
    return mentions


def is_law(title: str | None) -> bool:
    """Whether a cited title names a law or regulation (LAW_TITLE): cited, never implemented."""
    return bool(title) and bool(_rx()["law_title"].search(squash(title)))


def not_a_document(title: str) -> bool:
    """Whether a name in 《》 is no policy document by the NOT_A_DOCUMENT rules (《某日报》, 《申报表》, 《某方案.doc》)."""
    return bool(_rx()["not_document"].search(squash(title)))


def basis_zones(text: str, meta: DocumentMeta) -> list[tuple[int, int]]:
    """Preamble stretches: from the start (and from each later repetition of the title, as when
    a 印发通知 is followed by the plan) to the next first-level heading."""
    rx = _rx()
    starts = [0]
    if meta.title and len(meta.title) >= 6:
        probe = meta.title[:12]
        pos = text.find(probe, (meta.title_span.end if meta.title_span else 0))
        while pos != -1:
            starts.append(pos)
            pos = text.find(probe, pos + 1)
    # an article-style text states its basis in 第一条, which a table of contents (目录 … 第二章 …)
    # can push past the first heading
    first_article = re.search(r"^[\s#*>-]*第一条", text, re.M)
    if first_article:
        starts.append(first_article.start())
    zones = []
    for s in starts:
        m = rx["preamble_end"].search(text, s + 1)
        zones.append((s, m.start() if m else min(len(text), s + 2000)))
    # an interpretation page (政策解读) states the basis of the document it explains under 政策背景
    for m in BACKGROUND_HEADING.finditer(text):
        nxt = NEXT_HEADING.search(text, m.end())
        zones.append((m.end(), nxt.start() if nxt else min(len(text), m.end() + 2000)))
    return zones


BACKGROUND_HEADING = re.compile(r"^[\s#*>-]*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）])?\s*(?:政策|出台|制定|起草|编制|文件)(?:背景|依据)", re.M)
NEXT_HEADING = re.compile(r"^[\s#*>-]*(?:[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十]{1,3}[章部分])", re.M)
# a short sentence right after the basis sentence that says what the text makes of it
SHORT_CLOSING = re.compile(r"[。]\s*(?:现|特|据此|为此)[^。！？!?\n《》]{2,30}[。]")
WRAPPED_LINE = re.compile(r"(?<=[^\s。！？!?；;：:])\n(?![\s#*>-]*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}[章条节]|\d{1,2}[.．、]|为|根据|按照|依据|依照|遵照|近年来|当前))")
# 为贯彻落实上级部署 / 上述文件精神: the basis is what the sentences before it named
ANAPHORIC_BASIS = re.compile(r"\s*(?:上级|上述|以上|前述)")


def mark_implements(text: str, mentions: list[Mention], zones: list[tuple[int, int]]) -> None:
    """A mention is the basis when it sits in a preamble sentence between a basis cue (为贯彻落实,
    根据, 按照…) and the verb that says what the document does with it (制定, 提出…)."""
    rx = _rx()
    for a, b in zones:
        # a line wrapped inside a sentence (…《通知》（苏知发〔2022〕2号）的\n精神，结合我县实际，制定本方案。) is one sentence
        flat = WRAPPED_LINE.sub(" ", text[a:b])
        for sentence in re.finditer(r"[^。！？!?\n]+", flat):
            s0, s1 = a + sentence.start(), a + sentence.end()
            cue = rx["basis_cue"].search(text, s0, s1)
            if not cue:
                continue
            # 根据《决策程序规定》…，现公开征求意见: the procedure's rule; unless the body says it drafted
            # the text on that basis (根据《X》要求，我局起草了《本计划》，现征求意见)
            if rx["consultation"].search(text, s0, s1) and not re.search(r"(?:起草|草拟|制定|制订|编制)(?:了)?《", text[s0:s1]):
                continue
            # a verb inside a quoted title (《关于确定…的通知》) says nothing of this text
            ends = [e.start() for e in rx["basis_end"].finditer(text, cue.end(), s1)
                    if not any(mt.start <= e.start() < mt.end for mt in mentions)]
            if ends:
                limit = ends[-1]
            elif rx["basis_lead"].search(text, s0, cue.start()):  # 总体要求是：深入贯彻《…》，…
                limit = s1
            elif opening := rx["basis_phrase"].match(text[s0:s1]):  # 按照《…》要求，…: the phrase names it
                limit = s0 + opening.end()
            elif (after := SHORT_CLOSING.match(text, s1)) and rx["basis_end"].search(after.group(0)):
                limit = s1  # …文件精神，…新优势。现结合实际制定本行动计划。: the verb in a short sentence of its own
            else:
                continue
            named = [mt for mt in mentions if cue.start() <= mt.start < limit and mt.start >= s0]
            for mt in named:
                # a title right after the end verb is the document's own name
                mt.implements = True
            if not named and ANAPHORIC_BASIS.match(text, cue.end()):  # …印发《A》，…印发《B》。为贯彻落实上级部署，…
                paragraph = text.rfind("\n", a, s0) + 1
                for mt in mentions:
                    if max(a, paragraph) <= mt.start < s0:
                        mt.implements = True


def fold_aliases(text: str, mentions: list[Mention]) -> list[Mention]:
    """Short names are no documents of their own: 《纲要》 declared as one (以下简称《纲要》) or a bare
    document type (《方案》, 《若干意见》) stands for the nearest document named in full before it (which
    takes its basis role); one with nothing to stand for is the text naming itself, and goes."""
    generic = re.compile(alternation("metadata", "DOC_TYPE") + "$")
    out: list[Mention] = []
    declared: dict[str, Mention] = {}
    for mt in mentions:
        key = normalize_title(mt.title) if mt.title else ""
        if not key or mt.doc_number:
            out.append(mt)
            continue
        ref = declared.get(key)
        if ref is None and (ALIAS_CUE.search(text[max(0, mt.start - 6):mt.start]) or generic.fullmatch(key)):
            named = [o for o in out if o.title and normalize_title(o.title) != key]
            if ALIAS_CUE.search(text[max(0, mt.start - 6):mt.start]):
                ref = named[-1] if named else None
                if ref is not None:
                    declared[key] = ref
            else:
                ref = next((o for o in reversed(named) if normalize_title(o.title).endswith(key)), None)
            if ref is None:
                continue
        if ref is not None:
            ref.implements = ref.implements or mt.implements
            continue
        out.append(mt)
    return out


# what a text does with the document its title names, said after the name: divides its tasks
# (said before the name, 某省贯彻落实〈X〉的实施方案, see carried_out_by_title)
_CARRIES_OUT = re.compile(r"分工|分解")


def implemented_by_title(cited: str, title: str | None) -> bool:
    """Whether this text's title says it carries out the cited document: the title holds its whole
    name and, after it, that it divides its tasks (“十三五”…规划重点任务分工方案, 实施…纲要任务分解)."""
    if not title:
        return False
    a, b = title_key(cited), title_key(title)
    if a not in b:  # 《…纲要(2010-2020)》 named without its period
        a = _KEY_PERIOD.sub("", a)
    if len(a) < 6 or a == b or a not in b:
        return False
    return bool(_CARRIES_OUT.search(b.split(a, 1)[1]))


def unquoted_basis(text: str, mentions: list[Mention]) -> list[Mention]:
    """A basis a report names without 《》 (为贯彻落实国家“十四五”数字经济发展规划，…): a mention, its basis;
    only in the opening part and never over a 《》 mention."""
    out = []
    for m in _rx()["unquoted_basis"].finditer(text, 0, min(len(text), 3000)):
        a, b = m.start("title"), m.end("title")
        if not any(x.start < b and a < x.end for x in mentions):
            out.append(Mention(None, squash(m.group("title")), a, b, implements=True))
    return out


_NAMED_IN_TITLE = re.compile(r"(?:贯彻落实|贯彻执行|贯彻|落实|实施|执行)[〈《<](?P<title>[^〈〉《》<>]{4,80})[〉》>]")


def carried_out_by_title(text: str, meta: DocumentMeta) -> list[Mention]:
    """The document this text's own title says it carries out (某省贯彻落实〈X〉重点举措): a mention
    of X, its basis."""
    out = []
    for m in _NAMED_IN_TITLE.finditer(meta.title or ""):
        pos = text.find(m.group("title"))
        if pos > 0:
            out.append(Mention(None, m.group("title"), pos, pos + len(m.group("title")), implements=True))
    return out


_CARRIES_OUT_NAME = re.compile(r"的?(?:落实|实施|贯彻|配套|分工|任务分解)[\u4e00-\u9fff]{0,4}?(?:方案|意见|细则|计划|办法|措施)")
_DOC_TYPE_END = re.compile(r"(?:方案|意见|规划|计划|办法|措施|细则|纲要|要点|规定|通知|决定)$")
# a plan's period at the end of a title key (brackets and dashes are gone from keys): 20242026年, and
# in is_self also 2021年至2025年
_KEY_PERIOD = re.compile(r"\d{4}年?\d{4}年?$")
_PERIOD = re.compile(r"\d{4}年?至?\d{4}年?$")
_PRINTING_NOTICE = re.compile(r"关于(?:印发|转发|发布)(.+)的通知")
_PRINTS = re.compile(r"(?:.{0,30}?关于|.{0,30}?(?=印发|转发|发布))(?:印发|转发|发布)(.+)的通知")  # 《某办公厅印发〈X〉的通知》 too


def is_self(mt: Mention, meta: DocumentMeta) -> bool:
    if mt.doc_number and meta.doc_number and mt.doc_number == meta.doc_number:
        return True
    if mt.title and meta.title:
        a, b = title_key(mt.title), title_key(meta.title)
        for issuer in meta.issuers:  # 《某市人民政府办公厅关于…的通知》 names the document with its issuer
            if a.startswith(title_key(issuer)) and not b.startswith(title_key(issuer)):
                a = a[len(title_key(issuer)):]
        printed = _PRINTING_NOTICE.fullmatch(a)  # 《…关于印发〈本方案〉的通知》: the notice that prints this text
        if a == b or (printed and printed.group(1) == b):
            return True
        if len(a) >= 6 and _PERIOD.sub("", a) == _PERIOD.sub("", b):
            return True  # 《某三年行动方案》 in a headline for 某三年行动方案（2024—2026年）
        own_type = _DOC_TYPE_END.search(_PERIOD.sub("", b))
        if 2 <= len(a) <= 8 and own_type and a.endswith(own_type.group()) and is_subsequence(a, b):
            return True  # 《行动方案》 for 某…行动工作方案: the short name a report gives the document
        if mt.doc_number and mt.doc_number != meta.doc_number:  # 《市…实施方案》(营商办发〔2021〕4号): the upper level's own plan
            return False
        if 4 <= len(a) <= 6 and len(b) > len(a) and b.endswith(a):  # 《总体规划》 for 某示范带总体规划: its short name
            return True
        short, long = sorted((a, b), key=len)
        place = region_regex().match(long)
        if place and long[place.end():] == short and short == a:
            return False  # 《知识产权保护和运用“十四五”规划》 in 广州市知识产权保护和运用“十四五”规划: the upper level's namesake
        if len(a) >= 8 and (a in b or b in a) and abs(len(a) - len(b)) <= 6:
            # 《X的落实方案》 beside X itself: a document carrying X out, not X
            return not (a.startswith(b) and _CARRIES_OUT_NAME.fullmatch(a[len(b):]))
        # 《三明市开展商业秘密创新试点工作方案》 for 三明市开展商业秘密保护创新试点工作方案: a word dropped
        return word_dropped(a, b)
    return False


def same_document(a_title: str, b_title: str) -> bool:
    """Two names of one document: equal, with and without its period (《…纲要》(2021-2035年)), or one
    is the other behind a region prefix (《汕头市专利…办法》 = 《专利…办法》)."""
    a, b = normalize_title(a_title), normalize_title(b_title)
    if a == b:
        return True
    for x, y in ((a, b), (b, a)):  # 《关于印发X的通知》 and 《X》: the notice and the plan it prints, cited as one
        printed = _PRINTS.fullmatch(x)
        if printed and len(printed.group(1)) >= 8 and (same_document(printed.group(1), y) or word_dropped(printed.group(1), y)):
            return True
    if len(a) >= 6 and _KEY_PERIOD.sub("", a) == _KEY_PERIOD.sub("", b):
        return True
    short, long = sorted((a, b), key=len)
    if len(short) < 8 or not long.endswith(short):
        return False
    head = long[: len(long) - len(short)]
    return bool(region_regex().fullmatch(head))


def word_dropped(a: str, b: str) -> bool:
    """Two keys of one name, one with a word (up to two characters) the other dropped; both long
    enough (12+) that this is no other document."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 12 and 0 < len(long) - len(short) <= 2 and is_subsequence(short, long)


def listed_together(text: str, start: int, spans: list[Span]) -> bool:
    """Whether a mention sits in one sentence with another: 《知识产权保护和运用“十四五”规划》《广东省知识
    产权保护和运用“十四五”规划》 listed side by side are the national plan and the province's, two documents."""
    for span in spans:
        a, b = sorted((span.start, start))
        if not re.search(r"[。！？!?；;\n]", text[a:b]):
            return True
    return False


def find_citations(text: str, meta: DocumentMeta, measures: tuple[Measure, ...]) -> tuple[tuple[Citation, ...], tuple[Measure, ...]]:
    text = simplified(text)
    printed = _rx()["printed"].search(text[:6000])  # 现将《A》和《B》印发: what this notice prints is no citation
    found = find_mentions(text)
    own = [m for m in found if is_self(m, meta)]
    mentions = [m for m in found if m not in own
                and not (printed and printed.start() <= m.start < printed.end())]
    # 《本文件》（以下简称《任务分解》）: the short name the text gives itself is no citation either
    own_names = {normalize_title(a.group("alias")) for m in own
                 for at in (m.end, text.find("》", m.start) + 1) if (a := OWN_ALIAS.match(text, at))}
    mentions = [m for m in mentions if not (m.title and normalize_title(m.title) in own_names)]
    mentions = sorted(mentions + carried_out_by_title(text, meta) + unquoted_basis(text, mentions), key=lambda x: x.start)
    mark_implements(text, mentions, basis_zones(text, meta))
    for mt in mentions:  # 《X》 named in this text's own title (X重点任务分工方案, 实施X任务分解): its basis
        if mt.title and implemented_by_title(mt.title, meta.title):
            mt.implements = True
    mentions = fold_aliases(text, mentions)

    groups: list[dict] = []  # {"number", "title", "implements", "spans"}
    for mt in mentions:
        known = find_known(mt.doc_number, mt.title)
        number = mt.doc_number or (known.doc_number if known else None)
        title = mt.title or (known.title if known else None)
        group = None
        for g in groups:
            if number and g["number"] == number:
                group = g
            elif (title and g["title"] and same_document(title, g["title"])
                  and not (number and g["number"] and number != g["number"])  # one title, two numbers: two documents
                  and not (normalize_title(title) != normalize_title(g["title"]) and listed_together(text, mt.start, g["spans"]))):
                group = g
            elif known and g["known"] is known:
                group = g
            if group:
                break
        if group is None:
            groups.append({"number": number, "title": title, "implements": mt.implements,
                           "spans": [Span(mt.start, mt.end)], "known": known,
                           # the mention the recorded title was read from: the citation's span
                           "title_span": Span(mt.start, mt.end) if mt.title else None})
            continue
        group["number"] = group["number"] or number
        if title and (not group["title"] or len(normalize_title(title)) > len(normalize_title(group["title"]))) and not (group["title"] and mt.title is None):
            group["title"] = title
            if mt.title:
                group["title_span"] = Span(mt.start, mt.end)
        group["implements"] = group["implements"] or mt.implements
        group["spans"].append(Span(mt.start, mt.end))

    citations = tuple(
        Citation(doc_number=g["number"], title=g["title"],
                 relation="implements" if g["implements"] and not is_law(g["title"]) else "cites",
                 span=g["title_span"] or g["spans"][0])
        for g in groups
    )
    if measures:
        updated = []
        for measure in measures:
            hits = tuple(i for i, g in enumerate(groups)
                         if any(measure.span.start <= s.start < measure.span.end for s in g["spans"]))
            updated.append(replace(measure, cites=hits) if hits else measure)
        measures = tuple(updated)
    return citations, measures
