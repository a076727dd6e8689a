"""Stage: quantified targets (indicator, value, unit, year, comparator).

Where goals are looked for: the goals part (a section or paragraph headed …目标, and paragraphs
that open with 到2020年), goal tables (tab- or |-separated rows), and, inside tasks, sentences
phrased as goals (培育…10家), also the goals opening a section of tasks and those a news lead
reports (文件提出，…). Sections that report the past (发展基础, 现状…) are skipped, and so are
subsidies, rewards, budgets, eligibility thresholds (``patterns/targets.jsonl``: NOT_TARGET) and
counts of the document's own parts (17项重点任务: TASK_COUNT).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ..numbers import NUMBER, clean_value, parse_number
from ..record import DocumentMeta, Measure, Section, Source, Span, Target
from ..rules import alternation, first_chars, ids_by_match, rules_by_label, with_start_guard
from ..text import squash
from .metadata import simplified
from .structure import listed_intro

CLAUSE_END = "，,；;。：:！？!?\n"
HEADING = re.compile(
    r"^[ \t#*>\-]*(?P<num>[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d{1,2}[.．、](?!\d))\s*(?P<head>[^\n]{1,40}?)[。.]?[ \t*]*$",
    re.M,
)
HEAD_START = re.compile(r"^[ \t#*>\-]*[一二三四五六七八九十(（\d]", re.M)  # where HEADING may match
SENTENCE = re.compile(r"[^。！？!?；;\t]+")  # a table cell (tab-separated) is a sentence of its own
LEAD_SENTENCE = re.compile(r"^[ \t#*>\-]*(?P<head>[^。\n]{2,12})。", re.M)


@dataclass
class Candidate:
    start: int
    end: int
    value: float
    unit: str | None
    comparator: str
    indicator: str
    year: int | None
    baseline_year: int | None = None
    from_table: bool = False
    # provenance: [span_start, span_end) holds the indicator and the value (a table row: the row)
    span_start: int | None = None
    span_end: int | None = None
    lower: float | None = None  # the lower bound of a range (2—3家)


@lru_cache(maxsize=1)
def _rx():
    units = [(re.compile(r.regex), r.id) for r in rules_by_label("targets", "UNIT")]
    unit_alt = alternation("targets", "UNIT")
    before = alternation("targets", "COMPARATOR_BEFORE")
    after = alternation("targets", "COMPARATOR_AFTER")
    value = (
        r"(?P<before>" + before + r")?\s*"
        r"(?:百分之(?P<pct>[一二三四五六七八九十百]+|\d+(?:\.\d+)?)"
        # 超万亿元, 突破千亿元: a magnitude with no digit before it is one of it (empty num)
        r"|(?P<num>" + NUMBER + r"|(?<=[超过破达逾])(?=[万亿]))(?:\s*(?P<range>[-—–~～至到])\s*(?P<num2>" + NUMBER + r"))?\s*(?P<mult>万|亿)?\s*(?P<unit>" + unit_alt + r"))"
        r"(?P<after>" + after + r")?"
    )
    return {
        "value": re.compile(with_start_guard(value)),
        "units": units,
        "before_ids": ids_by_match("targets", "COMPARATOR_BEFORE"),
        "after_ids": ids_by_match("targets", "COMPARATOR_AFTER"),
        "goal_verb": re.compile(alternation("targets", "GOAL_VERB")),
        "goal_heading": re.compile(alternation("targets", "GOAL_HEADING")),
        "past_heading": re.compile(alternation("targets", "PAST_HEADING")),
        "not_target": re.compile(alternation("targets", "NOT_TARGET")),
        "year": re.compile(rules_by_label("targets", "TARGET_YEAR")[0].regex),
        "baseline": re.compile(rules_by_label("targets", "BASELINE")[0].regex),
        "multiple": [(re.compile(r.regex), r.id) for r in rules_by_label("targets", "MULTIPLE")],
        "any_multiple": re.compile(alternation("targets", "MULTIPLE")),
        # a value match holds a number (NUMBER) or 百分之: one of these characters
        "numeral": re.compile("[" + first_chars(NUMBER) + "百万亿]"),
        "growth_only": re.compile(rules_by_label("targets", "GROWTH_ONLY")[0].regex),
        "trim": re.compile(rules_by_label("targets", "INDICATOR_TRIM")[0].regex),
        "periods": ids_by_match("targets", "PERIOD_NAME"),
        # 2019-2021年, or a title's (2023—2025) with no 年
        "plan_period": re.compile(r"(?P<a>20\d\d)\s*(?:年\s*)?[-—–－~至到]\s*(?P<b>20\d\d)\s*(?:年|(?=[)）]))"),
        "baseline_value": re.compile(rules_by_label("targets", "BASELINE_VALUE")[0].regex),
        "duration": re.compile(rules_by_label("targets", "DURATION")[0].regex),
        "goal_marker": re.compile(alternation("targets", "GOAL_MARKER")),
        "task_count": re.compile(alternation("targets", "TASK_COUNT")),
        "scope_before": re.compile(alternation("targets", "SCOPE_BEFORE")),
        "subject_end": re.compile(alternation("targets", "SUBJECT_END")),
        "reported": re.compile(alternation("targets", "REPORTED_GOALS"), re.M),
        "past_sentence": re.compile(alternation("targets", "PAST_SENTENCE")),
        "relative_year": re.compile(rules_by_label("targets", "RELATIVE_YEAR")[0].regex),
        "value_split": re.compile("(?:" + alternation("targets", "VALUE_SPLIT") + r")(?=\s*(?:" + NUMBER + r"))"),
        "bare_year": re.compile(r"(?<![到至比较与\d])(?P<year>(?:19|20)\d\d)\s*年(?!\s*[-—–－~至到]\s*20)"),
    }


def comparator_of(word: str | None, table) -> str | None:
    if not word:
        return None
    for rx, cid in table:
        if rx.fullmatch(word):
            return cid
    return None


def unit_of(unit: str) -> str:
    for rx, uid in _rx()["units"]:
        if rx.fullmatch(unit):
            return uid or unit
    return unit


# ----------------------------------------------------------------- zones

def zones(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(goal zones, past zones) as [start, end) ranges, from numbered headings and from short
    lead sentences (工作目标。…)."""
    rx = _rx()
    heads = [(m.start(), _level(m.group("num")), m.group("head")) for m in HEADING.finditer(text)]
    goal, past = [], []
    for i, (start, level, head) in enumerate(heads):
        end = len(text)
        for s2, l2, _ in heads[i + 1:]:
            if l2 <= level:
                end = s2
                break
        if len(head) <= 20 and rx["goal_heading"].search(head):
            goal.append((start, end))
        elif len(head) <= 20 and rx["past_heading"].search(head):
            past.append((start, end))
    for m in LEAD_SENTENCE.finditer(text):
        if rx["goal_heading"].search(m.group("head")):
            end = text.find("\n", m.end())
            goal.append((m.start(), len(text) if end == -1 else end))
    # a paragraph opening with 到2020年 is a goal paragraph, and so are the bullets after it
    for m in re.finditer(r"^[ \t#*>\-]*(?:到|至|力争到)\s*20\d\d\s*年[^\n]*\n(?:(?:[ \t]*\n)*[ \t#*>]*(?:——|一一|-|•|·|\d{1,2}[.．](?!\d)|[(（]\d{1,2}[)）])[^\n]*(?:\n|$))*", text, re.M):
        goal.append((m.start(), m.end()))
    # a paragraph saying it states the goals (具体目标是，… / 主要目标为：…), and the paragraphs right
    # after it that go on listing values (…5个以上；… / 200家以上…)
    # a news item's lead reporting what the document sets (文件指出，…全年新增光伏装机5万千瓦以上。…):
    # that paragraph and the next
    for m in _rx()["reported"].finditer(text):
        end = text.find("\n", m.end())
        goal.append((m.start(), len(text) if end == -1 else end))
    # a news item naming its document by a short name (以下简称《规划》) and reporting what it sets:
    # 《规划》提出…市场主体达到1.8万家以上 is the document's own goal, not a cited one's
    short = _SHORT_NAME.search(text)
    if short:
        for m in re.finditer("《" + re.escape(short.group(1)) + "》" + _REPORTS, text):
            end = text.find("\n", m.end())
            goal.append((m.start(), len(text) if end == -1 else end))
    for m in GOAL_STATEMENT.finditer(text):
        end = text.find("\n", m.end())
        end = len(text) if end == -1 else end
        while end < len(text):
            nxt = text.find("\n", end + 1)
            line = text[end + 1:len(text) if nxt == -1 else nxt]
            if line.strip() and not GOAL_LIST_LINE.search(line):
                break
            end = len(text) if nxt == -1 else nxt
        goal.append((m.start(), end))
    return goal, past


_SHORT_NAME = re.compile(r"以下简称[“\"]?《([^《》\n]{1,10})》")
_REPORTS = r"(?:还|中|进一步)?(?:指出|提出|明确|要求|强调)"
GOAL_STATEMENT = re.compile(r"^[ \t#*>\-]*(?:具体|主要|总体|工作|发展|预期|主要预期)?目标(?:是|为|如下)\s*[:：,，]?", re.M)
GOAL_LIST_LINE = re.compile(r"\d[^\n]{0,6}?(?:以上|以下|以内)")


def _level(num: str) -> int:
    if num.endswith("、") and not num[0].isdigit():
        return 1
    if num[0] in "(（":
        return 2
    return 3


def inside(pos: int, ranges) -> bool:
    return any(a <= pos < b for a, b in ranges)


def membership(ranges):
    """``lambda pos: inside(pos, ranges)``, by binary search over the ranges' union."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(r for r in ranges if r[0] < r[1]):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)

    def contains(pos: int) -> bool:
        k = bisect_right(starts, pos) - 1
        return k >= 0 and pos < ends[k]
    return contains


# ----------------------------------------------------------------- years

def plan_end_year(text: str, meta: DocumentMeta) -> int | None:
    rx = _rx()
    head = text[:600]
    if meta.title:  # the title is read first; a period inside another 《title》 is that document's
        head = re.sub(r"《[^《》]*》", lambda m: " " * len(m.group(0)), head)
    title = meta.title or _untitled_head(text)
    for source in (title, head):
        m = rx["plan_period"].search(source)
        if m:
            return int(m.group("b"))
        for prx, year in rx["periods"]:
            if prx.search(source):
                return int(year)
        if source is title:
            # 2024年…工作要点 / 分工方案 / 若干政策（2025年版）: a plan for that year, whatever
            # period another plan named in its body has
            years = set(re.findall(r"(20\d\d)\s*年", title))
            if len(years) == 1:
                return int(years.pop())
    return None


def plan_start_year(text: str, meta: DocumentMeta) -> int | None:
    """The first year of the plan's period (2022 of 2022—2024年), from its title or its head."""
    head = re.sub(r"《[^《》]*》", lambda m: " " * len(m.group(0)), text[:600])
    for source in (meta.title or _untitled_head(text), head):
        m = _rx()["plan_period"].search(source or "")
        if m:
            return int(m.group("a"))
    return None


_PLAN_LINE = re.compile(r"计划|要点|方案|重点工作|任务|规划|政策|措施|意见")


def _untitled_head(text: str) -> str:
    """Where the metadata stage found no title: the first short line naming a plan
    (市政府2020年重点工作…进展情况表), else nothing."""
    for line in text[:400].split("\n"):
        line = line.strip()
        if 6 <= len(line) <= 60 and _PLAN_LINE.search(line) and not re.search(r"[。；;，,]", line):
            return line
    named = re.search(r"印发《?([^《》，,。\n]{4,60}?)》?的通知", text[:400])  # a news lead naming the plan
    return named.group(1) if named and _PLAN_LINE.search(named.group(1)) else ""


def doc_goal_year(text: str) -> int | None:
    years = Counter(int(m.group("year")) for m in _rx()["year"].finditer(text))
    return years.most_common(1)[0][0] if years else None


# ----------------------------------------------------------------- prose

_CLAUSE_END_RX = re.compile("[" + re.escape(CLAUSE_END) + "]")


def clause_bounds(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    """[a, b): the clause around pos within [lo, hi), between CLAUSE_END characters."""
    a = max(lo, max(text.rfind(ch, lo, pos) for ch in CLAUSE_END) + 1)
    end = _CLAUSE_END_RX.search(text, pos, hi)
    return a, end.start() if end else max(pos, hi)


def locate(text: str, lo: int, hi: int, indicator: str) -> int:
    """Where an indicator cleaned from text[lo:hi] begins: the first position whose text, blanks
    removed, opens with the indicator's first characters (lo when none does). Never after the
    real start, so a span from here holds the whole indicator."""
    head = indicator[:2]
    if not head:
        return lo
    i = text.find(head[0], lo, hi)
    while i != -1:
        if squash(text[i:i + len(head) + 8]).startswith(head):
            return i
        i = text.find(head[0], i + 1, hi)
    return lo


def clean_indicator(s: str) -> str:
    s = squash(s)
    s = re.sub(r"^(?:到|至|力争到)20\d\d年(?:底|末)?", "", s)
    s = re.sub(r"^\d{1,2}[.．、](?!\d)", "", s)  # 1.每万人口发明专利拥有量达到12件: the list number
    s = re.sub(r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)", "", s)  # （一）新增注册商标…
    s = _rx()["trim"].sub("", s)
    s = re.sub(r"[的在]$", "", s)
    s = re.sub(r"(?<=[\u4e00-\u9fff]{2})(?:提升|提高|增加|增长|上升|下降|降低|压缩|缩短)(?:至|到)$", "", s)  # 占比提升至44% / 时间压缩到1个工作日: the indicator is 占比
    s = re.sub(r"(?<=[\u4e00-\u9fff]{2})(?:力争|争取|确保|努力)$", "", s)  # 融资额力争超过19亿元
    return s.strip("，,、:：；;——-") or s


# a share "X(增加值)占Y比重": X is the subject a bare attribute after it (产值规模) takes
_SHARE_OF = re.compile(r"^(?:全市|全省|全县|全区|全州)?([\u4e00-\u9fff]{2,12}?)(?:增加值|营业收入|营收|产值|收入)?占")


# a five-year plan period a sentence reports on, and the year it ended
_PLAN_PERIOD = re.compile(r"十([一二三四五六])五[”\"']?(?:期间|时期|以来)")
_PLAN_END = {"一": 2010, "二": 2015, "三": 2020, "四": 2025, "五": 2030, "六": 2035}


def sentence_has_past_year(sentence: str, goal_year: int | None, floor_year: int | None = None) -> bool:
    """A sentence dated in the past (2016年,全市…) reports statistics; base years (比2016年) and
    due years (到2020年) do not count, nor (``floor_year``, the plan's first year) a year of the
    plan's own period."""
    for m in _PLAN_PERIOD.finditer(sentence):  # “十三五”期间…从5758名增至6006名, in a 2021—2025 plan
        if goal_year is not None and _PLAN_END[m.group(1)] < goal_year - 1:
            return True
    sentence = _rx()["baseline"].sub(" ", sentence)
    sentence = _rx()["year"].sub(" ", sentence)
    for m in _rx()["bare_year"].finditer(sentence):
        y = int(m.group("year"))
        if floor_year is not None and floor_year <= y <= (goal_year or y):
            continue
        if goal_year is None or y < goal_year - 1:
            return True
    return False


def prose_candidates(text: str, goal: list, past: list, in_task, default_year: int | None,
                     base_year: int | None = None, task_starts: list[int] = (), free_text: bool = False,
                     start_year: int | None = None) -> list[Candidate]:
    """Goals stated in sentences; ``base_year`` (the document's year) dates 三年内-style goals."""
    rx = _rx()
    out: list[Candidate] = []
    in_past, in_goal_zone = membership(past), membership(goal)
    # line starts where a heading could begin (a superset of HEADING's starts, found once)
    head_starts = [m.start() for m in HEAD_START.finditer(text)]
    numeral, any_multiple = rx["numeral"], rx["any_multiple"]
    for sentence in SENTENCE.finditer(text):
        s0, s1 = sentence.start(), sentence.end()
        while s0 < s1 and text[s0].isspace():  # a line opening with the value (200家以上…): no blank before it
            s0 += 1
        # no numeral and no 翻一番: nothing to find here (the cheapest test first)
        if not numeral.search(text, s0, s1) and not any_multiple.search(text, s0, s1):
            continue
        k = bisect_left(head_starts, s0)
        if k < len(head_starts) and head_starts[k] < s1:
            for h in HEADING.finditer(text, s0, s1):  # a heading line is not part of the sentence after it
                if h.end() < s1:
                    s0 = h.end()
        if in_past(s0):
            continue
        in_goal = in_goal_zone(s0) or in_goal_zone(s1 - 1)
        if not in_goal:
            k2 = bisect_left(task_starts, s0)
            inside = in_task(s0) or in_task(s1 - 1) or k2 < len(task_starts) and task_starts[k2] < s1
            if not inside or not rx["goal_verb"].search(text, s0, s1):
                continue
            # no tasks, no goals part (a news item): only sentences saying they are goals, or the
            # clauses after such a sentence in its paragraph (到2025年，A达到100%；B超过50%)
            if free_text and not _goal_said(text, text.rfind("\n", 0, s0) + 1, s1) and not _listed_after(text, s0):
                continue
        sent = text[s0:s1]
        # every value holds a numeral: a sentence without one has none (found at C speed)
        matches = list(rx["value"].finditer(sent)) if rx["numeral"].search(sent) else []
        multiples = [(m, v) for mrx, v in rx["multiple"] for m in mrx.finditer(sent)] if rx["any_multiple"].search(sent) else []
        durations = list(rx["duration"].finditer(sent)) if matches or "年" in sent else []
        if not matches and not multiples and not durations:
            continue
        year_m = list(rx["year"].finditer(sent))
        # 2023年，全县新建…300个以上 in the goals part of a 2023—2025 plan: that year's step
        # (without a plan period: from the document's year, else two years before the goal year)
        floor = start_year or base_year or (default_year - 2 if default_year else None)
        step = _STEP_YEAR.match(sent) if in_goal and floor and not year_m else None
        step_year = int(step.group(1)) if step and floor <= int(step.group(1)) <= (default_year or 0) else None
        if sentence_has_past_year(sent, default_year, floor if step_year else None) or rx["past_sentence"].search(sent):
            continue
        relative = rx["relative_year"].search(sent) if base_year and not year_m else None
        found: list[Candidate] = []
        year = step_year or zone_year(text, s0, goal) or default_year
        for m in matches:
            if any(mm.start() <= m.start() < mm.end() for mm, _ in multiples):
                continue  # 增长1倍 is read as a multiple (2 倍)
            cand = _candidate(text, sent, s0, m, year_m, year)
            if cand:
                if relative and relative.start() < m.start():  # 三年内认定…: years after the document's date
                    n = relative.group("n")
                    cand.year = base_year + int(n if n.isdigit() else parse_number(n))
                found.append(cand)
        for m, v in multiples:
            a, _ = clause_bounds(sent, m.start(), 0, len(sent))
            base = rx["baseline"].search(sent, a, m.start())
            indicator = sent[a:base.start() if base else m.start()]
            ind = clean_indicator(indicator)
            by = int(base.group("year")) if base else None
            if by:
                ind += f"(比{by}年)"
            found.append(Candidate(s0 + m.start(), s0 + m.end(), float(v), "倍", "=", ind, _year_before(year_m, m.start(), year), by,
                                   span_start=s0 + locate(sent, a, base.start() if base else m.start(), ind)))
        for m in durations:  # 平均生存周期达到5年
            a, _ = clause_bounds(sent, m.start(), 0, len(sent))
            ind = clean_indicator(sent[a:m.start()])
            if ind and not rx["not_target"].search(sent[a:m.end()]):
                comp = comparator_of(m.group("before"), rx["before_ids"]) or "="
                found.append(Candidate(s0 + m.start(), s0 + m.end(), float(m.group("num")), "年", comp, ind,
                                       _year_before(year_m, m.start(), year), span_start=s0 + locate(sent, a, m.start(), ind)))
        found = _respectively(text, sent, s0, year_m, year, found)
        found.sort(key=lambda c: c.start)
        # growth-only indicators borrow the subject of the clause before
        for i, c in enumerate(found):
            if i == 0:
                continue
            prev = found[i - 1].indicator
            if not c.indicator:  # 高新技术企业突破4万家，力争达到5万家: a second goal for the same subject
                c.indicator = prev
                c.span_start = found[i - 1].span_start
            elif rx["growth_only"].match(c.indicator):
                c.indicator = prev + c.indicator
                c.span_start = found[i - 1].span_start  # the span holds the borrowed subject too
            elif len(c.indicator) <= 4 and prev.find(c.indicator[:2]) > 0:
                c.indicator = prev[: prev.find(c.indicator[:2])] + c.indicator  # 融资额 -> 知识产权质押融资额
                c.span_start = found[i - 1].span_start
            elif len(c.indicator) <= 4 and _SHARE_OF.search(prev) and "\n" not in text[found[i - 1].end:c.start]:
                # (a goal on a line of its own, as a page lists them, has its own subject)
                # 核心产业增加值占地区生产总值比重达到10%，产值规模突破3500亿元: the share's subject
                c.indicator = _SHARE_OF.search(prev).group(1) + c.indicator
                c.span_start = found[i - 1].span_start
        # 到2029年，全市个体工商户发展质量明显提升，活跃度达到70%: a bare attribute takes the
        # subject the sentence opened with
        for c in found:
            if 0 < len(c.indicator) <= 4 and c.span_start is not None and c.span_start > s0:
                opening = [x for x in map(clean_indicator, re.split(r"[，,]", text[s0:c.span_start])[:-1]) if x]
                lead = opening[-1] if opening else ""  # the clause right before
                k = lead.find(c.indicator[:2])
                if k > 0:  # 研发经费投入大幅增加，投入强度达到2.8%: 研发经费投入强度
                    c.indicator = lead[:k] + c.indicator
                    continue
                if len(c.indicator) > 3:
                    continue
                cut = rx["subject_end"].search(lead)
                subject = lead[:cut.start()] if cut else ""
                if 2 <= len(subject) <= 10 and not rx["numeral"].search(subject):
                    c.indicator = subject + c.indicator
        out += [c for c in found if c.indicator]
    return out


# A和B（在…基础上实现…），分别超过90家和870家: the values go to the subjects in order
_RESPECTIVELY = re.compile(
    r"(?P<a>[^，,；;。、和与及\s]{2,20})(?:和|与|及|、)(?P<b>[^，,；;。、和与及\s]{2,20}?)"
    r"(?=在|均|将|要|需|[，,]|分别)[^；;。]{0,40}?分别(?P<rest>[^，,；;。]*)")


def _respectively(text: str, sent: str, s0: int, year_m, year: int | None, found: list[Candidate]) -> list[Candidate]:
    """The goals of a 分别 clause, one per subject, in place of what the clause gave alone."""
    rx = _rx()
    for rm in _RESPECTIVELY.finditer(sent):
        values = [m for m in rx["value"].finditer(sent, rm.start("rest"), rm.end("rest")) if m.group("num") or m.group("pct")]
        if len(values) != 2:
            continue
        made = []
        for subject, m in zip((rm.group("a"), rm.group("b")), values):
            cand = _candidate(text, sent, s0, m, year_m, year, label=subject)
            if cand is None:
                break
            cand.span_start = s0 + rm.start("a")
            made.append(cand)
        if len(made) == 2:
            if not values[1].group("before") and not values[1].group("after"):
                made[1].comparator = made[0].comparator  # 分别超过90家和870家: 超过 holds for both
            lo, hi = s0 + rm.start("rest"), s0 + rm.end("rest")
            found = [c for c in found if not lo <= c.start < hi] + made
    return found


_WRAP = re.compile(r"(?<=[^\n，,；;。：:！？!?、]{9})\n(?=\S)")  # a wrapped table-cell line: 9+ characters, no final punctuation
_PER_UNIT = re.compile(r"(?P<per>[/／]每?(?:十万|[百千万])?(?:人口|人|户|平方公里))(?P<after>及以上|以上|及以下|以下|以内)?")
_COMPARED = re.compile(r"(?:高于|低于|快于|慢于|不低于|不高于|同步于?)[\u4e00-\u9fff]{2,}")  # 增长高于经济增长: a goal with no value
# 2023年，… / 2023年完成2家…: a year opening a sentence of the goals part, then a goal
_STEP_YEAR = re.compile(r"\s*(20\d\d)\s*年(?:底|末)?\s*(?:[，,]|(?=完成|实现|新增|培育|建成|创建|认定|达到|力争|争取))")


def _goal_said(text: str, a: int, b: int) -> bool:
    """Whether text[a:b] says a goal: a goal marker in a sentence that does not report the past
    (提前实现“十四五”规划预期的12件目标 reports it reached)."""
    rx = _rx()
    for gm in rx["goal_marker"].finditer(text, a, b):
        sa = max(text.rfind(ch, a, gm.start()) for ch in "。；;！？!?") + 1
        se = SENTENCE_END.search(text, gm.end(), b)
        if not rx["past_sentence"].search(text, max(a, sa), se.start() if se else b):
            return True
    return False


SENTENCE_END = re.compile(r"[。；;！？!?]")
# a report's line announcing the goals or tasks listed under it (《通知》提到，要重点抓好十一方面工作：)
_LIST_INTRO = re.compile(r"(?:目标|任务|工作|举措)[^\n。；;]{0,6}[:：]\s*$", re.M)


def _listed_after(text: str, pos: int) -> bool:
    """Whether pos sits under a line announcing the goals or tasks of the document a news item
    reports (its paragraphs then list them, each a line of its own in a page's HTML)."""
    return _LIST_INTRO.search(text, max(0, pos - 3000), pos) is not None


def zone_year(text: str, pos: int, goal) -> int | None:
    """The year of the goal paragraph a sentence sits in: the last 到2020年 before it there."""
    starts = [a for a, b in goal if a <= pos < b]
    if not starts:
        return None
    found = [int(m.group("year")) for m in _rx()["year"].finditer(text, min(starts), pos)]
    if found:
        return found[-1]
    for a in sorted(starts, reverse=True):  # 一、2024年全州商标品牌工作目标任务: the heading's own year
        line_end = text.find("\n", a)
        years = set(re.findall(r"(?<!\d)(20\d\d)\s*年(?!\s*[-—–－~至到])", text[a:pos if line_end == -1 else min(pos, line_end)]))
        if len(years) == 1:
            return int(years.pop())
    return None


def _year_before(year_m, pos, default):
    ys = [int(m.group("year")) for m in year_m if m.start() < pos]
    return ys[-1] if ys else default


def _candidate(text, sent, s0, m, year_m, default_year, label: str | None = None) -> Candidate | None:
    """The target a value match makes in its sentence, or None; ``label`` is a table row's
    indicator cell."""
    rx = _rx()
    a, b = clause_bounds(sent, m.start(), 0, len(sent))
    if rx["not_target"].search(sent[a:b]):
        return None
    end = m.end()
    per = _PER_UNIT.match(sent, end) if m.group("unit") and not m.group("after") else None
    if per:  # 食品检验量达5批次/千人以上: a rate, its base part of the unit
        end = per.end()
    nxt = sent[end:end + 1]
    prev = sent[:m.start()].rstrip()[-1:]  # 第 8.6 代: the character before, blanks skipped
    if prev in ("第", "每", "前", "近", "后") and not m.group("before"):
        return None
    if prev in ("“", "‘", "「", '"') and re.match(r"[\u4e00-\u9fff]{0,4}[”’」\"]", sent[end:]):
        return None  # 打造“三张牌”, 实施“八大工程”: a value inside quotes is a name
    if m.group("unit") and m.group("unit").endswith("元") and rx["not_target"].search(sent, 0, m.start()):
        return None  # 预算安排13.06亿元，其中，支持…4.26亿元: the parts of a budget are no goals either
    if rx["baseline_value"].match(sent, end):
        return None  # 由…的3.2件提高到5件: the starting value
    if rx["task_count"].match(sent, end):
        return None  # 5个方面的17项重点任务: how many parts the document has, no goal
    if label is None and rx["scope_before"].search(sent[:m.start()]):
        return None  # 《行动计划》选取…等12个行业, 聚焦…102项重大工程: what the document covers
    object_after = None
    if nxt == "的" and label is None and re.search(r"(?:完成|实现|覆盖)$", sent[a:m.start()]):
        # 2015年完成75%以上的确权登记: the value, then what it counts
        tail = sent[end + 1:b].strip()
        if 2 <= len(tail) <= 20 and not rx["value"].search(tail):
            object_after = tail
    goal_noun = nxt == "的" and re.match(r"的(?:主要|发展|工作|预期)?(?:目标|任务)", sent[end:end + 6])
    if object_after is None and not goal_noun and (nxt in ("的", "之") or re.match(r"[\d“”\"'‘’]", nxt)):
        return None  # a modifier (30件以上的企业) or a name (5个100工程); 达到60个的主要目标 is the goal itself
    if m.group("num") and re.fullmatch(r"[一二两三四五六七八九十百千〇零]+", m.group("num")) and not m.group("before"):
        if m.group("num") in ("一", "两") or m.group("unit") in ("个", "项", "次", "种", "批次", "条", "部", "名", "人", "支", "期"):
            return None  # 一个, 两项: words, not quantities
    # a number inside the same 、-segment before another value is a modifier (拥有发明专利50件的企业10家)
    seg_end = b
    for sep in "、":
        k = sent.find(sep, end, b)
        if k != -1:
            seg_end = min(seg_end, k)
    split_after = rx["value_split"].search(sent, end, seg_end)  # 2个A和6个B: A ends at 和
    if split_after:
        seg_end = split_after.start()
    if rx["value"].search(sent, end, seg_end) and rx["value"].search(sent, end, seg_end).group("num"):
        return None
    lower = None
    if m.group("pct"):
        p = m.group("pct")
        value, unit = (float(p) if p[0].isdigit() else parse_number(p)), "%"
    else:
        top = m.group("num2") or m.group("num")
        unit_text = m.group("unit")
        value = parse_number(top + (m.group("mult") or ""))
        scale = {"亿元": 1e8, "万元": 1e4, "千元": 1e3}.get(unit_text, 1)
        value *= scale
        if m.group("num2"):  # 1-2家, 3至5亿元: keep the lower bound too
            lower = parse_number(m.group("num") + (m.group("mult") or "")) * scale
        unit = unit_of(unit_text)
        if per:
            unit += per.group("per")
    after = m.group("after") or (per.group("after") if per else None)
    comparator = comparator_of(after, rx["after_ids"]) or comparator_of(m.group("before"), rx["before_ids"]) or "="
    if m.group("num2"):
        comparator = "<="
    # indicator: the clause before the number, or (培育60家X) the verb and the noun after it
    seg_start = a
    k = sent.rfind("、", a, m.start())
    splits = [x for x in rx["value_split"].finditer(sent, a) if x.end() <= m.start()]
    if splits and splits[-1].start() > k and rx["value"].search(sent, a, splits[-1].start()):
        k = splits[-1].end() - 1  # the segment starts after 和 (a one-character stand-in for 、)
    before_text = sent[a:m.start()]
    # after a 、 only when the segment before has its own value (a list of goals)
    if k != -1 and (rx["value"].search(sent, a, k) or _COMPARED.search(sent, a, k)):
        # after a 、 when the segment before is a goal of its own: with a value, or a comparison
        # (有效投资增长高于经济增长、4个结构性指标均实现10%以上增长)
        seg_start = k + 1
        before_text = sent[seg_start:m.start()]
    indicator = clean_indicator(before_text)
    # where the indicator was read: [ind_lo, ind_hi) of the sentence, and where the span ends
    ind_lo, ind_hi, span_end = seg_start, m.start(), end
    verb_only = (not indicator or len(indicator) <= 2
                 or re.fullmatch("(?:" + rx["goal_verb"].pattern + ")+", indicator) is not None)  # 培育建设
    noun_end = split_after.start() if split_after else b  # 培育2个A和6个B: A stops at 和; 优势、示范企业 is one noun
    modified = _MODIFIED_NOUN.search(sent.rstrip(), end) if verb_only and label is None else None
    if modified and _long_modifier(sent, end, noun_end, modified):
        # 培育100个以上积极性高、…，…蔚然成风的质量强县: the noun closes the sentence, after a long modifier
        indicator = clean_indicator(indicator + modified.group(1))
        ind_hi = span_end = modified.end()
    elif verb_only or (m.group("unit") and not m.group("after") and _noun_follows(sent, end, noun_end)):
        noun = sent[end:noun_end]
        if len(noun.strip()) >= 2 and not rx["value"].search(noun):  # 建成9个市|: a page cut, no noun
            indicator = clean_indicator(indicator + noun)
            ind_hi = span_end = len(sent[:noun_end].rstrip())
        elif indicator and rx["goal_verb"].fullmatch(indicator) and label is None and not object_after:
            return None  # a goal verb and a number, what it counts lost
    if label is not None:
        indicator = clean_indicator(label)
    if object_after:
        indicator = clean_indicator(object_after)
        ind_lo, ind_hi = end + 1, b
        span_end = len(sent[:b].rstrip())
    if not indicator and (label is not None or not m.group("before")):
        return None  # a bare value; with a comparator (力争达到5万家) it borrows the goal before it
    if re.match(r"^[\d.]+", indicator) and seg_start != a:  # 30件企业 in a list: borrow the list's stem
        stem = re.match(r"^(?P<s>[^\d]+?)\d", clean_indicator(sent[a:k]))
        if stem:
            indicator = stem.group("s") + indicator
            ind_lo = a
    base = rx["baseline"].search(sent, a, m.start())
    if base and label is None and base.start() > ind_lo and rx["value"].search(sent, base.end(), m.start()):
        indicator = clean_indicator(sent[ind_lo:base.start()]) or indicator  # 拥有量由2022年底的3.2件提高到…
    elif label is None:  # 商标总量从5.2万件增加至7万件: a baseline value without its year
        head = sent[ind_lo:m.start()]
        bv = re.search(r"(?:由|从)[^，,；;由从]*?" + NUMBER + r"[^，,；;由从]*?"
                       r"(?:提高|提升|增加|增长|上升|扩大|下降|降低|减少)(?:到|至)\s*$", head)
        if bv and bv.start() >= 2:
            indicator = clean_indicator(head[:bv.start()]) or indicator
    return Candidate(s0 + m.start(), s0 + m.end(), float(value), unit, comparator, indicator,
                     _year_before(year_m, m.start(), default_year) if year_m else default_year,
                     int(base.group("year")) if base else None,
                     span_start=s0 + locate(sent, ind_lo, ind_hi, indicator), span_end=s0 + max(end, span_end),
                     lower=lower)


def _long_modifier(sent: str, end: int, noun_end: int, modified: re.Match) -> bool:
    """Whether the clauses from the value to the closing …的X all describe X: the first one right
    after the value (积极性高、…), none opening with a goal verb of its own (, 扶持一批…的机构 is the
    next goal) and no other value or digit on the way."""
    rx = _rx()
    if modified.start() < noun_end or len(sent[end:noun_end].strip()) < 2 or re.search(r"\d", modified.group(1)):
        return False
    between = sent[end:modified.start()]
    if rx["value"].search(between) or re.search(r"\d", between):
        return False
    return not any(rx["goal_verb"].match(c.strip()) for c in re.split(r"[，,]", between)[1:])


_MODIFIED_NOUN = re.compile(r"的((?:[^，,、的。；;（(\s]|[（(][^（）()]{1,10}[）)]){2,20})$")


def _noun_follows(sent: str, end: int, b: int) -> bool:
    """培育60家知识产权优势企业: a noun of 3+ characters right after the unit, ending the clause."""
    rest = sent[end:b].strip()
    return len(rest) >= 3 and not re.match(r"^(?:以上|以下|左右|的|之|[，,。；;、])", rest)  # 、: the next item of a list


# ----------------------------------------------------------------- tables

def table_blocks(text: str) -> list[list[list[tuple[str, int]]]]:
    """Rows of tables: lines holding a tab or |, grouped into rows (a line with several cells is
    a row; single-cell lines separated by blank lines form one row each group)."""
    blocks, rows, group, in_table = [], [], [], False
    pos = 0
    for raw in text.split("\n") + [""]:
        start = pos
        pos += len(raw) + 1
        is_cell = "\t" in raw or raw.strip().startswith("|")
        if is_cell:
            cells = [(c.strip(), start + raw.find(c)) for c in re.split(r"\t|\|", raw) if c.strip() and not re.fullmatch(r"[-:\s]+", c)]
            if len(cells) > 1:
                if group:
                    rows.append(group)
                    group = []
                rows.append(cells)
            elif cells:
                group += cells
            in_table = True
        elif not raw.strip() and in_table:
            if group:
                rows.append(group)
                group = []
        else:
            if group:
                rows.append(group)
                group = []
            if rows:
                blocks.append(rows)
            rows, in_table = [], False
    return blocks


_SPACED_CELL = re.compile(r"\S+")


def spaced_blocks(text: str) -> list[list[list[tuple[str, int]]]]:
    """Goal tables copied as text with blanks between cells: a header line naming its 指标 and a
    year column (序号 指标名称 单位 2020年基数 2025年目标), then rows with as many cells."""
    blocks, pos, lines = [], 0, []
    for raw in text.split("\n"):
        lines.append((raw, pos))
        pos += len(raw) + 1
    i = 0
    while i < len(lines):
        raw, start = lines[i]
        header = [(m.group(), start + m.start()) for m in _SPACED_CELL.finditer(raw)]
        i += 1
        if "\t" in raw or not 3 <= len(header) <= 8 or any(len(c) > 12 for c, _ in header):
            continue
        cells = [c for c, _ in header]
        if not any("指标" in c or c in ("项目", "名称") for c in cells) or not any(re.search(r"20\d\d\s*年", c) for c in cells):
            continue
        rows = [header]
        while i < len(lines):
            raw, start = lines[i]
            row = [(m.group(), start + m.start()) for m in _SPACED_CELL.finditer(raw)]
            if len(row) != len(header) or not re.search(r"\d", raw):
                break
            rows.append(row)
            i += 1
        if len(rows) > 1:
            blocks.append(rows)
    return blocks


def table_candidates(text: str, default_year: int | None) -> tuple[list[Candidate], list[tuple[int, int]]]:
    rx = _rx()
    out, spans = [], []
    from .tables import task_columns

    for rows in table_blocks(text) + spaced_blocks(text):
        header = rows[0]
        if task_columns([c for c, _ in header]):
            continue  # a task table: its cells are read as sentences of the tasks they describe
        if any(rx["value"].search(c) and not re.search(r"20\d\d\s*年", c) for c, _ in header[1:]):
            header = None
        col, year = None, default_year
        label_col = unit_col = None  # 序号 | 指标名称 | 单位 | …: the indicator is not the first cell
        if header:
            cells = [re.sub(r"\s+", "", c) for c, _ in header]
            label_col = next((i for i, c in enumerate(cells) if "指标" in c or c in ("项目", "名称", "项目名称")), None)
            unit_col = next((i for i, c in enumerate(cells) if c in ("单位", "计量单位")), None)
            for i, (cell, _) in enumerate(header):
                y = re.search(r"(20\d\d)\s*年", cell)
                if y and ("目标" in cell or col is None or int(y.group(1)) > (year or 0)):
                    col, year = i, int(y.group(1))
                elif "目标" in cell and col is None:
                    col = i
        body = rows[1:] if header else rows
        spans.append((rows[0][0][1], rows[-1][-1][1] + len(rows[-1][-1][0])))
        for row in body:
            if len(row) < 2:
                continue
            indicator, _ = row[label_col] if label_col is not None and label_col < len(row) else row[0]
            cell, pos = row[col] if col is not None and col < len(row) else row[-1]
            unit = re.search(r"[(（]([^()（）]{1,6})[)）]$", indicator)
            if unit and re.fullmatch(r"[\d.,]+", cell):
                cell = cell + unit.group(1)  # the unit stated once in the indicator: 拥有量（件） | 2.5
            elif unit_col is not None and unit_col < len(row) and re.fullmatch(r"[\d.,]+", cell):
                cell = cell + row[unit_col][0]  # …or in a column of its own
            m = rx["value"].search(cell)
            if not m or rx["not_target"].search(indicator):
                continue
            sub = _candidate(text, cell, pos, m, [], year, label=re.sub(r"[(（][^()（）]{1,6}[)）]$", "", indicator))
            if sub:
                sub.from_table = True
                last, last_pos = row[-1]
                sub.span_start = row[0][1]  # the row gives the target
                sub.span_end = max(sub.end, text.find(last, last_pos) + len(last))
                out.append(sub)
    return out, spans


# ----------------------------------------------------------------- stage

def _dice(a: str, b: str) -> float:
    def grams(s):
        return Counter(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter([s])
    ga, gb = grams(a), grams(b)
    total = sum(ga.values()) + sum(gb.values())
    return 2 * sum((ga & gb).values()) / total if total else 0.0


def merge(cands: list[Candidate]) -> list[Candidate]:
    """A goal in both a table and the prose is one target (same value, unit and year); the
    prose wording and any explicit comparator win."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.from_table, c.start)):
        twin = next((o for o in out if o.value == c.value and o.unit == c.unit and o.year == c.year
                     and (c.from_table != o.from_table and _dice(o.indicator, c.indicator) >= 0.3
                          or o.start == c.start)), None)
        if twin is None:
            out.append(c)
        elif twin.comparator == "=" and c.comparator != "=":
            twin.comparator = c.comparator
    return sorted(out, key=lambda c: c.start)


def find_targets(text: str, sections: tuple[Section, ...], measures: tuple[Measure, ...], meta: DocumentMeta, source: Source) -> tuple[Target, ...]:
    text = simplified(text)
    default_year = plan_end_year(text, meta) or doc_goal_year(text)
    table, table_spans = table_candidates(text, default_year)
    masked = text
    for a, b in table_spans:
        masked = masked[:a] + " " * (b - a) + masked[b:]
    goal, past = zones(masked)
    # a news item listing the measures it reports (• …): a news item still, its goals read as there
    listed = (not sections and measures and all(m.number is None for m in measures)
              and listed_intro(text, min(m.span.start for m in measures)))
    task_spans = [] if listed else [(m.span.start, m.span.end) for m in measures]
    if measures and not listed:
        from .tables import carried_rows, stream_spans
        carried = carried_rows(text)  # a task-table row carried over from the page before
        task_spans += carried
        for a, b in carried:  # a row of wrapped cells with no task cell: its line breaks are no clause ends
            masked = masked[:a] + masked[a:b].replace("\n", " ") + masked[b:]
        for a, b in stream_spans(text):
            # cells wrapped over lines (…作品登记服务 / 点11个): a full line's break is no clause end
            masked = masked[:a] + _WRAP.sub(" ", masked[a:b]) + masked[b:]
    # 一、强化科技创新 / 2025年，力争研发投入强度达到2.95%。/ （一）…: a goal opening a section of
    # tasks belongs to those tasks
    starts_ = sorted(m.span.start for m in measures)
    for sec in sections:
        k = bisect_left(starts_, sec.span.start)
        if k < len(starts_) and starts_[k] < sec.span.end and starts_[k] > sec.span.start:
            task_spans.append((sec.span.start, starts_[k]))

    in_tasks, in_past = membership(task_spans), membership(past)

    def in_task(pos: int) -> bool:
        return in_tasks(pos) if task_spans else not in_past(pos)

    base_year = int(meta.date[:4]) if meta.date and meta.date[:4].isdigit() else None
    starts = sorted(a for a, _ in task_spans)  # a sentence running over table rows may hold a task
    free_text = not task_spans and not sections  # no tasks, no numbered parts at all: a news item
    cands = [c for c in prose_candidates(masked, goal, past, in_task, default_year, base_year, starts, free_text,
                                         plan_start_year(text, meta))
             if not task_spans or in_task(c.start) or inside(c.start, goal)]
    cands = merge(cands + table)
    targets = []
    for c in cands:
        owner = [i for i, m in enumerate(measures) if m.span.start <= c.start < m.span.end]
        owner.sort(key=lambda i: measures[i].span.end - measures[i].span.start)
        targets.append(Target(
            indicator=c.indicator, value=clean_value(c.value), unit=c.unit, year=c.year,
            comparator=c.comparator, baseline_year=c.baseline_year,
            span=Span(c.start if c.span_start is None else min(c.start, c.span_start), max(c.end, c.span_end or c.end)),
            measure=owner[0] if owner else None,
            lower=None if c.lower is None else clean_value(c.lower),
        ))
    return tuple(targets)
