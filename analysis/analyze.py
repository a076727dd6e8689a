"""Agency and document analytics, computed with networkx on the named-query projections.

    >>> rows = agency_table(backend)      # doctest: +SKIP
    >>> rows[0]["agency"], rows[0]["lead"], rows[0]["betweenness"]   # doctest: +SKIP

Agencies: lead and support counts, documents, weighted degree (measures shared with other
agencies), betweenness centrality (on the agency network, a strong tie counts as a short
distance) and Louvain community. Documents: measures, agencies, targets, citations.
"""
from __future__ import annotations

import networkx as nx

from ..graph.store import Backend
from . import project
from ..queries.run import run_query

AGENCY_COLUMNS = ("agency", "lead", "support", "total", "documents", "partners", "weighted_degree", "betweenness",
                  "community")
DOCUMENT_COLUMNS = ("source", "docNumber", "title", "measures", "agencies", "targets", "citations")


def agency_table(backend: Backend) -> list[dict]:
    """One row per agency with at least one assignment, busiest first."""
    g = project.agency_measure_graph(backend)
    p = project.agency_network(g)
    for _, _, d in p.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    between = nx.betweenness_centrality(p, weight="distance", normalized=True) if p.number_of_nodes() > 2 else {}
    comm = project.communities(p)
    rows = []
    for a, d in p.nodes(data=True):
        rows.append({
            "agency": d["label"], "lead": d["lead"], "support": d["support"], "total": d["lead"] + d["support"],
            "documents": len(d["documents"]), "partners": p.degree(a), "weighted_degree": d["weighted_degree"],
            "betweenness": round(between.get(a, 0.0), 4), "community": comm[a] + 1, "iri": a,
        })
    rows.sort(key=lambda r: (-r["lead"], -r["total"], r["agency"]))
    return rows


def document_graph(backend: Backend) -> nx.DiGraph:
    """Document -> item graph (measures, targets, citations, agencies) from analyze_document_items."""
    g = nx.DiGraph()
    for r in run_query(backend, "analyze_document_items").records():
        d = r["doc"]
        if d not in g:
            g.add_node(d, kind="document", source=r["source"], docNumber=r.get("docNumber"), title=r.get("title"))
        if r.get("item"):
            g.add_node(r["item"], kind=r["kind"])
            g.add_edge(d, r["item"])
    return g


def document_table(backend: Backend) -> list[dict]:
    """One row per ingested document: how many measures, distinct agencies, targets and citations."""
    g = document_graph(backend)
    rows = []
    for d, data in g.nodes(data=True):
        if data["kind"] != "document":
            continue
        counts = {"measure": 0, "agency": 0, "target": 0, "citation": 0}
        for item in g.successors(d):
            counts[g.nodes[item]["kind"]] += 1
        rows.append({"source": data["source"], "docNumber": data.get("docNumber"), "title": data.get("title"),
                     "measures": counts["measure"], "agencies": counts["agency"], "targets": counts["target"],
                     "citations": counts["citation"]})
    rows.sort(key=lambda r: r["source"])
    return rows
