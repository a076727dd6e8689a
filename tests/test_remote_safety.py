"""Remote endpoints that misbehave (issue 17, item 15): a total deadline per request, a limit on
response size, SPARQL JSON results checked for their shape, credentials never printed. Each test
talks to a real tiny HTTP server on 127.0.0.1, started here and stopped at the end."""
from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time

import pytest

from conftest import run_cli

SELECT = "SELECT ?s WHERE { ?s ?p ?o }"
GOOD = {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "http://example.org/a"}}]}}
BAD_SHAPES = {
    "object-without-results": ({"foo": 1}, 'no "head": {"vars": [...]}'),
    "null": (None, "a JSON null, not an object"),
    "list": ([1, 2], "a JSON list, not an object"),
    "binding-not-object": ({"head": {"vars": ["s"]}, "results": {"bindings": [1]}}, "binding 1 is not an object"),
    "term-not-object": ({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": 5}]}}, "binding 1: ?s is not an RDF term"),
    "term-without-value": ({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri"}}]}},
                           "binding 1: ?s is not an RDF term"),
    "unknown-term-type": ({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "x", "value": "a"}}]}},
                          "binding 1: ?s is not an RDF term"),
    "vars-not-names": ({"head": {"vars": [1]}, "results": {"bindings": []}}, '"head.vars" holds something other than names'),
    "bindings-not-list": ({"head": {"vars": ["s"]}, "results": {"bindings": {"s": 1}}}, 'no "results": {"bindings": [...]}'),
}


class Misbehaving(http.server.BaseHTTPRequestHandler):
    """The first path segment says how to answer."""

    stop: threading.Event

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        case = self.path.strip("/").split("?")[0].split("/")[0]
        try:
            if case == "drip-body":  # headers at once, then a byte every half second
                self._headers()
                self._drip(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}' * 100)
            elif case == "drip-headers":  # even the status line comes a byte at a time
                self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n" * 50)
            elif case == "huge":
                self._headers()
                self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[')
                row = b'{"s":{"type":"literal","value":"' + b"x" * 1000 + b'"}},'
                deadline = time.monotonic() + 60
                while not self.stop.is_set() and time.monotonic() < deadline:
                    self.wfile.write(row * 64)
            elif case == "fail":
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"broken")
            elif case in BAD_SHAPES:
                self._headers()
                self.wfile.write(json.dumps(BAD_SHAPES[case][0]).encode())
            elif case == "ask-not-boolean":
                self._headers()
                self.wfile.write(b'{"head":{},"boolean":"yes"}')
            else:
                self._headers()
                self.wfile.write(json.dumps(GOOD).encode())
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _headers(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()

    def _drip(self, data: bytes) -> None:
        for i in range(len(data)):
            if self.stop.is_set():
                return
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()
            time.sleep(0.5)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    stop = threading.Event()
    handler = type("Handler", (Misbehaving,), {"stop": stop})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def _backend(url: str, **kw):
    from policykg.graph.remote import EndpointBackend

    options = dict(timeout=2, retries=0, backoff=0.05, flavor="generic")
    options.update(kw)
    return EndpointBackend(url, url, **options)


# Hang guards, not timings: the drips take far longer than these, so only the deadline ends them.
@pytest.mark.timeout(90)
@pytest.mark.parametrize("case", ["drip-body", "drip-headers"])
def test_remote_safety_a_dripping_server_meets_the_total_deadline(server, case):
    from policykg.graph.remote import EndpointUnavailable

    backend = _backend(f"{server}/{case}", deadline=3)
    with pytest.raises(EndpointUnavailable) as err:
        backend.select(SELECT)
    assert str(err.value) == f"query failed: {server}/{case} did not finish answering within 3 s (POLICYKG_DEADLINE)"
    with pytest.raises(EndpointUnavailable):
        backend.replace_graph("http://example.org/g", ['<http://a.org/s> <http://a.org/p> "o" .\n'])


@pytest.mark.timeout(90)
def test_remote_safety_deadline_from_the_environment_in_the_cli(server):
    env = dict(os.environ, POLICYKG_DEADLINE="3", POLICYKG_TIMEOUT="2", POLICYKG_RETRIES="0")
    res = run_cli("--endpoint", f"{server}/drip-body", "query", "documents", env=env, timeout=80)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert "did not finish answering within 3 s" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_remote_safety_a_huge_response_is_refused_at_the_limit(server):
    from policykg.graph.store import StoreError

    backend = _backend(f"{server}/huge", deadline=60, max_response_bytes=2_000_000)
    with pytest.raises(StoreError) as err:
        backend.select(SELECT)
    assert str(err.value) == (f"query failed: {server}/huge sent more than 2,000,000 bytes "
                              "(POLICYKG_MAX_RESPONSE_BYTES sets the limit)")
    env = dict(os.environ, POLICYKG_MAX_RESPONSE_BYTES="1000000", POLICYKG_RETRIES="0")
    res = run_cli("--endpoint", f"{server}/huge", "query", "documents", env=env, timeout=120)
    assert res.returncode == 1 and "sent more than 1,000,000 bytes" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("case", sorted(BAD_SHAPES))
def test_remote_safety_results_of_the_wrong_shape_are_one_line_errors(server, tmp_path, case):
    rq = tmp_path / "q.rq"
    rq.write_text(SELECT, encoding="utf-8")
    env = dict(os.environ, POLICYKG_RETRIES="0")
    for fmt in ("json", "table"):
        res = run_cli("--endpoint", f"{server}/{case}", "query", "--file", str(rq), "--format", fmt, env=env)
        assert res.returncode == 1, (case, res.stdout)
        assert res.stderr.strip() == (f"error: query failed: {server}/{case} did not return SPARQL JSON results "
                                      f"({BAD_SHAPES[case][1]})"), res.stderr
        assert res.stdout == ""


def test_remote_safety_good_results_still_read_and_ask_checked(server):
    from policykg.graph.store import StoreError

    assert _backend(f"{server}/good").select(SELECT).records() == [{"s": "http://example.org/a"}]
    with pytest.raises(StoreError, match="did not return a SPARQL boolean result"):
        _backend(f"{server}/ask-not-boolean").ask("ASK { ?s ?p ?o }")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("case", ["fail", "null", "drip-body", "good", "refused", "not-http"])
def test_remote_safety_credentials_in_the_url_are_never_printed(server, case):
    host = server.split("://", 1)[1]
    if case == "refused":
        url = f"http://alice:s3cr3t-pw@127.0.0.1:{_closed_port()}/sparql"
    elif case == "not-http":
        url = f"ftp://alice:s3cr3t-pw@{host}/sparql"
    else:
        url = f"http://alice:s3cr3t-pw@{host}/{case}"
    env = dict(os.environ, POLICYKG_RETRIES="0", POLICYKG_DEADLINE="3", POLICYKG_TIMEOUT="2")
    for command in (["stats"], ["query", "documents"], ["export", "--format", "nq"]):
        res = run_cli("--endpoint", url, *command, env=env, timeout=120)
        assert "Traceback" not in res.stderr, res.stderr
        assert "s3cr3t" not in res.stdout + res.stderr and "alice" not in res.stdout + res.stderr, (command, res)
        assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1
        if case != "not-http":
            assert "credentials in the URL are not used" in res.stderr and "POLICYKG_PASSWORD" in res.stderr
    from policykg.graph.remote import without_credentials

    assert without_credentials(f"see {url} and https://u:p@h/x") == f"see {url.replace('alice:s3cr3t-pw@', '')} and https://h/x"
