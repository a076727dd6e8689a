"""The policy-instrument mix: IP-chain stage × policy instrument counts per document, region or year,
and the stacked-bar chart researchers put in papers.

    >>> rows = mix_table(backend, by="document")          # doctest: +SKIP
    >>> rows[0]["group"], rows[0]["stage"], rows[0]["环境型"], rows[0]["total"]   # doctest: +SKIP
    >>> write_mix_chart(backend, "mix.png", by="region")   # doctest: +SKIP

Counts come from the named query ``instrument_mix`` (one row per document × stage × instrument ×
tool); grouping happens here. A document's year is the year of its ``eli:date_document`` or,
failing that, the year in its 发文字号 (珠府函〔2017〕127号 → 2017); otherwise it is unknown.
"""
from __future__ import annotations

import html
import re
import warnings
from collections import defaultdict
from pathlib import Path

from ..graph.store import Backend
from ..ingest.errors import PolicyKGError
from ..queries.run import run_query

GROUPINGS = ("document", "region", "year")
# Scheme order of ontology/schemes.ttl (CLASSIFICATION.md); values outside it sort after, by name.
STAGES = ("创造", "运用", "保护", "管理", "服务", "综合保障")
INSTRUMENTS = ("供给型", "环境型", "需求型")
STAGE_COLORS = {"创造": "#2ca02c", "运用": "#1f77b4", "保护": "#d62728", "管理": "#9467bd",
                "服务": "#ff7f0e", "综合保障": "#8c564b"}  # as in viz.py, so the figures agree
INSTRUMENT_COLORS = {"供给型": "#4c72b0", "环境型": "#55a868", "需求型": "#dd8452"}
OTHER_COLOR = "#bdbdbd"
UNKNOWN = "未注明"
GROUP_ZH = {"document": "文件", "region": "地区", "year": "年份"}
GROUP_EN = {"document": "document", "region": "region", "year": "year"}
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans CJK JP", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans SC")
_YEAR_IN_NUMBER = re.compile(r"[〔\[［(（](\d{4})[〕\]］)）]")


class MixError(PolicyKGError):
    pass


class MissingCJKFont(UserWarning):
    """No CJK font was found: Chinese labels in the chart would render as empty boxes."""


def _ordered(values, order: tuple[str, ...]) -> list[str]:
    known = [v for v in order if v in values]
    return known + sorted(v for v in values if v not in order)


def document_year(date: str | None, doc_number: str | None) -> str | None:
    """The year of the issue date, else the year in the 发文字号, else None.

    >>> document_year("2017-09-30", None), document_year(None, "渝府发〔2016〕25号"), document_year(None, None)
    ('2017', '2016', None)
    """
    if date:
        return str(date)[:4]
    m = _YEAR_IN_NUMBER.search(doc_number or "")
    return m.group(1) if m else None


def mix_records(backend: Backend) -> list[dict]:
    """The rows of ``instrument_mix``, each with its group keys ``document``, ``region``, ``year``."""
    rows = []
    for r in run_query(backend, "instrument_mix").records():
        year = document_year(r.get("date"), r.get("docNumber"))
        rows.append({**r, "document": r["source"], "region": r.get("region") or UNKNOWN, "year": year or UNKNOWN,
                     "measures": int(r["measures"])})
    return rows


def document_label(title: str | None, doc_number: str | None, source: str) -> str:
    """What a reader calls a document: its 发文字号, else its title, else the file name."""
    return doc_number or title or source


def _groups(records: list[dict], by: str) -> tuple[list[str], dict[str, str]]:
    """Group keys in display order and their labels."""
    if by not in GROUPINGS:
        raise MixError(f"cannot group by {by!r} (one of: {', '.join(GROUPINGS)})")
    labels: dict[str, str] = {}
    for r in records:
        key = r[by]
        if by == "document":
            labels.setdefault(key, document_label(r.get("title"), r.get("docNumber"), r["source"]))
        else:
            labels.setdefault(key, key)
    keys = sorted(labels, key=lambda k: (k == UNKNOWN, k))
    return keys, labels


def _chart_label(label: str) -> str:
    return f"{UNKNOWN}\nunknown" if label == UNKNOWN else label


def mix_counts(records: list[dict], by: str = "document") -> dict[str, dict[tuple[str, str], int]]:
    """group key -> (stage, instrument) -> number of measures."""
    out: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for r in records:
        out[r[by]][(r["stage"], r["instrument"])] += r["measures"]
    return out


def mix_table(backend: Backend, by: str = "document", records: list[dict] | None = None) -> list[dict]:
    """One row per group and stage: the measures of each instrument and their total.

    Columns: ``group`` (label), ``key`` (the group key: source file, region or year), ``stage``,
    one column per instrument (供给型, 环境型, 需求型, then any others) and ``total``.
    """
    records = mix_records(backend) if records is None else records
    keys, labels = _groups(records, by)
    counts = mix_counts(records, by)
    stages = _ordered({r["stage"] for r in records}, STAGES)
    instruments = instrument_columns(records)
    rows = []
    for k in keys:
        for s in stages:
            cells = {i: counts[k].get((s, i), 0) for i in instruments}
            total = sum(cells.values())
            if total:
                rows.append({"group": labels[k], "key": k, "stage": s, **cells, "total": total})
    return rows


def instrument_columns(records: list[dict]) -> list[str]:
    return _ordered({r["instrument"] for r in records}, INSTRUMENTS)


def table_columns(records: list[dict]) -> tuple[str, ...]:
    return ("group", "key", "stage", *instrument_columns(records), "total")


# ----------------------------------------------------------------------------- chart data


def chart_data(records: list[dict], by: str = "document") -> dict:
    """Everything a chart needs: groups with labels, per-group counts by stage and by instrument,
    and the English labels of every value."""
    keys, labels = _groups(records, by)
    by_stage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_instrument: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    english: dict[str, str] = {}
    for r in records:
        by_stage[r[by]][r["stage"]] += r["measures"]
        by_instrument[r[by]][r["instrument"]] += r["measures"]
        english.setdefault(r["stage"], r.get("stage_en") or "")
        english.setdefault(r["instrument"], r.get("instrument_en") or "")
    if by == "document":
        first = {}
        for r in records:
            first.setdefault(r["source"], r)
        labels = {k: short_document_label(first[k].get("title"), first[k].get("docNumber"), first[k].get("region"), k)
                  for k in keys}
    return {
        "by": by, "groups": keys, "labels": {k: _chart_label(v) for k, v in labels.items()},
        "stages": _ordered({r["stage"] for r in records}, STAGES),
        "instruments": _ordered({r["instrument"] for r in records}, INSTRUMENTS),
        "by_stage": {k: dict(v) for k, v in by_stage.items()},
        "by_instrument": {k: dict(v) for k, v in by_instrument.items()},
        "english": english,
    }


def _english(label: str) -> str:
    """'supply-side instrument' -> 'supply-side': the instrument is in the axis title already."""
    return label.removesuffix(" instrument")


_TITLE_NOISE = re.compile(r"人民政府|办公厅|关于|印发|的通知")


def short_document_label(title: str | None, doc_number: str | None, region: str | None, source: str,
                         width: int = 8, lines: int = 4) -> str:
    """A tick label: the region, then the 发文字号 (broken after 〕) or the title without its region
    and boilerplate, wrapped to ``width`` characters and cut to ``lines`` lines.

    >>> short_document_label("珠海市人民政府关于建设知识产权强市的意见", "珠府函〔2017〕127号", "珠海市", "a.txt")
    '珠海市\\n珠府函〔2017〕\\n127号'
    >>> short_document_label("汕头市知识产权事业发展“十三五”规划", None, "汕头市", "b.txt")
    '汕头市\\n知识产权事业发展\\n“十三五”规划'
    """
    if doc_number:
        body = doc_number.replace("〕", "〕\n", 1).strip().split("\n")
    else:
        text = title or source
        if region and text.startswith(region):
            text = text[len(region):]
        text = _TITLE_NOISE.sub("", text) or (title or source)
        body = [text[i:i + width] for i in range(0, len(text), width)]
        if len(body) > lines - (1 if region else 0):
            keep = lines - (1 if region else 0)
            body = body[:keep]
            body[-1] = body[-1][: width - 1] + "…"
    return "\n".join(([region] if region else []) + body)


# ----------------------------------------------------------------------------- matplotlib


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in names:
            return family
    for name in sorted(names):  # any other CJK family, e.g. "Noto Sans CJK TC"
        if "CJK" in name or "Han Sans" in name:
            return name
    return None


TITLE = "政策措施的知识产权链环节与政策工具结构\nIP-chain stage and policy-instrument mix of measures"


def _draw(data: dict, out_path: Path, fmt: str) -> dict:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    font = find_cjk_font()
    if font is None:
        warnings.warn("no CJK font found (install fonts-noto-cjk): Chinese labels may render as boxes",
                      MissingCJKFont, stacklevel=3)
    rc = {"font.family": "sans-serif", "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
          "axes.unicode_minus": False, "svg.fonttype": "path", "svg.hashsalt": "policykg", "font.size": 10}
    groups = data["groups"]
    n = len(groups)
    with rc_context(rc):
        fig = Figure(figsize=(max(9.0, 3.6 + 2.4 * n), 6.6), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        panels = (
            (axes[0], data["stages"], data["by_stage"], STAGE_COLORS, "知识产权链环节 IP-chain stage", "(a) 按环节 by stage"),
            (axes[1], data["instruments"], data["by_instrument"], INSTRUMENT_COLORS,
             "政策工具类型 policy instrument", "(b) 按政策工具类型 by instrument"),
        )
        xs = list(range(n))
        totals = [sum(data["by_stage"].get(g, {}).values()) for g in groups]
        ymax = max(totals, default=0)
        for ax, values, counts, colors, legend_title, panel_title in panels:
            bottom = [0] * n
            for v in values:
                heights = [counts.get(g, {}).get(v, 0) for g in groups]
                en = _english(data["english"].get(v, ""))
                bars = ax.bar(xs, heights, bottom=bottom, width=0.62, color=colors.get(v, OTHER_COLOR),
                              edgecolor="white", linewidth=0.8, label=f"{v} {en}".strip())
                for rect, h in zip(bars, heights):
                    if h and h >= max(2, ymax * 0.04):
                        ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + h / 2, str(h),
                                ha="center", va="center", fontsize=8.5, color="white", fontweight="bold")
                bottom = [b + h for b, h in zip(bottom, heights)]
            for x, t in zip(xs, bottom):
                ax.text(x, t + ymax * 0.012, str(t), ha="center", va="bottom", fontsize=9.5, color="#333333")
            ax.set_xticks(xs, [data["labels"][g] for g in groups], fontsize=9)
            ax.set_title(panel_title, fontsize=11.5, loc="left")
            ax.set_xlabel(f"{GROUP_ZH[data['by']]} {GROUP_EN[data['by']]}", fontsize=10.5)
            ax.set_ylim(0, ymax * 1.08 + 1)
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
            ax.set_axisbelow(True)
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels[::-1], title=legend_title, fontsize=8.5, title_fontsize=9,
                      loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        axes[0].set_ylabel("措施数 Number of measures", fontsize=10.5)
        fig.suptitle(TITLE, fontsize=13)
        with warnings.catch_warnings():
            if font is None:  # warned once above, not once per glyph
                warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            fig.savefig(out_path, format=fmt, dpi=200, metadata={"Date": None} if fmt == "svg" else None)
    return {"font": font}


# ----------------------------------------------------------------------------- offline HTML


def _html_panel(data: dict, values: list[str], counts: dict, colors: dict, title: str, legend_title: str) -> str:
    groups = data["groups"]
    ymax = max((sum(data["by_stage"].get(g, {}).values()) for g in groups), default=0) or 1
    scale = 100 / (ymax * 1.08)  # percent of the plot height per measure, headroom for the totals
    bars = []
    for col, g in enumerate(groups, 1):
        total = sum(counts.get(g, {}).values())
        segs = []
        for v in reversed(values):  # top of the stack first: the first value sits at the bottom
            h = counts.get(g, {}).get(v, 0)
            if h:
                tip = f"{data['labels'][g]}：{v} {h} 项"
                segs.append(f'<div class="seg" style="height:{h * scale:.3f}%;background:{colors.get(v, OTHER_COLOR)}" '
                            f'title="{html.escape(tip)}">{h}</div>')
        label = html.escape(data["labels"][g]).replace("\n", "<br>")
        bars.append(f'<div class="bar" style="grid-area:1/{col}"><div class="total">{total}</div>{"".join(segs)}</div>'
                    f'<div class="xl" style="grid-area:2/{col}">{label}</div>')
    cols, bar_cells = len(groups), "".join(bars)
    legend = "".join(f'<li><span class="sw" style="background:{colors.get(v, OTHER_COLOR)}"></span>'
                     f'{html.escape(v)} <small>{html.escape(_english(data["english"].get(v, "")))}</small></li>'
                     for v in reversed(values))
    return (f'<section class="panel"><h2>{html.escape(title)}</h2><div class="yl">措施数 Number of measures</div>'
            f'<div class="plot"><div class="bars" style="grid-template-columns:repeat({cols},1fr)">{bar_cells}</div>'
            f'<ul class="legend"><li class="lt">{html.escape(legend_title)}</li>{legend}</ul></div>'
            f'<div class="xt">{GROUP_ZH[data["by"]]} {GROUP_EN[data["by"]]}</div></section>')


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222}
h1{font-size:20px;font-weight:600;margin:0 0 16px}h1 small{display:block;font-size:14px;color:#555;font-weight:400}
h2{font-size:15px;margin:0 0 4px}.panels{display:flex;flex-wrap:wrap;gap:32px}.panel{flex:1 1 520px}
.yl{font-size:12px;color:#444;margin:4px 0 4px}.plot{display:flex;align-items:flex-start}
.bars{flex:1;display:grid;grid-template-rows:340px auto;column-gap:14px;padding:0 10px;border-left:1px solid #999}
.bar{display:flex;flex-direction:column;justify-content:flex-end;align-items:center;border-bottom:1px solid #999}
.seg{width:70%;color:#fff;font-size:11px;font-weight:600;display:flex;align-items:center;justify-content:center;
border-top:1px solid #fff;overflow:hidden;box-sizing:border-box}.total{font-size:12px;margin-bottom:2px}
.xl{text-align:center;font-size:10px;line-height:1.35;padding-top:6px;white-space:nowrap}
.xt{text-align:center;font-size:12px;color:#444;margin-top:8px}.legend{list-style:none;margin:0 0 0 12px;padding:0;font-size:12px}
.legend li{margin:3px 0;white-space:nowrap}.legend .lt{font-weight:600}.sw{display:inline-block;width:12px;height:12px;
margin-right:6px;vertical-align:-1px}table{border-collapse:collapse;margin-top:32px;font-size:12px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,td:nth-child(2),th{text-align:left}
"""


def _html(data: dict, table: list[dict], columns: tuple[str, ...]) -> str:
    t1, t2 = TITLE.split("\n")
    panels = (_html_panel(data, data["stages"], data["by_stage"], STAGE_COLORS, "(a) 按环节 by stage",
                          "知识产权链环节 IP-chain stage")
              + _html_panel(data, data["instruments"], data["by_instrument"], INSTRUMENT_COLORS,
                            "(b) 按政策工具类型 by instrument", "政策工具类型 policy instrument"))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns if c != "key")
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns if c != "key")
                   + "</tr>" for r in table)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(t1)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(t1)}<small>{html.escape(t2)}</small></h1>"
            f'<div class="panels">{panels}</div><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            "</body></html>\n")


# ----------------------------------------------------------------------------- entry point


def write_mix_chart(backend: Backend, out_path: str | Path, by: str = "document",
                    records: list[dict] | None = None) -> dict:
    """Write the stacked-bar chart: ``.png`` or ``.svg`` (matplotlib) or ``.html`` (offline, no
    scripts or links). One bar per group, stacked by stage in panel (a) and by instrument in (b).
    Returns ``{"path", "groups", "measures", "font"}``; warns ``MissingCJKFont`` without a CJK font."""
    out_path = Path(out_path)
    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "html", "htm"):
        raise MixError(f"--plot {out_path.name}: write .png, .svg or .html")
    records = mix_records(backend) if records is None else records
    data = chart_data(records, by)
    if not data["groups"]:
        raise MixError("no classified measures in the store: nothing to plot")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    info = {"font": None}
    if fmt in ("html", "htm"):
        table = mix_table(backend, by, records)
        out_path.write_text(_html(data, table, table_columns(records)), encoding="utf-8")
    else:
        info = _draw(data, out_path, fmt)
    return {"path": out_path, "groups": len(data["groups"]),
            "measures": sum(sum(v.values()) for v in data["by_stage"].values()), "font": info["font"]}
