"""Server faults end as one-line StoreErrors; the batch reports which documents were stored."""
from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest
from servers import start_oxigraph

from policykg.graph.ids import source_iri
from policykg.graph.remote import AuthenticationFailed, EndpointBackend, EndpointUnavailable
from policykg.graph.store import StoreError
from policykg.ingest.batch import ingest_paths

pytestmark = pytest.mark.server


def _one_line(err: Exception) -> str:
    msg = str(err)
    assert "\n" not in msg and msg
    return msg


def test_faults_endpoint_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = EndpointBackend(f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update", retries=2, backoff=0.05, timeout=2)
    t = time.monotonic()
    with pytest.raises(EndpointUnavailable) as e:
        b.select("SELECT * WHERE { ?s ?p ?o }")
    assert "connection refused" in _one_line(e.value) and time.monotonic() - t < 5
    with pytest.raises(EndpointUnavailable):
        b.replace_graph("http://example.org/g", ['<http://a.org/s> <http://a.org/p> "o" .\n'])


def test_faults_hanging_server_times_out():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]
    conns = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])  # accept and never answer
            except OSError:
                pass

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        b = EndpointBackend(f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update",
                            timeout=0.5, retries=1, backoff=0.05, flavor="oxigraph")
        t = time.monotonic()
        with pytest.raises(EndpointUnavailable) as e:
            b.select("SELECT * WHERE { ?s ?p ?o }")
        assert "did not answer within" in _one_line(e.value)
        with pytest.raises(EndpointUnavailable):
            b.replace_graph("http://example.org/g", ['<http://a.org/s> <http://a.org/p> "o" .\n'])
        assert time.monotonic() - t < 10
    finally:
        stop.set()
        th.join(2)
        for c in conns:
            c.close()
        srv.close()


class _Always500(http.server.BaseHTTPRequestHandler):
    calls = 0

    def _answer(self):
        type(self).calls += 1
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"internal error\nsecond line")

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


def test_faults_http_500_is_retried_then_reported(tmp_path, corpus_dir):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Always500)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        b = EndpointBackend(base + "/query", base + "/update", graph_store=base + "/store", retries=2, backoff=0.01)
        with pytest.raises(StoreError) as e:
            b.replace_graph("http://example.org/g", ['<http://a.org/s> <http://a.org/p> "o" .\n'])
        assert not isinstance(e.value, EndpointUnavailable)
        assert "HTTP 500" in _one_line(e.value) and _Always500.calls == 3
    finally:
        srv.shutdown()


def test_faults_http_500_mid_batch_records_each_document(oxigraph_server, corpus_dir, monkeypatch):
    """A 500 on one document: that document is failed with a message, the others are stored."""
    b = oxigraph_server.backend(retries=1, backoff=0.01)
    files = sorted(corpus_dir.glob("*.txt"))
    victim = files[2].name
    victim_graph = source_iri(files[2])
    real = b._http

    def flaky(method, url, what, **kw):
        if method == "PUT" and victim_graph in str(kw.get("params")):
            from policykg.graph.remote import _Transient

            raise _Transient(f"{url} answered HTTP 500: boom", unreachable=False)
        return real(method, url, what, **kw)

    monkeypatch.setattr(b, "_http", flaky)
    report = ingest_paths(b, files, jobs=1, force=True)
    status = {o.path.rsplit("/", 1)[-1]: o for o in report.outcomes}
    assert status[victim].status == "failed" and "HTTP 500" in status[victim].message
    assert {n for n, o in status.items() if o.status == "stored"} == {f.name for f in files} - {victim}


def test_faults_server_killed_mid_batch(tmp_path, corpus_dir):
    """SIGKILL the server after the second document: those stored are reported stored, the
    rest failed; the batch stops writing instead of waiting on every document."""
    server = start_oxigraph(tmp_path / "db")
    try:
        b = server.backend(retries=1, backoff=0.01, timeout=3)
        files = sorted(corpus_dir.glob("*.txt"))
        real = b.replace_graph
        done = []

        def replace_then_kill(graph, lines):
            real(graph, lines)
            if "/src/" not in graph:  # reference graphs are written first
                return
            done.append(graph)
            if len(done) == 2:
                server.kill()

        b.replace_graph = replace_then_kill
        report = ingest_paths(b, files, jobs=1, force=True)
        stored = [o for o in report.outcomes if o.status == "stored"]
        failed = [o for o in report.outcomes if o.status == "failed"]
        assert len(stored) == 2 and len(failed) == len(files) - 2
        assert all("not stored" in o.message and "\n" not in o.message for o in failed)
        assert any("skipped" in o.message for o in failed[1:]) or len(failed) == 1
    finally:
        server.stop()
    # the documents reported stored really are there
    again = start_oxigraph(tmp_path / "db")
    try:
        from policykg.graph.load import stored_sources

        assert set(stored_sources(again.backend())) == {o.graph for o in stored}
    finally:
        again.stop()


def test_faults_bad_credentials_on_virtuoso(virtuoso_server):
    b = virtuoso_server.backend(password="wrong-password", retries=0)
    with pytest.raises(AuthenticationFailed) as e:
        b.replace_graph("http://example.org/auth", ['<http://a.org/s> <http://a.org/p> "o" .\n'])
    assert "refused access" in _one_line(e.value)
    anon = virtuoso_server.backend(user=None, password=None, graph_store=None, retries=0)
    with pytest.raises(StoreError) as e:
        anon.replace_graph("http://example.org/auth", ['<http://a.org/s> <http://a.org/p> "o" .\n'])
    _one_line(e.value)
