"""Where the graph lives: one ``Backend`` protocol, the embedded Oxigraph store by default.

Each ingested source file is one named graph (``ids.source_iri(name)``), replaced whole in
one transaction. Queries see the union of all graphs as their default graph.
This is the only module that imports pyoxigraph.
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

from ..ingest.errors import PolicyKGError
from .terms import PREFIXES

XSD = PREFIXES["xsd"]
_INT_TYPES = {XSD + t for t in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger", "short", "gYear")}
_FLOAT_TYPES = {XSD + t for t in ("decimal", "double", "float")}


class StoreError(PolicyKGError):
    """The store cannot be opened, read or written."""


class QuerySyntaxError(PolicyKGError):
    pass


class QueryNotAllowed(PolicyKGError):
    """A query the embedded store refuses to evaluate (SERVICE)."""


class QueryTimeout(StoreError):
    pass


# Strings, IRIs and comments: skipped whole, so that no keyword is seen inside them.
_SKIP = "|".join((
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',  # long strings
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n]|\\.)*"',  # strings
    r"'(?:[^'\\\n]|\\.)*'",
    r'<[^<>"{}|^`\\\x00-\x20]*>',  # IRIs
    r"\#[^\n]*",  # comments
))
# A keyword token: not part of a variable, prefixed name, blank node label or longer word.
_KEYWORD = r"(?<![\w:?$\-])(SERVICE|FROM)(?![\w:\-])"
_TOKENS = re.compile(f"{_SKIP}|{_KEYWORD}", re.IGNORECASE)


def query_keywords(sparql: str) -> set[str]:
    """Which of SERVICE and FROM the query uses as keywords (upper case). A lexical scan with
    strings, IRIs and comments skipped: a SERVICE or FROM clause cannot be written without its
    keyword token, so nothing is missed, and it costs microseconds where parsing the query with
    rdflib costs 20–150 ms, on every internal query too."""
    return {m.group(1).upper() for m in _TOKENS.finditer(sparql) if m.group(1)}


def check_query(sparql: str) -> set[str]:
    """Refuse SERVICE before evaluation: Oxigraph would fetch any URL a query names (a request
    forgery from anyone who may send queries, LIBRARY-NOTES §7). Returns the keywords found."""
    keywords = query_keywords(sparql)
    if "SERVICE" in keywords:
        raise QueryNotAllowed("SERVICE is not allowed: queries run on this store only, never fetch other servers")
    return keywords


@dataclass(frozen=True)
class Term:
    """An RDF term as every backend returns it (SPARQL JSON results shape)."""

    kind: str  # "uri" | "literal" | "bnode"
    value: str
    datatype: str | None = None
    lang: str | None = None

    def python(self) -> object:
        if self.kind == "literal" and self.datatype:
            try:
                if self.datatype in _INT_TYPES:
                    return int(self.value)
                if self.datatype in _FLOAT_TYPES:
                    f = float(self.value)
                    return int(f) if f.is_integer() and self.datatype == XSD + "decimal" else f
                if self.datatype == XSD + "boolean":
                    return self.value in ("true", "1")
            except ValueError:
                return self.value
        return self.value

    def n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        esc = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if self.lang:
            return f'"{esc}"@{self.lang}'
        if self.datatype and self.datatype != XSD + "string":
            return f'"{esc}"^^<{self.datatype}>'
        return f'"{esc}"'

    def as_json(self) -> dict:
        out = {"type": self.kind, "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype:
            out["datatype"] = self.datatype
        return out


@dataclass(frozen=True)
class Results:
    variables: list[str]
    rows: list[tuple[Term | None, ...]]

    def records(self) -> list[dict[str, object]]:
        """Rows as plain dicts of Python values (unbound variables are None)."""
        return [{v: (t.python() if t is not None else None) for v, t in zip(self.variables, row)} for row in self.rows]


class Backend(Protocol):
    """What the CLI and the query layer need from a store, embedded or remote."""

    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None: ...

    def replace_graphs(self, graphs: Iterable[tuple[str, Iterable[str]]]) -> None: ...

    def drop_graph(self, graph: str) -> None: ...

    # how many documents the ingest writer hands to replace_graphs at once (1: one by one)
    write_batch: int

    # whether sorted_records (queries/run.py) should sort rows itself instead of ORDER BY
    order_in_python: bool

    def select(self, sparql: str) -> Results: ...

    def ask(self, sparql: str) -> bool: ...

    def construct(self, sparql: str) -> list[str]: ...

    def dump(self, fmt: str) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def internal_query(name: str) -> str:
    """SPARQL the store layer itself runs, kept in graph/sparql/*.rq like every other query."""
    return resources.files("policykg.graph").joinpath("sparql", f"{name}.rq").read_text(encoding="utf-8")


def _env_seconds(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise StoreError(f"{name}={raw!r}: expected a number of seconds above 0")
    return value


def default_store_path() -> Path:
    env = os.environ.get("POLICYKG_STORE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "policykg" / "store"


def open_read_only(path: str | Path) -> "OxigraphBackend":
    """The embedded store at ``path`` opened read-only, for commands that only read: a mistyped
    path is "no store at PATH" (never a new empty store), a store in a read-only folder can be
    queried, and a store being written by another process is refused (reading beside a writer is
    undefined behaviour in Oxigraph, LIBRARY-NOTES §7). Meant for a process that has not opened
    the store read-write itself (the CLI): see ``writer_active``."""
    path = Path(path)
    if not (path / "CURRENT").is_file():
        raise StoreError(f"no store at {path}")
    if writer_active(path):
        raise StoreError(f"cannot open the store at {path}: another policykg process is writing it; "
                         "try again when it has finished")
    return OxigraphBackend(path, read_only=True)


def writer_active(path: Path) -> bool:
    """Whether another process holds the store's RocksDB lock (a writer). Tests the lock without
    taking it; closing the descriptor would drop a lock this process held on the file, so call it
    only where this process has not opened the store read-write."""
    try:
        fd = os.open(path / "LOCK", os.O_RDONLY)
    except OSError:
        return False
    try:
        os.lockf(fd, os.F_TEST, 0)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


class OxigraphBackend:
    """The embedded default: pyoxigraph on disk (or in memory with ``path=None``).

    One process owns the directory (RocksDB lock); other processes should query the
    read-only server started by ``policykg serve``.
    """

    def __init__(self, path: str | Path | None, read_only: bool = False):
        import pyoxigraph as ox

        self._ox = ox
        self.path = Path(path) if path is not None else None
        self.query_timeout = _env_seconds("POLICYKG_QUERY_TIMEOUT")
        self._unflushed = 0  # bytes written since the last flush (see FLUSH_EVERY)
        self._uncompacted = 0  # bytes written since the store was opened or compacted (see COMPACT_AFTER)
        try:
            if self.path is None:
                self.store = ox.Store()
            elif read_only:
                self.store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(self.path))
        except OSError as err:
            msg = str(err)
            if "lock" in msg.lower() or "temporarily unavailable" in msg.lower():
                msg = "the store is in use by another policykg process (one writer at a time)"
            raise StoreError(f"cannot open the store at {self.path}: {msg}") from None

    # -- writing ------------------------------------------------------------------------
    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None:
        # One update string = one transaction: the old graph and the new one never coexist
        # half-way (LIBRARY-NOTES §1).
        body = "".join(ntriples)
        try:
            node = self._ox.NamedNode(graph)
            if not self.store.contains_named_graph(node):
                # A new graph: one transactional `load` parses N-Triples directly, 2-3x faster
                # than an INSERT DATA update (benchmarks/README.md). A failed load writes
                # nothing; lines in SPARQL's richer syntax (rdflib's n3() writes """long"""
                # literals) then go through the update below.
                data = body.encode("utf-8")
                try:
                    self.store.load(data, format=self._ox.RdfFormat.N_TRIPLES, to_graph=node)
                except SyntaxError:
                    pass
                else:
                    self._written(len(data))
                    return
            update = f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}"
            self.store.update(update)
            self._written(len(update))
        except (OSError, SyntaxError, ValueError) as err:
            raise StoreError(f"cannot write graph {graph}: {err}") from None

    # Documents the ingest writer commits together (replace_graphs). Bulk-loading one document
    # alone costs twice as much per document as 10–50 together; with the writer thread
    # (ingest/batch.py) 25 was fastest of 10/25/50 at 300 and 1,000 documents, and holds half the
    # memory of 50.
    write_batch = 25

    # pyoxigraph's ORDER BY compares RDF terms one pair at a time: half the time of the largest
    # export queries. Servers sort fast, and Virtuoso needs ORDER BY to page past its row cap.
    order_in_python = True

    def replace_graphs(self, graphs: Iterable[tuple[str, Iterable[str]]]) -> None:
        """Replace several graphs. The ones not yet in the store go in together through one
        ``bulk_load`` (one transaction since pyoxigraph 0.5, and a third of ``load``'s cost per
        triple: benchmarks/README.md); the others are replaced one by one, each atomically."""
        ox = self._ox
        new: dict[str, list[str]] = {}  # a graph given twice: the last one wins, as one by one
        for graph, lines in graphs:
            if graph not in new and self.store.contains_named_graph(ox.NamedNode(graph)):
                self.replace_graph(graph, lines)
            else:
                new[graph] = list(lines)
        if not new:
            return
        # One TriG block per graph: N-Triples lines are TriG statements as they are. (Appending
        # the graph to each line as N-Quads cost twice as much, and turned a line missing its
        # object into a triple whose object was the graph.)
        body = "".join(f"<{graph}> {{\n" + "\n".join(lines) + "\n}\n" for graph, lines in new.items())
        data = body.encode("utf-8")
        try:
            self.store.bulk_load(data, format=ox.RdfFormat.TRIG)
            self._uncompacted += len(data)
        except SyntaxError:  # a malformed line: nothing was written; one by one names the graph
            for graph, lines in new.items():
                self.replace_graph(graph, lines)
        except (OSError, ValueError) as err:
            raise StoreError(f"cannot write {len(new)} graphs ({next(iter(new))} …): {err}") from None

    # Written bytes after which the store is flushed. pyoxigraph 0.5 keeps what it writes in
    # RocksDB memtables until a flush: without one, the writer's memory grew by ~2 MiB per
    # document (1 GiB after 400). Flushing every 16 MB keeps it flat at no measurable cost.
    FLUSH_EVERY = 16 * 2**20

    # Bulk-loaded bytes after which ``compact_if_grown`` compacts the store. Bulk-loaded batches
    # stay in RocksDB files of their own until a compaction merges them: 10,000 synthetic
    # documents took 334 KiB each as written and 255 KiB after ``Store.optimize()`` (24 s, under
    # load); 1,000 documents gained nothing (337 KiB), so small batches are left alone.
    COMPACT_AFTER = 512 * 2**20

    def _written(self, n: int) -> None:
        self._unflushed += n
        self._uncompacted += n
        if self._unflushed >= self.FLUSH_EVERY:
            self._unflushed = 0
            self.store.flush()

    def drop_graph(self, graph: str) -> None:
        self.store.update(f"DROP SILENT GRAPH <{graph}>")

    # -- reading ------------------------------------------------------------------------
    def _query(self, sparql: str):
        # The default graph is the union of every document's graph, unless the query declares
        # its own dataset (FROM / FROM NAMED), which Oxigraph then honours: a graph that does not
        # exist gives no triples. Oxigraph has no query timeout in 0.5 (serve has --timeout-s).
        keywords = check_query(sparql)
        try:
            return self.store.query(sparql, use_default_graph_as_union="FROM" not in keywords)
        except SyntaxError as err:
            raise QuerySyntaxError(f"SPARQL syntax error: {err}") from None
        except OSError as err:
            raise StoreError(f"query failed: {err}") from None

    def _term(self, t) -> Term | None:
        ox = self._ox
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return Term("uri", t.value)
        if isinstance(t, ox.BlankNode):
            return Term("bnode", t.value)
        lang = t.language
        dt = None if lang else t.datatype.value
        return Term("literal", t.value, dt, lang)

    # Seconds a query may run (None: no limit), checked between result rows: pyoxigraph streams
    # rows as it finds them, but 0.5 cannot interrupt work done before the first one (an
    # aggregate, ORDER BY over many rows); the oxigraph server's --timeout-s can.
    query_timeout: float | None = None

    def _timed(self, items, started: float):
        if not self.query_timeout:
            return items
        deadline = started + self.query_timeout

        def checked():
            for i, item in enumerate(items):
                if not i & 1023 and time.monotonic() > deadline:
                    raise QueryTimeout(f"the query ran longer than {self.query_timeout:g} s (the query timeout)")
                yield item
        return checked()

    def select(self, sparql: str) -> Results:
        started = time.monotonic()
        solutions = self._query(sparql)
        if not isinstance(solutions, self._ox.QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        variables = [v.value for v in solutions.variables]
        # A solution iterates its values in variable order. Values repeat across rows (sources,
        # labels, small numbers): converting each distinct one once is ~5× faster on exports.
        seen: dict = {}

        def term(t):
            out = seen.get(t)
            if out is None:
                out = seen[t] = self._term(t)
            return out

        rows = [tuple(None if t is None else term(t) for t in s) for s in self._timed(solutions, started)]
        return Results(variables, rows)

    def ask(self, sparql: str) -> bool:
        return bool(self._query(sparql))

    def construct(self, sparql: str) -> list[str]:
        started = time.monotonic()
        triples = self._query(sparql)
        if not isinstance(triples, self._ox.QueryTriples):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        return [f"{self._term(t.subject).n3()} <{t.predicate.value}> {self._term(t.object).n3()} .\n"
                for t in self._timed(triples, started)]

    def dump(self, fmt: str) -> Iterator[bytes]:
        ox = self._ox
        if fmt == "nq":
            data = self.store.dump(format=ox.RdfFormat.N_QUADS)
        else:
            # Turtle has no graphs: the union of all named graphs, prefixes bound.
            quads = self.store.quads_for_pattern(None, None, None, None)
            data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads),
                                format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        yield data

    def graph_ntriples(self, graph: str, predicate: str | None = None) -> str:
        """One named graph (optionally only one predicate) as N-Triples text."""
        ox = self._ox
        quads = self.store.quads_for_pattern(None, ox.NamedNode(predicate) if predicate else None, None, ox.NamedNode(graph))
        data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
        return data.decode("utf-8") if data else ""

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def flush(self) -> None:
        self.store.flush()

    def compact_if_grown(self) -> bool:
        """Compact the store (``Store.optimize``: RocksDB merges its files) when more than
        ``COMPACT_AFTER`` bytes were written since it was opened or last compacted; the end of
        a large ingest calls it. Returns whether it compacted."""
        if self._uncompacted < self.COMPACT_AFTER or self.path is None:
            return False
        self.store.flush()
        self.store.optimize()
        self._uncompacted = self._unflushed = 0
        return True

    def close(self) -> None:
        # pyoxigraph has no close(): dropping the last reference releases the lock.
        self.store = None  # type: ignore[assignment]


def with_values(sparql: str, params: dict[str, Term]) -> str:
    """Bind parameters by appending a VALUES block of typed RDF terms: values are never
    pasted into the query text itself (STYLE §5)."""
    if not params:
        return sparql
    head = " ".join(f"?{k}" for k in params)
    row = " ".join(v.n3() for v in params.values())
    return f"{sparql.rstrip()}\nVALUES ({head}) {{ ({row}) }}\n"
