"""The policykg command line. The end of the flow: it may import every stage."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..graph.store import Backend, OxigraphBackend, Results, StoreError, default_store_path, open_read_only
from ..ingest.errors import PolicyKGError, readable_path

app = typer.Typer(
    name="policykg",
    help="Turn Chinese policy documents into a knowledge graph you can query and see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
viz_app = typer.Typer(help="Write interactive, self-contained HTML graphs.", no_args_is_help=True)
app.add_typer(viz_app, name="viz")
analyze_app = typer.Typer(help="Agency and document analytics (networkx).", no_args_is_help=True)
app.add_typer(analyze_app, name="analyze")

# Markup and emoji codes off: file names, titles and parameters are data, and "[/b]" or ":x:" in
# them must print as written (issue 17 item 7). Styled words are Text objects.
out = Console(soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False)


class State:
    store: Optional[Path] = None
    endpoint: Optional[str] = None
    update_endpoint: Optional[str] = None
    graph_store: Optional[str] = None
    _backend: Optional[Backend] = None
    _opened: Optional[tuple] = None  # (backend, global options) of the backend this CLI opened itself

    def options(self) -> tuple:
        return (self.store, self.endpoint, self.update_endpoint, self.graph_store)

    def backend(self, read_only: bool = False) -> Backend:
        if self._backend is None:
            self._backend = self._open(read_only)
            self._opened = (self._backend, self.options())
        return self._backend

    def _open(self, read_only: bool) -> Backend:
        if self.endpoint:
            from ..graph.remote import EndpointBackend

            return EndpointBackend(
                self.endpoint,
                self.update_endpoint,
                graph_store=self.graph_store,
                user=os.environ.get("POLICYKG_USER"),
                password=os.environ.get("POLICYKG_PASSWORD"),
            )
        location = self.store or default_store_path()
        try:
            # Read commands never create a store, and can query one in a read-only folder.
            return open_read_only(location) if read_only else OxigraphBackend(location)
        except StoreError:
            from .workbench.readmodel import who_serves

            serving = who_serves(location)
            if serving is None:
                raise
            if read_only:  # a reader asks the server that holds the store
                from ..graph.remote import EndpointBackend

                err.print(f"the store is being served by PID {serving['pid']}: asking it at "
                          f"{serving['url']}sparql", highlight=False)
                return EndpointBackend(serving["url"] + "sparql", None)
            raise StoreError(
                f"the store {location} is being served by PID {serving['pid']} (policykg serve, "
                f"{serving['url']}): stop that server to write, or query it at {serving['url']}sparql") from None

    def forget_other_store(self, options: tuple) -> None:
        """Close a backend an earlier invocation in this process (tests, notebooks) opened for
        other options; a backend handed in from outside is left as it is."""
        if self._opened is not None and self._opened[0] is self._backend and self._opened[1] != options:
            self._backend.close()
            self._backend = None
        self._opened = None if self._backend is None else self._opened

    def refresh_workbench(self) -> None:
        """Rebuild the serve workbench's read model after a write (embedded store only), when
        there is one: a store never served pays nothing (`serve` builds it on first start)."""
        if self.endpoint or not isinstance(self._backend, OxigraphBackend):
            return
        from .workbench.readmodel import read_model_path, refresh_read_model

        db = read_model_path(self.store or default_store_path())
        if db.exists():
            refresh_read_model(self._backend, db)

    def where(self) -> str:
        if self.endpoint:
            from ..graph.remote import without_credentials

            return without_credentials(self.endpoint)
        return str(self.store or default_store_path())


state = State()


def error_line(message: str, label: str = "error:", style: str = "red") -> Text:
    """``error: MESSAGE`` on one line, the message as plain text whatever it holds."""
    return Text.assemble((label, style), " ", " ".join(readable_path(message).split()))


def fail(message: str, code: int = 1) -> None:
    err.print(error_line(message), highlight=False)
    raise typer.Exit(code)


def output_path(path: Path, flag: str = "--out") -> Path:
    """Where a command will write: missing parent folders are created (as for viz), an existing
    folder is refused before any work is done. One line on failure."""
    if path.is_dir():
        fail(f"{flag} {path}: is a folder; give a file name inside it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fail(f"{flag} {path}: cannot create the folder {path.parent} ({e.strerror or e})")
    return path


def write_output(path: Path, chunks) -> None:
    """Write through ``PATH.part`` renamed at the end: a reader never sees half a file, and a
    failed write leaves nothing behind."""
    output_path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            for c in chunks:
                fh.write(c)
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        fail(f"{path}: cannot write ({e.strerror or e})")
    err.print(f"wrote {readable_path(path)}", highlight=False)


@app.callback()
def main_options(
    store: Optional[Path] = typer.Option(
        None, "--store", envvar="POLICYKG_STORE", help="Embedded store directory (default: ~/.local/share/policykg/store)."
    ),
    endpoint: Optional[str] = typer.Option(
        None, "--endpoint", envvar="POLICYKG_ENDPOINT", help="SPARQL query URL of a server to use instead of the embedded store."
    ),
    update_endpoint: Optional[str] = typer.Option(
        None, "--update-endpoint", envvar="POLICYKG_UPDATE_ENDPOINT", help="SPARQL update URL of that server."
    ),
    graph_store: Optional[str] = typer.Option(
        None, "--graph-store", envvar="POLICYKG_GRAPH_STORE", help="SPARQL 1.1 Graph Store Protocol URL, where the server offers one."
    ),
) -> None:
    """Global options come before the command: policykg --store DIR ingest corpus/"""
    options = (store, endpoint, update_endpoint, graph_store)
    state.forget_other_store(options)
    state.store, state.endpoint, state.update_endpoint, state.graph_store = options


# ----------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.txt .md .html .docx .pdf)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for extraction (default: number of cores); with more than one, a writer thread commits while they extract. 1: everything in one thread."),
    force: bool = typer.Option(False, "--force", help="Re-ingest files even when unchanged."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
) -> None:
    """Ingest documents: one named graph per file, replaced whole on re-ingest."""
    from ..ingest.batch import collect_files, ingest_paths

    backend = state.backend()
    total = len(collect_files(paths)[0])
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        console=err, transient=True, disable=quiet or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=total)

        def on_progress(o) -> None:
            if o.status == "failed":
                progress.console.print(error_line(o.message), highlight=False)
            elif o.status == "duplicate":
                progress.console.print(error_line(o.message, "duplicate:", "yellow"), highlight=False)
                progress.advance(task)
            else:
                for note in o.summary.get("notes", ()):
                    progress.console.print(error_line(f"{o.path}: {note}", "warning:", "yellow"), highlight=False)
                progress.advance(task)
                progress.update(task, description=readable_path(Path(o.path).name))

        try:
            report = ingest_paths(backend, paths, jobs=jobs or None, force=force, on_progress=on_progress)
        except PolicyKGError as e:
            fail(str(e))
    stored, unchanged, duplicate, failed = (report.by_status(s) for s in ("stored", "unchanged", "duplicate", "failed"))
    if stored:
        try:
            state.refresh_workbench()
        except PolicyKGError as e:
            err.print(f"warning: the workbench read model was not rebuilt: {e}", highlight=False)
    if not quiet and stored:
        table = Table(title=f"Ingested into {readable_path(state.where())}")
        for col in ("source", "title", "measures", "assignments", "targets", "citations", "triples", "warnings"):
            table.add_column(col, justify="right" if col not in ("source", "title") else "left", overflow="fold")
        for o in stored:
            s = o.summary
            table.add_row(s["source"], s["title"] or "—", *(str(s.get(k, 0)) for k in ("measures", "assignments", "targets", "citations", "triples", "warnings")))
        out.print(table)
    err.print(f"{len(stored)} stored, {len(unchanged)} unchanged, {len(failed)} failed"
              + (f", {len(duplicate)} duplicate (not counted twice)" if duplicate else ""), highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def remove(
    sources: list[str] = typer.Argument(..., help="Source files to remove: a path as ingested, a file name when only one stored source has it, or a source IRI."),
) -> None:
    """Remove documents: each source's graph and everything derived from it (its alignment runs)."""
    from ..graph.load import find_source, remove_sources, stored_sources

    backend = state.backend()
    stored = stored_sources(backend)
    graphs, problems = [], []
    for given in sources:
        found = find_source(given, stored)
        if isinstance(found, str):
            problems.append(found)
        else:
            graphs.append(found.graph)
            err.print(Text(f"removing {found.path}"), highlight=False)
    if graphs:
        try:
            runs = remove_sources(backend, graphs)
        except PolicyKGError as e:
            fail(str(e))
        err.print(f"{len(graphs)} removed, with {len(runs)} alignment runs that read them", highlight=False)
    for problem in problems:
        err.print(error_line(problem), highlight=False)
    if problems:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- query


def _render(results: Results, fmt: str, limit: Optional[int]) -> None:
    rows = results.rows[:limit] if limit is not None else results.rows
    if fmt == "json":
        payload = {"head": {"vars": results.variables},
                   "results": {"bindings": [{v: t.as_json() for v, t in zip(results.variables, r) if t is not None} for r in rows]}}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "records":
        recs = Results(results.variables, rows).records()
        sys.stdout.write(json.dumps(recs, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        # The UTF-8 byte-order mark: Excel and WPS on Chinese Windows garble a CSV without it.
        # Ids as the table shows them (and --param accepts), not percent-encoded IRIs.
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(results.variables)
        for r in rows:
            w.writerow(["" if t is None else _short(t.value) if t.kind == "uri" else t.value for t in r])
        sys.stdout.write("\ufeff" + buf.getvalue())
    else:
        table = Table(show_lines=False)
        for v in results.variables:
            table.add_column(v, overflow="fold")
        for r in rows:
            table.add_row(*("" if t is None else _short(t.value) for t in r))
        out.print(table)
        err.print(f"{len(rows)} rows" + (f" (of {len(results.rows)})" if len(rows) < len(results.rows) else ""))


def _short(value: str) -> str:
    from ..graph.terms import ID, PREFIXES

    if value.startswith(ID):
        from urllib.parse import unquote

        return unquote(value[len(ID):])
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns):
            return f"{prefix}:{value[len(ns):]}"
    return value


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A named query (see --list)."),
    param: list[str] = typer.Option([], "--param", "-p", help="key=value as you would write it: 发文字号 in any bracket style, "
                                    "roles and classes in Chinese or English, agencies and places as written, ids as shown."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Run the SPARQL in this .rq file instead (the project's prefixes are predeclared)."),
    fmt: str = typer.Option("table", "--format", help="table | csv (UTF-8 with BOM, for Excel/WPS) | json | records | ttl (CONSTRUCT)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Show at most this many rows."),
    list_: bool = typer.Option(False, "--list", help="List the analyst queries."),
    all_: bool = typer.Option(False, "--all", help="With --list: also the internal queries behind export, align and serve."),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", help="Give up after this many seconds (embedded store: checked between result rows; "
        "default POLICYKG_QUERY_TIMEOUT, else none)."),
) -> None:
    """Run a named query or a SPARQL file against the store."""
    from ..queries.catalog import all_queries, is_internal, parse_query
    from ..queries.params import resolve_params
    from ..queries.run import bind, with_prefixes

    if list_:
        table = Table(title="Named queries (queries/*.rq)" + ("" if all_ else "; internal ones: --list --all"))
        for col in ("name", "parameters", "summary"):
            table.add_column(col, overflow="fold")
        for q in all_queries().values():
            if is_internal(q) and not all_:
                continue
            params = " ".join(f"{p.name}:{p.type}{'?' if p.optional else ''}" for p in q.params)
            table.add_row(q.name, params, f"{q.summary}\n{q.summary_zh}".strip())
        out.print(table)
        return
    if fmt not in ("table", "csv", "json", "records", "ttl"):
        fail(f"unknown format {fmt!r} (table, csv, json, records, ttl)")
    if limit is not None and limit < 0:
        fail("--limit must be 0 or more")
    if timeout is not None and not timeout > 0:
        fail("--timeout must be more than 0 seconds")
    params = {}
    for p in param:
        if "=" not in p:
            fail(f"--param {p!r}: expected key=value")
        k, v = p.split("=", 1)
        try:
            (k + v).encode("utf-8")
        except UnicodeEncodeError:
            fail(f"--param {readable_path(p)}: not valid UTF-8 text")
        params[k.strip()] = v
    try:
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as e:
                fail(f"{file}: cannot read ({e.strerror or e})")
            except UnicodeDecodeError as e:
                fail(f"{file}: not UTF-8 text (byte {e.start}); save the query as UTF-8")
            parsed = parse_query(text, str(file))  # the header first: prefixes go above it
            named = _undeclared_as_strings(dataclasses.replace(parsed, sparql=with_prefixes(parsed.sparql)), params)
        elif name:
            from ..queries.catalog import get_query

            named = get_query(name)
        else:
            fail("give a query NAME, --file FILE or --list")
        backend = state.backend(read_only=True)
        if timeout is not None:
            backend.query_timeout = timeout
        sparql = bind(named, resolve_params(backend, named, params))
        if fmt == "ttl" or _is_construct(sparql):
            lines = backend.construct(sparql)
            sys.stdout.write(_turtle(lines))
            return
        results = backend.select(sparql)
    except StoreError as e:
        fail(str(e))
    except PolicyKGError as e:
        fail(_file_error(file, e) if file is not None else str(e))
    _render(results, fmt, limit)
    if not results.rows and file is not None:
        untyped = [k for k, v in params.items() if named.param(k) and named.param(k).doc == UNDECLARED
                   and re.search(r"[\u4e00-\u9fff]", v)]
        if untyped:
            err.print(f"labels in the store are tagged @zh: to match them, declare the parameter in {file.name}'s "
                      f"header: # param: {untyped[0]} zh  …", highlight=False)
    if not results.rows and params and fmt == "table" and file is None:
        given = ", ".join(f"{k}={v}" for k, v in params.items())
        err.print(f"nothing matches {given} together (each value alone is known to the store)"
                  if any(k != "keyword" for k in params) else f"nothing matches {given}", highlight=False)


UNDECLARED = "given on the command line, not declared in the file"


def _undeclared_as_strings(q, params: dict[str, str]):
    """A SPARQL file without a header still takes --param: each undeclared name is bound as a
    string (an IRI when written <…>, an integer when all digits)."""
    import dataclasses

    from ..queries.catalog import Param

    extra = []
    for k, v in params.items():
        if q.param(k) is None:
            v = v.strip()
            type_ = "iri" if v.startswith("<") and v.endswith(">") else "integer" if v.lstrip("+-").isdigit() else "string"
            if type_ == "iri":
                params[k] = v[1:-1]
            extra.append(Param(k, type_, True, UNDECLARED))
    return dataclasses.replace(q, params=q.params + tuple(extra)) if extra else q


def _file_error(file: Path, e: Exception) -> str:
    """One line naming the file, with line and column when the parser gave them."""
    import re

    text = " ".join(str(e).split())
    m = re.search(r"error at (\d+):(\d+):?\s*(.*)", text)
    if m:
        return f"{file}:{m.group(1)}:{m.group(2)}: SPARQL syntax error: {m.group(3)}"
    return f"{file}: {text}"


def _is_construct(sparql: str) -> bool:
    body = "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith(("#", "PREFIX", "prefix", "BASE")))
    return body.lstrip().upper().startswith(("CONSTRUCT", "DESCRIBE"))


def _turtle(ntriples: list[str]) -> str:
    from rdflib import Graph

    from ..graph.terms import PREFIXES

    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    g.parse(data="".join(ntriples), format="nt")
    return g.serialize(format="turtle")


# ----------------------------------------------------------------------------- serve


@app.command()
def serve(
    port: int = typer.Option(7878, "--port", help="Port on 127.0.0.1."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds a SPARQL query may run (endpoint and query forms)."),
    max_rows: int = typer.Option(100_000, "--max-rows", help="Most rows a SPARQL query may return."),
) -> None:
    """The analyst's workbench on http://127.0.0.1:PORT/ until Ctrl-C: documents with facets, document,
    measure and agency pages, full-text search, the named queries as forms, downloads (CSV, XLSX, JSON),
    and a read-only SPARQL endpoint at /sparql. It holds the store while it runs: stop it to ingest."""
    from .workbench.readmodel import read_model_path, refresh_read_model, write_serve_marker

    if state.endpoint:
        fail("serve exposes the embedded store; it cannot be combined with --endpoint")
    if not 0 < port < 65536:
        fail(f"--port {port}: not a TCP port")
    if timeout <= 0 or max_rows <= 0:
        fail("--timeout and --max-rows must be more than 0")
    location = Path(state.store or default_store_path())
    if not location.is_dir():
        fail(f"no store at {location}: ingest documents first (policykg --store {location} ingest ...)")
    import socket

    with socket.socket() as probe:  # say so before building anything
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            fail(f"port {port} on 127.0.0.1 is taken: give another with --port")
    try:
        # One process owns the store while it is served (LIBRARY-NOTES §7): opened read-write, so
        # that a writer elsewhere is refused instead of racing a reader.
        backend = state.backend()
        db = read_model_path(location)
        started = time.perf_counter()
        rebuilt = refresh_read_model(backend, db)
    except PolicyKGError as e:
        fail(str(e))
    if rebuilt:
        err.print(f"read model rebuilt in {time.perf_counter() - started:.1f} s: {db}", highlight=False)
    from .workbench.app import Limits, Workbench, run

    marker = write_serve_marker(location, port)

    def ready() -> None:
        out.print(f"policykg workbench: http://127.0.0.1:{port}/", highlight=False)
        out.print(f"SPARQL endpoint (read-only): http://127.0.0.1:{port}/sparql", highlight=False)
        err.print("Ctrl-C to stop", highlight=False)
        sys.stdout.flush()

    try:
        run(Workbench(backend, db, str(location), Limits(timeout_s=timeout, max_rows=max_rows)), port, on_ready=ready)
    finally:
        marker.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- export


@app.command()
def export(
    fmt: str = typer.Option("json", "--format", help="json (EXTRACTION.md records) | jsonl | ttl | nq | "
                            "xlsx (one workbook: documents, measures with text, assignments, targets, citations, "
                            "correspondences) | csv (the same tables, one CSV with BOM each, into the --out folder)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout (xlsx: a file, csv: a folder)."),
) -> None:
    """Export the graph: extraction records read back by SPARQL, all triples, or spreadsheets."""
    from ..queries.export import export_records

    if out_file is not None and fmt != "csv":  # csv writes a folder of tables
        output_path(out_file)
    if fmt in ("xlsx", "csv"):
        try:
            backend = state.backend(read_only=True)
        except PolicyKGError as e:
            fail(str(e))
        _export_tables(backend, fmt, out_file)
        return
    try:
        backend = state.backend(read_only=True)
        if fmt in ("json", "jsonl"):
            records = export_records(backend)
            if fmt == "json":
                data = (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode()
            else:
                data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
            chunks = [data]
        elif fmt in ("ttl", "nq"):
            chunks = backend.dump(fmt)
        else:
            fail(f"unknown format {fmt!r} (json, jsonl, ttl, nq, xlsx, csv)")
    except PolicyKGError as e:
        fail(str(e))
    if out_file is None:
        for c in chunks:
            sys.stdout.buffer.write(c)
        sys.stdout.flush()
    else:
        write_output(out_file, chunks)


# ----------------------------------------------------------------------------- diagnose


@app.command()
def diagnose(
    files: list[Path] = typer.Argument(..., help="Documents to read (.txt .md .html .docx .pdf); nothing is stored."),
    fmt: str = typer.Option("text", "--format", help="text (the text with what was found and what was skipped) | json"),
    show_text: bool = typer.Option(True, "--text/--no-text", help="With --format text: print the document's text, spans marked."),
) -> None:
    """What each document seems to hold that extraction did not take: assignment cues, goal
    sentences, 《》 titles, missing title / 发文字号 / date (warnings are the skipped ones)."""
    from rich.text import Text

    from ..ingest.diagnose import diagnose as run_diagnosis, record
    from ..ingest.pipeline import ingest_file

    if fmt not in ("text", "json"):
        fail(f"unknown format {fmt!r} (text, json)")
    records, failed = [], 0
    for file in files:
        try:
            doc = ingest_file(file)
        except PolicyKGError as e:
            err.print(error_line(str(e)), highlight=False)
            failed += 1
            continue
        d = run_diagnosis(doc)
        if fmt == "json":
            records.append(record(d))
            continue
        counts = d.counts()
        summary = ", ".join(f"{k} {v['found']} found / {v['dismissed']} dismissed / {v['skipped']} skipped"
                            for k, v in counts.items() if k != "metadata")
        out.print(Text(f"{doc.source.name}: {len(d.warnings)} warnings ({summary})", style="bold"))
        if show_text:
            # a Text object is never parsed for markup: the document's own [brackets] print as written
            body = Text(doc.source.text)
            for m in doc.measures:
                body.stylize("bold", m.heading_span.start, m.heading_span.end)
                for a in (*m.lead, *m.support):
                    if a.span:
                        body.stylize("green" if a in m.lead else "cyan", a.span.start, a.span.end)
            for t in doc.targets:
                body.stylize("magenta", t.span.start, t.span.end)
            for c in doc.citations:
                body.stylize("blue", c.span.start, c.span.end)
            for f in d.warnings:
                if f.span:
                    body.stylize("reverse red", f.span.start, f.span.end)
            out.print(body)
            out.print(Text("bold: measure  green: lead  cyan: support  magenta: target  blue: citation  "
                           "reverse red: skipped", style="dim"))
        for f in d.warnings:
            where = f"{f.span.start}-{f.span.end}" if f.span else "-"
            out.print(Text(f"  {f.kind:10} {where:>11}  {f.text}  ({f.note})"))
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    if failed:
        raise typer.Exit(1)


def _export_tables(backend: Backend, fmt: str, out_file: Optional[Path]) -> None:
    """The workbench's tables, from its read model (rebuilt first when the store changed)."""
    import tempfile

    from .workbench import tables
    from .workbench.readmodel import read_model_path, refresh_read_model

    if out_file is None:
        fail(f"--format {fmt} needs --out " + ("FILE.xlsx" if fmt == "xlsx" else "FOLDER (one CSV per table)"))
    try:
        if state.endpoint:
            tmp = tempfile.TemporaryDirectory()
            db = Path(tmp.name) / "read-model.sqlite"
        else:
            db = read_model_path(state.store or default_store_path())
        refresh_read_model(backend, db)
        if fmt == "xlsx":
            part = out_file.with_name(out_file.name + ".part")
            part.write_bytes(tables.workbook_bytes(db))
            part.replace(out_file)
            err.print(f"wrote {out_file} (sheets: {', '.join(tables.SHEETS)})", highlight=False)
        else:
            written = tables.write_csv_folder(db, out_file)
            err.print(f"wrote {len(written)} CSV files (UTF-8 with BOM) to {out_file}/: "
                      + ", ".join(p.name for p in written), highlight=False)
    except PolicyKGError as e:
        fail(str(e))
    except OSError as e:
        fail(f"{out_file}: cannot write ({e.strerror or e})")


# ----------------------------------------------------------------------------- validate, stats


@app.command()
def validate(
    max_shown: int = typer.Option(20, "--show", help="Show at most this many violations."),
    engine: Optional[str] = typer.Option(
        None, "--engine", help="sparql (the store runs one query per constraint; default for the embedded store and "
        "an Oxigraph server) | pyshacl (the reference implementation; default for other servers)."),
    graphs: Optional[list[str]] = typer.Option(
        None, "--graph", help="Validate only this named graph: its IRI, or a source file name for its graph; repeatable."),
) -> None:
    """Check the whole store against the SHACL shapes (ontology/shapes.ttl)."""
    from ..graph.validate import ENGINES, validate_backend

    if engine is not None and engine not in ENGINES:
        fail(f"--engine must be {' or '.join(ENGINES)}, not {engine!r}")
    try:
        conforms, violations = validate_backend(state.backend(read_only=True), engine=engine, graphs=graphs or None)
    except PolicyKGError as e:
        fail(str(e))
    if conforms:
        out.print(Text.assemble(("conforms", "green"), ": no SHACL violations"))
        return
    for v in violations[:max_shown]:
        err.print(f"violation: {v}", highlight=False)
    fail(f"{len(violations)} SHACL violations")


@app.command()
def stats(fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Counts of documents, measures, agencies, assignments, targets, citations and triples."""
    from ..queries.run import run_query

    try:
        res = run_query(state.backend(read_only=True), "stats")
    except PolicyKGError as e:
        fail(str(e))
    rec = res.records()[0] if res.rows else {}
    if fmt == "json":
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"policykg store: {readable_path(state.where())}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for k, v in rec.items():
        table.add_row(k, str(v))
    out.print(table)


# ----------------------------------------------------------------------------- viz


def _write_view(write, out_file: Path, graph=None, **options) -> None:
    """Write one HTML view of the store and say where, with its size; with --out FILE.gexf or
    FILE.graphml, the graph itself for Gephi (``graph(backend)`` builds it)."""
    from ..analysis.project import GRAPH_FILE_FORMATS, write_graph_file

    output_path(out_file)
    try:
        if out_file.suffix.lower() in GRAPH_FILE_FORMATS and graph is not None:
            info = write_graph_file(graph(state.backend(read_only=True)), out_file)
        else:
            info = write(state.backend(read_only=True), out_file, **options)
    except PolicyKGError as e:
        fail(str(e))
    except OSError as e:
        out_file.with_name(out_file.name + ".part").unlink(missing_ok=True)
        fail(f"{out_file}: cannot write ({e.strerror or e})")
    out.print(f"wrote {readable_path(out_file.resolve())} ({info['nodes']} nodes, {info['edges']} edges)")


@viz_app.command("agencies")
def viz_agencies(
    out_file: Path = typer.Option(Path("agencies.html"), "--out", "-o", help="HTML file to write; .gexf or .graphml: the graph for Gephi."),
    document: Optional[str] = typer.Option(None, "--document", help="Only this document: source file name, 发文字号 or title."),
    region: Optional[str] = typer.Option(None, "--region", help="Only documents of this issuing region, e.g. 深圳市."),
    role: Optional[str] = typer.Option(None, "--role", help="Only lead or only support assignments."),
) -> None:
    """Agency ↔ measure graph: lead and supporting edges, colored by document."""
    from .viz import write_agencies

    if role not in (None, "lead", "support"):
        fail(f"--role {role!r}: expected lead or support")
    from ..analysis.project import agency_measure_graph

    _write_view(write_agencies, out_file, document=document, region=region, role=role,
                graph=lambda b: agency_measure_graph(b, document=document, region=region, role=role))


@viz_app.command("network")
def viz_network(
    out_file: Path = typer.Option(Path("network.html"), "--out", "-o", help="HTML file to write; .gexf or .graphml: the graph for Gephi."),
) -> None:
    """Agency ↔ agency graph weighted by shared measures, colored by community."""
    from .viz import write_network

    def graph(backend):
        from ..analysis.project import agency_measure_graph, agency_network, communities

        p = agency_network(agency_measure_graph(backend))
        for n, c in communities(p).items():
            p.nodes[n]["community"] = c
        return p

    _write_view(write_network, out_file, graph=graph)


@viz_app.command("lineage")
def viz_lineage(
    out_file: Path = typer.Option(Path("lineage.html"), "--out", "-o", help="HTML file to write; .gexf or .graphml: the graph for Gephi."),
    measures: bool = typer.Option(False, "--measures", help="Also draw measure-level correspondences (run `policykg align` first)."),
    grade: Optional[str] = typer.Option(None, "--grade", help="With --measures: only correspondences of this grade (same | partial)."),
    pair: Optional[tuple[str, str]] = typer.Option(None, "--pair", help="With --measures: only correspondences between these two documents (source file name, 发文字号 or title)."),
) -> None:
    """National → provincial → local documents → measures, following pkg:implements."""
    from .viz import write_lineage

    from ..analysis.project import lineage_graph

    pair = tuple(pair) if pair and all(pair) else None
    _write_view(write_lineage, out_file, measures_links=measures or bool(grade or pair), graph=lineage_graph,
                grade=grade, pair=pair)


# ----------------------------------------------------------------------------- analyze


def _render_rows(rows: list[dict], columns: tuple[str, ...], fmt: str, title: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(title=title)
        for c in columns:
            table.add_column(c, overflow="fold", justify="left" if c in ("agency", "source", "docNumber", "title") else "right")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        out.print(table)


def _analysis(compute, columns: tuple[str, ...], fmt: str, title: str) -> None:
    """Run one analysis over the store and print its rows as a table, CSV or JSON."""
    if fmt not in ("table", "csv", "json"):
        fail(f"unknown format {fmt!r} (table, csv, json)")
    try:
        rows = compute(state.backend(read_only=True))
    except PolicyKGError as e:
        fail(str(e))
    _render_rows(rows, columns, fmt, title)


@analyze_app.command("agencies")
def analyze_agencies(fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Per agency: lead and support counts, weighted degree, betweenness, community."""
    from ..analysis.analyze import AGENCY_COLUMNS, agency_table

    _analysis(agency_table, AGENCY_COLUMNS, fmt, "Agencies")


@analyze_app.command("documents")
def analyze_documents(fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Per document: measures, agencies, targets and citations."""
    from ..analysis.analyze import DOCUMENT_COLUMNS, document_table

    _analysis(document_table, DOCUMENT_COLUMNS, fmt, "Documents")


# ----------------------------------------------------------------------------- align (measure-level tracing)


@analyze_app.command("diffusion")
def analyze_diffusion(fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Diffusion: the measures adopted by the most other documents (from stored alignments)."""
    from ..analysis.align import DIFFUSION_COLUMNS, diffusion_table

    _analysis(diffusion_table, DIFFUSION_COLUMNS, fmt, "Measure diffusion")


def _render_mix_table(rows: list[dict], columns: tuple[str, ...], title: str) -> None:
    """One block per group: a row per stage, then the group's subtotal (小计)."""
    counts = [c for c in columns if c not in ("group", "key", "stage")]
    table = Table(title=title)
    table.add_column("group", overflow="fold")
    table.add_column("stage")
    for c in counts:
        table.add_column(c, justify="right")
    blocks: dict[str, list[dict]] = {}
    for r in rows:
        blocks.setdefault(r["key"], []).append(r)
    for block in blocks.values():
        for i, r in enumerate(block):
            table.add_row(r["group"] if i == 0 else "", r["stage"], *(str(r[c]) for c in counts))
        table.add_row("", Text("小计", style="bold"), *(Text(str(sum(r[c] for r in block)), style="bold") for c in counts),
                      end_section=True)
    out.print(table)


@analyze_app.command("mix")
def analyze_mix(
    by: str = typer.Option("document", "--by", help="document | region | year"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Also write a stacked-bar chart: .png, .svg or .html (offline)."),
) -> None:
    """Policy-instrument mix: IP-chain stage × instrument counts of measures per document, region or year."""
    import warnings

    from ..analysis.mix import GROUPINGS, mix_records, mix_table, table_columns, write_mix_chart

    if by not in GROUPINGS:
        fail(f"unknown --by {by!r} ({', '.join(GROUPINGS)})")
    if fmt not in ("table", "csv", "json"):
        fail(f"unknown format {fmt!r} (table, csv, json)")
    if plot is not None:
        output_path(plot, "--plot")
    try:
        backend = state.backend(read_only=True)
        records = mix_records(backend)
        rows = mix_table(backend, by, records)
        if plot is not None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                info = write_mix_chart(backend, plot, by, records)
            for w in caught:
                err.print(f"warning: {w.message}")
    except PolicyKGError as e:
        fail(str(e))
    columns = table_columns(records)
    if fmt == "table":
        _render_mix_table(rows, columns, f"Stage × instrument mix by {by}（环节 × 政策工具类型）")
    else:
        _render_rows(rows, columns, fmt, "")
    if plot is not None:
        err.print(f"wrote {readable_path(plot.resolve())} ({info['groups']} groups, {info['measures']} measures)")


TABLE_ROWS = 50  # rows of the alignment summary table; every pair is one query away


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def align(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(None, help="Two source file names to align; none: every comparable pair; "
                                                    "`review …`: an analyst's decisions (policykg align review --help)."),
    fmt: str = typer.Option("table", "--format", help="table (a summary) | json | jsonl (ALIGNMENT.md records)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the records here instead of stdout."),
    full: bool = typer.Option(False, "--full", help="Without SOURCE_A SOURCE_B: align every selected pair again, "
                                                    "also those whose documents did not change since their stored run."),
) -> None:
    """Align measures between documents and store the correspondences (one named graph per pair).

    Without arguments: siblings under a shared upstream document, each document with the
    ingested documents up its implements chain, and each document with its most similar
    documents by topic. Only pairs with a new or changed document are aligned (the others keep
    their stored run; --full aligns them all again). With SOURCE_A SOURCE_B: any two documents.
    """
    from ..analysis.align import align_all, align_pair, alignment_records
    from ..queries.run import run_query

    sources = list(sources or []) + list(ctx.args)
    if sources and sources[0] == "review":
        # `align` takes source names, so its review subcommands are dispatched here
        args = sources[1:] + (["--format", fmt] if fmt != "table" else []) + (["--out", str(out_file)] if out_file else [])
        typer.main.get_command(review_app)(args, prog_name="policykg align review")
        return
    unknown = [s for s in sources if s.startswith("-")]
    if unknown:
        fail(f"no such option: {unknown[0]}")
    if fmt not in ("table", "json", "jsonl"):
        fail(f"unknown format {fmt!r} (table, json, jsonl)")
    if sources and len(sources) != 2:
        fail("give two source file names, or none to align every related pair")
    if out_file is not None:
        output_path(out_file)
    backend = state.backend()
    progress = Progress(
        TextColumn("[bold]align"), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )
    try:
        if sources:
            links = align_pair(backend, sources[0], sources[1])
            summary = f"{sources[0]} ~ {sources[1]}: {len(links)} links, {sum(1 for x in links if x.grade == 'same')} same"
        else:
            with progress:
                task = progress.add_task("", total=None)
                st = align_all(backend, on_progress=lambda phase, done, total: progress.update(
                    task, description=phase, completed=done, total=total or None), full=full)
            summary = (f"{st['document_pairs']} document pairs, {st['links']} links ({st['same']} same) "
                       f"over {st['measures']} measures in {st['seconds']} s; {st['kept_pairs']} pairs unchanged since their stored run, "
                       f"{st['dropped_pairs']} dropped")
        state.refresh_workbench()
        # the summary table reads one row per pair; the records (every link) only when asked for
        as_table = fmt == "table" and out_file is None
        rows = run_query(backend, "alignment_runs").records() if as_table else alignment_records(backend)
    except PolicyKGError as e:
        fail(str(e))
    err.print(summary, highlight=False)
    if as_table and sources:
        _print_review_links(backend, sources[0], sources[1])
        return
    if as_table:
        rows.sort(key=lambda r: (-r["links"], r["left"] or "", r["right"] or ""))
        table = Table(title="Stored alignments" + (f" (the {TABLE_ROWS} with most links of {len(rows)})" if len(rows) > TABLE_ROWS else ""))
        for col in ("left", "right", "links", "same"):
            table.add_column(col, justify="right" if col in ("links", "same") else "left", overflow="fold")
        for r in rows[:TABLE_ROWS]:
            table.add_row(r["left"], r["right"], str(r["links"]), str(r["same"]))
        out.print(table)
        if len(rows) > TABLE_ROWS:
            err.print(f"{len(rows) - TABLE_ROWS} more pairs: policykg query alignment_runs --format csv", highlight=False)
        err.print("the links of a pair, with their ids for review: policykg align review list SOURCE_A SOURCE_B", highlight=False)
        return
    if fmt == "jsonl":
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    else:
        data = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if out_file is None:
        sys.stdout.write(data)
    else:
        write_output(out_file, [data.encode("utf-8")])


# ----------------------------------------------------------------------------- align review

review_app = typer.Typer(help="An analyst's decisions on measure links: list, accept, reject, regrade, clear, decisions.",
                         no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _print_review_links(backend: Backend, left: str, right: str) -> None:
    """The links of one pair as a table: id, headings, the grade that stands, score, the review
    decision, and the first shared phrase with the sentence holding it on each side."""
    from ..analysis.align_review import pair_links

    links = pair_links(backend, left, right)
    table = Table(title=f"{left} ~ {right}: {len(links)} links (ids for policykg align review)")
    for col in ("id", "left", "right", "grade", "score", "review", "evidence (left sentence / right sentence)"):
        table.add_column(col, overflow="fold", justify="right" if col == "score" else "left")
    for link in links:
        ev = link["evidence"][0] if link["evidence"] else None
        shown = (f"「{ev['text']}」\nL: {ev['left_sentence']}\nR: {ev['right_sentence']}" if ev else "")
        table.add_row(link["id"], link["left_heading"], link["right_heading"], link["grade"] or "(rejected)",
                      f"{link['score']:.2f}", link["decision"] or "", shown, end_section=True)
    out.print(table)


def _review_call(action) -> None:
    from ..ingest.errors import PolicyKGError as _Error

    try:
        done = action(state.backend())
    except _Error as e:
        fail(str(e))
    grade = f" as {done['grade']}" if done.get("grade") else ""
    err.print(f"{done['decision']} {done['id']}{grade}: stored in {done['graph']}", highlight=False)


@review_app.command("list")
def review_list(
    left: str = typer.Argument(..., help="Source file name of one document of an aligned pair."),
    right: str = typer.Argument(..., help="Source file name of the other."),
    fmt: str = typer.Option("table", "--format", help="table | json (every link with evidence and both sides' sentences)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write JSON here instead of stdout."),
) -> None:
    """The links of one aligned pair with their ids, grades, decisions and evidence sentences."""
    from ..analysis.align_review import pair_links

    if fmt not in ("table", "json"):
        fail(f"unknown format {fmt!r} (table, json)")
    backend = state.backend()
    try:
        if fmt == "table" and out_file is None:
            _print_review_links(backend, left, right)
            return
        data = json.dumps(pair_links(backend, left, right), ensure_ascii=False, indent=1) + "\n"
    except PolicyKGError as e:
        fail(str(e))
    if out_file is None:
        sys.stdout.write(data)
    else:
        out_file.write_text(data, encoding="utf-8")
        err.print(f"wrote {out_file}")


@review_app.command("accept")
def review_accept(
    link: str = typer.Argument(..., help="Link id (policykg align review list A B)."),
    grade: Optional[str] = typer.Option(None, "--grade", help="same | partial (default: the grade it has)."),
    note: Optional[str] = typer.Option(None, "--note", help="Why, for the next analyst."),
) -> None:
    """Accept a link: it stands with its grade (or --grade) even if a later run drops it."""
    from ..analysis.align_review import decide

    _review_call(lambda b: decide(b, link, "accept", grade, note))


@review_app.command("reject")
def review_reject(
    link: str = typer.Argument(..., help="Link id (policykg align review list A B)."),
    note: Optional[str] = typer.Option(None, "--note", help="Why, for the next analyst."),
) -> None:
    """Reject a link: the queries and the export leave it out, also after re-alignment."""
    from ..analysis.align_review import decide

    _review_call(lambda b: decide(b, link, "reject", None, note))


@review_app.command("regrade")
def review_regrade(
    link: str = typer.Argument(..., help="Link id (policykg align review list A B)."),
    grade: str = typer.Argument(..., help="same | partial"),
    note: Optional[str] = typer.Option(None, "--note", help="Why, for the next analyst."),
) -> None:
    """Give a link another grade (same or partial)."""
    from ..analysis.align_review import decide

    _review_call(lambda b: decide(b, link, "regrade", grade, note))


@review_app.command("clear")
def review_clear(link: str = typer.Argument(..., help="Link id.")) -> None:
    """Drop the decision on a link: the aligner's grade stands again."""
    from ..analysis.align_review import clear

    try:
        done = clear(state.backend(), link)
    except PolicyKGError as e:
        fail(str(e))
    err.print(f"cleared {done}", highlight=False)


@review_app.command("decisions")
def review_decisions(fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Every stored decision, oldest first."""
    from ..analysis.align_review import decisions

    if fmt not in ("table", "csv", "json"):
        fail(f"unknown format {fmt!r} (table, csv, json)")
    try:
        rows = decisions(state.backend(read_only=True))
    except PolicyKGError as e:
        fail(str(e))
    _render_rows(rows, ("id", "decision", "review_grade", "source_a", "heading_a", "source_b", "heading_b", "decided_at", "note"), fmt,
                 "Alignment review decisions")


def main() -> None:
    try:
        app()
    except PolicyKGError as e:  # a last guard: expected failures never show a traceback
        err.print(error_line(str(e)), highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
