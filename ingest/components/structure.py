"""Stage: sections and measures (numbered tasks, heading-sentence paragraphs, safeguards).

The text is read as lines, then paragraphs (a line broken by a page break or a hard wrap
continues its paragraph), then a tree of numbered items: an item of a numbering style already
open is a sibling of that open item, any other style nests under the current item. Which
numbering styles exist, which sections hold no measures and which hold safeguards are rules in
``ingest/patterns/structure.jsonl``.

The measure is the lowest level of the task structure:
- an item with numbered children is their category, not a measure;
- an item whose body paragraphs each open with a heading sentence (``激发…活力。…``) is the
  category of those paragraphs, which are the measures;
- any other item in a section that is not background, goals or principles is a measure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..patternfile import alternation, load_jsonl, pattern_path
from ..record import Measure, Section, Span
from ..text import squash

RULE_KEYS = {"label", "id", "regex", "note"}
RULE_LABELS = {"MARKER", "REPLY", "ARTICLE", "SKIP_SECTION", "SAFEGUARD_SECTION", "SAFEGUARD_ITEM", "SKIP_MEASURE", "END", "BULLET",
               "RUN_ON_BREAK", "TASK_HEADING", "PAGE_MARK", "ROLE_NOTE", "SKIP_ARTICLE",
               "NOTICE_REQUESTS", "NOTICE_ISSUED", "REQUEST_ITEM", "SITE_NOTE", "CELL_HEAD"}
SECTION_STYLES = {"cn_dun", "chapter"}  # numbering styles of top-level sections
SAFEGUARD_CATEGORY = "保障措施"
HEADING_MAX = 40  # longest first sentence still read as a paragraph's heading
# A line this long holding at least RUN_ON_ITEMS numbered-item starts has lost its line breaks
# (doc-sharing copies, some scrapes): it is read as one line per item.
RUN_ON_LINE = 240
RUN_ON_ITEMS = 2
TERMINAL = "。！？；：:!?;"
_MARKDOWN = re.compile(r"(?:#{1,6}[ \t]*|>[ \t]*|[-*+][ \t]+|\*\*|__)*")
_HASHES = re.compile(r"#{1,6}")
_TRIM = "。．.，,；;：:、 \t\n*_#"


@dataclass(frozen=True)
class Rules:
    markers: tuple[tuple[str, re.Pattern], ...]
    article: re.Pattern
    skip_section: re.Pattern
    safeguard_section: re.Pattern
    safeguard_item: re.Pattern
    skip_measure: re.Pattern
    end: re.Pattern
    bullet: re.Pattern
    run_on_break: re.Pattern | None = None
    task_heading: re.Pattern | None = None
    page_mark: re.Pattern | None = None
    role_note: re.Pattern | None = None  # （由市科技局牵头） closing a heading: an assignment, not heading text
    skip_article: re.Pattern | None = None  # an article that sets out no measure (principle, eligibility, procedure)
    notice_requests: re.Pattern | None = None  # 现将《X》印发给你们，并…通知如下：the notice's own requests follow
    reply: re.Pattern | None = None  # a 批复 (某某的请示收悉): its numbered points answer a request, no measures
    notice_issued: re.Pattern | None = None  # 现予以印发，请认真贯彻落实。: requests may follow, addressed to bodies
    request_item: re.Pattern | None = None  # 一、各成员单位要…: an item addressed to bodies, as a notice's request is
    site_note: re.Pattern | None = None  # 1、下载文档前请自行甄别…: a site's numbered note to the reader, no item
    cell_heads: tuple[tuple[str, re.Pattern], ...] = ()  # (number | task | category, header cell) of a cell-per-line table


@lru_cache(maxsize=None)
def load_rules(path: str | None = None) -> Rules:
    rows = load_jsonl(path or pattern_path("structure.jsonl"), RULE_KEYS, RULE_LABELS, {"label", "regex"})
    markers = tuple((r.get("id") or f"marker{r['line']}", r["rx"]) for r in rows if r["label"] == "MARKER")
    return Rules(
        markers=markers,
        article=alternation(rows, "ARTICLE"),
        skip_section=alternation(rows, "SKIP_SECTION"),
        safeguard_section=alternation(rows, "SAFEGUARD_SECTION"),
        safeguard_item=alternation(rows, "SAFEGUARD_ITEM"),
        skip_measure=alternation(rows, "SKIP_MEASURE"),
        end=alternation(rows, "END"),
        bullet=alternation(rows, "BULLET"),
        run_on_break=alternation(rows, "RUN_ON_BREAK"),
        task_heading=alternation(rows, "TASK_HEADING"),
        page_mark=alternation(rows, "PAGE_MARK"),
        role_note=alternation(rows, "ROLE_NOTE"),
        skip_article=alternation(rows, "SKIP_ARTICLE"),
        notice_requests=alternation(rows, "NOTICE_REQUESTS"),
        reply=alternation(rows, "REPLY"),
        notice_issued=alternation(rows, "NOTICE_ISSUED"),
        request_item=alternation(rows, "REQUEST_ITEM"),
        site_note=alternation(rows, "SITE_NOTE"),
        cell_heads=tuple((r["id"], r["rx"]) for r in rows if r["label"] == "CELL_HEAD"),
    )


@dataclass
class Para:
    start: int  # first character of the line's content (markdown marks skipped, number kept)
    end: int  # end of the last line's content
    style: str | None  # numbering style, "md<n>" for an unnumbered markdown heading, None for prose
    number: str | None
    body: int  # first character after the number
    first_line_end: int


@dataclass
class Node:
    para: Para
    parent: Node | None
    heading: str = ""
    heading_span: Span = Span(0, 0)
    inline_body: bool = False
    children: list[Node] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)  # unnumbered paragraphs directly under it
    end: int = 0

    @property
    def style(self) -> str:
        return self.para.style or ""


def _number(marker: str) -> str:
    return re.sub(r"[\s（）()、.．)第条章编部分\]】:：]", "", marker) or marker


def _lines(text: str, rules: Rules):
    """(content_start, content_end, style, number, body, md_heading) for each non-blank line."""
    for start, end in _physical_lines(text, rules):
        line = text[start:end]
        s = len(line) - len(line.lstrip())
        e = len(line.rstrip())
        if s >= e:
            continue
        if rules.page_mark is not None and rules.page_mark.match(line[s:e]):
            continue  # a page mark between two halves of a paragraph
        m = _MARKDOWN.match(line, s)
        md = _HASHES.match(line, s)
        c = m.end() if m else s
        while c < e and line[c] in " \t":
            c += 1
        if c >= e:
            continue
        style = number = None
        body = c
        if rules.site_note is not None and rules.site_note.search(line, c, e):
            yield start + c, start + e, None, None, start + c, bulleted_line(line, s, m)
            continue  # a site's note to the reader: prose, whatever its number
        am = rules.article.match(line, c)
        if am:
            style, number, body = "article", _number(am.group()), am.end()
        else:
            for sid, rx in rules.markers:
                mm = rx.match(line, c)
                if mm:
                    style, number, body = sid, _number(mm.group()), mm.end()
                    break
        if style is None and md:
            style = f"md{len(md.group())}"
        while body < e and line[body] in " \t":
            body += 1
        yield start + c, start + e, style, number, start + body, bulleted_line(line, s, m)


def bulleted_line(line: str, s: int, m: re.Match | None) -> bool:
    """Whether the line opens with a markdown list mark (- , * , + )."""
    return bool(m and m.end() > s and line[s] in "-*+")


def _physical_lines(text: str, rules: Rules):
    """[start, end) of each line; a run-on line (its breaks lost) is cut where numbered items start."""
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        cuts = []
        if len(line) >= RUN_ON_LINE and rules.run_on_break is not None:
            cuts = [m.start() for m in rules.run_on_break.finditer(line) if 0 < m.start() < len(line)]
        if len(cuts) < RUN_ON_ITEMS:
            yield start, end
            continue
        last = 0
        for c in cuts:
            if c > last:
                yield start + last, start + c
            last = c
        yield start + last, end


def _complete(text: str, para: Para) -> bool:
    """Whether a paragraph is finished (the next line starts a new one)."""
    tail = text[para.start:para.end].rstrip("*_ \t")
    if not tail or tail[-1] in TERMINAL:
        return True
    if para.style and para.style.startswith("md"):
        return True
    content = squash(text[para.body:para.end])
    if para.style and "。" not in content and len(content) <= 60:
        return True  # a numbered heading line
    return para.end == para.first_line_end and len(content) <= 25 and not re.search(r"[，,、。；]", content)


def _paragraphs(text: str, rules: Rules, requests: tuple[int, int] | None = None) -> tuple[list[Para], int]:
    """Paragraphs of the body; it ends at an END line after the first item (``requests``: a notice's
    own requests, whose items do not count, so its date line does not cut off the plan after it)."""
    paras: list[Para] = []
    body_end = len(text)
    seen_item = False
    for start, end, style, number, body, bulleted in _lines(text, rules):
        if not paras and style and style.startswith("md"):
            style = None  # a page's opening # headline is its title line, read as the .txt would read it
        if seen_item and rules.end.search(text[start:end]):
            body_end = start
            break
        if style is None and not bulleted and paras and not _complete(text, paras[-1]) and not rules.bullet.match(text, start):
            paras[-1].end = end
            continue
        paras.append(Para(start, end, style, number, body, end))
        seen_item = seen_item or (style is not None and not style.startswith("md")
                                  and not (requests and requests[0] <= start < requests[1]))
    return paras, body_end


def _first_sentence(text: str, start: int, end: int) -> int | None:
    """Offset of the 。 (or ！？) closing the first sentence of text[start:end], if any."""
    m = re.compile(r"[。！？!?]").search(text, start, end)
    return m.start() if m else None


def _trimmed(text: str, start: int, end: int) -> tuple[str, Span]:
    while start < end and text[start] in _TRIM + "【[":
        start += 1
    while end > start and text[end - 1] in _TRIM + "】]":
        end -= 1
    return squash(text[start:end]), Span(start, end)


def _heading_sentence(text: str, para: Para, rules: Rules) -> tuple[str, Span] | None:
    """The heading sentence opening an unnumbered paragraph (``激发知识产权创造活力。…``)."""
    start = para.start
    bm = rules.bullet.match(text, start)
    if bm:
        start = bm.end()
    k = _first_sentence(text, start, para.end)
    if k is None:
        return None
    first = squash(text[start:k])
    rest = squash(text[k + 1:para.end])
    if not (2 <= len(first) <= HEADING_MAX) or len(rest) < 4:
        return None
    if re.search(r"[：:；;]|^到\d{4}|^\d{4}年", first) or len(re.findall(r"[，,]", first)) > 2:
        return None
    return _trimmed(text, start, k)


def _build_tree(text: str, paras: list[Para], rules: Rules) -> tuple[list[Node], list[Para]]:
    nodes: list[Node] = []
    root_paras: list[Para] = []
    stack: list[Node] = []
    for para in paras:
        if para.style is None:
            (stack[-1].paras if stack else root_paras).append(para)
            continue
        same = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].style == para.style), None)
        if same is not None:
            del stack[same:]
        node = Node(para, stack[-1] if stack else None)
        if para.style == "article":
            bm = re.compile(r"[【\[〔]([^】\]〕]{1,40})[】\]〕]").match(text, para.body)
            k = None if bm else _first_sentence(text, para.body, para.end)
            hs, he = (bm.start(1), bm.end(1)) if bm else (para.body, k if k is not None else para.end)
        else:
            k = _first_sentence(text, para.body, para.end)
            hs, he = para.body, (k if k is not None else para.end)
            if rules.role_note is not None:  # 推进教育科技人才一体发展（由市科技局牵头）
                nm = rules.role_note.search(text, hs, he)
                if nm and nm.start() - hs >= 4:
                    he = nm.start()
        node.heading, node.heading_span = _trimmed(text, hs, he)
        node.inline_body = bool(squash(text[he + 1:para.end]))
        if node.parent:
            node.parent.children.append(node)
        stack.append(node)
        nodes.append(node)
    return nodes, root_paras


def _ends(nodes: list[Node], body_end: int) -> None:
    """Each node ends where the next node that is not inside it starts."""
    for i, node in enumerate(nodes):
        end = body_end
        for later in nodes[i + 1:]:
            p, inside = later.parent, False
            while p is not None:
                if p is node:
                    inside = True
                    break
                p = p.parent
            if not inside:
                end = later.para.start
                break
        node.end = end


def _opening(text: str, node: Node) -> str:
    """The item's first sentence as written (its heading may be cut shorter)."""
    k = _first_sentence(text, node.para.body, node.para.end)
    return squash(text[node.para.body:k if k is not None else node.para.end])


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _skipped(node: Node, rules: Rules) -> bool:
    heading = re.split(r"[：:]", node.heading, maxsplit=1)[0]  # （一）指导思想：坚持… is headed 指导思想
    if not rules.skip_section.search(heading):
        return False
    if rules.task_heading is not None and rules.task_heading.match(node.heading):
        return False
    labelled = heading != node.heading and len(heading) <= 20  # a label before ：names the paragraph
    return bool(node.children) or node.style in SECTION_STYLES or node.style.startswith("md") or len(heading) <= 12 or labelled


def _heading_paras(text: str, node: Node, rules: Rules, minimum: int) -> list[tuple[Para, str, Span]] | None:
    found = [(p, h) for p in node.paras if (h := _heading_sentence(text, p, rules))]
    if len(found) >= minimum and len(found) >= 0.75 * len(node.paras):
        return [(p, h[0], h[1]) for p, h in found]
    return None


_INSTRUCTION = re.compile(r"要|应|须|将|各|均|必须|务必")


def _lone_heading_para(text: str, node: Node, rules: Rules) -> list[tuple[Para, str, Span]] | None:
    """（一）全方位扩大内需。<intro>… / 做实项目支撑扩大有效投资。<a long body>: one paragraph after
    a numbered item's own introduction, opening with a short task heading (no instruction word:
    各部门要…。 opens no measure), is the measure and the item its category."""
    para = node.paras[0]
    h = _heading_sentence(text, para, rules)
    if not h or len(h[0]) > 20 or _INSTRUCTION.search(h[0]):
        return None
    if len(squash(text[h[1].end:para.end])) < 60:
        return None
    return [(para, h[0], h[1])]


_NAMED = re.compile(r"(?<!简称)《([^《》]{4,80})》")


def _addressed_requests(text: str, rules: Rules) -> re.Match | None:
    """A notice's plain issuing sentence (…现予以印发，请认真贯彻落实。) followed by numbered items that
    each address bodies (一、各成员单位要… 二、承德、廊坊市要…): those items are its requests. A plan
    printed after such a sentence opens with its title or sections (一、总体要求), never like that."""
    if rules.notice_issued is None or rules.request_item is None:
        return None
    m = rules.notice_issued.search(text, 0, min(len(text), 3000))
    if not m:
        return None
    items = [line.strip() for line in text[m.end():m.end() + 1500].split("\n") if line.strip()][:2]
    return m if len(items) == 2 and all(rules.request_item.match(line) for line in items) else None


def _notice_requests(text: str, rules: Rules, body_end: int) -> tuple[int, int] | None:
    """[start, end) of the requests a 印发 notice makes about the plan it issues (现将《X》印发给你们，
    并就抓好落实通知如下：1.明确任务… 2.加强督考…): they run until the plan's own title line, if the
    page holds the plan, else to the end of the body. They organise the plan's implementation; the
    plan's measures are its own."""
    if rules.notice_requests is None:
        return None
    m = rules.notice_requests.search(text, 0, min(len(text), 3000)) or _addressed_requests(text, rules)
    if not m:
        return None
    # the plan it issues: named in the match (现将《X》印发…), else the last name before it (制定了《X》。现印发…)
    inner = re.search(r"《([^《》]{4,80})》", m.group())
    before = list(_NAMED.finditer(text, max(0, m.start() - 200), m.start()))
    named = inner or (before[-1] if before else None)
    title = squash(named.group(1)) if named else ""
    end = body_end
    pos = m.end()
    for line in text[m.end():body_end].split("\n"):
        if title and len(title) >= 4 and squash(line).startswith(title[:max(4, len(title) - 2)]):
            end = pos
            break
        pos += len(line) + 1
    return m.end(), end


_CELL_MAX = 16  # longest header cell of a cell-per-line table
_ROW_NO = re.compile(r"^\d{1,3}$")


def _cell_table(text: str, rules: Rules) -> tuple[int, list[Measure]] | None:
    """A table a portal page flattened to one cell per line (项目类别 / 序号 / 项目名称 / … each a
    line of its own, blank lines between): (where its rows start, one measure a row: number the
    序号, heading the task cell's first sentence, category the category cell before the 序号)."""
    if not rules.cell_heads:
        return None
    blocks = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    cells = [squash(text[a:b]) for a, b in blocks]

    def role(cell: str) -> str | None:
        return next((rid for rid, rx in rules.cell_heads if rx.match(cell)), None)

    for h in range(len(cells)):
        head = []
        for c in cells[h:h + 8]:
            if len(c) > _CELL_MAX:
                break
            head.append(role(c))
        if "number" not in head or "task" not in head or head.index("task") != head.index("number") + 1:
            continue
        cat_before = "category" in head and head.index("category") < head.index("number")
        out, expect, k = [], 1, h + head.index("task") + 1
        rows_start = blocks[k][0] if k < len(blocks) else len(text)
        while k < len(cells):
            if cells[k] != str(expect) or k + 1 >= len(cells):
                k += 1
                continue
            a, b = blocks[k + 1]
            stop = _first_sentence(text, a, b)
            heading, hspan = _trimmed(text, a, stop if stop is not None else b)
            category = cells[k - 1] if cat_before and not _ROW_NO.match(cells[k - 1]) and len(cells[k - 1]) <= _CELL_MAX else None
            nxt = next((j for j in range(k + 2, len(cells)) if cells[j] == str(expect + 1)), None)
            end = blocks[nxt - 1 if cat_before and nxt - 1 > k + 1 else nxt][0] if nxt is not None else len(text)
            out.append(Measure(str(expect), heading, category, "task", Span(blocks[k][0], _rstrip(text, blocks[k][0], end)), hspan))
            if nxt is None:
                break
            k, expect = nxt, expect + 1
        if out and all(len(m.heading) <= HEADING_MAX for m in out):
            return rows_start, out
    return None


def find_structure(text: str) -> tuple[tuple[Section, ...], tuple[Measure, ...]]:
    rules = load_rules()
    sections, measures = _find_structure(text, rules)
    if rules.reply is not None and rules.reply.search(text, 0, 2000):
        return sections, ()  # 原则同意《方案》…要…: a reply's points answer the request, they set no measures
    table = _cell_table(text, rules)
    if table and measures and all(m.span.start >= table[0] for m in measures):
        return sections, tuple(table[1])  # the numbered lines were inside the table's cells
    return sections, measures


def _find_structure(text: str, rules: Rules) -> tuple[tuple[Section, ...], tuple[Measure, ...]]:
    requests = _notice_requests(text, rules, len(text))
    paras, body_end = _paragraphs(text, rules, requests)
    nodes, root_paras = _build_tree(text, paras, rules)
    _ends(nodes, body_end)

    def depth(node: Node) -> int:
        d, p = 1, node.parent
        while p is not None:
            d, p = d + 1, p.parent
        return d

    sections = tuple(
        Section(n.para.number, n.heading, depth(n), Span(n.para.start, _rstrip(text, n.para.start, n.end))) for n in nodes
    )

    def ancestors(node: Node):
        p = node.parent
        while p is not None:
            yield p
            p = p.parent

    def kind_of(node: Node, own: bool) -> str:
        own = own or node.style in SECTION_STYLES or node.style.startswith("md")
        chain = ([node] if own else []) + list(ancestors(node))
        return "safeguard" if any(rules.safeguard_section.search(n.heading) for n in chain) else "task"

    measures: list[tuple[Measure, Node | None]] = []
    for node in nodes:
        if any(_skipped(n, rules) for n in [node, *ancestors(node)]):
            continue
        if requests and requests[0] <= node.para.start < requests[1]:
            continue  # the notice's own requests about carrying out the plan it issues
        if any(a.style == "article" for a in ancestors(node)):
            continue  # （一）（二） inside 第三条: the article's own list (conditions, cases), not measures of their own
        if node.style == "article" and rules.skip_article is not None and (
                rules.skip_article.search(node.heading) or rules.skip_article.search(_opening(text, node))):
            continue
        if node.children and node.style != "article":
            continue
        minimum = 1 if (node.style in SECTION_STYLES or node.style.startswith("md")) and not node.inline_body else 2
        heads = _heading_paras(text, node, rules, minimum) if node.style != "article" else None
        if not heads and node.style != "article" and node.inline_body and len(node.paras) == 1:
            heads = _lone_heading_para(text, node, rules)
        if heads:
            kind = kind_of(node, True)
            for i, (para, heading, hspan) in enumerate(heads):
                stop = heads[i + 1][0].start if i + 1 < len(heads) else node.end
                span = Span(para.start, _rstrip(text, para.start, stop))
                measures.append((Measure(None, heading, node.heading, kind, span, hspan), None))
            continue
        has_body = node.inline_body or bool(node.paras)
        if node.style.startswith("md") and not has_body:
            continue
        whole_sentence = (len(node.heading) > 15 and not re.search(r"[:：]", node.heading)  # 通过信函寄至：… is a label
                          and text[node.para.start:node.para.end].rstrip().endswith(("。", "；", ";", "，", ",")))  # ，: a page cut mid-item
        if not has_body and node.style in SECTION_STYLES and not whole_sentence:
            continue  # an empty section title; but 二、各部门要…。 alone on its line is an item (a 制度's provisions)
        if not node.heading or rules.skip_measure.search(node.heading) or rules.skip_measure.search(_opening(text, node)):
            continue
        category = node.parent.heading if node.parent else None
        span = Span(node.para.start, _rstrip(text, node.para.start, node.end))
        measures.append((Measure(node.para.number, node.heading, category, kind_of(node, node.parent is None), span, node.heading_span), node))

    if not nodes and root_paras:  # no numbering at all: heading-sentence paragraphs
        pseudo = Node(Para(0, 0, "md0", None, 0, 0), None, paras=root_paras, end=body_end)
        heads = _heading_paras(text, pseudo, rules, 3)
        for i, (para, heading, hspan) in enumerate(heads or []):
            stop = heads[i + 1][0].start if i + 1 < len(heads) else body_end
            measures.append((Measure(None, heading, None, "task", Span(para.start, _rstrip(text, para.start, stop)), hspan), None))
        if not heads:
            measures += [(m, None) for m in _listed_measures(text, root_paras, rules)]

    return sections, _implicit_safeguards(measures, rules)


# a line announcing the measures listed under it (具体措施包括： / 要重点抓好十一方面工作：), as a news
# item reports them
MEASURES_INTRO = re.compile(r"(?:措施|任务|举措|工作)[^。\n]{0,8}[:：][ \t]*$", re.M)
_BULLET_MARK = re.compile(r"[•·●▪■◆][ \t]*")
_LINE_HEADING = 40  # longest line still read as a subheading of a news item


def listed_intro(text: str, pos: int) -> bool:
    """Whether a line announcing listed measures comes before pos (within a page's length)."""
    return MEASURES_INTRO.search(text, max(0, pos - 3000), pos) is not None


def _listed_measures(text: str, paras: list[Para], rules: Rules) -> list[Measure]:
    """In a text with no numbering (a news item), the measures listed under a line announcing them:
    bulleted lines (• …), each a measure headed by its first sentence; or subheading lines (short,
    no final punctuation) each followed by its paragraph, a subheading followed by another
    subheading being their category."""
    if not paras:
        return []
    intro = MEASURES_INTRO.search(text, paras[0].start, paras[-1].end)
    if not intro:
        return []
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[:paras[-1].end]) if m.start() > intro.end()]
    lines = [(a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip())) for a, b in lines
             if text[a:b].strip()]
    out: list[Measure] = []
    bullets = [(a, b, m.end()) for a, b in lines if (m := _BULLET_MARK.match(text, a))]
    if len(bullets) >= 2:
        for a, b, hs in bullets:
            k = _first_sentence(text, hs, b)
            heading, hspan = _trimmed(text, hs, k if k is not None else b)
            if heading:
                out.append(Measure(None, heading, None, "task", Span(a, b), hspan))
        return out

    def is_heading(a: int, b: int) -> bool:
        line = text[a:b]
        return len(squash(line)) <= _LINE_HEADING and line[-1] not in TERMINAL + "，,、" and not (
            rules.page_mark is not None and rules.page_mark.match(line))

    category = None
    for i, (a, b) in enumerate(lines):
        if not is_heading(a, b) or i + 1 >= len(lines):
            continue
        na, nb = lines[i + 1]
        if is_heading(na, nb):
            category = squash(text[a:b])
            continue
        heading, hspan = _trimmed(text, a, b)
        nxt = next((x for x, y in lines[i + 2:] if is_heading(x, y)), None)
        end = nxt if nxt is not None else lines[-1][1]
        out.append(Measure(None, heading, category, "task", Span(a, _rstrip(text, a, end)), hspan))
    return out if len(out) >= 2 else []


def _implicit_safeguards(measures: list[tuple[Measure, Node | None]], rules: Rules) -> tuple[Measure, ...]:
    """A trailing run of top-level items after the tasks, reading like safeguards (加强组织领导,
    加强财政保障, 加强督查考核), whose section title was lost: safeguards of 保障措施."""
    from dataclasses import replace

    out = [m for m, _ in measures]
    i = 0
    while i < len(measures):
        m, node = measures[i]
        if node is None or node.parent is not None or i == 0:
            i += 1
            continue
        j = i
        while j < len(measures) and measures[j][1] is not None and measures[j][1].parent is None:
            j += 1
        run = out[i:j]
        if sum(bool(rules.safeguard_item.search(x.heading)) for x in run) * 2 >= len(run):
            for k in range(i, j):
                out[k] = replace(out[k], kind="safeguard", category=out[k].category or SAFEGUARD_CATEGORY)
        i = j
    return tuple(out)
