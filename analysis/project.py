"""Named-query rows -> networkx graphs: the projections that viz.py draws and analyze.py measures.

Every graph is built from the rows of an ``edges_*.rq`` query (run with ``run_query``), so the
SPARQL stays in queries/ and this module only shapes the results.

Node ids are IRIs. Node attribute ``kind`` is ``agency``, ``measure`` or ``document``.
"""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from networkx.algorithms import bipartite

from ..graph.store import Backend
from ..queries.run import run_query

LEVEL_ORDER = {"national": 0, "provincial": 1, "municipal": 2, "county": 3}


def agency_measure_graph(backend: Backend, document: str | None = None, region: str | None = None,
                         role: str | None = None) -> nx.Graph:
    """Bipartite agency–measure graph from ``edges_agency_measure``.

    Filters are applied to the rows in Python (user text never reaches SPARQL): ``document``
    matches a source file name, 发文字号 or title; ``region`` the issuing region; ``role``
    ``lead`` or ``support``. An edge's ``role`` is ``lead`` when the agency both leads and
    supports the measure.
    """
    rows = run_query(backend, "edges_agency_measure").records()
    return agency_measure_graph_from_rows(rows, document=document, region=region, role=role)


def agency_measure_graph_from_rows(rows: Iterable[dict], document: str | None = None, region: str | None = None,
                                   role: str | None = None) -> nx.Graph:
    g = nx.Graph()
    for r in rows:
        if document and document not in (r.get("source"), r.get("docNumber"), r.get("title"), r.get("doc")):
            continue
        if region and r.get("region") != region:
            continue
        if role and r.get("role") != role:
            continue
        a, m = r["agency"], r["measure"]
        if a not in g:
            g.add_node(a, kind="agency", label=r.get("agencyLabel") or a, lead=0, support=0, documents=set())
        if m not in g:
            g.add_node(m, kind="measure", label=r.get("heading") or m, text=r.get("text"), stage=r.get("stage"),
                       doc=r.get("doc"), source=r.get("source"), docNumber=r.get("docNumber"), title=r.get("title"),
                       region=r.get("region"), level=r.get("level"), lead=[], support=[])
        previous = g.edges[a, m]["role"] if g.has_edge(a, m) else None
        if previous == "lead":
            continue
        if previous == "support" and r["role"] == "lead":
            g.nodes[a]["support"] -= 1
            g.nodes[m]["support"].remove(g.nodes[a]["label"])
        g.add_edge(a, m, role=r["role"])
        g.nodes[a][r["role"]] += 1
        g.nodes[a]["documents"].add(r.get("source"))
        g.nodes[m][r["role"]].append(g.nodes[a]["label"])
    return g


def agencies_of(g: nx.Graph) -> list[str]:
    return [n for n, k in g.nodes(data="kind") if k == "agency"]


def agency_network(g: nx.Graph) -> nx.Graph:
    """Agency–agency graph weighted by the number of measures the two share
    (networkx weighted bipartite projection). Agency attributes are kept."""
    agencies = agencies_of(g)
    p = bipartite.weighted_projected_graph(g, agencies)
    for a in agencies:
        p.nodes[a].update(g.nodes[a])
        p.nodes[a]["weighted_degree"] = p.degree(a, weight="weight")
    return p


def communities(p: nx.Graph, seed: int = 0) -> dict[str, int]:
    """Node -> community number (Louvain on edge weights; largest community is 0)."""
    if p.number_of_edges() == 0:
        return {n: i for i, n in enumerate(sorted(p.nodes))}
    parts = nx.community.louvain_communities(p, weight="weight", seed=seed)
    parts = sorted(parts, key=lambda c: (-len(c), min(c)))
    return {n: i for i, c in enumerate(parts) for n in c}


def lineage_graph(backend: Backend) -> nx.DiGraph:
    """Upstream document -> implementing document -> measure, from ``edges_lineage`` and
    ``edges_document_measure``. Only implementation chains that reach an ingested document
    are kept. Edge attribute ``kind`` is ``implements`` or ``measure``."""
    g = nx.DiGraph()

    def add_doc(iri: str, number, title, level, ingested: bool, source=None, region=None) -> None:
        if iri in g:
            node = g.nodes[iri]
            node["ingested"] = node["ingested"] or ingested
            for k, v in (("docNumber", number), ("title", title), ("level", level), ("source", source), ("region", region)):
                if v and not node.get(k):
                    node[k] = v
            return
        g.add_node(iri, kind="document", docNumber=number, title=title, level=level, ingested=ingested,
                   source=source, region=region)

    # One row per (measure, role, agency): group the agencies of each measure here, sorted.
    agencies: dict[str, dict[str, set[str]]] = {}
    for r in run_query(backend, "edges_document_measure").records():
        add_doc(r["doc"], r.get("docNumber"), r.get("title"), r.get("level"), True, r.get("source"), r.get("region"))
        roles = agencies.setdefault(r["measure"], {"lead": set(), "support": set()})
        if r.get("agency") and r.get("role") in roles:
            roles[r["role"]].add(r["agency"])
        if r["measure"] not in g:
            g.add_node(r["measure"], kind="measure", label=r.get("heading") or r["measure"], text=r.get("text"),
                       stage=r.get("stage"),
                       doc=r["doc"], source=r.get("source"), order=r.get("order"))
            g.add_edge(r["doc"], r["measure"], kind="measure")
    for measure, roles in agencies.items():
        g.nodes[measure]["lead"] = sorted(roles["lead"])
        g.nodes[measure]["support"] = sorted(roles["support"])
    for r in run_query(backend, "edges_lineage").records():
        add_doc(r["doc"], r.get("docNumber"), r.get("title"), r.get("level"), bool(r.get("docIngested")))
        add_doc(r["upstream"], r.get("upNumber"), r.get("upTitle"), r.get("upLevel"), bool(r.get("upIngested")))
        g.add_edge(r["upstream"], r["doc"], kind="implements")
    keep: set[str] = set()
    for comp in nx.weakly_connected_components(g):
        if any(g.nodes[n].get("ingested") for n in comp):
            keep |= comp
    return g.subgraph(keep).copy()


def document_layers(g: nx.DiGraph) -> dict[str, int]:
    """Row of each node in the lineage drawing: national 0, provincial 1, municipal 2,
    county 3 (documents without a level sit one row below what they implement), measures last."""
    docs = [n for n, k in g.nodes(data="kind") if k == "document"]
    dg = g.subgraph(docs)
    layer: dict[str, int] = {}
    order = list(nx.topological_sort(dg)) if nx.is_directed_acyclic_graph(dg) else sorted(docs)
    for n in order:
        lvl = g.nodes[n].get("level")
        if lvl in LEVEL_ORDER:
            layer[n] = LEVEL_ORDER[lvl]
        else:
            ups = [layer.get(u, 0) for u in dg.predecessors(n)]
            layer[n] = min(max(ups) + 1, 3) if ups else 0
    bottom = max(layer.values(), default=0) + 1
    for n, k in g.nodes(data="kind"):
        if k == "measure":
            layer[n] = bottom
    return layer


GRAPH_FILE_FORMATS = (".gexf", ".graphml")


def write_graph_file(g: nx.Graph, path) -> dict:
    """The graph for Gephi, yEd or Cytoscape: GEXF or GraphML, chosen by the file's suffix.
    Attribute values those formats cannot hold (None, lists, dicts) are dropped or joined."""
    from pathlib import Path

    path = Path(path)
    out = g.__class__()

    def cleaned(items):
        # one type per attribute, as GEXF declares it once: mixed types become text
        rows = [{k: (v if isinstance(v, (str, int, float, bool)) else "、".join(map(str, v)))
                 for k, v in attrs.items() if v is not None and not isinstance(v, dict)} for attrs in items]
        types: dict[str, set] = {}
        for r in rows:
            for k, v in r.items():
                types.setdefault(k, set()).add(type(v))
        mixed = {k for k, t in types.items() if len(t) > 1}
        return [{k: (str(v) if k in mixed else v) for k, v in r.items()} for r in rows]

    # Gephi shows "label": a readable name, never the IRI
    nodes = [(n, {**d, "label": d.get("label") or d.get("title") or d.get("heading") or d.get("docNumber") or str(n)})
             for n, d in g.nodes(data=True)]
    edges = list(g.edges(data=True))
    out.add_nodes_from(zip([n for n, _ in nodes], cleaned(d for _, d in nodes)))
    out.add_edges_from((a, b, d) for (a, b, _), d in zip(edges, cleaned(d for _, _, d in edges)))
    tmp = path.with_name(path.name + ".part")
    if path.suffix == ".gexf":
        nx.write_gexf(out, tmp)
    else:
        nx.write_graphml(out, tmp)
    tmp.replace(path)
    return {"nodes": out.number_of_nodes(), "edges": out.number_of_edges()}
