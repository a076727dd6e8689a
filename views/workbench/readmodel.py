"""The workbench's read model: a SQLite file derived from the RDF store.

The store stays the source of truth. Every row here is read from it through the named queries
of ``queries/*.rq`` (``export_*`` and ``workbench_*``), and the file is rebuilt whole into a
temporary file and renamed, so a reader never sees half of it. ``ingest`` and ``align`` rebuild
it after they write; ``serve`` rebuilds it on start when the store's graphs changed since.

Ids in the read model are the short forms the CLI prints and accepts (``src/…/m/7``): the IRI
after ``https://w3id.org/policykg/id/``, percent-decoded.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

from ...graph.store import Backend
from ...graph.terms import ID
from ...queries.run import run_query, sorted_records

SCHEMA_VERSION = 2
LEVEL_NAMES = {"National": "national", "Provincial": "provincial", "Municipal": "municipal", "County": "county"}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE documents (
  id TEXT PRIMARY KEY, title TEXT, doc_number TEXT, region TEXT, province TEXT, level TEXT,
  date TEXT, year INTEGER, issuers TEXT, measures INTEGER, targets INTEGER, citations INTEGER,
  source TEXT, iri TEXT);
CREATE TABLE measures (
  id TEXT PRIMARY KEY, document TEXT REFERENCES documents(id), doc_title TEXT, region TEXT,
  "order" INTEGER, number TEXT, heading TEXT, text TEXT, kind TEXT, category TEXT,
  stage TEXT, instrument TEXT, tool TEXT, lead TEXT, support TEXT, start INTEGER, "end" INTEGER,
  source TEXT, iri TEXT);
CREATE TABLE agencies (
  id TEXT PRIMARY KEY, name TEXT, jurisdiction TEXT, resolved INTEGER,
  lead INTEGER, support INTEGER, documents INTEGER, iri TEXT);
CREATE TABLE assignments (
  measure TEXT REFERENCES measures(id), document TEXT REFERENCES documents(id),
  agency TEXT REFERENCES agencies(id), agency_name TEXT, jurisdiction TEXT, role TEXT,
  slot INTEGER, name_as_written TEXT, start INTEGER, "end" INTEGER);
CREATE TABLE targets (
  document TEXT REFERENCES documents(id), measure TEXT, region TEXT, indicator TEXT,
  value REAL, unit TEXT, year INTEGER, comparator TEXT, start INTEGER, "end" INTEGER, source TEXT,
  lower REAL);
CREATE TABLE citations (
  document TEXT REFERENCES documents(id), "order" INTEGER, doc_number TEXT, title TEXT,
  relation TEXT, cited TEXT, cited_ingested INTEGER, source TEXT);
CREATE TABLE classifications (
  measure TEXT REFERENCES measures(id), dimension TEXT, value TEXT, confidence REAL, method TEXT);
CREATE TABLE spans (
  document TEXT, measure TEXT, kind TEXT, start INTEGER, "end" INTEGER, label TEXT, link TEXT);
CREATE TABLE correspondences (
  left_measure TEXT, right_measure TEXT, left_document TEXT, right_document TEXT,
  left_heading TEXT, right_heading TEXT, grade TEXT, score REAL, evidence TEXT);
CREATE TABLE lineage (document TEXT, upstream TEXT, upstream_number TEXT, upstream_title TEXT,
  upstream_ingested INTEGER);
CREATE INDEX measures_document ON measures(document);
CREATE INDEX assignments_measure ON assignments(measure);
CREATE INDEX assignments_agency ON assignments(agency);
CREATE INDEX spans_document ON spans(document);
CREATE INDEX corr_left ON correspondences(left_measure);
CREATE INDEX corr_right ON correspondences(right_measure);
-- Full-text search over measure text. Trigram: Chinese has no spaces to split words at, and a
-- trigram index finds any substring of three characters or more (LIBRARY-NOTES §8); shorter
-- queries go to LIKE on the content table.
CREATE VIRTUAL TABLE measures_fts USING fts5(heading, text, content='measures', tokenize='trigram');
"""


def short_id(iri: str | None) -> str | None:
    """The id the CLI prints and accepts: the IRI after the id namespace, decoded."""
    if iri is None:
        return None
    return unquote(iri[len(ID):]) if iri.startswith(ID) else iri


def read_model_path(store: str | Path) -> Path:
    """Next to the store directory, never inside it (RocksDB owns that)."""
    store = Path(store)
    return store.with_name(store.name + ".workbench.sqlite")


def store_fingerprint(backend: Backend) -> str:
    """Changes whenever a graph is added, replaced or removed: the source graphs carry their
    file's sha256, alignment graphs their run (workbench_fingerprint.rq)."""
    rows = run_query(backend, "workbench_fingerprint").rows
    h = hashlib.sha256()
    for row in sorted(tuple("" if t is None else t.value for t in r) for r in rows):
        h.update("\x1f".join(row).encode("utf-8") + b"\x1e")
    return f"{SCHEMA_VERSION}:{h.hexdigest()}"


def current_fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def refresh_read_model(backend: Backend, path: Path, force: bool = False) -> bool:
    """Rebuild the read model when the store changed since it was built. True if rebuilt."""
    fingerprint = store_fingerprint(backend)
    if not force and current_fingerprint(path) == fingerprint:
        return False
    build_read_model(backend, path, fingerprint)
    return True


def _records(backend: Backend, name: str) -> list[dict]:
    return sorted_records(backend, name)


def build_read_model(backend: Backend, path: Path, fingerprint: str | None = None) -> dict:
    """Write the whole read model to ``path`` (atomically) and return its row counts."""
    started = time.perf_counter()
    fingerprint = fingerprint or store_fingerprint(backend)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.part")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(SCHEMA)
        counts = _fill(con, backend)
        con.execute("INSERT INTO measures_fts(measures_fts) VALUES ('rebuild')")
        con.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("fingerprint", fingerprint), ("built", time.strftime("%Y-%m-%d %H:%M:%S")),
            ("counts", json.dumps(counts)), ("schema", str(SCHEMA_VERSION))])
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts


def _fill(con: sqlite3.Connection, backend: Backend) -> dict:
    docs = _records(backend, "export_documents")
    by_source = {d["source"]: short_id(d["doc"]) for d in docs}
    issuers: dict[str, list[str]] = defaultdict(list)
    for r in _records(backend, "export_issuers"):
        issuers[r["source"]].append(r["issuer"])

    agencies = {r["agency"]: r for r in _records(backend, "workbench_agencies")}
    assignments = _records(backend, "workbench_assignments")
    assignments.sort(key=lambda r: (r["measure"], r["role"] != "lead", r["slot"]))
    roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"lead": [], "support": []})
    for a in assignments:
        roles[a["measure"]][a["role"]].append(agencies.get(a["agency"], {}).get("label") or a["name"])

    measures = _records(backend, "workbench_measures")
    measures.sort(key=lambda r: (r["source"], r["order"]))
    region_of = {d["source"]: d["region"] for d in docs}
    title_of = {d["source"]: d["title"] for d in docs}
    con.executemany('INSERT OR IGNORE INTO measures VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)', [
        (short_id(m["measure"]), by_source.get(m["source"]), title_of.get(m["source"]), region_of.get(m["source"]),
         m["order"], None if m["number"] is None else str(m["number"]), m["heading"], m["text"], m["kind"],
         m["category"], m["stage"], m["instrument"], m["tool"],
         "、".join(roles[m["measure"]]["lead"]), "、".join(roles[m["measure"]]["support"]),
         m["start"], m["end"], m["source"], m["measure"]) for m in measures])
    measure_doc = {m["measure"]: by_source.get(m["source"]) for m in measures}

    targets = _records(backend, "export_targets")
    spans = _records(backend, "workbench_spans")
    target_measure = {(s["source"], s["start"], s["end"]): s["measure"] for s in spans if s["kind"] == "target"}
    con.executemany("INSERT INTO targets VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
        (by_source.get(t["source"]), short_id(target_measure.get((t["source"], t["start"], t["end"]))),
         region_of.get(t["source"]), t["indicator"], t["value"], t["unit"], t["year"], t["comparator"],
         t["start"], t["end"], t["source"], t["lower"]) for t in targets])

    ingested_docs = set(by_source.values())
    citations = _records(backend, "export_citations")
    con.executemany("INSERT INTO citations VALUES (?,?,?,?,?,?,?,?)", [
        (by_source.get(c["source"]), c["order"], c["docNumber"], c["title"], c["relation"],
         short_id(c["cited"]), short_id(c["cited"]) in ingested_docs, c["source"]) for c in citations])

    per_doc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m in measures:
        per_doc[m["source"]]["measures"] += 1
    for t in targets:
        per_doc[t["source"]]["targets"] += 1
    for c in citations:
        per_doc[c["source"]]["citations"] += 1
    rows = []
    for d in docs:
        level = (d["level"] or "").rsplit("#", 1)[-1]
        year = int(d["date"][:4]) if d["date"] else _year_of_number(d["docNumber"])
        n = per_doc[d["source"]]
        rows.append((by_source[d["source"]], d["title"], d["docNumber"], d["region"], d["province"],
                     LEVEL_NAMES.get(level, level or None), d["date"], year,
                     json.dumps(issuers.get(d["source"], []), ensure_ascii=False),
                     n["measures"], n["targets"], n["citations"], d["source"], d["doc"]))
    con.executemany("INSERT OR IGNORE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    workload: dict[str, dict] = defaultdict(lambda: {"lead": set(), "support": set(), "docs": set()})
    for a in assignments:
        w = workload[a["agency"]]
        w[a["role"]].add(a["measure"])
        w["docs"].add(measure_doc.get(a["measure"]))
    con.executemany("INSERT INTO agencies VALUES (?,?,?,?,?,?,?,?)", [
        (short_id(iri), r["label"], r["jurisdiction"], r["resolved"] is not False and r["resolved"] is not None
         and r["resolved"] not in ("false", 0), len(workload[iri]["lead"]), len(workload[iri]["support"]),
         len(workload[iri]["docs"]), iri) for iri, r in agencies.items()])
    con.executemany("INSERT INTO assignments VALUES (?,?,?,?,?,?,?,?,?,?)", [
        (short_id(a["measure"]), measure_doc.get(a["measure"]), short_id(a["agency"]),
         agencies.get(a["agency"], {}).get("label"), agencies.get(a["agency"], {}).get("jurisdiction"),
         a["role"], a["slot"], a["name"], a["start"], a["end"]) for a in assignments])

    span_rows = [(by_source.get(a["source"]), short_id(a["measure"]), "agency", a["start"], a["end"], a["name"],
                  "agency:" + short_id(a["agency"])) for a in assignments if a["start"] is not None]
    for s in spans:
        link = {"citation": lambda: "citation:" + short_id(s["node"]), "target": lambda: "target:" + short_id(s["node"]),
                "evidence": lambda: "measure:" + short_id(s["measure"])}[s["kind"]]()
        span_rows.append((by_source.get(s["source"]), short_id(s["measure"]), s["kind"], s["start"], s["end"],
                          s["label"], link))
    con.executemany("INSERT INTO spans VALUES (?,?,?,?,?,?,?)", span_rows)

    con.executemany("INSERT INTO classifications VALUES (?,?,?,?,?)", [
        (short_id(c["measure"]), c["dimension"], c["value"], c["confidence"], c["method"])
        for c in _records(backend, "workbench_classes")])

    links: dict[str, dict] = {}
    for r in _records(backend, "workbench_correspondences"):
        link = links.setdefault(r["correspondence"], {**r, "evidence": {}})
        if r["evidence_text"]:
            link["evidence"][r["evidence_order"]] = r["evidence_text"]
    heading = {short_id(m["measure"]): m["heading"] for m in measures}
    doc_of_measure = {short_id(m["measure"]): by_source.get(m["source"]) for m in measures}
    corr_rows = []
    for c in links.values():
        left, right = short_id(c["left_measure"]), short_id(c["right_measure"])
        evidence = [c["evidence"][k] for k in sorted(c["evidence"])]
        corr_rows.append((left, right, doc_of_measure.get(left), doc_of_measure.get(right), heading.get(left),
                          heading.get(right), c["grade"], c["score"], "；".join(evidence)))
    con.executemany("INSERT INTO correspondences VALUES (?,?,?,?,?,?,?,?,?)", corr_rows)

    lineage = _records(backend, "edges_lineage")
    con.executemany("INSERT INTO lineage VALUES (?,?,?,?,?)", [
        (short_id(r["doc"]), short_id(r["upstream"]), r["upNumber"], r["upTitle"], bool(r["upIngested"]))
        for r in lineage])
    return {"documents": len(rows), "measures": len(measures), "agencies": len(agencies),
            "assignments": len(assignments), "targets": len(targets), "citations": len(citations),
            "correspondences": len(corr_rows)}


def _year_of_number(number: str | None) -> int | None:
    import re

    m = re.search(r"[〔\[［(（【](\d{4})[〕\]］)）】]", number or "")
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------- who serves the store


def serve_marker(store: str | Path) -> Path:
    """Written by `policykg serve` while it holds the store, so that a writer can say who does."""
    store = Path(store)
    return store.with_name(store.name + ".serving.json")


def write_serve_marker(store: str | Path, port: int) -> Path:
    path = serve_marker(store)
    path.write_text(json.dumps({"pid": os.getpid(), "url": f"http://127.0.0.1:{port}/"}), encoding="utf-8")
    return path


def who_serves(store: str | Path) -> dict | None:
    """The live `policykg serve` holding this store, if any ({"pid", "url"})."""
    path = serve_marker(store)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info
