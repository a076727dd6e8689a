"""The text of Word paragraphs as Word shows it, from the WordprocessingML itself.

python-docx's ``Paragraph.text`` reads only the runs directly under the paragraph and its
hyperlinks: text in tracked insertions (``w:ins``), smart tags, content controls, simple fields
and text boxes is lost, and automatic numbering (``w:numPr``: the ``一、`` / ``（一）`` / ``1.``
Word draws in front of a paragraph) is no text at all. Government documents are typed with all
of these, and a measure whose ``1.`` is drawn by Word is a measure all the same, so:

* ``paragraph_text`` walks a paragraph's runs in order through every container, skipping deleted
  and hidden text, and maps a tab to a space (a tab inside a paragraph is spacing, not a cell);
* ``Numbering`` keeps Word's list counters over the document (per list and level, deeper levels
  restarting under a higher one, ``startOverride``, numbering inherited from a paragraph style)
  and gives each numbered paragraph its visible label (chineseCounting -> 一, 十一; decimal;
  enclosed circles; letters; roman);
* ``text_boxes`` gives the paragraphs of text boxes anchored in a paragraph (the modern
  ``mc:Choice`` only, never the legacy fallback copy of the same box).
"""
from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

_RECURSE = {"hyperlink", "ins", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "moveTo", "dir", "bdo"}
_SKIP = {"del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr", "proofErr", "bookmarkStart", "bookmarkEnd"}


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def paragraph_text(p) -> str:
    """Visible text of one ``w:p`` (without its numbering label and text boxes)."""
    out: list[str] = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        name = _local(el)
        if name == "r":
            if _hidden(el):
                continue
            for child in el:
                kind = _local(child)
                if kind == "t":
                    out.append(child.text or "")
                elif kind in ("tab", "ptab"):
                    out.append(" ")
                elif kind in ("br", "cr"):
                    out.append("" if child.get(f"{W}type") == "page" else "\n")
                elif kind == "noBreakHyphen":
                    out.append("-")
        elif name in _RECURSE:
            stack.extend(reversed(list(el)))
    return "".join(out)


def _hidden(run) -> bool:
    rpr = run.find(f"{W}rPr")
    if rpr is None:
        return False
    vanish = rpr.find(f"{W}vanish")
    return vanish is not None and vanish.get(f"{W}val", "true") not in ("0", "false", "off")


def text_boxes(p) -> list:
    """``w:p`` elements inside text boxes anchored in paragraph ``p``, in order, skipping the
    ``mc:Fallback`` copy Word writes of every box."""
    found = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        if el.tag == MC_FALLBACK:
            continue
        if _local(el) == "txbxContent":
            found.extend(child for child in el.iter(f"{W}p"))
            continue
        stack.extend(reversed(list(el)))
    return found


# ---------------------------------------------------------------- numbering

_DIGITS = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + _DIGITS[rest] if rest < 10 else
                                    (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else "")))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital"):
        return chinese_number(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        out, rest = "", n
        for value, digits in _ROMAN:
            while rest >= value:
                out, rest = out + digits, rest - value
        return out if fmt == "upperRoman" else out.lower()
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)  # decimal and anything unknown


class _Level:
    __slots__ = ("start", "fmt", "text", "restart")

    def __init__(self, start=1, fmt="decimal", text="", restart=None):
        self.start, self.fmt, self.text, self.restart = start, fmt, text, restart


def _val(el, tag: str, default=None):
    child = el.find(f"{W}{tag}") if el is not None else None
    return child.get(f"{W}val", default) if child is not None else default


def _levels(parent) -> dict[int, _Level]:
    levels = {}
    for lvl in parent.findall(f"{W}lvl"):
        try:
            ilvl = int(lvl.get(f"{W}ilvl", "0"))
            start = int(_val(lvl, "start", "1"))
            restart = _val(lvl, "lvlRestart")
            levels[ilvl] = _Level(start, _val(lvl, "numFmt", "decimal"), _val(lvl, "lvlText", ""),
                                  int(restart) if restart is not None else None)
        except ValueError:
            continue
    return levels


class Numbering:
    """Word's list counters over one document, paragraph by paragraph in reading order."""

    def __init__(self, numbering_el=None, styles_el=None):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, _Level], dict[int, int]]] = {}
        self.style_num: dict[str, tuple[str | None, str | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_el is not None:
            for a in numbering_el.findall(f"{W}abstractNum"):
                self.abstract[a.get(f"{W}abstractNumId")] = _levels(a)
            for num in numbering_el.findall(f"{W}num"):
                overrides, starts = {}, {}
                for ov in num.findall(f"{W}lvlOverride"):
                    try:
                        ilvl = int(ov.get(f"{W}ilvl", "0"))
                        if _val(ov, "startOverride") is not None:
                            starts[ilvl] = int(_val(ov, "startOverride"))
                    except ValueError:
                        continue
                    overrides.update({ilvl: lvl for lvl in _levels(ov).values()})
                self.nums[num.get(f"{W}numId")] = (_val(num, "abstractNumId"), overrides, starts)
        if styles_el is not None:
            based: dict[str, str] = {}
            own: dict[str, tuple[str | None, str | None]] = {}
            for style in styles_el.findall(f"{W}style"):
                sid = style.get(f"{W}styleId")
                numpr = style.find(f"{W}pPr/{W}numPr")
                if numpr is not None:
                    own[sid] = (_val(numpr, "numId"), _val(numpr, "ilvl"))
                if _val(style, "basedOn"):
                    based[sid] = _val(style, "basedOn")
            for sid in {*own, *based}:
                seen, cur = set(), sid
                while cur and cur not in own and cur not in seen:
                    seen.add(cur)
                    cur = based.get(cur)
                if cur in own:
                    self.style_num[sid] = own[cur]

    def label(self, p) -> str:
        """The label Word draws in front of paragraph ``p`` ('' when it has none); advances the counters."""
        ppr = p.find(f"{W}pPr")
        numpr = ppr.find(f"{W}numPr") if ppr is not None else None
        style = _val(ppr, "pStyle")
        num_id, ilvl = (_val(numpr, "numId"), _val(numpr, "ilvl")) if numpr is not None else (None, None)
        if style in self.style_num:
            s_num, s_lvl = self.style_num[style]
            num_id = num_id if num_id is not None else s_num
            ilvl = ilvl if ilvl is not None else s_lvl
        if num_id in (None, "0") or num_id not in self.nums:
            return ""
        try:
            level = int(ilvl or 0)
        except ValueError:
            return ""
        abstract_id, overrides, starts = self.nums[num_id]
        levels = {**self.abstract.get(abstract_id, {}), **overrides}
        lvl = levels.get(level)
        if lvl is None or lvl.fmt in ("bullet", "none") or not lvl.text:
            return ""
        # a list restarted by startOverride counts on its own; other nums share their abstract list
        key = f"num:{num_id}" if starts else f"abs:{abstract_id}"
        counters = self.counters.setdefault(key, {})
        start = starts.get(level, lvl.start)
        counters[level] = counters[level] + 1 if level in counters else start
        for deeper in [k for k in counters if k > level]:
            # w:lvlRestart: absent = restart under any higher level; 0 = never; n = under level n-1 or higher
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart > 0 and level <= restart - 1):
                del counters[deeper]
        text = lvl.text
        for k in range(9):
            if f"%{k + 1}" in text:
                other = levels.get(k)
                value = counters.get(k, starts.get(k, other.start if other else 1))
                text = text.replace(f"%{k + 1}", format_number(value, other.fmt if other else "decimal"))
        # the label's suffix (a tab by default) is spacing: none after 、 ． ） ，a space after 第一条
        return text + (" " if text[-1:].isalnum() else "")
