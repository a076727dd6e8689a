"""policykg benchmarks: every figure next to its baseline, measured in the same run.

    python -m benchmarks.run --quick     # ~5 min on 2 cores: scale step 30 -> 300 documents
    python -m benchmarks.run             # 1,000 -> 10,000 documents
    python -m benchmarks.run --full      # 1,000 -> 10,000 -> 100,000 documents
    python -m benchmarks.run --figures ingest,align --sizes 100,1000   # some figures, other sizes

Prints one line per figure, ``name: value unit | baseline: value | ratio R (goal G)``, and
writes the same as JSON to benchmarks/results.json. No figure is a fixed number of seconds:
machines are noisy, so each is a ratio to a baseline timed moments before or after it.
See benchmarks/README.md for the method.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synth import write_corpus  # noqa: E402


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None
    ratio: float | None
    goal: str
    note: str = ""

    def met(self) -> bool | None:
        if self.ratio is None or not self.goal:
            return None
        op, target = self.goal.split()
        if op == "<":  # strictly under: a query stopped at its cap counts as the cap
            return self.ratio < float(target)
        return self.ratio >= float(target) if op == ">=" else self.ratio <= float(target)


def fmt_num(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def format_line(f: Figure) -> str:
    """``name: value unit | baseline: value | ratio R (goal G)`` (+ a note)."""
    goal = f" (goal {f.goal})" if f.goal else ""
    mark = {True: " ok", False: " MISSED", None: ""}[f.met()]
    line = f"{f.name}: {fmt_num(f.value)} {f.unit} | baseline: {fmt_num(f.baseline)} | ratio {fmt_num(f.ratio)}{goal}{mark}"
    return line + (f"  -- {f.note}" if f.note else "")


class Report:
    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.notes: list[str] = []

    def add(self, name, value, unit, baseline, ratio, goal="", note="") -> Figure:
        f = Figure(name, value, unit, baseline, ratio, goal, note)
        self.figures.append(f)
        print(format_line(f), flush=True)
        return f

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"note: {text}", flush=True)


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1), "python": platform.python_version(),
            "load_average_at_start": os.getloadavg()}


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- ingest in a subprocess (peak RSS is per process) -------------------------------------------
def _ingest_child(store: str, folder: str, jobs: int) -> None:
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(store)
    t0 = time.perf_counter()
    report = ingest_paths(backend, [folder], jobs=jobs)
    backend.flush()
    seconds = time.perf_counter() - t0
    quads = len(backend.store)
    graphs = len(backend.named_graphs())
    chars = sum(o.summary.get("characters", 0) for o in report.outcomes)
    out = {"seconds": seconds, "stored": len(report.by_status("stored")), "unchanged": len(report.by_status("unchanged")),
           "duplicate": len(report.by_status("duplicate")), "failed": len(report.failed), "chars": chars, "quads": quads, "graphs": graphs,
           "rss_writer_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "rss_workers_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    print(json.dumps(out))


def _extract_child(folder: str, jobs: int) -> None:
    """Read and extract every file into N-Triples through the ingest worker pool, storing
    nothing: what ``--jobs`` parallelizes, without the single writer."""
    from policykg.ingest.batch import _outcomes, collect_files

    files, _ = collect_files([folder])
    t0 = time.perf_counter()
    chars = sum(o.summary.get("characters", 0) for o in _outcomes(files, jobs))
    print(json.dumps({"seconds": time.perf_counter() - t0, "chars": chars}))


def _child(*args: str) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.run", *args]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def ingest(store: Path, folder: Path, jobs: int) -> dict:
    out = _child("--_ingest", str(store), str(folder), str(jobs))
    out["store_bytes"] = dir_size(store)
    return out


def extract_only(folder: Path, jobs: int) -> dict:
    return _child("--_extract", str(folder), str(jobs))


def spacy_chars_per_s(folder: Path) -> float:
    import spacy

    nlp = spacy.blank("zh")
    texts = (f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.txt")))
    chars = 0

    def counted():
        nonlocal chars
        for t in texts:
            chars += len(t)
            yield t

    t0 = time.perf_counter()
    for _ in nlp.pipe(counted()):
        pass
    return chars / (time.perf_counter() - t0)


# -- queries --------------------------------------------------------------------------------------
def benchmark_queries() -> list[tuple[str, dict]]:
    """Every named query, with the params of its first example when it needs some."""
    import shlex

    from policykg.queries.catalog import all_queries

    out = []
    for name, q in sorted(all_queries().items()):
        params: dict[str, str] = {}
        for ex in q.examples[:1]:
            words = shlex.split(ex)
            for i, w in enumerate(words):
                if w == "--param" and i + 1 < len(words) and "=" in words[i + 1]:
                    k, v = words[i + 1].split("=", 1)
                    params[k] = v
        if any(not p.optional and p.name not in params for p in q.params):
            continue
        out.append((name, params))
    return out


def best_of(fn, repeat: int = 2) -> float:
    """Best of ``repeat`` runs; a run over a second is not repeated."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if best > 1.0:
            break
    return best


def _rdflib_child(nq_path: str) -> None:
    """Load N-Quads into an rdflib Dataset (union default graph), or open an embedded store
    (``store:DIR``) read-only; answer queries from stdin, one JSON line each."""
    from policykg.queries.catalog import get_query
    from policykg.queries.run import bind, run_query

    t0 = time.perf_counter()
    if nq_path.startswith("store:"):
        from policykg.graph.store import OxigraphBackend

        backend = OxigraphBackend(nq_path.removeprefix("store:"), read_only=True)
    else:
        from rdflib import Dataset

        ds = Dataset(default_union=True)
        ds.parse(nq_path, format="nquads")
        backend = None
    print(json.dumps({"loaded": time.perf_counter() - t0}), flush=True)
    for line in sys.stdin:
        name, params = json.loads(line)
        sparql = bind(get_query(name), params)
        t0 = time.perf_counter()
        try:
            if backend is not None:
                best = math.inf
                for _ in range(2):  # best of 2, like best_of
                    t0 = time.perf_counter()
                    n = len(run_query(backend, name, params).rows)
                    best = min(best, time.perf_counter() - t0)
                    if best > 1.0:
                        break
                print(json.dumps({"name": name, "seconds": best, "rows": n}), flush=True)
                continue
            n = len(list(ds.query(sparql)))
        except Exception as err:  # noqa: BLE001 - rdflib cannot run every query; say so
            print(json.dumps({"name": name, "seconds": None, "error": str(err)[:200]}), flush=True)
            continue
        print(json.dumps({"name": name, "seconds": time.perf_counter() - t0, "rows": n}), flush=True)


class RdflibRunner:
    def __init__(self, nq_path: Path, timeout: float):
        self.nq_path, self.timeout, self.proc = nq_path, timeout, None
        self.load_seconds = None
        self.error = None

    def _start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.run", "--_rdflib", str(self.nq_path)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.load_seconds = json.loads(self.proc.stdout.readline())["loaded"]

    def run(self, name: str, params: dict) -> float | None:
        self.error = None
        if self.proc is None:
            self._start()
        self.proc.stdin.write(json.dumps([name, params]) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            self.close()
            return None
        answer = json.loads(self.proc.stdout.readline())
        self.error = answer.get("error")
        return answer["seconds"]

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def query_figures(rep: Report, small_store: Path, big_store: Path, big_n: int, small_n: int, tmp: Path, quick: bool) -> None:
    import pyoxigraph as ox

    from policykg.graph.store import OxigraphBackend
    from policykg.queries.catalog import get_query
    from policykg.queries.run import bind, run_query

    queries = benchmark_queries()
    # (d2) vs rdflib in memory, same triples (the small store: rdflib holds ~1 KB per triple)
    small = OxigraphBackend(small_store, read_only=True)
    nq = tmp / "small.nq"
    with nq.open("wb") as fh:
        for chunk in small.dump("nq"):
            fh.write(chunk)
    timeout = 10.0 if quick else 120.0
    budget = 45.0 if quick else 1800.0
    runner = RdflibRunner(nq, timeout)
    ratios, spent = [], 0.0
    ours_small: dict[str, float] = {}
    ours_runner = RdflibRunner(f"store:{small_store}", timeout)  # a child, so that a slow query can be stopped
    for name, params in queries:
        t_ours = ours_runner.run(name, params)
        if t_ours is None:
            ours_small[name] = math.inf
            rep.add(f"query {name} @{small_n} docs: run_query vs rdflib", None, "ms", None, None, ">= 10",
                    f"ours did not finish in {timeout:.0f} s (or failed: {ours_runner.error}); not compared")
            continue
        ours_small[name] = t_ours
        if spent > budget:
            rep.add(f"query {name} @{small_n} docs: run_query vs rdflib", t_ours * 1000, "ms", None, None, ">= 10",
                    "rdflib skipped: time budget spent")
            continue
        t0 = time.perf_counter()
        t_rdf = runner.run(name, params)
        spent += time.perf_counter() - t0
        if t_rdf is None and runner.error:
            rep.add(f"query {name} @{small_n} docs: run_query vs rdflib", t_ours * 1000, "ms", None, None, ">= 10",
                    f"rdflib failed: {runner.error[:80]}")
            continue
        if t_rdf is None:
            rep.add(f"query {name} @{small_n} docs: run_query vs rdflib", t_ours * 1000, "ms", timeout * 1000,
                    timeout / t_ours, ">= 10", f"rdflib did not finish in {timeout:.0f} s: ratio is a lower bound")
            ratios.append(timeout / t_ours)
            continue
        ratios.append(t_rdf / t_ours if t_ours else None)
        rep.add(f"query {name} @{small_n} docs: run_query vs rdflib", t_ours * 1000, "ms", t_rdf * 1000,
                t_rdf / t_ours if t_ours else None, ">= 10")
    runner.close()
    ours_runner.close()
    rep.add(f"queries @{small_n} docs: rdflib time / ours (geometric mean)", None, "", None, geomean(ratios), ">= 10",
            f"rdflib in-memory Dataset load took {fmt_num(runner.load_seconds)} s (not counted)")

    # (d1) run_query vs raw pyoxigraph on the big store
    big = OxigraphBackend(big_store, read_only=True)
    ours_big: dict[str, float] = {}
    over = []
    cap = 1.0 if quick else 30.0
    for name, params in queries:
        # several queries grow quadratically with the store (README "Left to do"): in quick
        # mode, skip those whose quadratic projection from the small store exceeds 20 s
        projected = ours_small.get(name, 0) * (big_n / small_n) ** 2
        if ours_small.get(name, 0) > cap or (quick and projected > 20.0):
            rep.note(f"query {name}: {fmt_num(ours_small[name])} s on {small_n} docs already; not run on {big_n} docs")
            continue
        sparql = bind(get_query(name), params)

        def raw():
            res = big.store.query(sparql, use_default_graph_as_union=True)
            variables = res.variables
            for s in res:
                for v in variables:
                    t = s[v]
                    if t is not None:
                        t.value  # noqa: B018 - materialize like run_query does

        t_raw = best_of(raw)
        t_ours = best_of(lambda: run_query(big, name, params))
        ours_big[name] = t_ours
        over.append(t_ours / t_raw if t_raw > 0 else 1.0)
        rep.add(f"query {name} @{big_n} docs: run_query vs raw pyoxigraph", t_ours * 1000, "ms", t_raw * 1000,
                t_ours / t_raw if t_raw else None, "<= 1.2")
    rep.add(f"queries @{big_n} docs: run_query overhead over raw pyoxigraph (geometric mean, {len(over)} queries)",
            geomean(list(ours_big.values())) * 1000, "ms", None, geomean(over), "<= 1.2")
    big.close()
    del big

    # (d3) the Oxigraph server over HTTP, on a copy of the big store
    remote_figures(rep, big_store, queries, ours_big, big_n, tmp)
    small.close()


def remote_figures(rep: Report, big_store: Path, queries, ours_big: dict, big_n: int, tmp: Path) -> None:
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from servers import oxigraph_binary, start_oxigraph  # type: ignore[import-not-found]

        from policykg.queries.run import run_query
    except ImportError as err:
        rep.note(f"remote stores skipped: tests/servers.py or graph/remote.py missing ({err})")
        return
    if oxigraph_binary() is None:
        rep.note("Oxigraph server figures skipped: the oxigraph CLI is not installed")
    else:
        copy = tmp / "server-store"
        shutil.copytree(big_store, copy)
        server = start_oxigraph(copy, read_only=True, union=True)
        try:
            backend = server.backend()
            ratios = []
            for name, params in queries:
                if name not in ours_big:
                    continue
                try:
                    t = best_of(lambda: run_query(backend, name, params))
                except Exception as err:  # noqa: BLE001 - report and go on
                    rep.note(f"query {name} on the Oxigraph server failed: {str(err)[:120]}")
                    continue
                ratios.append(t / ours_big[name])
            rep.add(f"queries @{big_n} docs: Oxigraph server (HTTP) time / embedded (geometric mean)", None, "", None,
                    geomean(ratios), "", "informational: what a remote endpoint costs")
        finally:
            server.stop()
    rep.note("Virtuoso figures not measured by this version of run.py (loading 10k documents into Virtuoso "
             "needs its bulk loader; see README 'Left to do')")


# -- export and validation ------------------------------------------------------------------------
def export_validate_figures(rep: Report, store: Path, n: int, ingest_seconds: float, label: str) -> None:
    from policykg.graph.store import OxigraphBackend
    from policykg.graph.validate import validate_backend
    from policykg.queries.export import export_records

    backend = OxigraphBackend(store, read_only=True)
    ingest_rate = n / ingest_seconds
    t0 = time.perf_counter()
    records = export_records(backend)
    t_export = time.perf_counter() - t0
    rep.add(f"export_records @{n} docs{label}: docs/s vs ingest docs/s", len(records) / t_export, "docs/s", ingest_rate,
            (len(records) / t_export) / ingest_rate, ">= 1.0")
    t0 = time.perf_counter()
    conforms, violations = validate_backend(backend)
    t_val = time.perf_counter() - t0
    rep.add(f"SHACL validation @{n} docs{label}: docs/s vs ingest docs/s", n / t_val, "docs/s", ingest_rate,
            (n / t_val) / ingest_rate, ">= 1.0", f"conforms={conforms}, {len(violations)} violations")
    backend.close()


STORE_GOAL_KIB = 300  # issue 20: a store of at most 300 KiB per document at 10k documents


def model_figures(rep: Report, runs: dict, tmp: Path, sizes: list[int]) -> None:
    """Quads per document against the model before issue 20 (reconstructed from the same store by
    benchmarks/quads.py, which counts each kind of fact), and store bytes per document against the
    goal, for each ingested size (measured right after ingest, before alignment)."""
    from benchmarks.quads import previous_model_quads
    from benchmarks.quads import measure as measure_quads

    for n in sizes:
        m = measure_quads(str(tmp / f"store-{n}"))
        before = previous_model_quads(m)
        kinds = ", ".join(f"{k} {v:.0f}" for k, v in m["by_kind"].items())
        rep.add(f"quads per document @{n} docs: this model vs the one before issue 20", m["quads_per_doc"], "quads",
                before, before / m["quads_per_doc"], ">= 2.0", f"by kind: {kinds}")
        kib = runs[n]["store_bytes"] / n / 1024
        rep.add(f"store bytes per document @{n} docs (after ingest) vs the {STORE_GOAL_KIB} KiB goal", kib, "KiB",
                STORE_GOAL_KIB, STORE_GOAL_KIB / kib, ">= 1.0",
                "the goal is set at 10k documents; a small store carries more fixed overhead per document")


def _query_child(store: str, name: str, params: str) -> None:
    """One named query on a store opened read-only: seconds and rows (materialized)."""
    from policykg.graph.store import open_read_only
    from policykg.queries.run import run_query

    backend = open_read_only(store)
    t0 = time.perf_counter()
    rows = len(run_query(backend, name, json.loads(params) or None).records())
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))


ALIGNMENT_QUERY_WORDS = ("align", "correspond", "gap")  # the named queries that read alignment runs


def aligned_query_figures(rep: Report, store: Path, n: int, cap: float) -> None:
    """The named queries that read alignment runs, each in a subprocess with a time cap, on the
    aligned store. The query figures run before alignment, where these have nothing to read:
    that is how ``alignment_edges`` took 518 s at 13k links unnoticed (benchmarks/README.md)."""
    times: list[tuple[float, str, str]] = []
    for name, params in benchmark_queries():
        if not any(w in name for w in ALIGNMENT_QUERY_WORDS):
            continue
        cmd = [sys.executable, "-m", "benchmarks.run", "--_query", str(store), name, json.dumps(params)]
        try:
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=cap, check=False)
        except subprocess.TimeoutExpired:
            times.append((cap, name, f"over {cap:g} s, stopped"))
            continue
        if res.returncode != 0:
            rep.note(f"query {name} failed on the aligned store: {res.stderr.strip().splitlines()[-1:]}")
            continue
        out = json.loads(res.stdout.strip().splitlines()[-1])
        times.append((out["seconds"], name, f"{out['seconds']:.2f} s, {out['rows']} rows"))
    if times:
        times.sort(reverse=True)
        slowest, name, _ = times[0]
        rep.add(f"alignment queries @{n} docs aligned: slowest of {len(times)} ({name}) vs the cap", slowest, "s", cap,
                slowest / cap, "< 1", "; ".join(f"{q}: {what}" for _, q, what in times))


def align_figures(rep: Report, small_store: Path, big_store: Path, small_n: int, big_n: int,
                  tmp: Path | None = None, seed: int = 7, jobs: int = 2, query_cap: float | None = None) -> None:
    """``policykg align`` (every related pair) on the small and the big store, side by side;
    then 10 % more documents ingested into the big store and aligned incrementally."""
    from benchmarks.align_scale import GOAL, INCREMENTAL_GOAL, timed_align

    a, b = timed_align(small_store), timed_align(big_store)
    sa, sb = a["stats"], b["stats"]
    per_10x = b["align_seconds"] / max(a["align_seconds"], 1e-9) * 10 * small_n / big_n
    rep.add(f"align {small_n}->{big_n} docs: wall time per 10x", b["align_seconds"], "s", a["align_seconds"], per_10x,
            f"<= {GOAL:g}", f"document pairs {sa['document_pairs']}->{sb['document_pairs']}, links {sa['links']}->{sb['links']}, "
            f"write {sa['seconds_align_write']}->{sb['seconds_align_write']} s")
    if query_cap:
        aligned_query_figures(rep, big_store, big_n, query_cap)
    if tmp is None:
        return
    add = max(1, big_n // 10)
    extra = tmp / f"corpus-{big_n}+{add}"
    write_corpus(extra, add, seed=seed, start=big_n)
    ingest(big_store, extra, jobs)
    c = timed_align(big_store)
    sc = c["stats"]
    rep.add(f"align +{add} docs to {big_n}: incremental vs from scratch", c["align_seconds"], "s", b["align_seconds"],
            b["align_seconds"] / max(c["align_seconds"], 1e-9), f">= {INCREMENTAL_GOAL:g}",
            f"pairs aligned {sc['document_pairs']} of {sc['selected_pairs']} selected ({sc['kept_pairs']} kept, "
            f"{sc['dropped_pairs']} dropped); baseline: from scratch at {big_n} documents, less than at {big_n + add}, "
            "so the ratio is a lower bound")


# -- graphs at size -------------------------------------------------------------------------------
def viz_figures(rep: Report, tmp: Path, quick: bool) -> None:
    """Agency graph pages in headless Chromium (benchmarks/browser.py).

    2,250 nodes: ours (median of 3 loads after a warm-up) against pyvis defaults on the same
    graph, waited for until their physics has stabilized, with a cap of 60 x our time (quick
    mode: at least 30 s, at most 120 s; otherwise at least 300 s, at most 600 s), so a cap
    reached still shows the goal of 50 x, as a lower bound (said in the note).
    20,000 nodes (folded: one node per lead-agency set): time to interactive (quick mode: one
    load in the warm browser; otherwise the median of 3), then the time to answer a hover and
    a click on the largest folded node; outside quick mode, also against the same graph drawn
    unfolded (every node in the page's DataSet)."""
    try:
        from benchmarks.browser import block_network, chromium, measure_agency_graph, synthetic_agency_graph

        from policykg.views import viz
    except ImportError as err:
        rep.note(f"graph figures skipped: benchmarks/browser.py or views/viz.py missing ({err})")
        return
    if not Path(os.environ.get("POLICYKG_CHROMIUM", "/usr/bin/chromium")).exists():
        rep.note("graph figures skipped: no Chromium")
        return
    from pyvis.network import Network

    g = synthetic_agency_graph(250, 2000)  # the graph measure_agency_graph(250, 2000) draws
    theirs = tmp / "pyvis.html"
    net = Network(cdn_resources="in_line")  # pyvis defaults, inlined so it can run offline
    for node, data in g.nodes(data=True):
        net.add_node(node, label=data.get("label", str(node)))
    for a, b in g.edges():
        net.add_edge(a, b)
    theirs.write_text(net.generate_html(), encoding="utf-8")
    with chromium() as browser:
        ours = measure_agency_graph(tmp / "ours", 250, 2000, browser=browser, runs=3)
        t_ours = ours["time_to_interactive_seconds"]
        cap = min(max(30.0, 60.0 * t_ours), 120.0) if quick else min(max(300.0, 60.0 * t_ours), 600.0)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        url = theirs.resolve().as_uri()
        block_network(page, url)
        t0 = time.perf_counter()
        try:
            page.goto(url, wait_until="load", timeout=cap * 1000)
            page.wait_for_function("() => window.network && window.network.physics && window.network.physics.stabilized",
                                   timeout=max(1.0, cap - (time.perf_counter() - t0)) * 1000)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            t_pyvis, note = time.perf_counter() - t0, "pyvis: until physics stabilized"
        except Exception:  # noqa: BLE001 - playwright timeout
            t_pyvis = cap
            note = f"pyvis not stabilized within its cap of {cap:.0f} s (>= 60 x ours): ratio is a lower bound"
        finally:
            page.close()
        rep.add(f"agency graph {ours['nodes']} nodes/{ours['edges']} edges: time to interactive, ours vs pyvis defaults",
                t_ours, "s", t_pyvis, t_pyvis / t_ours, ">= 50",
                f"{note}; ours: median of {ours['runs_seconds']} s, hover -> tooltip {ours['hover_seconds']} s")

        big = measure_agency_graph(tmp / "ours20k", 2500, 17500, browser=browser, runs=1 if quick else 3)
        folded = (f"folded: {big['drawn_nodes']} nodes/{big['drawn_edges']} edges drawn, {big['clusters']} clusters"
                  + ("" if quick else f"; median of {big['runs_seconds']} s"))
        t_unfolded = None
        if not quick:
            keep = viz.FOLD_MEASURES
            viz.FOLD_MEASURES = 10**9  # the same graph with every node in the page's DataSet
            try:
                flat = measure_agency_graph(tmp / "flat20k", 2500, 17500, browser=browser, runs=1, respond=False)
                t_unfolded = flat["time_to_interactive_seconds"]
            finally:
                viz.FOLD_MEASURES = keep
        rep.add(f"agency graph {big['nodes']} nodes/{big['edges']} edges: time to interactive, folded vs unfolded",
                big["time_to_interactive_seconds"], "s", t_unfolded,
                t_unfolded / big["time_to_interactive_seconds"] if t_unfolded else None, "",
                folded + ("" if t_unfolded else "; unfolded baseline not run in quick mode"))
        rep.add(f"agency graph {big['nodes']} nodes (folded): hover -> tooltip, vs the {ours['nodes']}-node page",
                big["hover_seconds"], "s", ours["hover_seconds"], big["hover_seconds"] / ours["hover_seconds"], "",
                "includes the page's 120 ms tooltip delay")
        rep.add(f"agency graph {big['nodes']} nodes (folded): click on the largest folded node -> its "
                f"{big['expanded']} measures drawn", big["click_seconds"], "s", None, None, "",
                "first expansion: includes parsing the folded measures")


# -- main -----------------------------------------------------------------------------------------
FIGURE_GROUPS = ("ingest", "queries", "export", "align", "viz")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="30 -> 300 documents; under 5 minutes on 2 cores")
    mode.add_argument("--full", action="store_true", help="1,000 -> 10,000 -> 100,000 documents")
    ap.add_argument("--work", default=None, help="folder for corpora and stores (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sizes", default=None, help="comma-separated corpus sizes, overriding the mode's (for trying run.py out)")
    ap.add_argument("--figures", default=",".join(FIGURE_GROUPS),
                    help=f"comma-separated groups to measure (default: all of {','.join(FIGURE_GROUPS)}); ingest always runs")
    args = ap.parse_args(argv)
    groups = set(args.figures.split(","))
    if groups - set(FIGURE_GROUPS):
        ap.error(f"unknown figure group(s): {', '.join(sorted(groups - set(FIGURE_GROUPS)))}")

    sizes = [30, 300] if args.quick else [1000, 10000, 100000] if args.full else [1000, 10000]
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    jobs = os.cpu_count() or 1
    tmp = Path(args.work or tempfile.mkdtemp(prefix="policykg-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    rep = Report()
    info = machine()
    print(f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory_gib']} GiB; "
          f"mode {'quick' if args.quick else 'full' if args.full else 'default'}: sizes {sizes}; jobs {jobs}", flush=True)
    started = time.perf_counter()
    try:
        # corpora: one folder per size, each a prefix of the next (same seed)
        folders = {}
        for n in sizes:
            folders[n] = tmp / f"corpus-{n}"
            write_corpus(folders[n], n, seed=args.seed)
        small_n, big_n = sizes[0], sizes[1]

        # (c) scale
        runs = {}
        for n in sizes:
            runs[n] = ingest(tmp / f"store-{n}", folders[n], jobs)
            r = runs[n]
            if r["failed"]:
                rep.note(f"{r['failed']} of {n} documents failed to ingest")
        # (a) throughput and (b) --jobs at the largest size up to 1,000 documents: at 30, fixed
        # costs (starting the pool, the reference graphs) are a large share of a one-second run
        steady_n = max((n for n in sizes if n <= 1000), default=sizes[0])
        for n in dict.fromkeys([steady_n, small_n]):
            r = runs[n]
            ours_rate = r["chars"] / r["seconds"]
            spacy_rate = spacy_chars_per_s(folders[n])
            rep.add(f"ingest throughput @{n} docs (read->extract->RDF committed, --jobs {jobs})", ours_rate, "chars/s",
                    spacy_rate, ours_rate / spacy_rate, ">= 1.0" if n == steady_n else "",
                    "baseline: spacy.blank('zh') nlp.pipe, one process" if n == steady_n
                    else f"informational: fixed costs weigh more at {n} documents")
            if n == steady_n:
                steady_spacy_rate = spacy_rate

        one = ingest(tmp / f"store-{steady_n}-jobs1", folders[steady_n], 1)
        two = ingest(tmp / f"store-{steady_n}-jobs2", folders[steady_n], 2)
        rep.add(f"--jobs 2 speed-up @{steady_n} docs", two["seconds"], "s", one["seconds"], one["seconds"] / two["seconds"],
                ">= 1.7", f"jobs 1: {fmt_num(one['chars'] / one['seconds'])} chars/s, one thread; "
                          "jobs 2: two workers and the writer thread")
        shutil.rmtree(tmp / f"store-{steady_n}-jobs1", ignore_errors=True)
        shutil.rmtree(tmp / f"store-{steady_n}-jobs2", ignore_errors=True)
        # the same without the store: what the worker pool itself gains, and how fast extraction is
        x1, x2 = extract_only(folders[steady_n], 1), extract_only(folders[steady_n], 2)
        rep.add(f"--jobs 2 speed-up of extraction alone (no store) @{steady_n} docs", x2["seconds"], "s", x1["seconds"],
                x1["seconds"] / x2["seconds"], "", "informational: the pool without the single writer")
        rep.add(f"extraction throughput (read->extract->N-Triples, no store, --jobs 2) @{steady_n} docs",
                x2["chars"] / x2["seconds"], "chars/s", steady_spacy_rate, x2["chars"] / x2["seconds"] / steady_spacy_rate, "",
                "informational: baseline spacy.blank('zh') nlp.pipe")

        for a, b in zip(sizes, sizes[1:]):
            ra, rb = runs[a], runs[b]
            rep.add(f"scale {a}->{b} docs: wall time per 10x", rb["seconds"], "s", ra["seconds"], rb["seconds"] / ra["seconds"] * 10 * a / b,
                    "<= 11")
            peak_a = max(ra["rss_writer_mib"], ra["rss_workers_mib"])
            peak_b = max(rb["rss_writer_mib"], rb["rss_workers_mib"])
            rep.add(f"scale {a}->{b} docs: peak RSS", peak_b, "MiB", peak_a, peak_b / peak_a, "<= 1.5",
                    f"writer {fmt_num(ra['rss_writer_mib'])}->{fmt_num(rb['rss_writer_mib'])} MiB, "
                    f"workers {fmt_num(ra['rss_workers_mib'])}->{fmt_num(rb['rss_workers_mib'])} MiB")
            sa, sb = ra["store_bytes"] / a, rb["store_bytes"] / b
            rep.add(f"scale {a}->{b} docs: store size per document", sb / 1024, "KiB", sa / 1024, sb / sa, "<= 1.2")

        # (issue 20) what a document costs the store: quads by kind, and bytes, before alignment
        model_figures(rep, runs, tmp, sizes)

        # re-ingest unchanged: the biggest quick/default store
        n = big_n
        again = ingest(tmp / f"store-{n}", folders[n], jobs)
        # every stored file is skipped as unchanged; a copy of another document stays a duplicate
        same = (again["quads"] == runs[n]["quads"] and again["graphs"] == runs[n]["graphs"]
                and again["unchanged"] == runs[n]["stored"] and again["stored"] == 0)
        rep.add(f"re-ingest of unchanged {n} docs: speed-up over first ingest", again["seconds"], "s", runs[n]["seconds"],
                runs[n]["seconds"] / again["seconds"], ">= 20",
                f"store unchanged: {same} ({again['quads']} quads, {again['graphs']} graphs, {again['unchanged']} skipped, "
                f"{again['duplicate']} duplicates)")

        # (d) queries, (e) export + validation
        if "queries" in groups:
            query_figures(rep, tmp / f"store-{small_n}", tmp / f"store-{big_n}", big_n, small_n, tmp, args.quick)
        if "export" in groups:
            export_validate_figures(rep, tmp / f"store-{big_n}", big_n, runs[big_n]["seconds"], "")
            if args.quick:
                rep.note(f"quick mode: export and validation on {big_n} documents (the default mode uses 10,000)")
        # measure alignment (issue 10), after the query figures so that they see the same store
        if "align" in groups:
            align_figures(rep, tmp / f"store-{small_n}", tmp / f"store-{big_n}", small_n, big_n, tmp, args.seed, jobs,
                          query_cap=120.0 if args.quick else 600.0)
        # (f) graphs at size
        if "viz" in groups:
            viz_figures(rep, tmp, args.quick)
    finally:
        elapsed = time.perf_counter() - started
        print(f"total: {elapsed:.0f} s", flush=True)
        result = {"mode": "quick" if args.quick else "full" if args.full else "default", "sizes": sizes,
                  "figure_groups": sorted(groups),
                  "machine": info, "seconds": round(elapsed, 1),
                  "figures": [{**asdict(f), "met": f.met(), "line": format_line(f)} for f in rep.figures],
                  "notes": rep.notes}
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if not args.keep and not args.work:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_ingest":
        _ingest_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--_extract":
        _extract_child(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--_query":
        _query_child(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) > 1 and sys.argv[1] == "--_rdflib":
        _rdflib_child(sys.argv[2])
    else:
        main()
