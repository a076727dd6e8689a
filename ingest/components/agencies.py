"""Stage: lead and supporting agencies of each measure, resolved in the document's jurisdiction.

Inside each measure's span the text is cut into clauses (at ，。；：and brackets) and read with
the cue tables of ``ingest/patterns/roles.jsonl``:

- a list closed by a cue word: ``（市市场监管局牵头，市发展改革委、科技创新委配合）``,
  ``（中央宣传部、公安部按职责分工负责）``;
- a body between two others: ``A会同B…`` (A leads), ``B配合A…`` (A leads);
- a labelled list: ``牵头单位：A；配合单位：B、C``, ``责任单位：A、B、C`` (the first leads when
  the document says so, ``排在第一位的为牵头单位``, also inside the list's own brackets; otherwise
  all lead; where a 牵头单位 is named beside it, the 责任单位 list is support);
- a section's bracketed lead (``一、强化科技创新（区科技局牵头）``) leads every measure inside it;
- ``X要…`` alone assigns nobody, but names the lead of a measure whose others 配合.

Names are resolved by ``ingest.registry`` (``ontology/catalog/agencies.tsv``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..patternfile import alternation, load_jsonl, pattern_path
from ..record import Agency, DocumentMeta, Measure, Source, Span, Target
from ..registry import Jurisdiction, Registry, load_registry

RULE_KEYS = {"label", "pattern", "regex", "role", "note"}
RULE_LABELS = {"CUE", "INFIX", "FIELD", "FIRST_LEADS", "NOTE", "STRIP_HEAD", "STRIP_TAIL", "CUE_TAIL",
               "NOT_AGENCY", "NOT_SUBJECT", "AGENCY_END", "SUBJECT", "DIAG_CUE", "DIAG_NOT_CUE",
               "TABLE_COLUMN"}
ROLES = {"CUE": {"lead", "support"}, "INFIX": {"lead_support", "support_lead"}, "FIELD": {"lead", "support", "listed"},
         "TABLE_COLUMN": {"task", "listed", "number", "progress"}}
_CLAUSE = re.compile(r"[^，。；,;：:！？!?\n（）()〔〕【】\[\]]+")
_ITEM_SEP = re.compile(r"[、，,及]|以及")
_NOT_IN_NAME = re.compile(r"[由的要将把对向从]")
_SPACE = re.compile(r"\s")
_SAME_BELOW = re.compile(r"(?<=[，,])\s*(?:下同|以下同)\s*(?=[）)])")
_ETC = re.compile(r"等(?:有关|相关|其他|其它)?(?:部门|单位|机构)$")
# A line break between two Chinese characters, the next line not opening a numbered item or a
# labelled line (牵头科室（单位）：…, 完成时限：…): a hard wrap (PDF text, OCR), not the end of a clause.
_WRAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \t]*\n(?=[ \t]*[\u4e00-\u9fff])(?![ \t]*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百]+[章条节]|(?:牵头|配合|责任|主责|参与|协办)(?:单位|部门)|[\u4e00-\u9fff（）()]{2,10}[：:]))")
_QUALIFIER = re.compile(r"(?<=[\u4e00-\u9fff])[（(][\u4e00-\u9fff、]{1,8}[）)](?=[\u4e00-\u9fff])")
_HIDE = str.maketrans("（()）、", "\x01\x01\x02\x02\x03")
_SHOW = {1: "（", 2: "）", 3: "、"}


@dataclass(frozen=True)
class RoleRules:
    cues: tuple[tuple[str, str], ...]  # (word, role), longest first
    infixes: tuple[tuple[str, str], ...]
    fields: tuple[tuple[re.Pattern, str], ...]
    field_any: re.Pattern
    first_leads: re.Pattern
    note: re.Pattern
    strip_head: re.Pattern
    strip_tail: re.Pattern
    cue_tail: re.Pattern
    not_agency: re.Pattern
    not_subject: re.Pattern
    agency_end: re.Pattern
    subject: re.Pattern
    table_columns: tuple[tuple[re.Pattern, str], ...] = ()  # task-table header cells: (regex, role)
    diag_cue: re.Pattern | None = None  # policykg diagnose: words that should come with an assignment
    diag_not_cue: re.Pattern | None = None  # ... and the same words where they assign nobody


@lru_cache(maxsize=None)
def load_rules(path: str | None = None) -> RoleRules:
    p = path or pattern_path("roles.jsonl")
    rows = load_jsonl(p, RULE_KEYS, RULE_LABELS)
    from ..errors import PatternFileError

    for r in rows:
        if r["label"] in ROLES and r.get("role") not in ROLES[r["label"]]:
            raise PatternFileError(str(p), r["line"], f"role {r.get('role')!r} is not one of {sorted(ROLES[r['label']])}")
        if r["label"] in ("CUE", "INFIX") and not r.get("pattern"):
            raise PatternFileError(str(p), r["line"], "a CUE or INFIX needs a 'pattern' word")
        if r["label"] not in ("CUE", "INFIX") and "regex" not in r:
            raise PatternFileError(str(p), r["line"], f"a {r['label']} needs a 'regex'")
    by = lambda label: [r for r in rows if r["label"] == label]
    fields = tuple((r["rx"], r["role"]) for r in by("FIELD"))
    return RoleRules(
        cues=tuple(sorted(((r["pattern"], r["role"]) for r in by("CUE")), key=lambda c: -len(c[0]))),
        infixes=tuple((r["pattern"], r["role"]) for r in by("INFIX")),
        fields=fields,
        field_any=alternation(rows, "FIELD"),
        first_leads=alternation(rows, "FIRST_LEADS"),
        note=alternation(rows, "NOTE"),
        strip_head=alternation(rows, "STRIP_HEAD"),
        strip_tail=alternation(rows, "STRIP_TAIL"),
        cue_tail=alternation(rows, "CUE_TAIL"),
        not_agency=alternation(rows, "NOT_AGENCY"),
        not_subject=alternation(rows, "NOT_SUBJECT"),
        agency_end=alternation(rows, "AGENCY_END"),
        subject=alternation(rows, "SUBJECT"),
        table_columns=tuple((r["rx"], r["role"]) for r in by("TABLE_COLUMN")),
        diag_cue=alternation(rows, "DIAG_CUE"),
        diag_not_cue=alternation(rows, "DIAG_NOT_CUE"),
    )


class _Clause:
    """A clause with whitespace removed, remembering where each character came from."""

    def __init__(self, text: str, start: int, end: int):
        self.offsets = [i for i in range(start, end) if not text[i].isspace()]
        self.s = "".join(text[i] for i in self.offsets)

    def span(self, a: int, b: int) -> Span:
        return Span(self.offsets[a], self.offsets[b - 1] + 1)


def jurisdiction_of(text: str, meta: DocumentMeta, registry: Registry) -> Jurisdiction:
    """meta.region when the metadata stage found one, else the region the text mostly names."""
    if meta.level == "national":
        return Jurisdiction(None, None, "national")
    if meta.region:
        return Jurisdiction(meta.region, meta.province, meta.level)
    return registry.dominant_region(text)


def assign_agencies(text: str, measures: tuple[Measure, ...], meta: DocumentMeta, source: Source) -> tuple[Measure, ...]:
    rules = load_rules()
    registry = load_registry()
    where = jurisdiction_of(text, meta, registry)
    first_leads = bool(rules.first_leads.search(text))
    out = []
    for m in measures:
        body = m.heading_span.start if m.span.start <= m.heading_span.start < m.span.end else m.span.start
        # 一、推进…发展（由市科技局牵头）: the section's lead leads each measure inside it, and
        # a 责任单位 list of the measure is then its support (the lead repeated counts once, as lead)
        section_lead = _section_lead(text, m, rules)
        lead, support = find_roles(text, body, m.span.end, rules, first_leads, beside_lead=bool(section_lead))
        if section_lead and not lead:
            lead = section_lead
        out.append(_with_roles(m, lead, support, registry, where))
    return tuple(out)


def _with_roles(item, lead, support, registry: Registry, where):
    """A measure or target with the named roles resolved in its jurisdiction (a lead repeated among
    the supports counts once, as lead); the item itself when nobody is named."""
    lead_ag = _dedupe([registry.resolve(n, where, s) for n, s in lead])
    keys = {a.key for a in lead_ag}
    support_ag = [a for a in _dedupe([registry.resolve(n, where, s) for n, s in support]) if a.key not in keys]
    return replace(item, lead=tuple(lead_ag), support=tuple(support_ag)) if lead_ag or support_ag else item


_ROLE_LINE = re.compile(r"[ \t]*(?:[（(][^（）()\n]{2,120}[）)]|(?:牵头|主责|配合|参与|协办|责任|负责)(?:单位|部门|科室)[^\n]{0,120})[ \t]*$")


def assign_target_agencies(text: str, targets: tuple[Target, ...], meta: DocumentMeta) -> tuple[Target, ...]:
    """Leads and supports of goals stated outside tasks, as a goals list assigns them: on the
    goal's own line (1.每万人口发明专利拥有量达到12件。（市知识产权局负责）) or on role lines right
    under it (牵头单位：区发改局 / 责任单位：…)."""
    rules = load_rules()
    registry = load_registry()
    where = jurisdiction_of(text, meta, registry)
    first_leads = bool(rules.first_leads.search(text))
    starts = sorted(t.span.start for t in targets if t.measure is None)
    out = []
    for t in targets:
        if t.measure is not None:
            out.append(t)
            continue
        start = text.rfind("\n", 0, t.span.start) + 1
        end = text.find("\n", t.span.end)
        end = len(text) if end < 0 else end
        nxt = end + 1
        while nxt < len(text):  # role lines (blank lines between) under the goal's line
            line_end = text.find("\n", nxt)
            line_end = len(text) if line_end < 0 else line_end
            line = text[nxt:line_end]
            if line.strip() and not _ROLE_LINE.fullmatch(line):
                break
            if line.strip():
                end = line_end
            nxt = line_end + 1
        later = [s for s in starts if t.span.end <= s < end and text.rfind("\n", 0, s) + 1 > start]
        end = min([end] + [text.rfind("\n", 0, s) for s in later])  # the next goal's line is its own
        lead, support = find_roles(text, max(start, t.span.end), end, rules, first_leads)
        out.append(_with_roles(t, lead, support, registry, where))
    return tuple(out)


def _section_lead(text: str, m: Measure, rules: RoleRules) -> list[tuple[str, Span]]:
    """The leads a bracketed note names on the heading line of the measure's section
    (``一、强化科技创新（区科技局牵头）``), or []."""
    if not m.category or len(m.category) < 4:
        return []
    i = text.rfind(m.category[:12], 0, m.span.start)
    if i < 0:
        return []
    line_end = text.find("\n", i)
    line_end = m.span.start if line_end < 0 or line_end > m.span.start else line_end
    stop = text.find("。", i, line_end)
    end = stop if stop >= 0 else line_end
    if not re.search(r"[（(][^（）()]*(?:牵头|负责|主责)[^（）()]*[）)]", text[i:end]):
        return []
    lead, _ = find_roles(text, i, end, rules)
    return lead


def _dedupe(agencies: list[Agency]) -> list[Agency]:
    seen, out = set(), []
    for a in agencies:
        if a.key not in seen:
            seen.add(a.key)
            out.append(a)
    return out


def find_roles(text: str, start: int, end: int, rules: RoleRules | None = None, first_leads: bool = False,
               beside_lead: bool = False):
    """([(name, span)] leads, [(name, span)] supports) assigned inside text[start:end].
    ``beside_lead``: a lead is named elsewhere for this measure (its section's note), so a
    责任单位 list holds its support."""
    rules = rules or load_rules()
    registry = load_registry()
    cue_rx = _cue_words(rules)
    if not cue_rx.search(text, start, end) and not rules.field_any.search(text, start, end):
        return [], []
    work = list(text[start:end])
    for a, b in _page_marks(text, start, end):  # …市公安局 / 1、 / 配合: a page mark inside
        work[a - start:b - start] = " " * (b - a)
    unmarked = "".join(work)
    for m in _WRAP.finditer(unmarked):  # 市市场监管局牵 / 头: a name or cue wrapped over lines
        work[m.start():m.end()] = " " * (m.end() - m.start())
    for m in rules.note.finditer(text, start, end):
        work[m.start() - start:m.end() - start] = " " * (m.end() - m.start())
    for m in _QUALIFIER.finditer("".join(work)):  # 各县（市、区）人民政府: brackets inside a name
        work[m.start():m.end()] = m.group().translate(_HIDE)
    lead: list[tuple[str, Span]] = []
    support: list[tuple[str, Span]] = []

    # （责任单位：A、B，排在首位的为牵头单位，下同）: the stated convention closes the list, no item of it
    w = "".join(work)
    for fm in list(rules.first_leads.finditer(w)) + list(_SAME_BELOW.finditer(w)):
        a, b = _clause_at(w, fm.start())
        if a > 0 and w[a - 1] in "，,":
            a -= 1
        work[a:b] = " " * (b - a)
    # labelled lists: 牵头单位：A；配合单位：B、C
    w = "".join(work)
    labels = [(m, next(r for rx, r in rules.fields if rx.fullmatch(m.group(1))))
              for m in re.finditer(rf"({rules.field_any.pattern})\s*[：:]\s*", w)]
    # 牵头单位：A；责任单位：B、C — a 牵头单位 named beside the 责任单位 list: the list is support
    beside_lead = beside_lead or any(r == "lead" for _, r in labels)
    for m, role in labels:
        stop = re.compile(rf"\s*(?:{rules.field_any.pattern})\s*[：:]|[。；;\n）)】〕]").search(w, m.end())
        e = stop.start() if stop else len(w)
        clause = _Clause(w, m.end(), e)
        items = _items(clause, 0, len(clause.s), rules, registry, start)
        comma = re.search(r"[，,]", clause.s)
        if not items and comma:  # 责任单位：A、B，以下工作均需各县政府落实: the list ends at the comma
            items = _items(clause, 0, comma.start(), rules, registry, start)
        if not items:
            continue
        if role == "listed" and beside_lead:
            role_items = [("support", it) for it in items]
        elif role == "listed":
            role_items = [("lead", items[0])] + [("support" if first_leads else "lead", it) for it in items[1:]]
        else:
            role_items = [(role, it) for it in items]
        for r, it in role_items:
            (lead if r == "lead" else support).append(it)
        work[m.start():e] = " " * (e - m.start())
    w = "".join(work)

    done = -1
    for hit in cue_rx.finditer(w):
        if hit.start() < done:
            continue
        cm = _clause_at(w, hit.start())
        done = cm[1]
        clause = _Clause(w, cm[0], cm[1])
        a = _head(clause.s, rules)
        if len(clause.s) - a < 3:
            continue
        if not _infix(clause, a, rules, registry, start, lead, support):
            _cue(clause, a, rules, registry, start, lead, support)
    if support and not lead:  # "X要…，Y配合": X leads
        for cm in _CLAUSE.finditer(w):
            clause = _Clause(w, cm.start(), cm.end())
            a = _head(clause.s, rules)
            sm = rules.subject.match(clause.s[a:])
            if sm:
                items = _items(clause, a + sm.start(1), a + sm.end(1), rules, registry, start)
                if len(items) == 1:
                    lead.append(items[0])
                    break
    return lead, support


_DELIM = re.compile(r"[，。；,;：:！？!?\n（）()〔〕【】\[\]]")


_LINE = re.compile(r"\n([^\n]*)(?=\n)")


def _page_marks(text: str, start: int, end: int):
    """(start, end) of each line holding only a page mark (structure.jsonl PAGE_MARK), the line
    break before it included."""
    from .structure import load_rules as structure_rules

    mark = structure_rules().page_mark
    if mark is None:
        return
    for m in _LINE.finditer(text, start, end):
        if m.group(1).strip() and mark.match(m.group(1).strip()):
            yield m.start(), m.end()


def _clause_at(w: str, i: int) -> tuple[int, int]:
    """[start, end) of the clause holding w[i]."""
    a = i
    while a > 0 and not _DELIM.match(w, a - 1):
        a -= 1
    m = _DELIM.search(w, i)
    return a, (m.start() if m else len(w))


def _head(s: str, rules: RoleRules) -> int:
    hm = rules.strip_head.match(s)
    return hm.end() if hm else 0


@lru_cache(maxsize=None)
def _cue_words(rules: RoleRules) -> re.Pattern:
    words = {w for w, _ in rules.cues} | {w for w, _ in rules.infixes}
    # a wrapped line may leave blanks inside a cue (牵 / 头)
    return re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in sorted(words, key=len, reverse=True)))


def _cue(clause: _Clause, a: int, rules: RoleRules, registry: Registry, base: int, lead: list, support: list) -> bool:
    s = clause.s
    tail = rules.cue_tail.search(s, a)
    body_end = tail.start() if tail else len(s)
    for word, role in rules.cues:
        if s.endswith(word, a, body_end):
            list_end = body_end - len(word)
            tm = rules.strip_tail.search(s[:list_end], a)
            if tm:
                list_end = tm.start()
            items = _items(clause, a, list_end, rules, registry, base)
            if items:
                (lead if role == "lead" else support).extend(items)
                return True
    # 负责 / 牵头 inside a clause ("市统计局负责开展…"): only for names the registry knows
    for word, role in rules.cues:
        if role != "lead":
            continue
        i = s.find(word, a)
        if i > a and i < len(s) - len(word):
            items = _items(clause, a, i, rules, registry, base)
            if items and all(registry.resolve(n, Jurisdiction("-", None, None)).canonical for n, _ in items):
                lead.extend(items)
                return True
    return False


_NAME_AHEAD = None


def _name_ahead(rules: RoleRules) -> re.Pattern:
    global _NAME_AHEAD
    if _NAME_AHEAD is None:
        ends = rules.agency_end.pattern.replace("$", "")
        _NAME_AHEAD = re.compile(rf"[^、，,]{{2,24}}?{ends}(?:、[^、，,]{{2,24}}?{ends})*")
    return _NAME_AHEAD


def _infix(clause: _Clause, a: int, rules: RoleRules, registry: Registry, base: int, lead: list, support: list) -> bool:
    s = clause.s
    for word, role in rules.infixes:
        i = s.find(word, a + 2)
        if i < 0:
            continue
        left = _items(clause, a, i, rules, registry, base)
        if not left:
            continue
        rm = _name_ahead(rules).match(s, i + len(word))
        if not rm or rm.end() >= len(s):
            continue
        right = _items(clause, rm.start(), rm.end(), rules, registry, base)
        if not right:
            continue
        rest = s[rm.end():]
        if role == "lead_support":
            lead.extend(left)
            support.extend(right)
        else:
            if any(rest.startswith(w) for w, _ in rules.cues):
                continue
            support.extend(left)
            lead.extend(right)
        return True
    return False


def _items(clause: _Clause, a: int, b: int, rules: RoleRules, registry: Registry, base: int) -> list[tuple[str, Span]]:
    """The agencies listed in clause.s[a:b], shared prefix distributed; [] unless every item is one."""
    s = clause.s
    if b - a < 2 or rules.not_subject.match(s[a:b]):
        return []
    parts, i = [], a
    for m in _ITEM_SEP.finditer(s, a, b):
        parts.append((i, m.start()))
        i = m.end()
    parts.append((i, b))
    out, prefix = [], ""
    for x, y in parts:
        while y > x and s[y - 1] == "等":
            y -= 1
        etc = _ETC.search(s, x, y)  # 市财政局等有关部门: the named body, not the unnamed rest
        if etc and etc.start() - x >= 2:
            y = etc.start()
        name = s[x:y]
        if len(name) < 2 or len(name) > 30 or _NOT_IN_NAME.search(name) or not rules.agency_end.search(name):
            if name in ("", "等"):
                continue
            return []
        if rules.not_agency.search(name):
            continue
        # 市场监管总局 is a national body, not 市 + 场监管总局: its 市 is no prefix to share
        own = "" if name in registry.national else registry.admin_prefix(name)[0]
        region, written, _ = registry.split_place(name)
        if own:
            prefix = own
        elif region is not None and written.endswith(("市", "省", "区", "县")):
            prefix = written
        elif prefix and not registry.has_prefix(name):
            name = prefix + name
        out.append((name.translate(_SHOW), Span(clause.offsets[x] + base, clause.offsets[y - 1] + 1 + base)))
    return out
