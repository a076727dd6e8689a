"""Quads and bytes per document, by kind of fact (issue 20: what each part of the model costs).

    python -m benchmarks.quads STORE [STORE ...]     # one table per store
    python -m benchmarks.quads STORE --json          # the same as JSON

Counts the quads of the source files' named graphs (not the reference data, not alignment runs)
and sorts each into the kind of fact it belongs to, by its predicate and the shape of its
subject's IRI (graph/build.py names every node: ``…/m/3``, ``…/m/3/a/l1``, ``…/t/2``…). Works on
stores written by any version of the model, so the old and the new can be compared side by side.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

PKG = "https://w3id.org/policykg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
ID = "https://w3id.org/policykg/id/"

SPAN = {PKG + "startChar", PKG + "endChar", PKG + "span", PROV + "wasDerivedFrom"}
# the kinds, in the order a table shows them
KINDS = ("span", "order", "classification", "evidence", "assignment", "agency", "target", "measure", "text",
         "section", "citation", "document", "place")
_NODE = re.compile(r"/src/[^/]+/(m/\d+(?:/(a|class|evidence|e)\b)?|t|s|c)")
CLASSIFICATION = {PKG + p for p in ("stage", "instrument", "tool", "hasClassification", "classifiedBy", "stageConfidence",
                                    "instrumentConfidence", "toolConfidence", "classification")}


def kind_of(s: str, p: str) -> str:
    """The kind of fact a quad (subject, predicate) states."""
    if p in SPAN:
        return "span"
    if p == PKG + "order":
        return "order"
    if p == PKG + "text":
        return "text"
    if p in CLASSIFICATION:
        return "classification"
    if p in (PKG + "hasEvidence", PKG + "evidence"):
        return "evidence"
    if p in (PKG + "hasAssignment", PKG + "leadAgency", PKG + "supportingAgency", PKG + "assignment"):
        return "assignment"
    if s.startswith(ID + "agency/"):
        return "agency"
    if s.startswith(ID + "place/"):
        return "place"
    if s.startswith(ID + "activity/"):
        return "classification"
    m = _NODE.search(s)
    if m:
        node = m.group(1)
        if node.startswith("m/"):
            return {"a": "assignment", "class": "classification", "evidence": "evidence", "e": "evidence"}.get(m.group(2) or "", "measure")
        if p == PKG + "hasTarget":
            return "target"
        return {"t": "target", "s": "section", "c": "citation"}[node]
    if p == PKG + "hasTarget":
        return "target"
    if p in (PKG + "hasSection",):
        return "section"
    if p in (PKG + "hasCitation", PKG + "implements", "http://data.europa.eu/eli/ontology#cites"):
        return "citation"
    if p == PKG + "hasMeasure":
        return "measure"
    return "document"


def measure(store: str) -> dict:
    """Quads per document by kind, and the store's bytes per document (all files of the folder)."""
    import pyoxigraph as ox

    from policykg.graph.store import OxigraphBackend

    backend = OxigraphBackend(store, read_only=True)
    sources = [g for g in backend.named_graphs() if "/id/src/" in g]
    kinds: Counter = Counter()
    predicates: Counter = Counter()
    literal_bytes = 0
    for g in sources:
        for q in backend.store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
            s, p, o = q.subject.value, q.predicate.value, q.object
            kinds[kind_of(s, p)] += 1
            predicates[p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]] += 1
            if isinstance(o, ox.Literal):
                literal_bytes += len(o.value.encode("utf-8"))
    total = len(backend.store)
    backend.close()
    n = len(sources)
    size = sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file())
    quads = sum(kinds.values())
    return {"store": store, "documents": n, "quads_in_documents": quads, "quads_total": total,
            "quads_per_doc": quads / n if n else 0.0, "store_bytes": size, "bytes_per_doc": size / n if n else 0.0,
            "literal_bytes_per_doc": literal_bytes / n if n else 0.0,
            "by_kind": {k: kinds[k] / n for k in KINDS if kinds[k]},
            "by_predicate": {k: v / n for k, v in predicates.most_common()}}


def previous_model_quads(m: dict) -> float:
    """Quads per document the model before issue 20 wrote for the same facts, from what this
    store holds: a span was two quads (pkg:startChar, pkg:endChar) not one, a section had a
    pkg:order, a classified measure had a node per dimension (type, dimension, notation,
    activity, confidence and a link: 21 quads against 6 now, and one per document naming the
    classifier), and each piece of evidence was a
    node of 6 quads (link, type, text, rank, start, end) against one literal now. Checked against
    stores written by the old code (benchmarks/README.md): equal on the corpus and on 1k documents."""
    p = m["by_predicate"]
    if "startChar" in p or "hasClassification" in p:  # a store of the old model: its own figure
        return m["quads_per_doc"]
    # a classified measure: 21 quads then, 6 now (its three concepts and confidences); the
    # classifier's link is one per document now (``classifiedBy``), one per facet node then
    return (m["quads_per_doc"] + p.get("span", 0) + p.get("sectionLevel", 0) + 15 * p.get("stage", 0)
            - p.get("classifiedBy", 0) + 5 * p.get("evidence", 0))


def table(m: dict) -> str:
    lines = [f"{m['store']}: {m['documents']} documents, {m['quads_in_documents']:,} document quads "
             f"({m['quads_total']:,} with reference data and alignment runs), store {m['store_bytes'] / 2**20:.1f} MiB",
             f"  quads per document: {m['quads_per_doc']:,.1f}   bytes per document: {m['bytes_per_doc'] / 1024:,.1f} KiB"
             f"   (the model before issue 20: {previous_model_quads(m):,.1f} quads per document)"]
    for k, v in m["by_kind"].items():
        lines.append(f"    {k:<15} {v:9.1f}  {100 * v / m['quads_per_doc']:5.1f} %")
    lines.append("  by predicate: " + ", ".join(f"{k} {v:.1f}" for k, v in list(m["by_predicate"].items())[:25]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stores", nargs="+")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = [measure(s) for s in args.stores]
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print("\n\n".join(table(m) for m in out))


if __name__ == "__main__":
    main()
