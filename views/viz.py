"""Interactive graphs as single, self-contained, offline HTML files (pyvis + our own template).

Three views, each built from named ``edges_*.rq`` queries through ``project.py``:

- ``write_agencies``: agency ↔ measure (lead solid red, supporting dashed grey — thin solid
  grey beyond DASHED_EDGES), measures coloured by document or IP-chain stage, agencies sized by
  workload, in-page filters and search; above FOLD_MEASURES measures the page opens folded
  (one node per lead-agency set, expanded by a click; see ``write_agency_graph``);
- ``write_network``: agency ↔ agency weighted by shared measures, coloured by community;
- ``write_lineage``: national → provincial → local documents → measures along pkg:implements,
  documents known only from the catalog drawn with a dashed border.

What the pages guarantee (LIBRARY-NOTES §4): vis-network 9.1.2 is inlined from the pyvis
package and the page makes no network request and contains no ``http://``/``https://`` text;
every text reaches the page as JSON (with ``< > & ' /`` escaped) or HTML-escaped, tooltips are
plain-text strings (never containing "href", so pyvis keeps vis-network's plain-text popup);
positions are precomputed with networkx and physics is off, so the layout never moves; in the
agency and network views the nodes are then spread (``spread``) until no dot or label overlaps
another, and ``label_overlap`` measures what is left (returned as ``overlap``).

What keeps large pages fast (figures: benchmarks/README.md): vis-network parses every
per-item option of every node and edge, so the most numerous kinds (measures, supporting links)
take the view's defaults from the options and carry no style of their own; pyvis' node-id
list answers membership tests from a set (``_NodeIds``: they were quadratic); above LAYOUT_CORE
nodes only the best-connected get a force layout; supporting links are dashed only while few
(dashes cost 2-4x per frame in a software-rendered canvas); in-page changes are batched into
one redraw.
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
from ..ingest.errors import PolicyKGError
from ..analysis import project

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
# The agency view's most numerous node and edge (a measure, a supporting link) take the
# view's defaults; agencies and lead links carry their own style.
MEASURE_NODE = {"shape": "square", "size": 7, "font": {"size": 11}}
LEAD_EDGE = {"color": LEAD_COLOR, "width": 2.2, "dashes": False}
DASHED_EDGES = 1500  # supporting links are dashed up to this many; beyond, thin solid grey
NO_ARROW = {"to": {"enabled": False}}
LABELLED_MEASURES = 400  # beyond this many measures, measure labels live in tooltips only
LARGE = 600  # nodes; above this the agency graph uses the fast layout
LAYOUT_CORE = 300  # at most this many nodes get a force layout; the others sit beside their strongest tie
FOLD_MEASURES = 3000  # above this many measures, they start folded into one node per lead-agency set
FOLD_EDGES = 2000  # folded: at most this many aggregated supporting links are drawn (the strongest)
CLUSTER_COLOR = "#f1c40f"
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


class _NodeIds(list):
    """pyvis keeps node ids in a list and tests membership in it for every node and edge
    added: quadratic, most of a minute at 20,000 nodes. A set beside the list fixes that."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set = set()

    def append(self, n_id) -> None:
        super().append(n_id)
        self._seen.add(n_id)

    def __contains__(self, n_id) -> bool:
        return n_id in self._seen


def _network(directed: bool = False):
    from pyvis.network import Network

    # directed=True also avoids pyvis' quadratic duplicate-edge check; arrows are set per view.
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff")
    net.node_ids = _NodeIds()
    return net


def _add_node(net, n_id, **attrs) -> dict:
    """Add a vis node with exactly these attributes (pyvis' add_node always writes shape,
    colour and label; left out here, the view's defaults in the options apply)."""
    attrs["id"] = n_id
    net.nodes.append(attrs)
    net.node_ids.append(n_id)
    net.node_map[n_id] = attrs
    return attrs


def _add_edge(net, source, to, **attrs) -> dict:
    """Add a vis edge with exactly these attributes (pyvis' add_edge adds an arrow)."""
    attrs["from"], attrs["to"] = source, to
    net.edges.append(attrs)
    return attrs


def _render(net, out_path: str | Path, heading: str, page: dict, options: dict,
            filters: list[dict] | None = None, color_modes: list[dict] | None = None,
            reserve: dict | None = None) -> Path:
    template = resources.files("policykg.views").joinpath("templates", "graph.html")
    with resources.as_file(template) as path:
        net.set_template(str(path))
    env = net.templateEnv
    env.filters["pkgjson"] = to_json
    env.filters["e"] = escape_text
    css, js = vis_assets()
    env.globals["pkg"] = {"vis_css": css, "vis_js": js, "page": page, "options": options,
                          "filters": filters or [], "color_modes": color_modes or [], "reserve": reserve}
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


def _options(n_nodes: int, arrows: bool, nodes: dict | None = None, edges: dict | None = None) -> dict:
    """vis options; ``nodes``/``edges`` are a view's defaults for its most numerous kind of
    node and edge, so that thousands of them need no per-item style (vis parses every
    per-item option for every item)."""
    big = n_nodes > 500
    node_opts = {"font": {"face": FONT_STACK, "size": 14, "color": "#222222"}, "borderWidth": 1}
    edge_opts = {"smooth": False, "arrows": {"to": {"enabled": arrows, "scaleFactor": 0.6}},
                 "color": {"inherit": False}, "selectionWidth": 2}
    for base, extra in ((node_opts, nodes), (edge_opts, edges)):
        for k, v in (extra or {}).items():
            base[k] = {**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big,
                        "multiselect": True},
        "nodes": node_opts,
        "edges": edge_opts,
    }


def _positions(g: nx.Graph, weight: str | None = None, seed: int = 7) -> dict:
    """Precomputed x/y in pixels. Up to LARGE nodes: a networkx spring layout. Beyond, for a
    bipartite agency–measure graph: a layout of the agencies alone (their weighted
    projection), each measure then placed on a small sunflower around the mean position of
    its agencies — seconds instead of minutes, and nothing for the browser to simulate."""
    n = g.number_of_nodes()
    if n == 0:
        return {}
    agencies = project.agencies_of(g)
    if n <= LARGE or not agencies or len(agencies) == n:
        return _spring(g, _scale(n), weight, seed)
    pos = _agency_positions(g, agencies, seed)
    _place_measures(g, pos, lambda m: tuple(sorted(g.neighbors(m))), {a: _agency_size(g, a) for a in agencies})
    return pos


def _agency_size(g: nx.Graph, a) -> float:
    """vis ``size`` (radius in px) of an agency dot: grows with its lead + supporting measures."""
    return 10.0 + 4.0 * math.sqrt(g.nodes[a].get("lead", 0) + g.nodes[a].get("support", 0))


def _scale(n_nodes: int) -> float:
    return 70.0 * math.sqrt(n_nodes) + 200.0


def _agency_positions(g: nx.Graph, agencies: list, seed: int = 7) -> dict:
    """Layout of the agencies' weighted projection (weight = shared measures, as networkx'
    ``weighted_projected_graph``, counted pair by pair over the measures: 20x faster)."""
    p = nx.Graph()
    p.add_nodes_from(agencies)
    is_agency = set(agencies)
    for m in g.nodes:
        if m in is_agency:
            continue
        nbrs = sorted(g[m], key=str)
        for i, u in enumerate(nbrs):
            for v in nbrs[i + 1:]:
                if p.has_edge(u, v):
                    p[u][v]["weight"] += 1
                else:
                    p.add_edge(u, v, weight=1)
    return _spring(p, _scale(g.number_of_nodes()), "weight", seed)


def _spring(g: nx.Graph, scale: float, weight: str | None, seed: int) -> dict:
    """networkx spring layout in pixels. Above LAYOUT_CORE nodes, only the LAYOUT_CORE with
    the largest (weighted) degree get it; every other node goes on a sunflower beside its
    strongest laid-out neighbour (nodes tied to nothing laid out: on a ring outside), so
    2,500 agencies take about a second instead of half a minute."""
    n = g.number_of_nodes()
    if n <= LAYOUT_CORE:
        pos = nx.spring_layout(g, seed=seed, weight=weight, k=3.0 / math.sqrt(n), iterations=80)
        return {k: (float(x) * scale, float(y) * scale) for k, (x, y) in pos.items()}
    strength = dict(g.degree(weight=weight))
    order = sorted(g, key=lambda v: (-strength[v], str(v)))
    out = _spring(g.subgraph(order[:LAYOUT_CORE]), scale, weight, seed)
    satellites: dict = {}
    golden = math.pi * (3 - math.sqrt(5))
    pending = order[LAYOUT_CORE:]
    while pending:
        left = []
        for v in pending:
            ties = [((d.get(weight, 1) if weight else 1) / math.sqrt(strength[u] or 1), str(u), u)
                    for u, d in g[v].items() if u in out]
            if not ties:
                left.append(v)
                continue
            anchor = max(ties)[2]
            i = satellites[anchor] = satellites.get(anchor, 0) + 1
            r = 80.0 + 45.0 * math.sqrt(i)
            ax, ay = out[anchor]
            out[v] = (ax + r * math.cos(i * golden), ay + r * math.sin(i * golden))
        if len(left) == len(pending):  # tied to nothing laid out
            for i, v in enumerate(left):
                a = 2 * math.pi * i / len(left)
                out[v] = (1.15 * scale * math.cos(a), 1.15 * scale * math.sin(a))
            break
        pending = left
    return out


def _place_measures(g: nx.Graph, pos: dict, key, radius: dict | None = None) -> dict:
    """Put every node not yet in ``pos`` (the measures) on a sunflower around the mean
    position of the agencies ``key(measure)`` (a sorted tuple). A lone agency's measures
    ring it, from just outside its ``radius`` (px) on, instead of covering it. Returns each
    key's centre and inner radius."""
    groups: dict[tuple, list] = {}
    for m in g.nodes:
        if m not in pos:
            groups.setdefault(key(m), []).append(m)
    golden = math.pi * (3 - math.sqrt(5))
    centres = {}
    for k, members in groups.items():
        pts = [pos[a] for a in k] or [(0.0, 0.0)]
        cx, cy = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
        r0 = (radius or {}).get(k[0], 0.0) + 12.0 if len(k) == 1 else 0.0
        centres[k] = (cx, cy, r0)
        for i, m in enumerate(sorted(members)):
            r = math.sqrt(r0 * r0 + 196.0 * (i + 0.5))  # about one measure per 14 x 14 px
            pos[m] = (cx + r * math.cos(i * golden), cy + r * math.sin(i * golden))
    return centres


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


# ----------------------------------------------------------------------------- overlaps

LABEL_GAP = 3.0  # px between a dot and its label below it (vis-network draws it about there)
PAD = 4.0  # px kept free around every node's box


def _text_width(line: str, size: float) -> float:
    """Width of a line of text in px: a CJK (full-width) character about the font size, others about 0.6 of it."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in line)


def _drawn(node: dict, defaults: dict | None) -> tuple[float, float, float, float]:
    """x, y, radius and font size of a vis node dict, its own or else the view's ``defaults``
    (the options' ``nodes`` entry: ``size`` and ``font.size``)."""
    d = defaults or {}
    r = float(node.get("size", d.get("size", 10)))
    fs = float((node.get("font") or {}).get("size", (d.get("font") or {}).get("size", 14)))
    return float(node["x"]), float(node["y"]), r, fs


def label_box(node: dict, defaults: dict | None = None) -> tuple[float, float, float, float] | None:
    """The label's box (x0, y0, x1, y1) in canvas px, drawn centred under the node as vis-network
    does for dots and squares; None for a node without a visible label."""
    label = (node.get("label") or "").strip()
    if not label:
        return None
    x, y, r, size = _drawn(node, defaults)
    lines = label.split("\n")
    w = max(_text_width(line, size) for line in lines)
    h = 1.15 * size * len(lines)
    return (x - w / 2, y + r + LABEL_GAP, x + w / 2, y + r + LABEL_GAP + h)


def node_box(node: dict, defaults: dict | None = None) -> tuple[float, float, float, float]:
    """The node's drawn box: its dot (radius ``size``) and its label under it."""
    x, y, r, _ = _drawn(node, defaults)
    box = label_box(node, defaults)
    if box is None:
        return (x - r, y - r, x + r, y + r)
    return (min(x - r, box[0]), y - r, max(x + r, box[2]), box[3])


def _intersect(a, b, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _pairs(boxes: list, pad: float = 0.0):
    """Index pairs (i < j) of boxes that intersect (``pad`` px apart counts), found through a grid."""
    if not boxes:
        return
    cell = max(max(b[2] - b[0], b[3] - b[1]) for b in boxes) + pad
    grid: dict[tuple[int, int], list[int]] = {}
    for i, b in enumerate(boxes):
        for gx in range(int(b[0] // cell), int(b[2] // cell) + 1):
            for gy in range(int(b[1] // cell), int(b[3] // cell) + 1):
                grid.setdefault((gx, gy), []).append(i)
    seen = set()
    for members in grid.values():
        for k, i in enumerate(members):
            for j in members[k + 1:]:
                p = (i, j) if i < j else (j, i)
                if p not in seen and _intersect(boxes[i], boxes[j], pad):
                    seen.add(p)
                    yield p


def label_overlap(nodes: list[dict], defaults: dict | None = None) -> dict:
    """How much the labels of a page collide, from the positions and font sizes drawn:
    ``pair_ratio``, the share of label pairs whose boxes intersect; ``label_ratio``, the
    share of labels that intersect at least one other; and ``node_overlaps``, how many
    pairs of nodes (dot and label) overlap."""
    labels = [b for b in (label_box(n, defaults) for n in nodes) if b is not None]
    label_pairs = list(_pairs(labels))
    touched = {i for p in label_pairs for i in p}
    n = len(labels)
    total = n * (n - 1) / 2
    node_overlaps = sum(1 for _ in _pairs([node_box(nd, defaults) for nd in nodes]))
    return {"labels": n, "label_pairs": len(label_pairs), "pair_ratio": len(label_pairs) / total if total else 0.0,
            "label_ratio": len(touched) / n if n else 0.0, "node_overlaps": node_overlaps}


def spread(nodes: list[dict], defaults: dict | None = None, iterations: int = 400) -> int:
    """Move nodes (vis node dicts with x, y, size, label, font) apart until no two drawn boxes
    (dot and label under it, plus PAD) overlap: each overlapping pair is pushed apart along the
    axis where they overlap least, half each way. Keeps the layout's shape (neighbours stay
    neighbours) while clearing every collision. Returns the number of rounds taken."""
    if len(nodes) < 2:
        return 0
    offsets = []
    for nd in nodes:
        b = node_box(nd, defaults)
        offsets.append((b[0] - nd["x"], b[1] - nd["y"], b[2] - nd["x"], b[3] - nd["y"]))
    xs = [float(nd["x"]) for nd in nodes]
    ys = [float(nd["y"]) for nd in nodes]
    rounds = 0
    for rounds in range(1, iterations + 1):
        boxes = [(x + o[0], y + o[1], x + o[2], y + o[3]) for x, y, o in zip(xs, ys, offsets)]
        moved = False
        for i, j in _pairs(boxes, PAD):
            a, b = boxes[i], boxes[j]
            ox = min(a[2], b[2]) - max(a[0], b[0]) + PAD
            oy = min(a[3], b[3]) - max(a[1], b[1]) + PAD
            if ox <= 0 or oy <= 0:
                continue
            moved = True
            ca, cb = ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2), ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            if ox <= oy:
                s = (0.5 * ox + 0.01) * (1 if cb[0] > ca[0] or (cb[0] == ca[0] and j > i) else -1)
                xs[i] -= s
                xs[j] += s
            else:
                s = (0.5 * oy + 0.01) * (1 if cb[1] > ca[1] or (cb[1] == ca[1] and j > i) else -1)
                ys[i] -= s
                ys[j] += s
        if not moved:
            break
    for nd, x, y in zip(nodes, xs, ys):
        nd["x"], nd["y"] = round(x, 1), round(y, 1)
    return rounds


# ----------------------------------------------------------------------------- agencies


def write_agencies(backend: Backend, out_path: str | Path, document: str | None = None, region: str | None = None,
                   role: str | None = None, heading: str = "机构—措施职责分工图", declutter: bool = True) -> dict:
    """Agency ↔ measure graph. Filters (document: source file, 发文字号 or title; region;
    role: lead | support) narrow what is drawn; the page has the same filters, a search box
    and a colour-by switch (document / IP-chain stage). Returns counts of what was drawn."""
    g = project.agency_measure_graph(backend, document=document, region=region, role=role)
    return write_agency_graph(g, out_path, heading=heading, declutter=declutter)


def write_agency_graph(g: nx.Graph, out_path: str | Path, heading: str = "机构—措施职责分工图",
                       declutter: bool = True) -> dict:
    """Draw a graph shaped like ``project.agency_measure_graph`` (also used by benchmarks).

    Above FOLD_MEASURES measures the page opens folded: the measures of each lead-agency set
    (the supporting set for measures without a lead) are one diamond node with their count,
    joined to those agencies, plus the FOLD_EDGES strongest aggregated supporting links.
    Clicking a diamond adds its measures and their own edges; every measure is still in the
    page (``#pkg-reserve``), found by the search box and kept by the filters.
    Returns counts: ``nodes``/``edges`` of the graph, ``drawn_nodes``/``drawn_edges`` as
    the page opens, ``clusters`` (0 when nothing is folded)."""
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
    folded = len(measures) > FOLD_MEASURES
    if folded:
        fold_key = {m: _fold_key(g, m) for m in measures}
        pos = _agency_positions(g, agencies)
        centres = _place_measures(g, pos, lambda m: fold_key[m][0], {a: _agency_size(g, a) for a in agencies})
    else:
        pos = _positions(g)
    label_measures = folded or len(measures) <= LABELLED_MEASURES

    net = _network()
    for a in agencies:
        d = g.nodes[a]
        total = d["lead"] + d["support"]
        tip = (f"机构：{d['label']}\n牵头 {d['lead']} 项，配合 {d['support']} 项\n"
               f"涉及文件 {len(d['documents'])} 个")
        x, y = pos[a]
        _add_node(net, a, label=d["label"], title=tip, shape="dot", size=round(_agency_size(g, a), 1),
                  color={"background": AGENCY_COLOR, "border": "#0d1b2a"}, x=round(x, 1), y=round(y, 1),
                  font={"size": 16, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  pkgKind="agency", pkgNeedsEdge=True, pkgWorkload=total)

    def measure_node(m: str) -> dict:
        d = g.nodes[m]
        src = d.get("source") or ""
        colors = {"document": doc_color[src]}
        if has_stage:
            colors["stage"] = STAGE_COLORS.get(d.get("stage"), NO_STAGE) if d.get("stage") else NO_STAGE
        x, y = pos[m]
        node = {"title": _measure_tooltip(d), "color": colors["document"], "x": round(x, 1), "y": round(y, 1),
                "pkgKind": "measure", "pkgFiltered": True, "pkgColors": colors,
                "pkgFilter": {"document": src, "region": d.get("region") or ""}}
        if label_measures:
            node["label"] = _short(d["label"])
        if d.get("text"):
            node["pkgText"] = d["text"]  # found by the search box, never drawn
        return node

    def edge_title(a: str, m: str, role: str) -> str:
        return f"{g.nodes[a]['label']} {ROLE_ZH.get(role, role)}：{g.nodes[m]['label']}"

    roles = {}
    for a, m, r in g.edges(data="role"):
        if g.nodes[a]["kind"] != "agency":
            a, m = m, a
        roles[a, m] = r
    lead_edges = sum(1 for r in roles.values() if r == "lead")
    support_edges = len(roles) - lead_edges
    dashed = support_edges <= DASHED_EDGES
    reserve = None
    if not folded:
        for m in measures:
            _add_node(net, m, **measure_node(m))
        if declutter:  # the force layout pulls hubs onto each other and labels into the centre
            spread(net.nodes, MEASURE_NODE)
        overlap = label_overlap(net.nodes, MEASURE_NODE)
        for (a, m), r in roles.items():
            style = LEAD_EDGE if r == "lead" else {}  # supporting: the view's edge defaults
            _add_edge(net, a, m, title=edge_title(a, m, r), pkgFilter={"role": r}, **style)
    else:
        reserve = _fold(net, g, measures, fold_key, centres, roles, measure_node)

    fixed = [
        {"title": "节点", "items": [
            {"label": "机构（大小 = 牵头 + 配合措施数）", "color": AGENCY_COLOR, "shape": "dot"},
            {"label": "政策措施", "color": "#999999", "shape": "box"}]
            + ([{"label": "聚合的措施（数字 = 措施数，点击展开）", "color": CLUSTER_COLOR, "shape": "box"}] if folded else [])},
        {"title": "职责", "items": [
            {"label": "牵头（实线）", "color": LEAD_COLOR, "shape": "line"},
            {"label": "配合（虚线）" if dashed else "配合（灰色细线）", "color": SUPPORT_COLOR, "shape": "line",
             "dashes": dashed}]},
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
    note = "悬停节点查看措施标题、牵头与配合单位及来源文件。" if agencies else "没有带职责分工的措施。"
    page = {"view": "agencies", "legend": {"fixed": fixed, "modes": modes}, "defaultMode": "document", "note": note}
    if folded:
        page["fold"] = {k: reserve.pop(k) for k in ("measures_total", "clusters_total", "links_total", "links_drawn")}
        page["note"] = (f"{len(measures):,} 项措施按牵头机构（无牵头单位的按配合机构）聚合为 "
                        f"{page['fold']['clusters_total']:,} 个菱形节点，数字为措施数：点击展开，双击展开后的措施收起；"
                        f"搜索与筛选同样作用于聚合节点中的措施。配合关系只画出最强的 "
                        f"{page['fold']['links_drawn']:,} 条聚合连线（共 {page['fold']['links_total']:,} 条），"
                        f"其余在展开后显示。" + note)
    options = _options(len(net.nodes), arrows=False, nodes=MEASURE_NODE, edges=_support_edge(dashed))
    _render(net, out_path, heading, page, options, filters, color_modes, reserve=reserve)
    return {"nodes": len(agencies) + len(measures), "edges": len(roles), "agencies": len(agencies),
            "measures": len(measures), "lead_edges": lead_edges, "support_edges": support_edges,
            "documents": len(sources), "drawn_nodes": len(net.nodes), "drawn_edges": len(net.edges),
            "clusters": page["fold"]["clusters_total"] if folded else 0, "overlap": None if folded else overlap}


def _support_edge(dashed: bool) -> dict:
    return {"color": {"color": SUPPORT_COLOR, "highlight": SUPPORT_COLOR, "hover": SUPPORT_COLOR},
            "width": 1.2 if dashed else 0.8, "dashes": [6, 5] if dashed else False}


def _fold_key(g: nx.Graph, m: str) -> tuple[tuple, str]:
    """The agencies a folded measure is filed under, and their role: its lead agencies, or,
    for a measure without a lead, its supporting agencies."""
    leads = tuple(sorted(a for a, e in g[m].items() if e.get("role") == "lead"))
    return (leads, "lead") if leads else (tuple(sorted(g[m])), "support")


def _fold(net, g: nx.Graph, measures: list, fold_key: dict, centres: dict, roles: dict, measure_node) -> dict:
    """Add one node per lead-agency set and the aggregated edges; return the page's reserve:
    every measure node as it will be added on expansion (with ``pkgLinks``, its agencies and
    roles, and ``pkgName``, its full label for edge tooltips) and each cluster's members."""
    groups: dict[tuple, list] = {}
    for m in measures:
        groups.setdefault(fold_key[m], []).append(m)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    reserve: dict = {"roleZh": ROLE_ZH, "edgeStyle": {"lead": LEAD_EDGE, "support": {}}, "clusters": {},
                     "measures": []}
    links = []
    for i, ((key, role), members) in enumerate(ordered):
        cid = f"cluster:{i}"
        names = "、".join(g.nodes[a]["label"] for a in key)
        others: dict[str, int] = {}
        for m in members:
            for a in g[m]:
                if a not in key:
                    others[a] = others.get(a, 0) + 1
        top = sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))
        n = len(members)
        tip = [f"聚合节点：{names} {ROLE_ZH[role]}的 {n} 项措施",
               f"来源文件 {len({g.nodes[m].get('source') for m in members})} 个"]
        if top:
            tip.append(f"配合机构 {len(top)} 个：" + "、".join(f"{g.nodes[a]['label']}（{c}）" for a, c in top[:6])
                       + ("等" if len(top) > 6 else ""))
        tip.append("点击展开")
        size = min(30.0, 8.0 + 1.5 * math.sqrt(n))
        cx, cy, r0 = centres[key]
        turn = math.pi / 4 + (math.pi if role == "support" else 0.0)  # a lone agency's lead and support diamonds
        x, y = cx + (r0 + size) * math.cos(turn), cy + (r0 + size) * math.sin(turn)
        _add_node(net, cid, label=f"{n} 项", title="\n".join(tip), shape="diamond", size=round(size, 1),
                  color={"background": CLUSTER_COLOR, "border": "#7d6608"}, x=round(x, 1), y=round(y, 1),
                  font={"size": 13}, pkgKind="cluster", pkgFiltered=True, pkgCount=n)
        edge_ids = []
        width = round(min(8.0, 1.0 + math.log2(n)), 2)
        style = {**LEAD_EDGE, "width": width + 1.2} if role == "lead" else {"width": width}
        for a in key:
            e = _add_edge(net, a, cid, id=f"{cid}:{len(edge_ids)}", pkgFilter={"role": role},
                          title=f"{g.nodes[a]['label']} {ROLE_ZH[role]} {n} 项措施（聚合）", **style)
            edge_ids.append(e["id"])
        links += [(c, cid, a, names) for a, c in top]
        reserve["clusters"][cid] = {"members": [], "edges": edge_ids}
        for m in members:
            node = measure_node(m)
            node["id"] = m
            node["pkgName"] = g.nodes[m]["label"]
            node["pkgLinks"] = [[a, roles[a, m]] for a in sorted(g[m])]
            reserve["clusters"][cid]["members"].append(len(reserve["measures"]))
            reserve["measures"].append(node)
    links.sort(key=lambda t: (-t[0], t[1], t[2]))
    order = {f"cluster:{i}": i for i in range(len(ordered))}
    drawn = sorted(links[:FOLD_EDGES], key=lambda t: (order[t[1]], t[2]))
    for c, cid, a, names in drawn:
        ids = reserve["clusters"][cid]["edges"]
        _add_edge(net, a, cid, id=f"{cid}:{len(ids)}", pkgFilter={"role": "support"},
                  title=f"{g.nodes[a]['label']} 配合 {c} 项措施（聚合：{names} 牵头）",
                  width=round(1.2 + 0.8 * math.log2(c), 2))
        ids.append(f"{cid}:{len(ids)}")
    reserve.update(measures_total=len(measures), clusters_total=len(ordered), links_total=len(links),
                   links_drawn=len(drawn))
    return reserve


# ----------------------------------------------------------------------------- agency network


def write_network(backend: Backend, out_path: str | Path, heading: str = "机构协作网络（共同负责的措施数）",
                  declutter: bool = True) -> dict:
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
    if declutter:
        spread(net.nodes)
    overlap = label_overlap(net.nodes)
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
    return {"nodes": len(net.nodes), "edges": len(net.edges), "communities": n_comm, "overlap": overlap}


# ----------------------------------------------------------------------------- lineage


def write_lineage(backend: Backend, out_path: str | Path, heading: str = "政策贯彻落实链：上级文件 → 下级文件 → 措施",
                  measures_links: bool = False, grade: str | None = None, pair: tuple[str, str] | None = None) -> dict:
    """National → provincial → local documents → measures along pkg:implements. Documents
    known only from the catalog (not ingested) have a dashed border and say so. With
    ``measures_links``, the measure correspondences stored by ``policykg align`` are drawn
    between measures: solid for ``same``, dotted for ``partial``, the shared phrases as tooltip;
    the page can show one grade or one pair of documents at a time, and ``grade`` (same |
    partial) and ``pair`` (two source file names, 发文字号 or titles) draw only those."""
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
                     borderWidth=2, pkgKind="measure", **({"pkgText": d["text"]} if d.get("text") else {}))
    implements = 0
    for u, v, kind in g.edges(data="kind"):
        if kind == "implements":
            implements += 1
            net.add_edge(u, v, title="贯彻落实", color="#34495e", width=2.5, arrows="to")
        else:
            net.add_edge(u, v, title="包含措施", color="#c8ced3", width=0.8, arrows=NO_ARROW)
    aligned = 0
    pairs: dict[str, str] = {}
    grades_seen: set[str] = set()
    if grade is not None and grade not in GRADE_ZH:
        raise PolicyKGError(f"unknown grade {grade!r} (same, partial)")
    want_pair = frozenset(_find_document(g, docs, name) for name in pair) if pair else None
    if measures_links:
        from ..analysis.align import alignment_edges

        for e in alignment_edges(backend):
            if e["left_measure"] in net.node_ids and e["right_measure"] in net.node_ids:
                ends = sorted((g.nodes[e["left_measure"]]["doc"], g.nodes[e["right_measure"]]["doc"]))
                if (grade and e["grade"] != grade) or (want_pair and frozenset(ends) != want_pair):
                    continue
                aligned += 1
                same = e["grade"] == "same"
                key = " ⇄ ".join(g.nodes[d].get("source") or d for d in ends)
                pairs.setdefault(key, " ⇄ ".join(_short(g.nodes[d].get("docNumber") or g.nodes[d].get("title")
                                                        or g.nodes[d].get("source") or "?", 16) for d in ends))
                grades_seen.add(e["grade"])
                tip = [f"对应：{GRADE_ZH.get(e['grade'], e['grade'])}（得分 {e['score']:.2f}）",
                       f"共同表述：{e['evidence_text'] or '—'}"]
                net.add_edge(e["left_measure"], e["right_measure"], title="\n".join(tip), arrows=NO_ARROW,
                             color=GRADE_COLORS[e["grade"]], width=2.0 if same else 1.2, dashes=not same,
                             smooth={"type": "curvedCW", "roundness": 0.25},
                             pkgFilter={"grade": e["grade"], "pair": key})
    filters = []
    if aligned:  # in-page filters of the correspondences; the other edges carry no pkgFilter and stay
        filters = [{"key": "grade", "label": "对应程度", "options": [{"value": k, "label": GRADE_ZH[k]}
                                                                  for k in GRADE_ZH if k in grades_seen]},
                   {"key": "pair", "label": "文件对", "options": [{"value": k, "label": v} for k, v in sorted(pairs.items())]}]
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
    _render(net, out_path, heading, page, opts, filters)
    return {"nodes": len(net.nodes), "edges": len(net.edges), "documents": len(docs), "measures": len(measures),
            "implements": implements, "not_ingested": not_ingested, "aligned": aligned, "pairs": len(pairs)}


def _find_document(g: nx.DiGraph, docs: list, name: str) -> str:
    """The ingested document a user names by source file name, 发文字号 or title."""
    hits = [n for n in docs if g.nodes[n].get("ingested")
            and name in (g.nodes[n].get("source"), g.nodes[n].get("docNumber"), g.nodes[n].get("title"))]
    if len(hits) != 1:
        known = sorted(g.nodes[n].get("source") or n for n in docs if g.nodes[n].get("ingested"))
        why = "no ingested document" if not hits else f"{len(hits)} documents"
        raise PolicyKGError(f"--pair {name!r}: {why} with that file name, 发文字号 or title (known: {', '.join(known[:8])})")
    return hits[0]


def _layered_positions(g: nx.DiGraph, layer: dict) -> dict:
    """Documents in rows by level (barycentric order under what they implement); each
    document's measures in a grid of its own, in a band below the bottom document row."""
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
    # Each document's measures get their own slot in one band below the documents, slots side
    # by side in the order of their documents (left to right, then top to bottom): two
    # documents at the same x in different rows no longer share a grid.
    top = (max(docs_by_layer, default=0) + 1) * row_h
    owners = sorted((n for n, k in g.nodes(data="kind") if k == "document"
                     and any(g.nodes[m]["kind"] == "measure" for m in g.successors(n))),
                    key=lambda n: (pos[n][0], pos[n][1], n))
    slot, gap = cols * cell, 2.0 * cell
    x = -(len(owners) * (slot + gap) - gap) / 2
    for n in owners:
        ms = sorted((m for m in g.successors(n) if g.nodes[m]["kind"] == "measure"),
                    key=lambda m: (g.nodes[m].get("order") or 0, m))
        for i, m in enumerate(ms):
            pos[m] = (x + cell / 2 + (i % cols) * cell, top + (i // cols) * cell)
        x += slot + gap
    return pos
