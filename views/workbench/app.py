"""`policykg serve`: Datasette over the read model, plus pages for documents, measures and agencies,
search, the named queries as forms, and a read-only SPARQL endpoint at /sparql.

One process owns the store while serving (LIBRARY-NOTES §7): it holds the store open read-write,
so an `ingest` or `align` elsewhere is refused with the PID of this server, and /sparql and the
query forms are answered here, through the store's own query methods. The read model is rebuilt
on start when the store changed since it was built; it cannot change while this process runs.

Every value reaches HTML through Jinja's autoescaping; highlighted text is a list of segments
rendered by the template, never markup built from document text.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from datasette import hookimpl
from pyparsing import ParseResults
from datasette.utils.asgi import Response

from ...graph.store import Backend, Results, Term
from ...graph.terms import PREFIXES
from ...ingest.errors import PolicyKGError
from ...queries.catalog import all_queries, get_query
from ...queries.params import expand_id
from ...queries.run import bind, with_prefixes
from . import tables
from .highlight import highlight, mark_phrases
from .readmodel import short_id

HERE = Path(__file__).parent
DB = "policykg"  # the read model's database name in Datasette URLs


@dataclass
class Limits:
    timeout_s: float = 30.0   # a SPARQL query (endpoint or form) runs at most this long
    max_rows: int = 100_000   # and returns at most this many rows
    workers: int = 2          # queries running at once; a timed-out one holds its slot until it ends


class QueryRefused(PolicyKGError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(eq=False)  # hashable: pluggy keeps plugins in a set
class Workbench:
    """The plugin object: what the routes need, bound once at start."""

    backend: Backend
    db_path: Path
    store_path: str
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.limits.workers)
        self.__name__ = "policykg_workbench"  # Datasette lists plugins by module name

    # ------------------------------------------------------------------ running SPARQL
    async def run_sparql(self, sparql: str, kind: str = "select"):
        """Run one query in a worker thread, with the time and size limits."""
        refuse_service(sparql)
        if not self._slots.acquire(blocking=False):
            raise QueryRefused("the server is busy with other queries; try again shortly", 503)
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        box: dict = {}

        def work() -> None:
            try:
                call = {"select": self.backend.select, "ask": self.backend.ask, "construct": self.backend.construct}[kind]
                box["value"] = call(sparql)
            except BaseException as e:  # handed to the request below
                box["error"] = e
            finally:
                self._slots.release()  # only when the query really ended
                loop.call_soon_threadsafe(done.set)

        threading.Thread(target=work, name="policykg-sparql", daemon=True).start()
        try:
            await asyncio.wait_for(done.wait(), self.limits.timeout_s)
        except asyncio.TimeoutError:
            raise QueryRefused(f"the query ran longer than {self.limits.timeout_s:g} s and was abandoned "
                               "(add LIMIT or narrow it)", 503) from None
        if "error" in box:
            e = box["error"]
            if isinstance(e, PolicyKGError):
                raise e
            raise QueryRefused(f"the query failed: {e}", 500) from None
        value = box["value"]
        n = len(value.rows) if isinstance(value, Results) else len(value) if isinstance(value, list) else 0
        if n > self.limits.max_rows:
            raise QueryRefused(f"the result has {n} rows, more than the limit of {self.limits.max_rows} "
                               "(add LIMIT/OFFSET to page through it)", 413)
        return value

    # ------------------------------------------------------------------ datasette hooks
    @hookimpl
    def register_routes(self, datasette):
        return [
            (r"^/$", self.home),
            (r"^/document$", self.document_page),
            (r"^/measure$", self.measure_page),
            (r"^/agency$", self.agency_page),
            (r"^/search$", self.search_page),
            (r"^/matrix$", self.matrix_page),
            (r"^/queries$", self.queries_page),
            (r"^/queries/(?P<name>\w+)$", self.query_form),
            (r"^/sparql$", self.sparql),
            (r"^/query$", self.sparql),  # the path Oxigraph's server used
            (r"^/update$", self.refuse_update),
            (r"^/download/policykg\.xlsx$", self.download_workbook),
            (r"^/download/(?P<sheet>\w+)\.(?P<fmt>csv|json|xlsx)$", self.download_sheet),
        ]

    @hookimpl
    def extra_css_urls(self, datasette):
        return ["/policykg-static/workbench.css"]

    @hookimpl
    def render_cell(self, value, column, table, database, datasette):
        """Titles, headings and names in Datasette's tables link to the workbench pages."""
        from markupsafe import Markup

        if database != DB or value is None:
            return None
        link = {("documents", "title"): "document", ("documents", "id"): "document", ("measures", "heading"): "measure",
                ("measures", "id"): "measure", ("agencies", "name"): "agency", ("agencies", "id"): "agency",
                ("measures", "document"): "document", ("assignments", "measure"): "measure",
                ("assignments", "agency"): "agency", ("targets", "document"): "document"}.get((table, column))
        if link is None:
            return None
        return Markup('<a href="/{}?id={}">{}</a>').format(link, quote(str(_row_id(value)), safe=""), value)

    @hookimpl
    def register_output_renderer(self, datasette):
        return [
            {"extension": "xlsx", "render": _render_xlsx},
            {"extension": "csvbom", "render": _render_csvbom},
        ]

    # ------------------------------------------------------------------ helpers
    async def _rows(self, datasette, sql: str, params: dict | tuple = ()) -> list[dict]:
        res = await datasette.get_database(DB).execute(sql, params)
        return [dict(r) for r in res.rows]

    async def _one(self, datasette, sql: str, params) -> dict | None:
        rows = await self._rows(datasette, sql, params)
        return rows[0] if rows else None

    async def _render(self, datasette, request, template: str, **context) -> Response:
        html = await datasette.render_template(template, context, request=request)
        return Response.html(html)

    async def _not_found(self, datasette, request, what: str, value: str) -> Response:
        r = await self._render(datasette, request, "pkg_message.html", title="Not found",
                               message=f"No {what} with id {value!r} in this store.")
        r.status = 404
        return r

    # ------------------------------------------------------------------ pages
    async def home(self, datasette, request):
        meta = {r["key"]: r["value"] for r in await self._rows(datasette, "SELECT key, value FROM meta")}
        counts = json.loads(meta.get("counts", "{}"))
        docs = await self._rows(datasette, "SELECT id, title, doc_number, region, level, date, measures FROM documents "
                                           "ORDER BY region, date, title")
        return await self._render(datasette, request, "pkg_home.html", counts=counts, built=meta.get("built"),
                                  documents=docs, store=self.store_path)

    async def document_page(self, datasette, request):
        doc_id = request.args.get("id", "")
        doc = await self._one(datasette, "SELECT * FROM documents WHERE id = ?", [doc_id])
        if doc is None:
            return await self._not_found(datasette, request, "document", doc_id)
        doc["issuers"] = json.loads(doc["issuers"] or "[]")
        measures = await self._rows(datasette, 'SELECT * FROM measures WHERE document = ? ORDER BY "order"', [doc_id])
        spans = await self._rows(datasette, "SELECT * FROM spans WHERE document = ?", [doc_id])
        blocks, previous_end = [], None
        for m in measures:
            inside = [s for s in spans if s["start"] >= m["start"] and s["end"] <= m["end"]]
            blocks.append({"measure": m, "gap": previous_end is not None and m["start"] > previous_end + 1,
                           "segments": highlight(m["text"], m["start"], inside)})
            previous_end = m["end"]
        outside = [s for s in spans if not any(s["start"] >= m["start"] and s["end"] <= m["end"] for m in measures)]
        targets = await self._rows(datasette, "SELECT * FROM targets WHERE document = ? ORDER BY start", [doc_id])
        citations = await self._rows(datasette, 'SELECT * FROM citations WHERE document = ? ORDER BY "order"', [doc_id])
        up = await self._rows(datasette, "SELECT l.*, d.title AS ingested_title FROM lineage l LEFT JOIN documents d "
                                         "ON d.id = l.upstream WHERE l.document = ?", [doc_id])
        down = await self._rows(datasette, "SELECT d.* FROM lineage l JOIN documents d ON d.id = l.document "
                                           "WHERE l.upstream = ?", [doc_id])
        return await self._render(datasette, request, "pkg_document.html", doc=doc, measures=measures, blocks=blocks,
                                  outside=outside, targets=targets, citations=citations, up=up, down=down)

    async def measure_page(self, datasette, request):
        mid = request.args.get("id", "")
        m = await self._one(datasette, "SELECT * FROM measures WHERE id = ?", [mid])
        if m is None:
            return await self._not_found(datasette, request, "measure", mid)
        doc = await self._one(datasette, "SELECT * FROM documents WHERE id = ?", [m["document"]])
        spans = await self._rows(datasette, "SELECT * FROM spans WHERE document = ? AND start >= ? AND \"end\" <= ?",
                                 [m["document"], m["start"], m["end"]])
        assignments = await self._rows(datasette, "SELECT * FROM assignments WHERE measure = ? ORDER BY role, slot", [mid])
        classes = await self._rows(datasette, "SELECT * FROM classifications WHERE measure = ? ORDER BY dimension", [mid])
        evidence = [s for s in spans if s["kind"] == "evidence"]
        targets = await self._rows(datasette, "SELECT * FROM targets WHERE measure = ? ORDER BY start", [mid])
        corr = await self._rows(datasette, """
            SELECT c.grade, c.score, c.evidence,
                   CASE WHEN c.left_measure = :m THEN c.right_measure ELSE c.left_measure END AS other
            FROM correspondences c WHERE c.left_measure = :m OR c.right_measure = :m ORDER BY c.score DESC""", {"m": mid})
        upstream_docs = {r["upstream"] for r in await self._rows(
            datasette, "SELECT upstream FROM lineage WHERE document = ?", [m["document"]])}
        counterparts = []
        for c in corr:
            other = await self._one(datasette, "SELECT m.*, d.title AS doc_title, d.doc_number FROM measures m "
                                               "LEFT JOIN documents d ON d.id = m.document WHERE m.id = ?", [c["other"]])
            if other is None:
                continue
            phrases = [p for p in (c["evidence"] or "").split("；") if p]
            counterparts.append({**c, "measure": other, "upstream": other["document"] in upstream_docs,
                                 "mine": mark_phrases(m["text"], phrases), "theirs": mark_phrases(other["text"], phrases)})
        upstream = await self._rows(datasette, "SELECT l.*, d.title AS ingested_title FROM lineage l LEFT JOIN documents d "
                                               "ON d.id = l.upstream WHERE l.document = ?", [m["document"]])
        return await self._render(datasette, request, "pkg_measure.html", m=m, doc=doc,
                                  segments=highlight(m["text"], m["start"], spans), assignments=assignments,
                                  classes=classes, evidence=evidence, targets=targets, counterparts=counterparts,
                                  upstream=upstream)

    async def agency_page(self, datasette, request):
        aid = request.args.get("id", "")
        a = await self._one(datasette, "SELECT * FROM agencies WHERE id = ?", [aid])
        if a is None:
            return await self._not_found(datasette, request, "agency", aid)
        measures = await self._rows(datasette, """
            SELECT a.role, a.name_as_written, m.id, m.heading, m.stage, d.id AS doc, d.title, d.doc_number, d.region
            FROM assignments a JOIN measures m ON m.id = a.measure LEFT JOIN documents d ON d.id = a.document
            WHERE a.agency = ? ORDER BY d.region, d.title, m."order", a.role""", [aid])
        partners = await self._rows(datasette, """
            SELECT b.agency AS id, b.agency_name AS name, b.jurisdiction, COUNT(DISTINCT b.measure) AS shared
            FROM assignments a JOIN assignments b ON a.measure = b.measure AND b.agency != a.agency
            WHERE a.agency = ? GROUP BY b.agency ORDER BY shared DESC, name""", [aid])
        return await self._render(datasette, request, "pkg_agency.html", a=a, measures=measures, partners=partners)

    async def matrix_page(self, datasette, request):
        """Agency × measure responsibility matrix of one document (or all documents of a region):
        牵头 / 配合 in each cell, the matrix analysts draw by hand."""
        doc_id, region = request.args.get("document"), request.args.get("region")
        if doc_id:
            doc_id = short_id(expand_id(doc_id))  # as the CLI accepts it: doc/深府函[2021]11号 too
            where, arg = "m.document = ?", doc_id
            title = (await self._one(datasette, "SELECT title FROM documents WHERE id = ?", [doc_id]) or {}).get("title")
        elif region:
            where, arg, title = "m.region = ?", region, region
        else:
            return Response.text("give ?document=ID or ?region=NAME", status=400)
        measures = await self._rows(datasette, f'SELECT m.id, m."order", m.number, m.heading, d.title AS doc_title '
                                               f"FROM measures m LEFT JOIN documents d ON d.id = m.document "
                                               f'WHERE {where} ORDER BY m.source, m."order"', [arg])
        cells = await self._rows(datasette, f"SELECT a.agency, a.agency_name, a.jurisdiction, a.measure, a.role "
                                            f"FROM assignments a JOIN measures m ON m.id = a.measure WHERE {where}", [arg])
        agencies: dict[str, dict] = {}
        for c in cells:
            a = agencies.setdefault(c["agency"], {"id": c["agency"], "name": c["agency_name"], "jurisdiction": c["jurisdiction"],
                                                  "roles": {}, "lead": 0, "support": 0})
            if a["roles"].get(c["measure"]) != "lead":  # an agency that leads and supports: lead
                a["roles"][c["measure"]] = c["role"]
        for a in agencies.values():
            a["lead"] = sum(1 for r in a["roles"].values() if r == "lead")
            a["support"] = sum(1 for r in a["roles"].values() if r == "support")
        rows = sorted(agencies.values(), key=lambda a: (-a["lead"], -a["support"], a["name"] or ""))
        measures = [m for m in measures if any(m["id"] in a["roles"] for a in rows)]
        fmt = request.args.get("_format")
        if fmt in ("csv", "json", "xlsx"):
            mark = {"lead": "牵头", "support": "配合"}
            columns = ["agency", "jurisdiction", "lead", "support"] + [f"{m['number'] or m['order']} {m['heading']}" for m in measures]
            data = [(a["name"], a["jurisdiction"], a["lead"], a["support"],
                     *(mark.get(a["roles"].get(m["id"]), "") for m in measures)) for a in rows]
            return _download(columns, data, f"matrix.{fmt}", fmt)
        qs = f"document={quote(doc_id, safe='')}" if doc_id else f"region={quote(region, safe='')}"
        return await self._render(datasette, request, "pkg_matrix.html", title=title or arg, measures=measures,
                                  rows=rows, qs=qs, by_region=bool(region and not doc_id))

    async def search_page(self, datasette, request):
        q = (request.args.get("q") or "").strip()
        rows, how = [], None
        if q:
            if len(q) >= 3:  # the trigram index finds any substring of three characters or more
                how = "full-text index (trigram)"
                rows = await self._rows(datasette, """
                    SELECT m.id, m.heading, m.document, m.region, d.title AS doc_title, m.stage, m.text
                    FROM measures_fts JOIN measures m ON m.rowid = measures_fts.rowid
                    LEFT JOIN documents d ON d.id = m.document
                    WHERE measures_fts MATCH :q ORDER BY rank LIMIT 500""", {"q": '"' + q.replace('"', '""') + '"'})
            else:  # one or two characters: trigram finds nothing (LIBRARY-NOTES §8), LIKE does
                how = "substring scan (LIKE), for queries shorter than three characters"
                like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                rows = await self._rows(datasette, r"""
                    SELECT m.id, m.heading, m.document, m.region, d.title AS doc_title, m.stage, m.text
                    FROM measures m LEFT JOIN documents d ON d.id = m.document
                    WHERE m.text LIKE :like ESCAPE '\' OR m.heading LIKE :like ESCAPE '\'
                    ORDER BY m.source, m."order" LIMIT 500""", {"like": like})
            for r in rows:
                r["segments"] = _snippet(r.pop("text"), q)
        fmt = request.args.get("_format")
        if fmt in ("csv", "json", "xlsx"):
            cols = ["id", "heading", "doc_title", "region", "stage"]
            return _download([*cols, "snippet"], [(*(r[c] for c in cols), "".join(s["text"] for s in r["segments"]))
                                                 for r in rows], f"search.{fmt}", fmt)
        return await self._render(datasette, request, "pkg_search.html", q=q, rows=rows, how=how,
                                  qs=quote(q, safe=""))

    async def queries_page(self, datasette, request):
        show_all = request.args.get("all") == "1"
        queries = [q for q in all_queries().values() if show_all or not is_internal(q)]
        return await self._render(datasette, request, "pkg_queries.html", queries=queries, show_all=show_all)

    async def query_form(self, datasette, request):
        from ...queries.params import load_known_values, resolve_params

        name = request.url_vars["name"]
        try:
            q = get_query(name)
        except PolicyKGError as e:
            return await self._not_found(datasette, request, "named query", name)
        known = await asyncio.to_thread(load_known_values, self.backend)
        options = {p.name: _options(p.name, known) for p in q.params}
        given = {p.name: request.args.get(p.name, "").strip() for p in q.params}
        params = {k: v for k, v in given.items() if v}
        result, error, status = None, None, 200
        run = request.args.get("run") == "1" or bool(params) or not any(not p.optional for p in q.params)
        if run:
            try:
                resolved = resolve_params(self.backend, q, params, known)
                result = await self.run_sparql(bind(q, resolved))
            except QueryRefused as e:
                error, status = str(e), e.status
            except PolicyKGError as e:
                error, status = str(e), 400
        fmt = request.args.get("_format")
        if result is not None and fmt in ("csv", "json", "xlsx"):
            rows = [tuple(_plain(t) for t in r) for r in result.rows]
            return _download(result.variables, rows, f"{name}.{fmt}", fmt)
        table = _result_table(result) if result is not None else None
        args = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items())
        r = await self._render(datasette, request, "pkg_query.html", q=q, options=options, given=given, table=table,
                               error=error, args=args)
        r.status = status
        return r

    # ------------------------------------------------------------------ SPARQL endpoint
    async def sparql(self, datasette, request):
        if request.method == "POST":
            body = (await request.post_body()).decode("utf-8", "replace")
            ctype = request.headers.get("content-type", "").split(";")[0].strip()
            if ctype == "application/sparql-update":
                return _read_only()
            if ctype == "application/sparql-query":
                query = body
            else:
                from urllib.parse import parse_qs

                form = parse_qs(body)
                if "update" in form:
                    return _read_only()
                query = (form.get("query") or [""])[0]
        else:
            if "update" in request.args:
                return _read_only()
            query = request.args.get("query", "")
        accept = request.headers.get("accept", "")
        wants_html = request.args.get("format") == "html" or (
            "text/html" in accept and "sparql-results" not in accept and request.args.get("format") is None)
        if not query.strip():
            if wants_html or request.method == "GET":
                return await self._sparql_page(datasette, request, None, None)
            return Response.text("no query given (send query=...)", status=400)
        full = with_prefixes(query)
        kind = query_kind(full)
        try:
            value = await self.run_sparql(full, kind)
        except QueryRefused as e:
            if wants_html:
                return await self._sparql_page(datasette, request, query, None, str(e), e.status)
            return Response.text(str(e) + "\n", status=e.status)
        except PolicyKGError as e:
            if wants_html:
                return await self._sparql_page(datasette, request, query, None, str(e), 400)
            return Response.text(str(e) + "\n", status=400)
        if wants_html:
            return await self._sparql_page(datasette, request, query, value)
        return _sparql_response(value, kind, accept, request.args.get("format"))

    async def _sparql_page(self, datasette, request, query, value, error=None, status=200):
        template = request.args.get("template")
        if query is None:
            if template and template in all_queries():
                query = all_queries()[template].sparql
            else:
                query = ("SELECT ?title ?number WHERE {\n  ?doc a pkg:PolicyDocument ; pkg:sourceFile ?f ; "
                         "dcterms:title ?title .\n  OPTIONAL { ?doc pkg:docNumber ?number }\n}\nLIMIT 20")
        table = None
        if isinstance(value, Results):
            table = _result_table(value)
        elif isinstance(value, bool):
            table = {"columns": ["answer"], "rows": [[{"text": str(value).lower()}]]}
        elif isinstance(value, list):
            table = {"columns": ["triple"], "rows": [[{"text": line.strip()}] for line in value]}
        prefixes = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in sorted(PREFIXES.items()))
        r = await self._render(datasette, request, "pkg_sparql.html", query=query, table=table, error=error,
                               prefixes=prefixes, templates=[q for q in all_queries().values() if not is_internal(q)])
        r.status = status
        return r

    async def refuse_update(self, datasette, request):
        return _read_only()

    # ------------------------------------------------------------------ downloads
    async def download_workbook(self, datasette, request):
        data = await asyncio.to_thread(tables.workbook_bytes, self.db_path)
        return Response(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"content-disposition": 'attachment; filename="policykg.xlsx"'})

    async def download_sheet(self, datasette, request):
        sheet, fmt = request.url_vars["sheet"], request.url_vars["fmt"]
        if sheet not in tables.SHEETS:
            return Response.text(f"no table {sheet!r}; tables: {', '.join(tables.SHEETS)}", status=404)
        res = await datasette.get_database(DB).execute(tables.SHEETS[sheet])
        return _download(list(res.columns), [tuple(r) for r in res.rows], f"{sheet}.{fmt}", fmt)


# ---------------------------------------------------------------------------- functions


def is_internal(q) -> bool:
    from ...queries.catalog import is_internal as internal

    return internal(q)


def _row_id(value):
    return value


def _read_only() -> Response:
    return Response.text("read-only endpoint: policykg serve answers queries only; stop it and run "
                         "`policykg ingest` on the store to write\n", status=403,
                         headers={"x-policykg-read-only": "1"})


_KIND = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I | re.M)


def query_kind(query: str) -> str:
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    body = re.sub(r"^\s*(PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*", "", body, flags=re.I | re.M)
    m = _KIND.search(body)
    word = m.group(1).upper() if m else "SELECT"
    return {"ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "construct"}.get(word, "select")


def refuse_service(query: str) -> None:
    """SERVICE would make this server fetch any URL a caller names (LIBRARY-NOTES §7): refuse it
    before evaluation, from the parsed algebra when rdflib can parse the query."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(query)
    except Exception:
        # rdflib could not parse it: refuse on the keyword outside strings, IRIs and comments
        stripped = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^>\s]*>|#[^\n]*', " ", query)
        if re.search(r"\bSERVICE\b", stripped, re.I):
            raise QueryRefused("SERVICE (federated queries) is not allowed on this endpoint", 400) from None
        return
    if _mentions(tree, "ServiceGraphPattern"):
        raise QueryRefused("SERVICE (federated queries) is not allowed on this endpoint", 400)


def _mentions(node, name: str, depth: int = 0) -> bool:
    if depth > 200:
        return False
    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, dict):
        return any(_mentions(v, name, depth + 1) for v in node.values())
    if isinstance(node, (list, tuple, ParseResults)):
        return any(_mentions(v, name, depth + 1) for v in node)
    return False


def _sparql_response(value, kind: str, accept: str, fmt: str | None) -> Response:
    if kind == "ask":
        if "xml" in accept and "json" not in accept or fmt == "xml":
            body = ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                    f"<boolean>{str(bool(value)).lower()}</boolean></sparql>")
            return Response(body, content_type="application/sparql-results+xml")
        return Response(json.dumps({"head": {}, "boolean": bool(value)}), content_type="application/sparql-results+json")
    if kind == "construct":
        return Response("".join(value), content_type="application/n-triples; charset=utf-8")
    res: Results = value
    if fmt == "csv" or ("text/csv" in accept and "json" not in accept):
        rows = [tuple(_plain(t) for t in r) for r in res.rows]
        return Response(tables.csv_bytes(res.variables, rows), content_type="text/csv; charset=utf-8")
    if fmt == "xml" or ("sparql-results+xml" in accept and "json" not in accept):
        return Response(_results_xml(res), content_type="application/sparql-results+xml; charset=utf-8")
    payload = {"head": {"vars": res.variables},
               "results": {"bindings": [{v: t.as_json() for v, t in zip(res.variables, r) if t is not None}
                                        for r in res.rows]}}
    return Response(json.dumps(payload, ensure_ascii=False), content_type="application/sparql-results+json; charset=utf-8")


def _results_xml(res: Results) -> str:
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in res.variables]
    out.append("</head><results>")
    for r in res.rows:
        out.append("<result>")
        for v, t in zip(res.variables, r):
            if t is None:
                continue
            if t.kind == "uri":
                inner = f"<uri>{escape(t.value)}</uri>"
            elif t.kind == "bnode":
                inner = f"<bnode>{escape(t.value)}</bnode>"
            else:
                attr = f" xml:lang={quoteattr(t.lang)}" if t.lang else (f" datatype={quoteattr(t.datatype)}" if t.datatype else "")
                inner = f"<literal{attr}>{escape(t.value)}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out)


def _plain(t: Term | None):
    if t is None:
        return None
    return short_id(t.value) if t.kind == "uri" else t.python()


_PAGE_OF = (("src/", "/m/", "measure"), ("doc/", None, "document"), ("agency/", None, "agency"))


def _result_table(res: Results) -> dict:
    """Cells as text, with a link when the value is a measure, document or agency id."""
    from .readmodel import short_id

    rows = []
    for r in res.rows:
        cells = []
        for t in r:
            if t is None:
                cells.append({"text": ""})
                continue
            if t.kind != "uri":
                cells.append({"text": str(t.python())})
                continue
            sid = short_id(t.value)
            link = None
            for prefix, needs, page in _PAGE_OF:
                if sid.startswith(prefix) and (needs is None or (needs in sid and sid.rsplit("/m/", 1)[1].isdigit())):
                    link = f"/{page}?id={quote(sid, safe='')}"
                    break
            cells.append({"text": sid, "link": link})
        rows.append(cells)
    return {"columns": res.variables, "rows": rows}


def _options(name: str, known) -> list[str]:
    from ...queries.params import CHECKED

    return list(known.values.get(CHECKED.get(name, name), [])) if name in CHECKED else []


def _snippet(text: str, q: str, width: int = 40) -> list[dict]:
    i = text.find(q)
    if i < 0:
        return [{"text": text[: 2 * width]}]
    a, b = max(0, i - width), min(len(text), i + len(q) + width)
    out = []
    if a > 0:
        out.append({"text": "…"})
    pos = a
    while True:
        j = text.find(q, pos, b)
        if j < 0:
            break
        if j > pos:
            out.append({"text": text[pos:j]})
        out.append({"text": q, "hit": True})
        pos = j + len(q)
    out.append({"text": text[pos:b] + ("…" if b < len(text) else "")})
    return out


def _download(columns, rows, filename: str, fmt: str) -> Response:
    if fmt == "csv":
        return Response(tables.csv_bytes(columns, rows), content_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{filename}"'})
    if fmt == "xlsx":
        data = tables.xlsx_bytes({filename.rsplit(".", 1)[0][:31] or "rows": (columns, rows)})
        return Response(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"content-disposition": f'attachment; filename="{filename}"'})
    return Response(tables.json_bytes(columns, rows), content_type="application/json; charset=utf-8")


def _render_xlsx(datasette, columns, rows, request, table, sql):
    data = tables.xlsx_bytes({(table or "query")[:31]: (columns, [tuple(r) for r in rows])})
    return Response(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="{table or "query"}.xlsx"'})


def _render_csvbom(datasette, columns, rows, request, table, sql):
    return Response(tables.csv_bytes(columns, [tuple(r) for r in rows]), content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{table or "query"}.csv"'})


# ---------------------------------------------------------------------------- the server


def metadata() -> dict:
    return {
        "title": "policykg workbench",
        "description": "Chinese policy documents as a knowledge graph: browse, search, compare, download.",
        "databases": {DB: {
            "tables": {
                "documents": {"label_column": "title", "facets": ["level", "province", "region", "year",
                                                                  {"array": "issuers"}],
                              "sort_desc": "date", "description": "One row per ingested document."},
                "measures": {"label_column": "heading", "facets": ["stage", "instrument", "tool", "region", "kind"],
                             "fts_table": "measures_fts", "fts_pk": "rowid",
                             "description": "One row per measure, with its full text and classification."},
                "agencies": {"label_column": "name", "facets": ["jurisdiction", "resolved"]},
                "assignments": {"facets": ["role", "jurisdiction"]},
                "targets": {"facets": ["region", "year", "comparator"]},
                "citations": {"facets": ["relation", "cited_ingested"]},
                "correspondences": {"facets": ["grade"]},
                "spans": {"hidden": True}, "meta": {"hidden": True},
            },
        }},
    }


def make_datasette(workbench: Workbench):
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    for name in ("policykg_workbench",):
        old = pm.get_plugin(name)
        if old is not None:
            pm.unregister(old)
    pm.register(workbench, name="policykg_workbench")
    ds = Datasette(
        [], metadata=metadata(), template_dir=str(HERE / "templates"),
        static_mounts=[("policykg-static", str(HERE / "static"))],
        settings={"default_page_size": 50, "sql_time_limit_ms": 5000, "max_returned_rows": 5000,
                  "allow_download": False, "suggest_facets": False, "default_facet_size": 15},
    )
    ds.add_database(Database(ds, path=str(workbench.db_path), is_mutable=False), name=DB)
    return ds


def run(workbench: Workbench, port: int, on_ready=None) -> None:
    """Serve on 127.0.0.1:port in this process until SIGINT/SIGTERM (no child process)."""
    import uvicorn

    ds = make_datasette(workbench)
    asyncio.run(ds.invoke_startup())
    config = uvicorn.Config(ds.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if on_ready is not None:
        def ready_when_started() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                on_ready()
        threading.Thread(target=ready_when_started, daemon=True).start()
    server.run()
