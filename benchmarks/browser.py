"""Graph pages in a real, offline, headless Chromium: time until interactive, and until a
hover and a click are answered.

Used by the browser tests and by benchmarks/run.py::

    from benchmarks.browser import time_to_interactive, time_to_respond, synthetic_agency_graph
    python benchmarks/browser.py --agencies 250 --measures 2000             # prints a JSON line
    python benchmarks/browser.py --agencies 2500 --measures 17500 --runs 3  # 20,000 nodes (folded)

Chromium is Debian's /usr/bin/chromium (override with POLICYKG_CHROMIUM); Playwright's own
browser download is never used. Every request except the page's own file:// URL is aborted.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

CHROMIUM = os.environ.get("POLICYKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
READY = "() => !!(window.pkgGraph && window.pkgGraph.ready)"


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (no `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def block_network(page, page_url: str, blocked: list | None = None) -> None:
    """Abort every request but the page itself; record the aborted URLs in ``blocked``."""

    def handle(route):
        if route.request.url == page_url:
            route.continue_()
        else:
            if blocked is not None:
                blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)


def open_graph(page, html_path: str | Path, timeout_ms: float = 120_000, blocked: list | None = None) -> float:
    """Load a policykg graph page offline and wait until it has drawn its final layout and
    the main thread answers an animation frame. Returns the seconds that took."""
    url = Path(html_path).resolve().as_uri()
    block_network(page, url, blocked)
    t0 = time.perf_counter()
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.wait_for_function(READY, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return time.perf_counter() - t0


def node_point(page, node_id: str) -> list | None:
    """Viewport coordinates of a node as the page shows it now, if it is inside the canvas and
    is the node found at that point (not covered by another); else None."""
    return page.evaluate(
        """(id) => { const n = pkgGraph.network, box = document.getElementById('mynetwork').getBoundingClientRect();
                     if (!pkgGraph.nodes.get(id)) { return null; }
                     const p = n.canvasToDOM(n.getPosition(id));
                     if (p.x < 2 || p.y < 2 || p.x > box.width - 2 || p.y > box.height - 2) { return null; }
                     return n.getNodeAt(p) === id ? [box.left + p.x, box.top + p.y] : null; }""", node_id)


OVERLAP_JS = """() => {
  // Drawn boxes as vis-network holds them after a frame: a node's bounding box (shape and
  // label) and its label's box measured with the canvas text metrics.
  const net = pkgGraph.network, ids = pkgGraph.nodes.getIds({filter: n => !n.hidden});
  const nodes = ids.map(id => net.getBoundingBox(id));
  const labels = [];
  ids.forEach(id => { const n = net.body.nodes[id], s = n.labelModule.size;
    if ((n.options.label || '').trim() && s.width > 0) { labels.push({left: s.left, right: s.left + s.width, top: s.top, bottom: s.top + s.height}); } });
  function pairs(b) {
    let k = 0;
    for (let i = 0; i < b.length; i++) { for (let j = i + 1; j < b.length; j++) {
      if (b[i].left < b[j].right && b[j].left < b[i].right && b[i].top < b[j].bottom && b[j].top < b[i].bottom) { k++; } } }
    return k;
  }
  const lp = pairs(labels), n = labels.length;
  return {labels: n, label_pairs: lp, pair_ratio: n > 1 ? lp / (n * (n - 1) / 2) : 0, node_overlaps: pairs(nodes)};
}"""


def overlap_in_browser(page) -> dict:
    """Label-overlap ratio and overlapping node pairs of an open graph page, from vis-network's
    own boxes (positions, node sizes, canvas text metrics)."""
    return page.evaluate(OVERLAP_JS)


def time_to_respond(page, timeout_ms: float = 60_000) -> dict:
    """On a graph page just opened (``open_graph``), as it first shows: seconds from moving the
    mouse onto a node until its tooltip is visible (``hover_seconds``; vis waits its
    ``tooltipDelay``, 120 ms, first), and from a click until the page has answered it and drawn
    the result (``click_seconds``): on a folded page a click on the largest folded node that
    is not covered, until its measures are in the DataSet and drawn (``expanded``: how many);
    otherwise a click on the hovered node, until it is selected and drawn."""
    frames = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    candidates = page.evaluate(
        """() => { const ns = pkgGraph.nodes.get();
                   const by = (k, f) => ns.filter(n => n.pkgKind === k).sort((a, b) => f(b) - f(a)).map(n => n.id);
                   return { agencies: by('agency', n => n.pkgWorkload || 0).slice(0, 200),
                            clusters: by('cluster', n => n.pkgCount || 0).slice(0, 200),
                            any: ns.slice(0, 200).map(n => n.id) }; }""")
    target = point = None
    for node_id in candidates["agencies"] + candidates["any"]:
        point = node_point(page, node_id)
        if point:
            target = node_id
            break
    if target is None:
        raise RuntimeError("no node on screen to hover")
    page.mouse.move(2, 2)
    page.evaluate(frames)
    t0 = time.perf_counter()
    page.mouse.move(point[0], point[1])
    page.mouse.move(point[0] + 1, point[1] + 1)
    page.wait_for_function("() => { const t = document.querySelector('div.vis-tooltip');"
                           " return t && t.style.visibility !== 'hidden' && t.offsetParent !== null && t.textContent.length > 0; }",
                           polling="raf", timeout=timeout_ms)
    hover = time.perf_counter() - t0
    out = {"hover_seconds": round(hover, 3), "hovered": target}
    page.evaluate(frames)  # let the hover's redraws finish: a tap spanning a long frame is no click
    for cid in candidates["clusters"]:
        cpoint = node_point(page, cid)
        if cpoint:
            t0 = time.perf_counter()
            page.mouse.click(cpoint[0], cpoint[1])
            page.wait_for_function("(id) => !pkgGraph.nodes.get(id)", arg=cid, polling="raf", timeout=timeout_ms)
            page.evaluate(frames)
            out.update(click_seconds=round(time.perf_counter() - t0, 3), clicked=cid,
                       expanded=page.evaluate("(id) => pkgGraph.nodes.get({filter: n => n.pkgCluster === id}).length", cid))
            return out
    t0 = time.perf_counter()
    page.mouse.click(point[0] + 1, point[1] + 1)
    page.wait_for_function("(id) => pkgGraph.network.getSelectedNodes().includes(id)", arg=target, polling="raf",
                           timeout=timeout_ms)
    page.evaluate(frames)
    out.update(click_seconds=round(time.perf_counter() - t0, 3), clicked=target, expanded=0)
    return out


def time_to_interactive(html_path: str | Path, width: int = 1400, height: int = 900, browser=None) -> float:
    """Seconds from navigation until the graph page is drawn and responsive, in headless
    Chromium with all network blocked (a fresh one unless ``browser`` is given)."""
    if browser is None:
        with chromium() as fresh:
            return time_to_interactive(html_path, width, height, fresh)
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        return open_graph(page, html_path)
    finally:
        page.close()


def synthetic_agency_graph(n_agencies: int = 250, n_measures: int = 2000, n_documents: int = 40,
                           seed: int = 1) -> nx.Graph:
    """An agency–measure graph shaped like ``project.agency_measure_graph`` output: every
    measure has one lead and 1–3 supporting agencies (about 2.5 edges per measure), agency
    popularity skewed like real assignments."""
    rng = random.Random(seed)
    g = nx.Graph()
    stages = ["创造", "运用", "保护", "管理", "服务", "综合保障", None]
    agencies = [f"agency:{i}" for i in range(n_agencies)]
    weights = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(n_agencies)))  # cumulative: O(log n) draws
    for i, a in enumerate(agencies):
        g.add_node(a, kind="agency", label=f"测试市第{i}局", lead=0, support=0, documents=set())
    for j in range(n_measures):
        doc = j % n_documents
        m = f"measure:{j}"
        g.add_node(m, kind="measure", label=f"加强知识产权保护第{j}项措施", stage=rng.choice(stages), doc=f"doc:{doc}",
                   source=f"synthetic_{doc:03d}.txt", docNumber=None, title=f"测试市知识产权政策{doc}号",
                   region=f"测试{doc % 5}市", level="municipal", lead=[], support=[])
        chosen = []
        while len(chosen) < 1 + rng.randint(1, 3):
            a = rng.choices(agencies, cum_weights=weights)[0]
            if a not in chosen:
                chosen.append(a)
        for k, a in enumerate(chosen):
            role = "lead" if k == 0 else "support"
            g.add_edge(a, m, role=role)
            g.nodes[a][role] += 1
            g.nodes[a]["documents"].add(g.nodes[m]["source"])
            g.nodes[m][role].append(g.nodes[a]["label"])
    return g


def measure_agency_graph(out_dir: str | Path, n_agencies: int = 250, n_measures: int = 2000, browser=None,
                         runs: int = 1, respond: bool = True) -> dict:
    """Write the synthetic graph with viz.write_agency_graph and time it in Chromium: time to
    interactive (the median of ``runs`` fresh pages, after one warm-up page when ``runs`` > 1),
    then, with ``respond``, on the last page, the time to answer a hover and a click
    (``time_to_respond``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from policykg.views.viz import write_agency_graph

    if browser is None:
        with chromium() as fresh:
            return measure_agency_graph(out_dir, n_agencies, n_measures, fresh, runs, respond)
    g = synthetic_agency_graph(n_agencies, n_measures)
    out = Path(out_dir) / f"synthetic_agencies_{g.number_of_nodes()}.html"
    t0 = time.perf_counter()
    info = write_agency_graph(g, out, heading="合成机构图（基准测试）")
    write_s = time.perf_counter() - t0
    if runs > 1:  # the first page in a fresh browser also pays for starting its renderer
        warm = browser.new_page(viewport={"width": 1400, "height": 900})
        open_graph(warm, out)
        warm.close()
    times, answered = [], {}
    for i in range(runs):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            times.append(open_graph(page, out))
            if respond and i == runs - 1:
                answered = time_to_respond(page)
                if info["drawn_nodes"] <= 5000:  # all pairs are compared
                    answered["overlap"] = overlap_in_browser(page)
        finally:
            page.close()
    return {"nodes": info["nodes"], "edges": info["edges"], "drawn_nodes": info["drawn_nodes"],
            "drawn_edges": info["drawn_edges"], "clusters": info["clusters"], "write_seconds": round(write_s, 2),
            "time_to_interactive_seconds": round(statistics.median(times), 2),
            "runs_seconds": [round(t, 2) for t in times], **answered, "html_bytes": out.stat().st_size, "path": str(out)}


if __name__ == "__main__":
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, default=250)
    ap.add_argument("--measures", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=1, help="median of this many page loads (after a warm-up if > 1)")
    ap.add_argument("--out", default=None, help="folder for the HTML (default: a temporary one)")
    ns = ap.parse_args()
    folder = ns.out or tempfile.mkdtemp(prefix="policykg-bench-")
    print(json.dumps(measure_agency_graph(folder, ns.agencies, ns.measures, runs=ns.runs), ensure_ascii=False))
