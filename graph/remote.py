"""A SPARQL server as the store: Oxigraph (``oxigraph serve``), Virtuoso 7 or any SPARQL 1.1 server.

Reading goes through SPARQLWrapper (SPARQL JSON results -> ``Term``/``Results``); writing goes
through ``requests`` (LIBRARY-NOTES §3: SPARQLWrapper's digest auth is process-wide).

Each document is replaced whole as its own named graph, never left half-loaded:

* with a Graph Store Protocol URL (``--graph-store``): one ``PUT`` per graph. Oxigraph
  ``/store?graph=`` (atomic since 0.5.10) and Virtuoso ``/sparql-graph-crud-auth?graph-uri=``
  both keep the old graph when the body is refused (LIBRARY-NOTES §2, §3);
* on Oxigraph without one: a single ``DROP SILENT GRAPH ; INSERT DATA`` request, one transaction;
* elsewhere (Virtuoso: multi-operation updates are not atomic and ``INSERT DATA`` is limited to
  about 1,000 triples): the triples go into a fresh temporary graph in chunks, then one
  ``MOVE`` operation swaps it in. A failure before the swap drops the temporary graph and
  leaves the old graph as it was.

Credentials come from the constructor (the CLI reads POLICYKG_USER / POLICYKG_PASSWORD); the
scheme (Digest for Virtuoso's ``*-auth`` endpoints, Basic otherwise) is read from the server's
401 challenge. Transient faults (connection refused or reset, timeouts, HTTP 5xx) are retried
a bounded number of times with exponential backoff; everything ends as a one-line StoreError.

Every exchange has a total deadline (``POLICYKG_DEADLINE``, not only a timeout per read: a server
that drips a byte a second never trips one) and a response-size limit
(``POLICYKG_MAX_RESPONSE_BYTES``); SPARQL JSON results are checked for their shape before use; and
no message shows the ``user:password@`` part of a URL.
"""
from __future__ import annotations

import json
import os
import re
import functools
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit

import requests

from ..ingest.errors import PolicyKGError
from .store import QuerySyntaxError, Results, StoreError, Term

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0  # seconds per read
DEFAULT_DEADLINE = 300.0  # seconds per exchange, all reads together
DEFAULT_MAX_RESPONSE = 1024 * 1024 * 1024  # bytes of one response body
READ_CHUNK = 64 * 1024
DEFAULT_RETRIES = 3
CHUNK_TRIPLES = 500  # Virtuoso: 1,000 triples per INSERT DATA worked, 2,000 did not (LIBRARY-NOTES §3)
CHUNK_BYTES = 256_000
PAGE_ROWS = 5_000


class EndpointUnavailable(StoreError):
    """The server cannot be reached or does not answer (after retries)."""

    store_unavailable = True  # the batch stops writing instead of retrying every document


class AuthenticationFailed(StoreError):
    pass


class _Transient(Exception):
    """A fault worth retrying; carries the one-line message. ``unreachable``: no answer at all
    (refused, reset, timed out), as opposed to an HTTP 5xx answer."""

    def __init__(self, message: str, unreachable: bool = True, final: bool = False):
        super().__init__(message)
        self.unreachable = unreachable
        self.final = final  # not worth another attempt (a deadline overrun)


_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")


def without_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it removed."""
    return _USERINFO.sub("", text)


def _redacting(method):
    """Re-raise a user-facing error with credentials taken out of its message."""

    @functools.wraps(method)
    def wrapper(self, *args, **kw):
        try:
            return method(self, *args, **kw)
        except PolicyKGError as err:
            clean = without_credentials(str(err))
            if clean == str(err):
                raise
            raise type(err)(clean) from None

    return wrapper


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        value = 0
    if value <= 0:
        raise StoreError(f"{name}={raw!r}: expected a positive whole number of bytes")
    return value


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        raise StoreError(f"{name}={os.environ[name]!r} is not a number of seconds") from None


def _within(deadline: float, url: str, call: Callable[[threading.Event], T]) -> T:
    """``call(cancel)`` on a daemon thread, given up after ``deadline`` seconds in all. Neither
    urllib nor requests has a total deadline (their timeouts apply to each read, and a header
    or body dripped a byte at a time resets them): the thread is abandoned, and ``cancel`` tells
    its body reader to stop at the next chunk."""
    box: dict = {}
    done, cancel = threading.Event(), threading.Event()

    def run() -> None:
        try:
            box["value"] = call(cancel)
        except BaseException as err:  # handed to the caller's thread
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name="policykg-http").start()
    if not done.wait(deadline):
        cancel.set()
        raise _Transient(f"{url} did not finish answering within {deadline:g} s (POLICYKG_DEADLINE)", final=True)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _read_limited(read: Callable[[int], bytes], limit: int, url: str, cancel: threading.Event) -> bytes:
    """A response body read chunk by chunk, refused past ``limit`` bytes."""
    chunks, total = [], 0
    while not cancel.is_set():
        chunk = read(READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise StoreError(f"query failed: {url} sent more than {limit:,} bytes "
                             "(POLICYKG_MAX_RESPONSE_BYTES sets the limit)")
        chunks.append(chunk)
    raise _Transient(f"{url}: cancelled", final=True)
def _says_read_only(r: requests.Response) -> bool:
    """A server that refuses writes because it only reads (policykg serve, oxigraph serve-read-only)
    rather than because of who asks."""
    return bool(r.headers.get("x-policykg-read-only")) or "read-only" in r.text[:500].lower() or "read only" in r.text[:500].lower()


def _one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"<[^>]+>", " ", text)  # servers answer errors as HTML, too
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EndpointBackend:
    """The ``Backend`` protocol over HTTP.

    >>> b = EndpointBackend("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update",
    ...                     graph_store="http://127.0.0.1:7878/store")  # doctest: +SKIP
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
        flavor: str | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
    ):
        for url in (query_url, update_url, graph_store):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise StoreError(f"{without_credentials(url)!r} is not an http(s) URL")
            if url is not None and "@" in urlsplit(url).netloc:
                raise StoreError(f"{without_credentials(url)}: credentials in the URL are not used (they would show in "
                                 "process lists and logs); set POLICYKG_USER and POLICYKG_PASSWORD")
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store = graph_store
        self.user = user
        self.password = password
        self.timeout = timeout if timeout is not None else _env_float("POLICYKG_TIMEOUT", DEFAULT_TIMEOUT)
        self.retries = retries if retries is not None else int(_env_float("POLICYKG_RETRIES", DEFAULT_RETRIES))
        self.deadline = deadline if deadline is not None else _env_float("POLICYKG_DEADLINE", DEFAULT_DEADLINE)
        self.max_response_bytes = (max_response_bytes if max_response_bytes is not None
                                   else _env_int("POLICYKG_MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE))
        self.backoff = backoff
        self._flavor = flavor  # "oxigraph" | "virtuoso" | "generic"; detected when None
        self._scheme: dict[str, str | None] = {}  # url -> "digest" | "basic" | None (no auth needed)
        self._realm: dict[str, str] = {}
        self._session = requests.Session()

    @property
    def query_timeout(self) -> float:
        """Over HTTP a query's time limit is the deadline of its exchange."""
        return self.deadline

    @query_timeout.setter
    def query_timeout(self, seconds: float) -> None:
        self.deadline = seconds

    # ------------------------------------------------------------------ plumbing
    def _retrying(self, what: str, call: Callable[[], T], retry: bool = True) -> T:
        attempts = 1 + (max(self.retries, 0) if retry else 0)
        delay = self.backoff
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except _Transient as err:
                if attempt == attempts or err.final:
                    suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
                    cls = EndpointUnavailable if err.unreachable else StoreError
                    raise cls(f"{what}: {err}{suffix}") from None
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _auth_for(self, url: str, response: requests.Response | None = None):
        """requests auth object for url, learning the scheme from a 401 challenge."""
        if response is not None:
            challenge = response.headers.get("WWW-Authenticate", "")
            self._scheme[url] = "digest" if challenge.lower().startswith("digest") else "basic"
            m = re.search(r'realm="([^"]*)"', challenge)
            if m:
                self._realm[url] = m.group(1)
        scheme = self._scheme.get(url)
        if not scheme or not self.user:
            return None
        if scheme == "digest":
            return requests.auth.HTTPDigestAuth(self.user, self.password or "")
        return requests.auth.HTTPBasicAuth(self.user, self.password or "")

    def _http(self, method: str, url: str, what: str, **kw) -> requests.Response:
        """One HTTP exchange with auth; transient faults raise _Transient, others StoreError."""

        def exchange(cancel: threading.Event) -> requests.Response:
            r = self._session.request(method, url, auth=self._auth_for(url), timeout=self.timeout, stream=True, **kw)
            if r.status_code == 401 and self.user and url not in self._scheme:
                r.close()
                r = self._session.request(method, url, auth=self._auth_for(url, r), timeout=self.timeout, stream=True, **kw)
            with r:  # the body as requests would read it (decoded), but bounded
                chunks = r.iter_content(READ_CHUNK)
                body = _read_limited(lambda n: next(chunks, b""), self.max_response_bytes, url, cancel)
            r._content, r._content_consumed = body, True
            return r

        try:
            r = _within(self.deadline, url, exchange)
        except requests.exceptions.Timeout:
            raise _Transient(f"{url} did not answer within {self.timeout:g} s") from None
        except requests.exceptions.ConnectionError as err:
            raise _Transient(f"cannot connect to {url} ({_reason(err)})") from None
        except requests.exceptions.RequestException as err:
            raise StoreError(f"{what}: {_one_line(str(err))}") from None
        if r.status_code == 403 and _says_read_only(r):
            raise StoreError(f"{what}: {url} is a read-only endpoint (HTTP 403: {_one_line(r.text, 160)})")
        if r.status_code in (401, 403):
            who = f"as {self.user!r}" if self.user else "without credentials (set POLICYKG_USER and POLICYKG_PASSWORD)"
            raise AuthenticationFailed(f"{what}: {url} refused access {who} (HTTP {r.status_code})")
        if r.status_code >= 500:
            raise _Transient(f"{url} answered HTTP {r.status_code}: {_one_line(r.text)}", unreachable=False)
        if r.status_code >= 400:
            raise StoreError(f"{what}: {url} answered HTTP {r.status_code}: {_one_line(r.text)}")
        return r

    @property
    def flavor(self) -> str:
        if self._flavor is None:
            self._flavor = self._detect_flavor()
        return self._flavor

    def _detect_flavor(self) -> str:
        url = self.update_url or self.query_url
        try:
            r = self._probe("GET", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
        except (requests.exceptions.RequestException, _Transient, StoreError):
            return "generic"
        server = r.headers.get("Server", "").lower()
        if "virtuoso" in server or "sparql-auth" in url or "sparql-graph-crud" in (self.graph_store or ""):
            return "virtuoso"
        if "oxigraph" in server:
            return "oxigraph"
        return "generic"

    # ------------------------------------------------------------------ writing
    def _update(self, sparql: str, what: str, retry: bool = True) -> None:
        if not self.update_url:
            raise StoreError("this endpoint is read-only here: give --update-endpoint (or --graph-store) to write")
        data = {"update": sparql}
        self._retrying(what, lambda: self._http("POST", self.update_url, what, data=data), retry=retry)

    def _gsp_url(self, graph: str) -> tuple[str, dict]:
        key = "graph-uri" if "sparql-graph-crud" in self.graph_store else "graph"
        return self.graph_store, {key: graph}

    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None:
        _check_iri(graph)
        lines = [line if line.endswith("\n") else line + "\n" for line in ntriples]
        what = f"cannot write graph {graph}"
        if self.graph_store:
            url, params = self._gsp_url(graph)
            body = "".join(lines).encode("utf-8")
            if not body:  # an empty PUT means "empty graph": drop it instead
                return self.drop_graph(graph)
            headers = {"Content-Type": "text/turtle" if "sparql-graph-crud" in url else "application/n-triples"}
            self._retrying(what, lambda: self._http("PUT", url, what, params=params, data=body, headers=headers))
            return
        if self.flavor == "oxigraph":
            body = "".join(lines)
            self._update(f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}", what)
            return
        self._replace_by_swap(graph, lines, what)

    write_batch = 1  # one request per document: a failure then names its document
    order_in_python = False  # ORDER BY stays: paging through Virtuoso's row cap needs it

    def replace_graphs(self, graphs: Iterable[tuple[str, Iterable[str]]]) -> None:
        for graph, lines in graphs:
            self.replace_graph(graph, lines)

    def _replace_by_swap(self, graph: str, lines: list[str], what: str) -> None:
        tmp = f"{graph}#loading-{uuid.uuid4().hex}"
        try:
            for chunk in _chunks(lines):
                self._update(f"INSERT DATA {{ GRAPH <{tmp}> {{\n{''.join(chunk)}}} }}", what)
        except StoreError:
            self._drop_quietly(tmp)
            raise
        if not lines:
            self._update(f"DROP SILENT GRAPH <{graph}>", what)
            return
        # One operation swaps the new graph in. It is not retried after a fault on the wire:
        # a lost answer to an applied MOVE followed by a second MOVE would empty the graph.
        try:
            self._update(f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{graph}>", what, retry=False)
        except StoreError:
            self._drop_quietly(tmp)
            raise

    def _drop_quietly(self, graph: str) -> None:
        try:
            self._update(f"DROP SILENT GRAPH <{graph}>", f"cannot drop {graph}", retry=False)
        except StoreError:
            pass

    def drop_graph(self, graph: str) -> None:
        _check_iri(graph)
        self._update(f"DROP SILENT GRAPH <{graph}>", f"cannot drop graph {graph}")

    # ------------------------------------------------------------------ reading
    def _wrapper(self, sparql: str, fmt: str):
        from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper

        w = SPARQLWrapper(self.query_url)
        w.setMethod(POST)
        w.setRequestMethod(URLENCODED)
        w.setQuery(sparql)
        w.setReturnFormat(fmt)
        if self.flavor == "oxigraph":
            # Documents are named graphs; an Oxigraph server started without
            # --union-default-graph would otherwise show an empty default graph.
            w.addParameter("union-default-graph", "true")
        w.timeout = self.timeout  # setTimeout() truncates to int: 0.5 s would mean no timeout at all
        scheme = self._scheme.get(self.query_url)
        if scheme and self.user:
            w.setHTTPAuth(DIGEST if scheme == "digest" else BASIC)
            w.setCredentials(self.user, self.password or "", realm=self._realm.get(self.query_url, "SPARQL"))
        return w

    def _fetch(self, sparql: str, fmt: str) -> tuple[bytes, dict[str, str]]:
        """Run one query, return the raw body and response headers."""
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError, EndPointNotFound, QueryBadFormed, SPARQLWrapperException, Unauthorized,
        )

        what = "query failed"

        def once() -> tuple[bytes, dict[str, str]]:
            return _within(self.deadline, self.query_url, exchange)

        def exchange(cancel: threading.Event) -> tuple[bytes, dict[str, str]]:
            try:
                res = self._wrapper(sparql, fmt).query()
                with res.response:
                    body = _read_limited(res.response.read, self.max_response_bytes, self.query_url, cancel)
                return body, {k.lower(): v for k, v in res.response.info().items()}
            except QueryBadFormed as err:
                raise QuerySyntaxError(f"SPARQL syntax error (from {self.query_url}): {_wrapper_message(err)}") from None
            except Unauthorized:
                if self.user and self.query_url not in self._scheme:
                    self._learn_scheme(self.query_url)
                    if self._scheme.get(self.query_url):
                        return exchange(cancel)
                who = f"as {self.user!r}" if self.user else "without credentials (set POLICYKG_USER and POLICYKG_PASSWORD)"
                raise AuthenticationFailed(f"{what}: {self.query_url} refused access {who} (HTTP 401)") from None
            except EndPointNotFound:
                raise StoreError(f"{what}: {self.query_url} answered HTTP 404 (is this the SPARQL query URL?)") from None
            except EndPointInternalError as err:
                raise _Transient(f"{self.query_url} answered HTTP 500: {_wrapper_message(err)}", unreachable=False) from None
            except urllib.error.HTTPError as err:
                if err.code >= 500:
                    raise _Transient(f"{self.query_url} answered HTTP {err.code}", unreachable=False) from None
                if err.code == 403:
                    raise AuthenticationFailed(f"{what}: {self.query_url} refused access (HTTP 403)") from None
                raise StoreError(f"{what}: {self.query_url} answered HTTP {err.code}") from None
            except urllib.error.URLError as err:
                reason = err.reason
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    raise _Transient(f"{self.query_url} did not answer within {self.timeout:g} s") from None
                raise _Transient(f"cannot connect to {self.query_url} ({_reason(reason)})") from None
            except (TimeoutError, socket.timeout):
                raise _Transient(f"{self.query_url} did not answer within {self.timeout:g} s") from None
            except (ConnectionError, OSError) as err:
                raise _Transient(f"lost the connection to {self.query_url} ({_reason(err)})") from None
            except SPARQLWrapperException as err:
                raise StoreError(f"{what}: {_wrapper_message(err)}") from None

        return self._retrying(what, once)

    def _probe(self, method: str, **kw) -> requests.Response:
        """A small request to the query URL to learn about the server, within the deadline."""

        def exchange(cancel: threading.Event) -> requests.Response:
            with self._session.request(method, self.query_url, timeout=self.timeout, stream=True, **kw) as r:
                chunks = r.iter_content(READ_CHUNK)
                r._content = _read_limited(lambda n: next(chunks, b""), 1024 * 1024, self.query_url, cancel)
                r._content_consumed = True
                return r

        return _within(min(self.deadline, self.timeout), self.query_url, exchange)

    def _learn_scheme(self, url: str) -> None:
        try:
            r = self._probe("POST", data={"query": "ASK {}"})
        except (requests.exceptions.RequestException, _Transient, StoreError):
            return
        if r.status_code == 401:
            self._auth_for(url, r)

    def _select_once(self, sparql: str) -> tuple[Results, int | None]:
        body, headers = self._fetch(sparql, "json")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise StoreError(f"query failed: {self.query_url} did not return SPARQL JSON results") from None
        if isinstance(data, dict) and "boolean" in data and "results" not in data:
            raise QuerySyntaxError("expected a SELECT query")
        variables, rows = _results(data, self.query_url)
        cap = headers.get("x-sparql-maxrows")
        return Results(variables, rows), int(cap) if cap and cap.isdigit() else None

    def select(self, sparql: str) -> Results:
        """SELECT; results cut by the server's row cap (Virtuoso's ResultSetMaxRows, header
        X-SPARQL-MaxRows) are fetched again page by page with LIMIT/OFFSET."""
        results, cap = self._select_once(sparql)
        if cap is None or len(results.rows) < cap:
            return results
        head, tail = _split_values(sparql)
        if not re.search(r"\bORDER\s+BY\b", head, re.I) or re.search(r"\b(LIMIT|OFFSET)\s+\d+\s*$", head, re.I):
            raise StoreError(
                f"query failed: {self.query_url} cut the result at {cap} rows; add ORDER BY so that "
                "policykg can page through it, or raise ResultSetMaxRows on the server")
        page = min(cap, PAGE_ROWS)
        rows: list = []
        offset = 0
        while True:
            part, _ = self._select_once(f"{head}\nLIMIT {page} OFFSET {offset}\n{tail}")
            rows.extend(part.rows)
            if len(part.rows) < page:
                return Results(results.variables, rows)
            offset += page

    def ask(self, sparql: str) -> bool:
        body, _ = self._fetch(sparql, "json")
        try:
            answer = json.loads(body.decode("utf-8"))["boolean"]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
            answer = None
        if not isinstance(answer, bool):
            raise StoreError(f"query failed: {self.query_url} did not return a SPARQL boolean result")
        return answer

    def construct(self, sparql: str) -> list[str]:
        from rdflib import Graph

        body, headers = self._fetch(sparql, "turtle")
        ctype = headers.get("content-type", "text/turtle").split(";")[0].strip()
        fmt = {"application/n-triples": "nt", "application/rdf+xml": "xml", "application/ld+json": "json-ld"}.get(ctype, "turtle")
        try:
            g = Graph().parse(data=body.decode("utf-8"), format=fmt)
        except Exception as err:  # rdflib raises many types for bad input
            raise StoreError(f"query failed: cannot read the graph {self.query_url} returned ({_one_line(str(err))})") from None
        return sorted(line + "\n" for line in g.serialize(format="nt").splitlines() if line.strip())

    def dump(self, fmt: str) -> Iterator[bytes]:
        if fmt == "nq":
            res = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o")
            yield "".join(f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n" for s, p, o, g in res.rows).encode("utf-8")
        else:
            from rdflib import Graph

            from .terms import PREFIXES

            res = self.select("SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o")
            g = Graph()
            for p, ns in PREFIXES.items():
                g.bind(p, ns)
            g.parse(data="".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in res.rows), format="nt")
            yield g.serialize(format="turtle").encode("utf-8")

    def named_graphs(self) -> list[str]:
        res = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        return [r[0].value for r in res.rows]

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._session.close()


for _name in ("select", "ask", "construct", "dump", "named_graphs", "replace_graph", "replace_graphs", "drop_graph"):
    setattr(EndpointBackend, _name, _redacting(getattr(EndpointBackend, _name)))
EndpointBackend.__init__ = _redacting(EndpointBackend.__init__)


# ---------------------------------------------------------------------- helpers
class _BadResults(Exception):
    pass


def _results(data: object, url: str) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    """Variables and rows of a SPARQL JSON results document, checked for its shape (W3C SPARQL
    1.1 Query Results JSON Format); anything else is a one-line StoreError naming the problem."""
    try:
        if not isinstance(data, dict):
            raise _BadResults(f"a JSON {type(data).__name__ if data is not None else 'null'}, not an object")
        head, results = data.get("head"), data.get("results")
        if not isinstance(head, dict) or not isinstance(head.get("vars", []), list):
            raise _BadResults('no "head": {"vars": [...]}')
        variables = head.get("vars", [])
        if not all(isinstance(v, str) for v in variables):
            raise _BadResults('"head.vars" holds something other than names')
        if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
            raise _BadResults('no "results": {"bindings": [...]}')
        rows = []
        for n, b in enumerate(results["bindings"], 1):
            if not isinstance(b, dict):
                raise _BadResults(f"binding {n} is not an object")
            rows.append(tuple(_term(b.get(v), n, v) for v in variables))
        return variables, rows
    except _BadResults as err:
        raise StoreError(f"query failed: {url} did not return SPARQL JSON results ({err})") from None


def _term(b: object, n: int = 0, var: str = "") -> Term | None:
    if b is None:
        return None
    if not isinstance(b, dict) or not isinstance(b.get("value"), str) or b.get("type") not in _TERM_TYPES:
        raise _BadResults(f"binding {n}: ?{var} is not an RDF term")
    for key in ("xml:lang", "datatype"):
        if b.get(key) is not None and not isinstance(b[key], str):
            raise _BadResults(f"binding {n}: ?{var} has a {key} that is not a string")
    kind = b.get("type")
    if kind == "uri":
        return Term("uri", b["value"])
    if kind == "bnode":
        return Term("bnode", b["value"])
    lang = b.get("xml:lang")
    dt = None if lang else b.get("datatype")
    value = b["value"]
    if dt == _XSD_BOOLEAN and value in ("1", "0"):
        # Virtuoso writes xsd:boolean values as 1/0 (valid lexical forms); other servers and the
        # embedded store use the canonical true/false, so the same result compares equal.
        value = "true" if value == "1" else "false"
    return Term("literal", value, dt, lang)


_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_TERM_TYPES = ("uri", "bnode", "literal", "typed-literal")  # typed-literal: the SPARQL 1.0 JSON draft


def _split_values(sparql: str) -> tuple[str, str]:
    """Split off the trailing VALUES line that with_values() appends (one line: newlines in
    values are escaped), since LIMIT/OFFSET must come before it."""
    lines = sparql.rstrip().split("\n")
    if lines and lines[-1].startswith("VALUES ("):
        return "\n".join(lines[:-1]), lines[-1]
    return sparql.rstrip(), ""


def _chunks(lines: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and (len(chunk) >= CHUNK_TRIPLES or size + len(line) > CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += len(line.encode("utf-8"))
    if chunk:
        yield chunk


_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _check_iri(graph: str) -> None:
    if _BAD_IRI.search(graph) or ":" not in graph:
        raise StoreError(f"{graph!r} is not a valid graph IRI")


def _reason(err: object) -> str:
    text = str(err)
    for key, short in (("Connection refused", "connection refused"), ("Connection reset", "connection reset"),
                       ("Name or service not known", "unknown host"), ("RemoteDisconnected", "the server closed the connection"),
                       ("Remote end closed", "the server closed the connection")):
        if key in text:
            return short
    return _one_line(text, 160)


def _wrapper_message(err: Exception) -> str:
    msg = getattr(err, "msg", None) or str(err)
    msg = msg.split("Response:", 1)[-1]
    msg = re.sub(r"^b['\"]|['\"]$", "", msg.strip())
    return _one_line(msg.replace("\\n", " "))


__all__ = ["EndpointBackend", "EndpointUnavailable", "AuthenticationFailed", "without_credentials"]
