"""HTML pages from government portals -> main text, portal metadata, task tables.

BeautifulSoup over lxml. Boilerplate goes (scripts, styles, navigation, breadcrumbs,
link lists, share/print bars, footers); the 信息公开 metadata table (索引号, 发布机构,
文号, 成文日期 ...) goes into ``fields``; block elements become line breaks; data tables
become tab-separated rows, and task tables (序号 / 重点任务 / 牵头单位 ...) also go into
``tables``. The walk is iterative, so deeply nested pages cannot exhaust the stack.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..errors import IngestError
from .common import charset_alias, clean_cell, decode_text, is_task_table, lines_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)

_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
              "head", "nav", "footer", "aside", "form", "button", "select", "input", "textarea", "map", "audio", "video"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "main", "header", "blockquote", "pre", "center", "address", "hr",
               "table", "tr", "tbody", "thead", "tfoot", "caption", "figure", "figcaption", "body", "html"}
# class/id words of page furniture on portal templates (dqwz = 当前位置, xglj = 相关链接 ...)
_BOILERPLATE = re.compile(
    r"(?:^|[-_ ])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|dqwz|footer|foot|bottom|"
    r"copyright|banquan|share|bdshare|fenxiang|print|toolbar|sidebar|side|related|xglj|xgwz|xgxx|"
    r"links?|friendlink|yqlj|search|login|skip|topbar|header-nav|ewm|qrcode|gotop|backtop)(?:$|[-_ ]|\d)",
    re.I)
_FURNITURE_TEXT = re.compile(r"当前位置|您现在的位置|您所在的位置|打印本页|关闭窗口|【打印】|【关闭】|分享到|扫一扫|"
                             r"字号[:：]?\s*[【\[]?\s*大|版权所有|ICP备|网站标识码|主办单位|承办单位|网站地图|联系我们|"
                             r"上一篇|下一篇|相关链接|相关文章|相关阅读|附件下载")

# Labels of the portal metadata table (政府信息公开 "信息索引").
_META_LABELS = ("索引号", "发布机构", "发文机关", "发文机构", "文号", "发文字号", "成文日期", "发布日期", "公开日期",
                "主题分类", "主题词", "体裁分类", "组配分类", "服务对象分类", "标题", "名称", "有效性", "生效日期",
                "失效日期", "废止日期", "信息来源", "公开方式", "公开范围", "信息分类", "实施日期", "统一编号", "所属机构",
                "来源")
_LABEL = re.compile(r"^\s*(" + "|".join(sorted(_META_LABELS, key=len, reverse=True)) + r")\s*[:：]?\s*$")
_INLINE_PAIR = re.compile(r"(" + "|".join(sorted(_META_LABELS, key=len, reverse=True)) + r")\s*[:：]\s*")


def read_html(raw: bytes, path: str) -> tuple[str, tuple, tuple]:
    text = _decode(raw, path)
    if "<" not in text:
        raise IngestError(path, "not an HTML page (no markup found)")
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as err:  # parser failure on hostile markup: the user's problem, not a bug
        raise IngestError(path, f"cannot parse the HTML ({type(err).__name__})") from None
    _drop_boilerplate(soup)
    fields = _take_metadata(soup)
    lines, tables = _render(soup)
    return lines_text(lines), fields, tables


def _decode(raw: bytes, path: str) -> str:
    m = _META_CHARSET.search(raw[:4096])
    return decode_text(raw, path, declared=charset_alias(m.group(1).decode("ascii")) if m else None)


def _classes(tag: Tag) -> str:
    attrs = tag.attrs or {}
    cls = attrs.get("class") or ()
    if isinstance(cls, str):
        cls = (cls,)
    return " ".join([*cls, str(attrs.get("id") or "")])


class _Stats:
    """Per-tag sums over the subtree, computed in one bottom-up pass (no quadratic walks)."""

    __slots__ = ("text", "link_text", "links", "labels", "blocks")

    def __init__(self):
        self.text = self.link_text = self.links = self.labels = self.blocks = 0


def _subtree_stats(root: Tag) -> dict[int, _Stats]:
    stats: dict[int, _Stats] = {}
    order: list[Tag] = []
    stack = [root]
    while stack:  # pre-order; reversed it is a valid post-order for summing children
        tag = stack.pop()
        order.append(tag)
        stats[id(tag)] = _Stats()
        for child in tag.children:
            if isinstance(child, Tag):
                stack.append(child)
            elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                st = stats[id(tag)]
                n = len(re.sub(r"\s+", "", str(child)))
                st.text += n
                st.labels += len(_INLINE_PAIR.findall(str(child))) or bool(_LABEL.match(str(child)))
    for tag in reversed(order):
        st = stats[id(tag)]
        if tag.name == "a":
            st.links += 1
            st.link_text = st.text
        parent = tag.parent
        if parent is not None and id(parent) in stats and tag is not root:
            ps = stats[id(parent)]
            ps.text += st.text
            ps.link_text += st.link_text
            ps.links += st.links
            ps.labels += st.labels
            ps.blocks += st.blocks + (tag.name in _BLOCK_TAGS and tag.name != "br")
    return stats


def _walk_pruning(root: Tag, remove) -> None:
    """Pre-order walk; ``remove(tag)`` returns True when it took the tag out (its subtree
    is then skipped). Never touch ``tag.decomposed``: on a Tag, an unknown attribute is a
    subtree search in bs4, which makes deep pages quadratic."""
    stack = [root]
    while stack:
        tag = stack.pop()
        if tag is not root and remove(tag):
            continue
        stack.extend(reversed([c for c in tag.children if isinstance(c, Tag)]))


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()

    def drop_tags(tag: Tag) -> bool:
        if tag.name not in _DROP_TAGS:
            return False
        if tag.name == "form" and len(tag.get_text(strip=True)) > 200:
            return False  # ASP.NET pages wrap the whole body in one <form>: keep, look inside
        tag.decompose()
        return True

    _walk_pruning(soup, drop_tags)
    stats = _subtree_stats(soup)

    def drop_furniture(tag: Tag) -> bool:
        st = stats.get(id(tag))
        if st is None or tag.name in ("html", "body"):
            return False
        if st.text < 2000 and _BOILERPLATE.search(_classes(tag)):
            pass
        elif tag.name in ("ul", "ol", "div", "table", "dl") and st.links >= 2 and st.text < 3000 \
                and st.link_text > 0.6 * st.text:
            pass
        elif st.text < 120 and st.blocks == 0 and tag.name in ("ul", "ol", "div", "table", "dl", "p", "span", "td", "li") \
                and _FURNITURE_TEXT.search(re.sub(r"\s+", "", tag.get_text())):
            pass
        else:
            return False
        tag.decompose()
        return True

    _walk_pruning(soup, drop_furniture)


def _take_metadata(soup: BeautifulSoup) -> tuple[tuple[str, str], ...]:
    """Find the block holding at least three metadata labels, read it, remove it."""
    stats = _subtree_stats(soup)
    best = None
    for tag in soup.find_all(["table", "div", "ul", "dl"]):
        st = stats.get(id(tag))
        if st is not None and st.labels >= 3 and st.text < 1500:
            # the smallest block that holds them: later (deeper) candidates replace earlier ones
            best = tag
    if best is None:
        return ()
    pairs = _pairs_from_cells(best) or _pairs_from_text(best.get_text("\n"))
    best.decompose()
    return tuple(pairs)


def _pairs_from_cells(block: Tag) -> list[tuple[str, str]]:
    cells = [c for c in block.find_all(["td", "th", "dt", "dd"]) if not c.find(["td", "th", "dt", "dd"])]
    pairs = []
    for i, cell in enumerate(cells):
        text = cell.get_text(" ", strip=True)
        m = _LABEL.match(text)
        if m and i + 1 < len(cells) and not _LABEL.match(cells[i + 1].get_text(" ", strip=True)):
            pairs.append((m.group(1), clean_cell(cells[i + 1].get_text(" "))))
        elif not m and _INLINE_PAIR.match(text):
            pairs.extend(_pairs_from_text(text))
    return pairs


def _pairs_from_text(text: str) -> list[tuple[str, str]]:
    matches = list(_INLINE_PAIR.finditer(text))
    pairs = []
    for m, nxt in zip(matches, [*matches[1:], None]):
        value = clean_cell(text[m.end(): nxt.start() if nxt else len(text)])
        pairs.append((m.group(1), value))
    return pairs


def _table_rows(table: Tag) -> list[list[str]]:
    """Rows of a data table (no nested table), rowspans carried down."""
    rows: list[list[str]] = []
    carry: dict[int, tuple[str, int]] = {}  # column -> (text, rows left)
    for tr in table.find_all("tr"):
        row: list[str] = []
        cells = tr.find_all(["td", "th"], recursive=False)
        col = 0
        queue = list(cells)
        while queue or col in carry:
            if col in carry:
                text, left = carry[col]
                row.append(text)
                if left <= 1:
                    del carry[col]
                else:
                    carry[col] = (text, left - 1)
                col += 1
                continue
            cell = queue.pop(0)
            text = clean_cell(_cell_text(cell))
            span = _int_attr(cell, "colspan")
            down = _int_attr(cell, "rowspan")
            for _ in range(span):
                if down > 1:
                    carry[col] = (text, down - 1)
                row.append(text)
                col += 1
        if any(row):
            rows.append(row)
    return rows


def _int_attr(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, "1")).strip() or 1), 50))
    except ValueError:
        return 1


def _cell_text(cell: Tag) -> str:
    return " ".join(cell.stripped_strings)


def _render(soup: BeautifulSoup) -> tuple[list[str], tuple]:
    """Iterative walk: strings are appended to the current line, block tags end it."""
    lines: list[str] = []
    current: list[str] = []
    tables: list[tuple[tuple[str, ...], ...]] = []

    def flush():
        line = re.sub(r"[ \t\r\n\f\v\u00a0\u3000\u200b]+", " ", "".join(current)).strip()
        if line:
            lines.append(line)
        current.clear()

    root = soup.body or soup
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _END:
            flush()
            continue
        if isinstance(node, NavigableString):
            current.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        if node.name == "table" and not node.find("table"):
            flush()
            rows = _table_rows(node)
            lines.extend("\t".join(row) for row in rows)
            if is_task_table(rows):
                tables.append(tuple(tuple(row) for row in rows))
            continue
        block = node.name in _BLOCK_TAGS or node.name in ("td", "th")
        if block:
            flush()
            stack.append(_END)
        stack.extend(reversed(list(node.children)))
    flush()
    return lines, tuple(tables)


_END = object()
