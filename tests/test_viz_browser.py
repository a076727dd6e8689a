"""The three graph pages in a real, offline Chromium: counts, tooltips, XSS, screenshots."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.browser import (CHROMIUM, chromium, node_point, open_graph, overlap_in_browser,  # noqa: E402
                                synthetic_agency_graph)
from policykg.graph.store import OxigraphBackend  # noqa: E402
from policykg.ingest.batch import ingest_paths  # noqa: E402
from policykg.views.viz import write_agencies, write_agency_graph, write_lineage, write_network  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")]
ARTIFACTS = ROOT / "tests" / "artifacts"
PFX = "PREFIX pkg: <https://w3id.org/policykg/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
PAYLOADS = {
    "xss_img.txt": ["<img src=x onerror=alert(1)>", '<img/src="x"/onerror=alert(2)>'],
    "xss_script.txt": ["<script>alert(1)</script>", "<script>alert(2)</script>"],
}
XSS_DOC = """深圳市人民政府关于{title}的通知
深府函〔2021〕{number}号
各区人民政府，市政府直属各单位：
现就有关事项通知如下。
一、总体要求
坚持保护创新，营造良好环境。
二、重点任务
1.{p1}。完善知识产权保护体系，加强执法协作。(市市场监管局牵头,市财政局、市公安局配合)
2.{p2}。建设公共服务平台，培育服务机构。(市市场监管局牵头,市科技创新委配合)
3.提升知识产权服务水平。建设公共服务平台。(市科技创新委牵头,市财政局配合)
三、保障措施
加强组织领导。
深圳市人民政府
2021年3月1日
"""


def write_xss_docs(folder: Path) -> list[Path]:
    out = []
    for i, (name, (p1, p2)) in enumerate(PAYLOADS.items()):
        path = folder / name
        path.write_text(XSS_DOC.format(title=f"加强知识产权保护工作{i}", number=901 + i, p1=p1, p2=p2), encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xssdocs")
    backend = OxigraphBackend(tmp_path_factory.mktemp("store") / "store")
    report = ingest_paths(backend, [ROOT / "corpus", *write_xss_docs(folder)], jobs=1)
    assert not report.failed, [o.message for o in report.failed]
    yield backend
    backend.close()


def select(backend, body: str) -> list[dict]:
    return backend.select(PFX + body).records()


def xss_headings(backend) -> list[tuple[str, str]]:
    rows = select(backend, "SELECT ?m ?h WHERE { ?m a pkg:Measure ; pkg:heading ?h ; pkg:leadAgency ?a . "
                           "FILTER(CONTAINS(?h, '<')) }")
    return sorted({(r["m"], r["h"]) for r in rows})


def expected_assignment_pairs(backend) -> set[tuple[str, str]]:
    rows = select(backend, "SELECT DISTINCT ?a ?m WHERE { ?d pkg:sourceFile ?f ; pkg:hasMeasure ?m . "
                           "{ ?m pkg:leadAgency ?a } UNION { ?m pkg:supportingAgency ?a } }")
    return {(r["a"], r["m"]) for r in rows}


def test_generated_documents_really_hold_the_payload_measures(store):
    found = xss_headings(store)
    assert len(found) >= 4, found
    assert any("script" in h for _, h in found) and any("img" in h for _, h in found)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def open_page(browser, html: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs, errors, blocked = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_graph(page, html, timeout_ms=60_000, blocked=blocked)
    return page, dialogs, errors, blocked


def page_counts(page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [pkgGraph.nodes.length, pkgGraph.edges.length]"))


def hover_tooltip(page, node_id: str) -> str:
    """Move the mouse onto a node (centred and zoomed in first) and return the tooltip text.
    Fails if another node is drawn on top of it at that point."""
    point = page.evaluate(
        """(id) => { const n = pkgGraph.network; n.focus(id, {scale: 2.5, animation: false});
                     const p = n.canvasToDOM(n.getPosition(id));
                     const r = document.getElementById('mynetwork').getBoundingClientRect();
                     return [r.left + p.x, r.top + p.y]; }""", node_id)
    tip = page.locator("div.vis-tooltip")
    page.mouse.move(5, 5)  # off the canvas, and any earlier tooltip put away
    page.evaluate("() => document.querySelectorAll('div.vis-tooltip').forEach(t => { t.style.visibility = 'hidden'; })")
    page.mouse.move(point[0], point[1])
    page.mouse.move(point[0] + 1, point[1] + 1)
    tip.wait_for(state="visible", timeout=10_000)
    under = page.evaluate("""([x, y]) => { const r = document.getElementById('mynetwork').getBoundingClientRect();
                                          return pkgGraph.network.getNodeAt({x: x - r.left, y: y - r.top}); }""",
                          [point[0] + 1, point[1] + 1])
    assert under == node_id, f"another node covers {node_id}: {under}"
    return tip.inner_text()


def assert_no_injection(page, dialogs, errors, blocked, scripts: int = 2):
    """``scripts``: the page's own script elements (vis-network, the page; + the folded
    measures' JSON block on a folded page)."""
    page.wait_for_timeout(300)
    assert dialogs == []
    assert errors == []
    assert blocked == [], "the page tried to load something from outside itself"
    injected = page.evaluate("""() => ({
        img: document.querySelectorAll('img, imgsrc').length,
        onerror: document.querySelectorAll('[onerror]').length,
        scripts: document.scripts.length,
        alertScripts: Array.from(document.scripts).filter(s => s.textContent.trim() === 'alert(1)' || s.textContent.trim() === 'alert(2)').length })""")
    assert injected == {"img": 0, "onerror": 0, "scripts": scripts, "alertScripts": 0}


def test_agencies_page(store, browser, tmp_path):
    html = tmp_path / "agencies.html"
    write_agencies(store, html)
    pairs = expected_assignment_pairs(store)
    agencies, measures = {a for a, _ in pairs}, {m for _, m in pairs}
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        assert page_counts(page) == (len(agencies) + len(measures), len(pairs))
        for measure, heading in xss_headings(store):
            text = hover_tooltip(page, measure)
            assert heading in text
            assert "市市场监督管理局" in text or "市市场监管局" in text  # its lead agency
            assert ".txt" in text  # its source file
        page.screenshot(path=str(ARTIFACTS / "agencies.png"))
        # the in-page role filter hides supporting edges
        page.select_option("#pkg-filter-role", "lead")
        shown = page.evaluate("() => pkgGraph.edges.get({filter: e => !e.hidden}).length")
        leads = select(store, "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?d pkg:sourceFile ?f ; pkg:hasMeasure ?m . "
                              "?m pkg:leadAgency ?a }")[0]["n"]
        assert shown == leads
        assert_no_injection(page, dialogs, errors, blocked)
    finally:
        page.close()


def test_network_page(store, browser, tmp_path):
    html = tmp_path / "network.html"
    write_network(store, html)
    by_measure: dict[str, set] = {}
    for a, m in expected_assignment_pairs(store):
        by_measure.setdefault(m, set()).add(a)
    agencies = set().union(*by_measure.values()) if by_measure else set()
    shared = {frozenset(p) for group in by_measure.values() for p in itertools.combinations(sorted(group), 2)}
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        assert page_counts(page) == (len(agencies), len(shared))
        busiest = max(agencies, key=lambda a: sum(1 for g in by_measure.values() if a in g))
        label = select(store, f"SELECT ?l WHERE {{ <{busiest}> skos:prefLabel ?l }}")[0]["l"]
        assert label in hover_tooltip(page, busiest)
        page.screenshot(path=str(ARTIFACTS / "network.png"))
        assert_no_injection(page, dialogs, errors, blocked)
    finally:
        page.close()


def test_lineage_page(store, browser, tmp_path):
    html = tmp_path / "lineage.html"
    write_lineage(store, html)
    measures = select(store, "SELECT ?d ?m ?h WHERE { ?d pkg:sourceFile ?f ; pkg:hasMeasure ?m . ?m pkg:heading ?h }")
    ingested = {r["d"] for r in select(store, "SELECT DISTINCT ?d WHERE { ?d pkg:sourceFile ?f }")}
    g = nx.DiGraph()
    g.add_nodes_from(ingested)
    g.add_edges_from((r["u"], r["d"]) for r in select(store, "SELECT DISTINCT ?d ?u WHERE { ?d pkg:implements ?u }"))
    keep = set().union(*(c for c in nx.weakly_connected_components(g) if c & ingested))
    doc_edges = g.subgraph(keep).number_of_edges()
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        assert page_counts(page) == (len(keep) + len(measures), doc_edges + len(measures))
        not_ingested = page.evaluate("() => pkgGraph.nodes.get({filter: n => n.pkgKind === 'document' && !n.pkgIngested})"
                                     ".map(n => n.shapeProperties && n.shapeProperties.borderDashes ? 1 : 0)")
        assert len(not_ingested) == len(keep - ingested) and all(not_ingested)
        sample = next(r for r in measures if "<" not in r["h"])
        assert sample["h"] in hover_tooltip(page, sample["m"])
        xss = next(r for r in measures if "script" in r["h"])
        assert xss["h"] in hover_tooltip(page, xss["m"])
        page.screenshot(path=str(ARTIFACTS / "lineage.png"))
        assert_no_injection(page, dialogs, errors, blocked)
    finally:
        page.close()


def test_synthetic_graph_of_2000_nodes_becomes_interactive(browser, tmp_path):
    from benchmarks.browser import measure_agency_graph

    result = measure_agency_graph(tmp_path, n_agencies=250, n_measures=2000, browser=browser)
    assert result["nodes"] >= 2000 and result["edges"] >= 4000
    assert result["time_to_interactive_seconds"] < 60
    (ARTIFACTS / "synthetic_2000.txt").write_text(repr(result) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- 20,000 nodes, folded

FOLDED_XSS = ["<img src=x onerror=alert(1)>加强知识产权保护", "</script><script>alert(2)</script>完善公共服务"]


@pytest.fixture(scope="module")
def folded(tmp_path_factory):
    """The benchmarks' 20,000-node graph, with the two payloads as the labels of two measures
    that share a small folded node (every synthetic measure has one lead agency: its key)."""
    g = synthetic_agency_graph(2500, 17500)
    by_lead: dict[str, list[str]] = {}
    for m, kind in g.nodes(data="kind"):
        if kind == "measure":
            lead = next(a for a in g[m] if g[a][m]["role"] == "lead")
            by_lead.setdefault(lead, []).append(m)
    members = next(sorted(ms) for _, ms in sorted(by_lead.items()) if 5 <= len(ms) <= 12)
    for m, label in zip(members, FOLDED_XSS):
        g.nodes[m]["label"] = label
    html = tmp_path_factory.mktemp("folded") / "agencies20k.html"
    info = write_agency_graph(g, html)
    return html, info, members, g


def cluster_of(page, measure: str) -> str:
    return page.evaluate("""(m) => { const r = JSON.parse(document.getElementById('pkg-reserve').textContent);
        return Object.keys(r.clusters).find(c => r.clusters[c].members.some(i => r.measures[i].id === m)); }""", measure)


def click_node(page, node_id: str, dbl: bool = False) -> None:
    page.evaluate("(id) => pkgGraph.network.focus(id, {scale: 2.0, animation: false})", node_id)
    point = node_point(page, node_id)
    assert point, f"{node_id} is off screen or covered"
    page.mouse.move(5, 5)
    (page.mouse.dblclick if dbl else page.mouse.click)(point[0], point[1])


def test_folded_20000_node_page(browser, folded):
    html, info, members, g = folded
    assert info["nodes"] == 20000 and info["edges"] >= 40000
    assert info["clusters"] > 0 and info["drawn_nodes"] < info["nodes"]
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        assert page_counts(page) == (info["drawn_nodes"], info["drawn_edges"])
        note = page.locator("#pkg-note").inner_text()
        assert "17,500 项措施" in note and "聚合" in note and "点击展开" in note
        # a click on the folded node puts exactly its measures, with all their edges, in the DataSets
        cid = cluster_of(page, members[0])
        click_node(page, cid)
        page.wait_for_function("(id) => !pkgGraph.nodes.get(id)", arg=cid)
        shown = page.evaluate("(id) => pkgGraph.nodes.get({filter: n => n.pkgCluster === id}).map(n => n.id)", cid)
        assert sorted(shown) == members
        edges = page.evaluate("(ms) => pkgGraph.edges.get({filter: e => ms.includes(e.to)}).map(e => [e.from, e.to, e.pkgFilter.role])",
                              members)
        assert sorted(map(tuple, edges)) == sorted((a, m, g[a][m]["role"]) for m in members for a in g[m])
        # their tooltips are plain text: the payloads show as text and run nowhere
        for m, label in zip(members, FOLDED_XSS):
            text = hover_tooltip(page, m)
            assert label in text and "测试市第" in text  # the label and its agencies
        page.screenshot(path=str(ARTIFACTS / "agencies_20000_folded.png"))
        # a double click on one of them folds them back (not within 600 ms of the expanding click,
        # which would be the second half of a double click on the folded node)
        page.wait_for_timeout(700)
        click_node(page, members[2], dbl=True)
        page.wait_for_function("(id) => !!pkgGraph.nodes.get(id)", arg=cid)
        assert page_counts(page) == (info["drawn_nodes"], info["drawn_edges"])
        # the search box finds a measure in a folded node and expands it
        target = next(f"measure:{j}" for j in range(12345, 20000) if f"measure:{j}" not in members)
        page.fill("#pkg-search", f"第{target.split(':')[1]}项")
        page.wait_for_function("(m) => !!pkgGraph.nodes.get(m) && pkgGraph.network.getSelectedNodes().includes(m)",
                               arg=target)
        # the role filter reaches folded and expanded edges alike
        page.select_option("#pkg-filter-role", "lead")
        visible = page.evaluate("() => pkgGraph.edges.get({filter: e => !e.hidden}).map(e => e.pkgFilter.role)")
        assert visible and set(visible) == {"lead"}
        assert_no_injection(page, dialogs, errors, blocked, scripts=3)
    finally:
        page.close()


# ----------------------------------------------------------------------------- layouts that read

# Bound on the label-overlap ratio (share of label pairs whose canvas boxes intersect, measured
# by vis-network itself): the spread keeps PAD px between every node box (dot + label), so the
# new layout should have none; 0.001 leaves room for canvas text metrics wider than the
# estimate (a fallback font), and is still 13-54x under the old layouts' 0.013-0.054 on the corpus.
LABEL_PAIR_BOUND = 0.001


def measured(browser, html: Path) -> dict:
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        return overlap_in_browser(page)
    finally:
        page.close()


@pytest.mark.parametrize("writer", [write_agencies, write_network])
def test_hubs_apart_and_labels_clear_at_corpus_size(store, browser, tmp_path, writer):
    old = measured(browser, _write(writer, store, tmp_path / "old.html", declutter=False))
    new_html = _write(writer, store, tmp_path / "new.html")
    new = measured(browser, new_html)
    print(f"{writer.__name__}: old {old}, new {new}")
    assert old["node_overlaps"] > 0 and old["label_pairs"] > 0  # what the issue saw
    assert new["node_overlaps"] == 0
    assert new["pair_ratio"] <= LABEL_PAIR_BOUND < old["pair_ratio"]
    # the tooltip is the node under the pointer: hover each of the two hubs
    hubs = hub_ids(new_html, 2)
    page, dialogs, errors, blocked = open_page(browser, new_html)
    try:
        for hub in hubs:
            label = page.evaluate("(id) => pkgGraph.nodes.get(id).label", hub)
            assert f"机构：{label}" in hover_tooltip(page, hub)
        page.screenshot(path=str(ARTIFACTS / f"{writer.__name__}_spread.png"))
    finally:
        page.close()


def _write(writer, store, html: Path, **kw) -> Path:
    writer(store, html, **kw)
    return html


def hub_ids(html: Path, k: int) -> list[str]:
    """The k biggest nodes of a page (the hubs), read from the page's node data."""
    import json
    import re

    text = html.read_text(encoding="utf-8")
    data = json.loads(re.search(r"new vis\.DataSet\((\[.*?\])\);\n", text).group(1))
    data = [n for n in data if "size" in n]
    return [n["id"] for n in sorted(data, key=lambda n: -n["size"])[:k]]


def test_no_overlapping_nodes_at_2000_nodes(browser, tmp_path):
    g = synthetic_agency_graph(250, 2000)
    old_info = write_agency_graph(g.copy(), tmp_path / "old.html", declutter=False)
    new_info = write_agency_graph(g.copy(), tmp_path / "new.html")
    old, new = measured(browser, tmp_path / "old.html"), measured(browser, tmp_path / "new.html")
    print(f"2,250 nodes: old {old} / python {old_info['overlap']}, new {new} / python {new_info['overlap']}")
    assert old["node_overlaps"] > 0
    assert new["node_overlaps"] == 0 and new_info["overlap"]["node_overlaps"] == 0
    assert new["pair_ratio"] <= min(LABEL_PAIR_BOUND, old["pair_ratio"])


def test_lineage_keeps_each_documents_measures_in_its_own_region(store, browser, tmp_path):
    html = tmp_path / "lineage.html"
    write_lineage(store, html)
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        regions = page.evaluate("""() => {
            const pos = pkgGraph.network.getPositions(), out = {};
            pkgGraph.edges.forEach(e => {
              const m = pkgGraph.nodes.get(e.to);
              if (m && m.pkgKind === 'measure' && pkgGraph.nodes.get(e.from).pkgKind === 'document') {
                const b = pkgGraph.network.getBoundingBox(e.to);
                const r = out[e.from] = out[e.from] || {left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity, n: 0};
                r.left = Math.min(r.left, b.left); r.right = Math.max(r.right, b.right);
                r.top = Math.min(r.top, b.top); r.bottom = Math.max(r.bottom, b.bottom); r.n++;
              } });
            return out; }""")
        page.screenshot(path=str(ARTIFACTS / "lineage_regions.png"))
    finally:
        page.close()
    assert len(regions) >= 2
    for (d1, a), (d2, b) in itertools.combinations(sorted(regions.items()), 2):
        inside = a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]
        assert not inside, f"measures of {d1} and {d2} share a region: {a} {b}"


# ----------------------------------------------------------------------------- measure links, search


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    from policykg.analysis.align import align_all

    backend = OxigraphBackend(tmp_path_factory.mktemp("aligned") / "store")
    assert not ingest_paths(backend, [ROOT / "corpus"], jobs=1).failed
    align_all(backend)
    yield backend
    backend.close()


def visible_links(page) -> list[list[str]]:
    return page.evaluate("() => pkgGraph.edges.get({filter: e => !e.hidden && e.pkgFilter && e.pkgFilter.grade})"
                         ".map(e => [e.pkgFilter.grade, e.pkgFilter.pair])")


def test_measure_links_filter_by_grade_and_document_pair(aligned, browser, tmp_path):
    html = tmp_path / "lineage_measures.html"
    info = write_lineage(aligned, html, measures_links=True)
    assert info["aligned"] > 0 and info["pairs"] >= 2
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        everything = visible_links(page)
        assert len(everything) == info["aligned"]
        grades = sorted({g for g, _ in everything})
        pairs = sorted({p for _, p in everything})
        for grade in grades:
            page.select_option("#pkg-filter-grade", grade)
            shown = visible_links(page)
            assert shown and {g for g, _ in shown} == {grade}
            assert len(shown) == sum(1 for g, _ in everything if g == grade)
        page.select_option("#pkg-filter-grade", "")
        page.select_option("#pkg-filter-pair", pairs[0])
        shown = visible_links(page)
        assert {p for _, p in shown} == {pairs[0]} and len(shown) == sum(1 for _, p in everything if p == pairs[0])
        # the documents and their measures stay drawn
        assert page.evaluate("() => pkgGraph.nodes.get({filter: n => n.hidden}).length") == 0
        page.screenshot(path=str(ARTIFACTS / "lineage_measures_pair.png"))
        assert_no_injection(page, dialogs, errors, blocked)
    finally:
        page.close()
    # the same from the Python side (the CLI's --grade / --pair)
    one = write_lineage(aligned, tmp_path / "same.html", measures_links=True, grade=grades[0])
    assert one["aligned"] == sum(1 for g, _ in everything if g == grades[0])
    a, b = pairs[0].split(" ⇄ ")
    two = write_lineage(aligned, tmp_path / "pair.html", measures_links=True, pair=(a, b))
    assert two["aligned"] == sum(1 for _, p in everything if p == pairs[0]) and two["pairs"] == 1


def text_only_substring(backend) -> tuple[str, str]:
    """A measure and a Chinese substring of its text that its heading (label and tooltip) lacks."""
    import re

    rows = select(backend, "SELECT ?m ?h ?t WHERE { ?d pkg:sourceFile ?f ; pkg:hasMeasure ?m . ?m pkg:heading ?h ; "
                           "pkg:text ?t ; pkg:leadAgency ?a } ORDER BY ?m")
    for r in rows:
        for run in re.findall(r"[\u4e00-\u9fff]{6,}", r["t"]):
            q = run[:6]
            if q not in r["h"] and not any(q in o["h"] for o in rows):
                return r["m"], q
    raise AssertionError("no measure text with a substring outside every heading")


@pytest.mark.parametrize("writer", [write_agencies, write_lineage])
def test_search_finds_measure_text(store, browser, tmp_path, writer):
    measure, q = text_only_substring(store)
    html = tmp_path / "page.html"
    writer(store, html)
    page, dialogs, errors, blocked = open_page(browser, html)
    try:
        page.fill("#pkg-search", q)
        page.wait_for_function("(m) => pkgGraph.network.getSelectedNodes().includes(m)", arg=measure, timeout=10_000)
        assert "找到" in page.locator("#pkg-status").inner_text()
        assert_no_injection(page, dialogs, errors, blocked)
    finally:
        page.close()
