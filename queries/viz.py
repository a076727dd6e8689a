"""Interactive graphs as single, self-contained, offline HTML files (pyvis + our own template).

Three views, each built from named ``edges_*.rq`` queries through ``project.py``:

- ``write_agencies``: agency ↔ measure (lead solid, supporting dashed), measures coloured by
  document or IP-chain stage, agencies sized by workload, in-page filters and search;
- ``write_network``: agency ↔ agency weighted by shared measures, coloured by community;
- ``write_lineage``: national → provincial → local documents → measures along pkg:implements,
  documents known only from the catalog drawn with a dashed border.

What the pages guarantee (LIBRARY-NOTES §4): vis-network 9.1.2 is inlined from the pyvis
package and the page makes no network request and contains no ``http://``/``https://`` text;
every text reaches the page as JSON (with ``< > & ' /`` escaped) or HTML-escaped, tooltips are
plain-text strings (never containing "href", so pyvis keeps vis-network's plain-text popup);
positions are precomputed with networkx and physics is off, so the layout never moves.
"""
from __future__ import annotations

import html
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import networkx as nx

from ..graph.store import Backend
from . import project

FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]
STAGE_COLORS = {"创造": "#2ca02c", "运用": "#1f77b4", "保护": "#d62728", "管理": "#9467bd",
                "服务": "#ff7f0e", "综合保障": "#8c564b"}
NO_STAGE = "#bdbdbd"
LEVEL_COLORS = {"national": "#c0392b", "provincial": "#e67e22", "municipal": "#2e86c1", "county": "#27ae60"}
LEVEL_ZH = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "县级"}
LEAD_COLOR, SUPPORT_COLOR, AGENCY_COLOR = "#c0392b", "#7f8c8d", "#1f3a5f"
ROLE_ZH = {"lead": "牵头", "support": "配合"}
NO_ARROW = {"to": {"enabled": False}}
LABELLED_MEASURES = 400
LARGE = 600  # nodes; above this the agency graph uses the fast layout  # beyond this many measures, measure labels live in tooltips only
_URL = re.compile(r"(https?):(//)", re.IGNORECASE)
GRADE_ZH = {"same": "相同", "partial": "部分对应"}
GRADE_COLORS = {"same": "#8e44ad", "partial": "#e67e22"}


# ----------------------------------------------------------------------------- page assembly


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network 9.1.2 CSS and JS from the pyvis package, with the license banner rewritten
    without URLs and every remaining ``http(s)://`` written as ``http(s):\\/\\/`` (they sit
    in JS string literals, where ``\\/`` is ``/``)."""
    lib = resources.files("pyvis").joinpath("lib", "vis-9.1.2")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    banner = ("/* vis-network 9.1.2, a dynamic, browser-based visualization library.\n"
              " * (c) 2011-2017 Almende B.V., (c) 2017-2019 visjs contributors.\n"
              " * Dual licensed under the Apache License 2.0 and the MIT License. */\n")
    if js.startswith("/**"):
        js = banner + js[js.index("*/") + 2:].lstrip("\n")
    js = _URL.sub(lambda m: m.group(1) + r":\/\/", js)
    css = _URL.sub(lambda m: m.group(1) + r":\/\/", css)
    return css, js


def to_json(value: object) -> str:
    """JSON safe inside <script>: no ``</script>``, no HTML specials, no ``//`` URLs."""
    s = json.dumps(value, ensure_ascii=False, default=_jsonable)
    for a, b in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027"), ("/", "\\/"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(a, b)
    return s


def _jsonable(v: object) -> object:
    if isinstance(v, (set, frozenset, tuple)):
        return sorted(v, key=str)
    return str(v)


def escape_text(value: object) -> str:
    """HTML-escape, and escape ``/`` too so that no URL appears in the page as text."""
    return html.escape("" if value is None else str(value), quote=True).replace("/", "&#47;")


def _network(directed: bool = False):
    from pyvis.network import Network

    # directed=True also avoids pyvis' quadratic duplicate-edge check; arrows are set per view.
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff")
    return net


def _render(net, out_path: str | Path, heading: str, page: dict, options: dict,
            filters: list[dict] | None = None, color_modes: list[dict] | None = None) -> Path:
    template = resources.files("policykg.queries").joinpath("templates", "graph.html")
    with resources.as_file(template) as path:
        net.set_template(str(path))
    env = net.templateEnv
    env.filters["pkgjson"] = to_json
    env.filters["e"] = escape_text
    css, js = vis_assets()
    env.globals["pkg"] = {"vis_css": css, "vis_js": js, "page": page, "options": options,
                          "filters": filters or [], "color_modes": color_modes or []}
    net.heading = heading
    text = net.generate_html()
    leftover = _URL.search(text)
    if leftover:  # a bug in this module, not bad input: every path above escapes URLs
        raise AssertionError(f"URL left in the page near {text[max(0, leftover.start() - 40):leftover.end() + 40]!r}")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


def _options(n_nodes: int, arrows: bool) -> dict:
    big = n_nodes > 500
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big,
                        "multiselect": True},
        "nodes": {"font": {"face": FONT_STACK, "size": 14, "color": "#222222"}, "borderWidth": 1},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": arrows, "scaleFactor": 0.6}},
                  "color": {"inherit": False}, "selectionWidth": 2},
    }


def _positions(g: nx.Graph, weight: str | None = None, seed: int = 7) -> dict:
    """Precomputed x/y in pixels. Up to LARGE nodes: a networkx spring layout. Beyond, for a
    bipartite agency–measure graph: a spring layout of the agencies alone (their weighted
    projection), each measure then placed on a small sunflower around the mean position of
    its agencies — seconds instead of minutes, and nothing for the browser to simulate."""
    n = g.number_of_nodes()
    if n == 0:
        return {}
    scale = 70.0 * math.sqrt(n) + 200.0
    agencies = project.agencies_of(g)
    if n <= LARGE or not agencies or len(agencies) == n:
        pos = nx.spring_layout(g, seed=seed, weight=weight, k=3.0 / math.sqrt(n), iterations=80)
        return {k: (float(x) * scale, float(y) * scale) for k, (x, y) in pos.items()}
    from networkx.algorithms import bipartite

    p = bipartite.weighted_projected_graph(g, agencies)
    ap = nx.spring_layout(p, seed=seed, weight="weight", k=3.0 / math.sqrt(len(agencies)), iterations=80)
    out = {a: (float(x) * scale, float(y) * scale) for a, (x, y) in ap.items()}
    groups: dict[tuple, list] = {}
    for m in g.nodes:
        if m not in out:
            groups.setdefault(tuple(sorted(g.neighbors(m))), []).append(m)
    golden = math.pi * (3 - math.sqrt(5))
    for key, members in groups.items():
        pts = [out[a] for a in key] or [(0.0, 0.0)]
        cx, cy = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
        if len(key) == 1:  # a lone agency's measures ring it instead of covering it
            cx, cy = cx + 40.0, cy + 40.0
        for i, m in enumerate(sorted(members)):
            r = 14.0 * math.sqrt(i + 0.5)
            out[m] = (cx + r * math.cos(i * golden), cy + r * math.sin(i * golden))
    return out


def _short(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _doc_name(title: str | None, number: str | None, fallback: str | None) -> str:
    if title and number:
        return f"{title}（{number}）"
    return title or number or fallback or "?"


def _palette(keys: list) -> dict:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _measure_tooltip(d: dict) -> str:
    lines = [f"措施：{d.get('label')}"]
    lines.append("牵头：" + ("、".join(d.get("lead") or []) or "—"))
    lines.append("配合：" + ("、".join(d.get("support") or []) or "—"))
    lines.append("来源：" + _doc_name(d.get("title"), d.get("docNumber"), d.get("source")))
    if d.get("source"):
        lines.append(f"文件：{d['source']}")
    if d.get("stage"):
        lines.append(f"环节：{d['stage']}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- agencies


def write_agencies(backend: Backend, out_path: str | Path, document: str | None = None, region: str | None = None,
                   role: str | None = None, heading: str = "机构—措施职责分工图") -> dict:
    """Agency ↔ measure graph. Filters (document: source file, 发文字号 or title; region;
    role: lead | support) narrow what is drawn; the page has the same filters, a search box
    and a colour-by switch (document / IP-chain stage). Returns counts of what was drawn."""
    g = project.agency_measure_graph(backend, document=document, region=region, role=role)
    return write_agency_graph(g, out_path, heading=heading)


def write_agency_graph(g: nx.Graph, out_path: str | Path, heading: str = "机构—措施职责分工图") -> dict:
    """Draw a graph shaped like ``project.agency_measure_graph`` (also used by benchmarks)."""
    measures = [n for n, k in g.nodes(data="kind") if k == "measure"]
    agencies = project.agencies_of(g)
    sources = sorted({g.nodes[m].get("source") or "" for m in measures})
    doc_color = _palette(sources)
    doc_label = {}
    for m in measures:
        d = g.nodes[m]
        doc_label.setdefault(d.get("source") or "", _doc_name(d.get("title"), d.get("docNumber"), d.get("source")))
    stages = sorted({g.nodes[m].get("stage") for m in measures if g.nodes[m].get("stage")})
    has_stage = bool(stages)
    regions = sorted({g.nodes[m].get("region") for m in measures if g.nodes[m].get("region")})
    pos = _positions(g)
    label_measures = len(measures) <= LABELLED_MEASURES

    net = _network()
    for a in agencies:
        d = g.nodes[a]
        total = d["lead"] + d["support"]
        tip = (f"机构：{d['label']}\n牵头 {d['lead']} 项，配合 {d['support']} 项\n"
               f"涉及文件 {len(d['documents'])} 个")
        x, y = pos[a]
        net.add_node(a, label=d["label"], title=tip, shape="dot", size=10 + 4 * math.sqrt(total),
                     color={"background": AGENCY_COLOR, "border": "#0d1b2a"}, x=x, y=y,
                     font={"size": 16, "strokeWidth": 3, "strokeColor": "#ffffff"},
                     pkgKind="agency", pkgNeedsEdge=True, pkgWorkload=total)
    for m in measures:
        d = g.nodes[m]
        src = d.get("source") or ""
        colors = {"document": doc_color[src]}
        if has_stage:
            colors["stage"] = STAGE_COLORS.get(d.get("stage"), NO_STAGE) if d.get("stage") else NO_STAGE
        x, y = pos[m]
        net.add_node(m, label=_short(d["label"]) if label_measures else " ", title=_measure_tooltip(d),
                     shape="square", size=7, color=colors["document"], x=x, y=y, font={"size": 11},
                     pkgKind="measure", pkgFiltered=True, pkgColors=colors,
                     pkgFilter={"document": src, "region": d.get("region") or ""})
    lead_edges = support_edges = 0
    for a, m, r in g.edges(data="role"):
        if g.nodes[a]["kind"] != "agency":
            a, m = m, a
        if r == "lead":
            lead_edges += 1
            style = {"color": LEAD_COLOR, "width": 2.2, "dashes": False}
        else:
            support_edges += 1
            style = {"color": SUPPORT_COLOR, "width": 1.2, "dashes": [6, 5]}
        net.add_edge(a, m, title=f"{g.nodes[a]['label']} {ROLE_ZH.get(r, r)}：{g.nodes[m]['label']}",
                     pkgFilter={"role": r}, arrows=NO_ARROW, **style)

    fixed = [
        {"title": "节点", "items": [
            {"label": "机构（大小 = 牵头 + 配合措施数）", "color": AGENCY_COLOR, "shape": "dot"},
            {"label": "政策措施", "color": "#999999", "shape": "box"}]},
        {"title": "职责", "items": [
            {"label": "牵头（实线）", "color": LEAD_COLOR, "shape": "line"},
            {"label": "配合（虚线）", "color": SUPPORT_COLOR, "shape": "line", "dashes": True}]},
    ]
    modes = {"document": [{"title": "措施颜色：来源文件",
                           "items": [{"label": doc_label[s], "color": doc_color[s], "shape": "box"} for s in sources]}]}
    if has_stage:
        modes["stage"] = [{"title": "措施颜色：知识产权链环节",
                           "items": [{"label": s, "color": STAGE_COLORS.get(s, NO_STAGE), "shape": "box"} for s in stages]
                           + [{"label": "未分类", "color": NO_STAGE, "shape": "box"}]}]
    filters = [
        {"key": "document", "label": "文件", "options": [{"value": s, "label": _short(doc_label[s], 30)} for s in sources]},
        {"key": "region", "label": "地区", "options": [{"value": r, "label": r} for r in regions]},
        {"key": "role", "label": "职责", "options": [{"value": "lead", "label": "牵头"}, {"value": "support", "label": "配合"}]},
    ]
    color_modes = [{"key": "document", "label": "按文件"}] + ([{"key": "stage", "label": "按环节"}] if has_stage else [])
    page = {"view": "agencies", "legend": {"fixed": fixed, "modes": modes}, "defaultMode": "document",
            "note": "悬停节点查看措施标题、牵头与配合单位及来源文件。" if agencies else "没有带职责分工的措施。"}
    _render(net, out_path, heading, page, _options(g.number_of_nodes(), arrows=False), filters, color_modes)
    return {"nodes": len(net.nodes), "edges": len(net.edges), "agencies": len(agencies), "measures": len(measures),
            "lead_edges": lead_edges, "support_edges": support_edges, "documents": len(sources)}


# ----------------------------------------------------------------------------- agency network


def write_network(backend: Backend, out_path: str | Path, heading: str = "机构协作网络（共同负责的措施数）") -> dict:
    """Agency ↔ agency graph weighted by shared measures; size = weighted degree, colour =
    Louvain community."""
    g = project.agency_measure_graph(backend)
    p = project.agency_network(g)
    comm = project.communities(p)
    pos = _positions(p)  # unweighted: strong ties would pull nodes on top of each other
    net = _network()
    n_comm = max(comm.values(), default=-1) + 1
    comm_color = {i: PALETTE[i % len(PALETTE)] for i in range(n_comm)}
    for a, d in p.nodes(data=True):
        wd = d.get("weighted_degree", 0)
        tip = (f"机构：{d['label']}\n加权度（共同措施）：{wd}\n合作机构 {p.degree(a)} 个\n"
               f"牵头 {d['lead']} 项，配合 {d['support']} 项\n社区 {comm[a] + 1}")
        x, y = pos[a]
        net.add_node(a, label=d["label"], title=tip, shape="dot", size=8 + 4 * math.sqrt(wd),
                     color=comm_color[comm[a]], x=x, y=y, pkgKind="agency", pkgCommunity=comm[a] + 1,
                     font={"size": 15, "strokeWidth": 3, "strokeColor": "#ffffff"})
    for a, b, w in p.edges(data="weight"):
        net.add_edge(a, b, title=f"{p.nodes[a]['label']} — {p.nodes[b]['label']}\n共同负责 {w} 项措施",
                     width=1 + 2 * math.log2(w), color="#9aa5b1", arrows=NO_ARROW)
    sizes = {i: sum(1 for v in comm.values() if v == i) for i in range(n_comm)}
    shown = [i for i in range(n_comm)][:16]
    fixed = [
        {"title": "节点", "items": [{"label": "机构（大小 = 加权度）", "color": "#555555", "shape": "dot"}]},
        {"title": "边", "items": [{"label": "共同负责措施（越粗越多）", "color": "#9aa5b1", "shape": "line"}]},
        {"title": "颜色：社区（Louvain）", "items": [
            {"label": f"社区 {i + 1}（{sizes[i]} 个机构）", "color": comm_color[i], "shape": "dot"} for i in shown]},
    ]
    page = {"view": "network", "legend": {"fixed": fixed, "modes": {}}, "defaultMode": "community",
            "note": "边权重为两个机构共同牵头或配合的措施数。"}
    _render(net, out_path, heading, page, _options(p.number_of_nodes(), arrows=False))
    return {"nodes": len(net.nodes), "edges": len(net.edges), "communities": n_comm}


# ----------------------------------------------------------------------------- lineage


def write_lineage(backend: Backend, out_path: str | Path, heading: str = "政策贯彻落实链：上级文件 → 下级文件 → 措施",
                  measures_links: bool = False) -> dict:
    """National → provincial → local documents → measures along pkg:implements. Documents
    known only from the catalog (not ingested) have a dashed border and say so. With
    ``measures_links``, the measure correspondences stored by ``policykg align`` are drawn
    between measures: solid for ``same``, dotted for ``partial``, the shared phrases as tooltip."""
    g = project.lineage_graph(backend)
    layer = project.document_layers(g)
    pos = _layered_positions(g, layer)
    net = _network()
    docs = [n for n, k in g.nodes(data="kind") if k == "document"]
    sources = sorted({g.nodes[n].get("source") for n in docs if g.nodes[n].get("source")})
    doc_color = _palette(sources)
    levels_seen: set[str] = set()
    not_ingested = 0
    for n in docs:
        d = g.nodes[n]
        level = d.get("level")
        levels_seen.add(level if level in LEVEL_COLORS else "")
        fill = LEVEL_COLORS.get(level, "#95a5a6")
        name = d.get("docNumber") or _short(d.get("title") or "?", 18)
        n_measures = sum(1 for s in g.successors(n) if g.nodes[s]["kind"] == "measure")
        tip = [f"文件：{d.get('title') or '—'}", f"文号：{d.get('docNumber') or '—'}",
               f"层级：{LEVEL_ZH.get(level, '未知')}"]
        if d.get("ingested"):
            tip += [f"已导入：{d.get('source') or ''}", f"措施 {n_measures} 项"]
            style = {"color": {"background": fill, "border": "#333333"}, "font": {"color": "#ffffff", "size": 15},
                     "borderWidth": 2}
            label = name
        else:
            not_ingested += 1
            tip.append("未导入（仅见于文件目录）")
            style = {"color": {"background": "#ffffff", "border": fill}, "font": {"color": "#333333", "size": 15},
                     "borderWidth": 2, "shapeProperties": {"borderDashes": [6, 4]}}
            label = f"{name}\n（未导入）"
        x, y = pos[n]
        net.add_node(n, label=label, title="\n".join(tip), shape="box", x=x, y=y, pkgKind="document",
                     pkgIngested=bool(d.get("ingested")), **style)
    measures = [n for n, k in g.nodes(data="kind") if k == "measure"]
    stages = sorted({g.nodes[m].get("stage") for m in measures if g.nodes[m].get("stage")})
    for m in measures:
        d = dict(g.nodes[m])
        up = g.nodes[d["doc"]]
        d.update(title=up.get("title"), docNumber=up.get("docNumber"))
        x, y = pos[m]
        color = STAGE_COLORS.get(d.get("stage"), NO_STAGE) if d.get("stage") else NO_STAGE
        net.add_node(m, label=" ", title=_measure_tooltip(d), shape="dot", size=6, x=x, y=y,
                     color={"background": color, "border": doc_color.get(d.get("source"), "#555555")},
                     borderWidth=2, pkgKind="measure")
    implements = 0
    for u, v, kind in g.edges(data="kind"):
        if kind == "implements":
            implements += 1
            net.add_edge(u, v, title="贯彻落实", color="#34495e", width=2.5, arrows="to")
        else:
            net.add_edge(u, v, title="包含措施", color="#c8ced3", width=0.8, arrows=NO_ARROW)
    aligned = 0
    if measures_links:
        from .align import alignment_edges

        for e in alignment_edges(backend):
            if e["left_measure"] in net.node_ids and e["right_measure"] in net.node_ids:
                aligned += 1
                same = e["grade"] == "same"
                tip = [f"对应：{GRADE_ZH.get(e['grade'], e['grade'])}（得分 {e['score']:.2f}）",
                       f"共同表述：{e['evidence_text'] or '—'}"]
                net.add_edge(e["left_measure"], e["right_measure"], title="\n".join(tip), arrows=NO_ARROW,
                             color=GRADE_COLORS[e["grade"]], width=2.0 if same else 1.2, dashes=not same,
                             smooth={"type": "curvedCW", "roundness": 0.25})
    fixed = [
        {"title": "文件层级（实心 = 已导入）", "items": [
            {"label": LEVEL_ZH[k], "color": c, "shape": "box"} for k, c in LEVEL_COLORS.items() if k in levels_seen]
            + ([{"label": "层级未知", "color": "#95a5a6", "shape": "box"}] if "" in levels_seen else [])},
        {"title": "未导入的目录文件", "items": [{"label": "虚线边框（未导入）", "color": "#ffffff", "shape": "box",
                                          "border": "#555555", "dashedBorder": True}]},
        {"title": "边", "items": [{"label": "贯彻落实（上级 → 下级）", "color": "#34495e", "shape": "line"},
                                 {"label": "文件包含措施", "color": "#c8ced3", "shape": "line"}]},
        {"title": "措施（颜色 = 知识产权链环节）", "items": [
            {"label": s, "color": STAGE_COLORS.get(s, NO_STAGE), "shape": "dot"} for s in stages]
            + [{"label": "未分类", "color": NO_STAGE, "shape": "dot"}]},
    ]
    if aligned:
        fixed.append({"title": "措施对应（policykg align）", "items": [
            {"label": f"{GRADE_ZH[g]}", "color": c, "shape": "line"} for g, c in GRADE_COLORS.items()]})
    page = {"view": "lineage", "legend": {"fixed": fixed, "modes": {}}, "defaultMode": "stage",
            "note": "自上而下：国家级 → 省级 → 市县级文件 → 措施。悬停查看详情。"}
    opts = _options(g.number_of_nodes(), arrows=False)
    _render(net, out_path, heading, page, opts)
    return {"nodes": len(net.nodes), "edges": len(net.edges), "documents": len(docs), "measures": len(measures),
            "implements": implements, "not_ingested": not_ingested, "aligned": aligned}


def _layered_positions(g: nx.DiGraph, layer: dict) -> dict:
    """Documents in rows by level (barycentric order under what they implement); each
    document's measures in a small grid below the bottom document row."""
    docs_by_layer: dict[int, list[str]] = {}
    for n, k in g.nodes(data="kind"):
        if k == "document":
            docs_by_layer.setdefault(layer[n], []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    row_h, doc_w, cols, cell = 170.0, 330.0, 6, 42.0
    for lv in sorted(docs_by_layer):
        row = docs_by_layer[lv]

        def bary(n: str) -> tuple:
            ups = [pos[u][0] for u in g.predecessors(n) if u in pos]
            return (sum(ups) / len(ups) if ups else 0.0, g.nodes[n].get("source") or "", n)

        row.sort(key=bary)
        for i, n in enumerate(row):
            pos[n] = ((i - (len(row) - 1) / 2) * doc_w, lv * row_h)
    top = (max(docs_by_layer, default=0) + 1) * row_h
    for n, k in g.nodes(data="kind"):
        if k != "document":
            continue
        ms = sorted((m for m in g.successors(n) if g.nodes[m]["kind"] == "measure"),
                    key=lambda m: (g.nodes[m].get("order") or 0, m))
        x0 = pos[n][0] - (cols - 1) * cell / 2
        for i, m in enumerate(ms):
            pos[m] = (x0 + (i % cols) * cell, top + (i // cols) * cell)
    return pos
