"""The policykg command line. The end of the flow: it may import every stage."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..graph.store import Backend, OxigraphBackend, Results, default_store_path
from ..ingest.errors import PolicyKGError

app = typer.Typer(
    name="policykg",
    help="Turn Chinese policy documents into a knowledge graph you can query and see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
viz_app = typer.Typer(help="Write interactive, self-contained HTML graphs.", no_args_is_help=True)
app.add_typer(viz_app, name="viz")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    store: Optional[Path] = None
    endpoint: Optional[str] = None
    update_endpoint: Optional[str] = None
    graph_store: Optional[str] = None
    _backend: Optional[Backend] = None

    def backend(self, read_only: bool = False) -> Backend:
        if self._backend is None:
            if self.endpoint:
                from ..graph.remote import EndpointBackend

                self._backend = EndpointBackend(
                    self.endpoint,
                    self.update_endpoint,
                    graph_store=self.graph_store,
                    user=os.environ.get("POLICYKG_USER"),
                    password=os.environ.get("POLICYKG_PASSWORD"),
                )
            else:
                self._backend = OxigraphBackend(self.store or default_store_path())
        return self._backend

    def where(self) -> str:
        return self.endpoint or str(self.store or default_store_path())


state = State()


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


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
    state.store, state.endpoint, state.update_endpoint, state.graph_store = store, endpoint, update_endpoint, graph_store


# ----------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.txt .md .html .docx .pdf)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for extraction (default: number of cores)."),
    force: bool = typer.Option(False, "--force", help="Re-ingest files even when unchanged."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
) -> None:
    """Ingest documents: one named graph per file, replaced whole on re-ingest."""
    from .batch import collect_files, ingest_paths

    backend = state.backend()
    total = len(collect_files(paths)[0])
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        console=err, transient=True, disable=quiet or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=total)

        def on_progress(o) -> None:
            if o.status == "failed":
                progress.console.print(f"[red]error:[/red] {o.message}", highlight=False, markup=True)
            else:
                progress.advance(task)
                progress.update(task, description=Path(o.path).name)

        try:
            report = ingest_paths(backend, paths, jobs=jobs or None, force=force, on_progress=on_progress)
        except PolicyKGError as e:
            fail(str(e))
    stored, unchanged, failed = (report.by_status(s) for s in ("stored", "unchanged", "failed"))
    if not quiet and stored:
        table = Table(title=f"Ingested into {state.where()}")
        for col in ("source", "title", "measures", "assignments", "targets", "citations", "triples"):
            table.add_column(col, justify="right" if col not in ("source", "title") else "left", overflow="fold")
        for o in stored:
            s = o.summary
            table.add_row(s["source"], s["title"] or "—", *(str(s[k]) for k in ("measures", "assignments", "targets", "citations", "triples")))
        out.print(table)
    err.print(f"{len(stored)} stored, {len(unchanged)} unchanged, {len(failed)} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- query


def _render(results: Results, fmt: str, limit: Optional[int]) -> None:
    rows = results.rows[:limit] if limit else results.rows
    if fmt == "json":
        payload = {"head": {"vars": results.variables},
                   "results": {"bindings": [{v: t.as_json() for v, t in zip(results.variables, r) if t is not None} for r in rows]}}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "records":
        recs = Results(results.variables, rows).records()
        sys.stdout.write(json.dumps(recs, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(results.variables)
        for r in rows:
            w.writerow(["" if t is None else t.value for t in r])
        sys.stdout.write(buf.getvalue())
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
    param: list[str] = typer.Option([], "--param", "-p", help="key=value, bound as a typed RDF term."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Run the SPARQL in this .rq file instead."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json | records | ttl (CONSTRUCT)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Show at most this many rows."),
    list_: bool = typer.Option(False, "--list", help="List the named queries."),
) -> None:
    """Run a named query or a SPARQL file against the store."""
    from .catalog import all_queries, parse_query
    from .run import bind

    if list_:
        table = Table(title="Named queries (queries/*.rq)")
        for col in ("name", "parameters", "summary"):
            table.add_column(col, overflow="fold")
        for q in all_queries().values():
            params = " ".join(f"{p.name}:{p.type}{'?' if p.optional else ''}" for p in q.params)
            table.add_row(q.name, params, f"{q.summary}\n{q.summary_zh}".strip())
        out.print(table)
        return
    if fmt not in ("table", "csv", "json", "records", "ttl"):
        fail(f"unknown format {fmt!r} (table, csv, json, records, ttl)")
    params = {}
    for p in param:
        if "=" not in p:
            fail(f"--param {p!r}: expected key=value")
        k, v = p.split("=", 1)
        params[k.strip()] = v
    try:
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as e:
                fail(f"{file}: cannot read ({e.strerror or e})")
            sparql = bind(parse_query(text, str(file)), params)
        elif name:
            from .catalog import get_query

            sparql = bind(get_query(name), params)
        else:
            fail("give a query NAME, --file FILE or --list")
        backend = state.backend(read_only=True)
        if fmt == "ttl" or _is_construct(sparql):
            lines = backend.construct(sparql)
            sys.stdout.write(_turtle(lines))
            return
        results = backend.select(sparql)
    except PolicyKGError as e:
        fail(f"{file}: {e}" if file is not None else str(e))
    _render(results, fmt, limit)


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


# ----------------------------------------------------------------------------- export


@app.command()
def export(
    fmt: str = typer.Option("json", "--format", help="json (EXTRACTION.md records) | jsonl | ttl | nq"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Export the graph: extraction records read back by SPARQL, or all triples."""
    from .export import export_records

    backend = state.backend(read_only=True)
    try:
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
            fail(f"unknown format {fmt!r} (json, jsonl, ttl, nq)")
    except PolicyKGError as e:
        fail(str(e))
    if out_file is None:
        for c in chunks:
            sys.stdout.buffer.write(c)
        sys.stdout.flush()
    else:
        tmp = out_file.with_name(out_file.name + ".part")
        with open(tmp, "wb") as fh:
            for c in chunks:
                fh.write(c)
        tmp.replace(out_file)
        err.print(f"wrote {out_file}")


# ----------------------------------------------------------------------------- validate, stats


@app.command()
def validate(
    max_shown: int = typer.Option(20, "--show", help="Show at most this many violations."),
) -> None:
    """Check the whole store against the SHACL shapes (ontology/shapes.ttl)."""
    from ..graph.validate import validate_backend

    try:
        conforms, violations = validate_backend(state.backend(read_only=True))
    except PolicyKGError as e:
        fail(str(e))
    if conforms:
        out.print("[green]conforms[/green]: no SHACL violations")
        return
    for v in violations[:max_shown]:
        err.print(f"violation: {v}", highlight=False)
    fail(f"{len(violations)} SHACL violations")


@app.command()
def stats(fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Counts of documents, measures, agencies, assignments, targets, citations and triples."""
    from .run import run_query

    try:
        res = run_query(state.backend(read_only=True), "stats")
    except PolicyKGError as e:
        fail(str(e))
    rec = res.records()[0] if res.rows else {}
    if fmt == "json":
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"policykg store: {state.where()}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for k, v in rec.items():
        table.add_row(k, str(v))
    out.print(table)


# ----------------------------------------------------------------------------- viz


@viz_app.command("agencies")
def viz_agencies(
    out_file: Path = typer.Option(Path("agencies.html"), "--out", "-o", help="HTML file to write."),
) -> None:
    """Agency ↔ measure graph: lead and supporting edges, colored by document."""
    from .viz import write_agencies

    try:
        info = write_agencies(state.backend(read_only=True), out_file)
    except PolicyKGError as e:
        fail(str(e))
    out.print(f"wrote {out_file.resolve()} ({info['nodes']} nodes, {info['edges']} edges)")


def main() -> None:
    try:
        app()
    except PolicyKGError as e:  # a last guard: expected failures never show a traceback
        err.print(f"[red]error:[/red] {e}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
