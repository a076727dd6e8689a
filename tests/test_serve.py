"""`policykg serve`: the workbench and its read-only SPARQL endpoint, as a real server process.

Each test starts `policykg serve` on a free 127.0.0.1 port over a store it ingested itself, and
stops it; the browser tests drive the pages in Debian's Chromium (offline) with Playwright.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cities import short_id, write_city_docs

CITY_DOCS: dict[str, Path] = {}  # file name -> path, filled by the store fixture
from servers import free_port

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
POLICYKG = str(Path(sys.executable).parent / "policykg")
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = pytest.mark.server

def ingest(store: Path, *paths: Path) -> None:
    r = subprocess.run([POLICYKG, "--store", str(store), "ingest", "-q", "-j", "1", *map(str, paths)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


class Server:
    """`policykg serve` as a child of the test, in its own process group, always stopped."""

    def __init__(self, store: Path, *extra: str):
        self.port = free_port()
        self.proc = subprocess.Popen([POLICYKG, "--store", str(store), "serve", "--port", str(self.port), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"serve did not start: {self.proc.stderr.read()}")
        self.url = line.split()[-1].rstrip("/")
        self.sparql = self.proc.stdout.readline().split()[-1]

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode


@pytest.fixture(scope="module")
def store(tmp_path_factory, corpus_dir):
    folder = tmp_path_factory.mktemp("cities")
    store = tmp_path_factory.mktemp("serve") / "store"
    docs = write_city_docs(folder)
    CITY_DOCS.update((p.name, p) for p in docs)
    ingest(store, corpus_dir, *docs)
    for pair in ([], ["sz.txt", "zh.txt"]):  # every related pair, then the two cities
        r = subprocess.run([POLICYKG, "--store", str(store), "align", *pair], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    return store


@pytest.fixture()
def small_store(tmp_path, corpus_dir):
    """A store of its own (one served store has one server): one corpus document."""
    store = tmp_path / "store"
    ingest(store, sorted(corpus_dir.glob("*.txt"))[0])
    return store


@pytest.fixture(scope="module")
def server(store):
    s = Server(store)
    yield s
    s.stop()


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# ---------------------------------------------------------------------------- SPARQL endpoint


def test_serve_answers_sparqlwrapper_with_predeclared_prefixes(server, corpus_dir):
    from SPARQLWrapper import JSON, SPARQLWrapper

    w = SPARQLWrapper(server.sparql)
    w.setReturnFormat(JSON)
    # no PREFIX line: pkg: is declared by the endpoint
    w.setQuery("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d pkg:sourceFile ?f }")
    res = w.queryAndConvert()
    assert int(res["results"]["bindings"][0]["n"]["value"]) == len(list(corpus_dir.glob("*.txt"))) + 2
    w.setQuery("ASK { ?m a pkg:Measure }")
    assert w.queryAndConvert()["boolean"] is True


def test_serve_refuses_writes_as_a_read_only_endpoint(server):
    for r in (requests.post(server.sparql, data={"update": "DROP ALL"}, timeout=10),
              requests.post(server.url + "/update", data={"update": "DROP ALL"}, timeout=10),
              requests.post(server.sparql, data="DROP ALL", headers={"content-type": "application/sparql-update"},
                            timeout=10)):
        assert r.status_code == 403 and "read-only endpoint" in r.text
    r = requests.get(server.sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                     headers={"accept": "application/sparql-results+json"}, timeout=10)
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0


def test_ingest_against_the_served_endpoint_says_read_only(server, tmp_path, corpus_dir):
    doc = next(corpus_dir.glob("*.txt"))
    r = subprocess.run([POLICYKG, "--endpoint", server.sparql, "--update-endpoint", server.sparql, "ingest", "-q",
                        "-j", "1", str(doc)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "read-only endpoint" in r.stderr and "credentials" not in r.stderr, r.stderr


def test_serve_honours_from(server):
    """FROM <g> chooses the default graph through /sparql too: a graph that does not exist holds
    nothing (it used to answer with every triple of the store)."""
    def count(dataset: str) -> int:
        r = requests.get(server.sparql, params={"query": f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"},
                         headers={"accept": "application/sparql-results+json"}, timeout=10)
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    assert count("") > 0
    assert count("FROM <https://w3id.org/policykg/id/src/no-such-file>") == 0


def test_serve_refuses_service(server):
    r = requests.get(server.sparql, params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"},
                     timeout=10)
    assert r.status_code == 400 and "SERVICE" in r.text


def test_serve_limits_result_size(small_store):
    s = Server(small_store, "--max-rows", "10")
    try:
        r = requests.get(s.sparql, params={"query": "SELECT ?s WHERE { ?s a pkg:Measure }"}, timeout=10)
        assert r.status_code == 413 and "more than the limit of 10" in r.text
        r = requests.get(s.sparql, params={"query": "SELECT ?s WHERE { ?s a pkg:Measure } LIMIT 5"}, timeout=10)
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 5
    finally:
        s.stop()


@pytest.mark.slow
def test_serve_times_out_a_long_query(small_store):
    s = Server(small_store, "--timeout", "1")
    try:
        # a cross product of every triple with itself, counted: far longer than a second
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        started = time.monotonic()
        r = requests.get(s.sparql, params={"query": q}, timeout=30)
        assert r.status_code == 503 and "longer than 1 s" in r.text
        assert time.monotonic() - started < 10
    finally:
        s.stop(signal.SIGKILL)  # the abandoned query may still be running: the process ends with it


def test_writers_are_locked_out_while_serving_with_the_server_pid(server, store, corpus_dir):
    doc = next(corpus_dir.glob("*.txt"))
    r = subprocess.run([POLICYKG, "--store", str(store), "ingest", "-q", "--force", "-j", "1", str(doc)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert f"being served by PID {server.proc.pid}" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_readers_are_answered_by_the_server_holding_the_store(server, store):
    r = subprocess.run([POLICYKG, "--store", str(store), "query", "documents", "--format", "csv"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"served by PID {server.proc.pid}" in r.stderr
    assert "深府函〔2021〕11号" in r.stdout


def test_sigterm_leaves_nothing_bound_to_the_port(small_store):
    s = Server(small_store)
    assert requests.get(s.url + "/", timeout=10).status_code == 200
    code = s.stop(signal.SIGTERM)
    assert code is not None
    assert port_is_free(s.port)
    # nothing of the server's process group is left
    with pytest.raises(ProcessLookupError):
        os.killpg(s.proc.pid, 0)


def test_serve_without_store_is_a_clear_error(tmp_path):
    r = subprocess.run([POLICYKG, "--store", str(tmp_path / "none"), "serve", "--port", str(free_port())],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "no store" in r.stderr


def test_serve_on_a_taken_port_is_a_clear_error(small_store):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([POLICYKG, "--store", str(small_store), "serve", "--port", str(port)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "taken" in r.stderr and "Traceback" not in r.stderr


def test_read_model_follows_the_store(tmp_path, corpus_dir):
    """What ingest and align just wrote is what serve shows: the read model is rebuilt by both."""
    store = tmp_path / "store"
    docs = sorted(corpus_dir.glob("*.txt"))
    ingest(store, docs[0])
    s = Server(store)
    try:
        first = requests.get(s.url + "/policykg/documents.json", params={"_shape": "array"}, timeout=10).json()
    finally:
        s.stop()
    ingest(store, docs[2])  # 000 and 002 implement one directive: align pairs them
    # ingest rebuilt the read model itself (serve need not); align does too
    import sqlite3

    db = store.with_name(store.name + ".workbench.sqlite")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2
    r = subprocess.run([POLICYKG, "--store", str(store), "align"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM correspondences").fetchone()[0] > 0
    s = Server(store)
    try:
        second = requests.get(s.url + "/policykg/documents.json", params={"_shape": "array"}, timeout=10).json()
    finally:
        s.stop()
    assert len(first) == 1 and len(second) == 2


def test_read_model_targets_name_their_measure_or_none(server, store):
    """A target inside a measure names that measure; one in a goals paragraph names none (never its
    document, which also holds it)."""
    import sqlite3

    db = store.with_name(store.name + ".workbench.sqlite")  # built by the server
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        measures = {mid: (src, start, end) for mid, src, start, end in
                    con.execute('SELECT id, source, start, "end" FROM measures')}
        targets = con.execute('SELECT measure, source, start, "end" FROM targets').fetchall()
    assert any(t[0] is None for t in targets) and any(t[0] is not None for t in targets)
    for measure, source, start, end in targets:
        inside = [mid for mid, (src, a, b) in measures.items() if src == source and a <= start and end <= b]
        assert measure in inside if measure is not None else not inside, (measure, source, start)


# ---------------------------------------------------------------------------- pages and downloads (HTTP)


def test_downloads_open_as_xlsx_and_as_csv_with_bom(server):
    from openpyxl import load_workbook

    r = requests.get(server.url + "/download/policykg.xlsx", timeout=30)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert wb.sheetnames == ["documents", "measures", "assignments", "targets", "citations", "correspondences"]
    measures = list(wb["measures"].iter_rows(values_only=True))
    assert "text" in measures[0] and any("质押融资" in (row[measures[0].index("text")] or "") for row in measures[1:])
    assert len(list(wb["correspondences"].iter_rows(values_only=True))) > 1
    r = requests.get(server.url + "/download/measures.csv", timeout=30)
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows and "heading" in rows[0]
    r = requests.get(server.url + "/policykg/documents.csvbom", timeout=30)
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    r = requests.get(server.url + "/policykg/documents.xlsx", timeout=30)
    assert load_workbook(io.BytesIO(r.content)).active.max_row > 1


def test_unresolved_agencies_of_two_cities_are_two_agency_pages(server):
    rows = requests.get(server.url + "/policykg/agencies.json", params={"name": "各区政府", "_shape": "array"},
                        timeout=10).json()
    assert sorted(r["jurisdiction"] for r in rows) == ["深圳市", "珠海市"]


def test_document_text_is_escaped(server):
    r = requests.get(server.url + "/search", params={"q": "<script>"}, timeout=10)
    assert "<script>alert(1)" not in r.text and '<mark class="hit">&lt;script&gt;</mark>alert(1)' in r.text
    r = requests.get(server.url + "/measure", params={"id": short_id(CITY_DOCS["sz.txt"], "m", 2)}, timeout=10)
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_responsibility_matrix(server):
    r = requests.get(server.url + "/matrix", params={"document": "doc/深府函〔2021〕11号", "_format": "csv"}, timeout=10)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:4] == ["agency", "jurisdiction", "lead", "support"] and len(header) == 4 + 3
    assert body["深圳市市场监督管理局"][2:] == ["2", "0", "牵头", "牵头", ""]
    assert body["各区政府"][1] == "深圳市" and body["各区政府"][4:] == ["配合", "", "配合"]
    page = requests.get(server.url + "/matrix", params={"region": "深圳市"}, timeout=10)
    assert page.status_code == 200 and page.text.count('class="cell lead"') > 20


def test_query_form_resolves_as_written_and_says_when_nothing_matches(server):
    r = requests.get(server.url + "/queries/measures_by_class", params={"stage": "应用"}, timeout=30)
    assert r.status_code == 200 and "rows" in r.text
    r = requests.get(server.url + "/queries/documents", params={"region": "深圳"}, timeout=30)
    assert r.status_code == 200 and "深圳市" in r.text
    r = requests.get(server.url + "/queries/documents", params={"region": "火星"}, timeout=30)
    assert r.status_code == 400 and "no region" in r.text


# ---------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def page(server):
    from benchmarks.browser import CHROMIUM, chromium

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: make system-test-deps")
    with chromium() as browser:
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        p = context.new_page()
        external = []
        p.on("request", lambda req: external.append(req.url) if not req.url.startswith(server.url) else None)
        p.external = external
        yield p
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench_{name}.png"), full_page=False)


@pytest.mark.browser
@pytest.mark.slow
def test_browser_documents_facets(page, server):
    page.goto(server.url + "/policykg/documents")
    facets = page.locator(".facet-info")
    names = [facets.nth(i).get_attribute("data-column") for i in range(facets.count())]
    assert {"level", "province", "region", "year", "issuers"} <= set(names)
    page.locator('.facet-info[data-column="region"] a', has_text="珠海市").first.click()
    page.wait_for_load_state()
    assert "region=" in page.url
    titles = page.locator("td.col-title").all_inner_texts()
    assert titles and all("珠海" in t for t in titles)
    shot(page, "documents_facets")
    assert not page.external, page.external


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("q", ["质押融资", "质押"])
def test_browser_search_chinese_substring(page, server, q):
    page.goto(server.url + "/")
    page.fill('input[name="q"]', q)
    page.press('input[name="q"]', "Enter")
    page.wait_for_load_state()
    results = page.locator("li.result")
    assert results.count() >= 2  # the two cities' measures at least
    marks = page.locator("li.result mark.hit").all_inner_texts()
    assert marks and all(m == q for m in marks)
    shot(page, f"search_{len(q)}chars")


@pytest.mark.browser
@pytest.mark.slow
def test_browser_measure_page_spans_and_counterparts(page, server):
    page.goto(server.url + "/search?q=" + "推进知识产权质押融资")
    page.locator("li.result a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "推进知识产权质押融资"
    agencies = page.locator(".source-text a.span-agency")
    assert agencies.count() >= 2
    assert "市市场监管局" in agencies.all_inner_texts()
    counterparts = page.locator(".counterpart")
    assert counterparts.count() >= 1
    assert page.locator(".counterpart .side mark.hit").count() >= 2  # shared phrases on both sides
    shot(page, "measure")
    agencies.first.click()
    page.wait_for_load_state()
    assert "/agency?id=" in page.url and page.locator("h1").inner_text() == "深圳市市场监督管理局" or "珠海" in page.locator("h1").inner_text()
    shot(page, "agency")


@pytest.mark.browser
@pytest.mark.slow
def test_browser_document_page_highlights_spans(page, server):
    page.goto(server.url + "/")
    page.locator("a", has_text="深圳市人民政府关于加强知识产权质押融资工作的通知").first.click()
    page.wait_for_load_state()
    assert "深府函〔2021〕11号" in page.content()
    kinds = {k for k in ("agency", "target", "evidence") if page.locator(f".source-text .span-{k}").count()}
    assert kinds == {"agency", "target", "evidence"}
    assert page.locator(".source-text").inner_text().count("<script>") == 1  # shown as text, not run
    shot(page, "document")


@pytest.mark.browser
@pytest.mark.slow
def test_browser_named_query_form(page, server):
    from openpyxl import load_workbook

    page.goto(server.url + "/queries")
    page.locator("a", has_text="measures_by_agency").first.click()
    page.wait_for_load_state()
    options = page.locator('select[name="agency"] option').all_inner_texts()
    assert "深圳市市场监督管理局" in options
    page.select_option('select[name="agency"]', "深圳市市场监督管理局")
    page.select_option('select[name="role"]', "lead")
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    rows = page.locator("table.result-table tbody tr")
    assert rows.count() > 0
    assert all(t == "lead" for t in page.locator("table.result-table tbody td:nth-child(2)").all_inner_texts())
    shot(page, "query_form")
    with page.expect_download() as dl:
        page.click("p.downloads a:has-text('XLSX')")
    saved = ARTIFACTS / "workbench_query.xlsx"
    ARTIFACTS.mkdir(exist_ok=True)
    dl.value.save_as(saved)
    wb = load_workbook(saved)
    assert wb.active.max_row == rows.count() + 1
    with page.expect_download() as dl:
        page.click("p.downloads a:has-text('CSV')")
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "深圳市市场监督管理局" in data.decode("utf-8-sig")


@pytest.mark.browser
@pytest.mark.slow
def test_browser_sparql_page(page, server):
    page.goto(server.url + "/sparql?template=documents")
    assert "PREFIX pkg:" in page.locator("pre.prefixes").inner_text()
    page.fill("textarea[name=query]", "SELECT ?t WHERE { ?d pkg:sourceFile ?f ; dcterms:title ?t } ORDER BY ?t")
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.locator("table.result-table tbody tr").count() >= 7
    shot(page, "sparql")
