"""The extraction records of EXTRACTION.md, read back from the store by SPARQL."""
from __future__ import annotations

from collections import defaultdict

from ..graph.store import Backend
from .run import sorted_records

LEVEL_NAMES = {"National": "national", "Provincial": "provincial", "Municipal": "municipal", "County": "county"}


def _by_source(backend: Backend, name: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in sorted_records(backend, name):
        out[row["source"]].append(row)
    return out


def _roles_by_order(rows: list[dict]) -> dict[int, dict[str, list]]:
    """Assignment rows (export_assignments / export_target_assignments) as {order: {lead, support}}."""
    roles: dict[int, dict[str, list]] = defaultdict(lambda: {"lead": [], "support": []})
    for a in rows:
        roles[a["order"]][a["role"]].append({"name": a["name"], "canonical": a["canonical"]})
    return roles


def export_records(backend: Backend) -> list[dict]:
    """One record per ingested source file, sorted by source name."""
    docs = _by_source(backend, "export_documents")
    issuers = _by_source(backend, "export_issuers")
    measures = _by_source(backend, "export_measures")
    assignments = _by_source(backend, "export_assignments")
    targets = _by_source(backend, "export_targets")
    target_roles = _by_source(backend, "export_target_assignments")
    citations = _by_source(backend, "export_citations")
    classes = _by_source(backend, "export_classes")
    evidence = _by_source(backend, "export_evidence")

    records = []
    for source in sorted(docs):
        d = docs[source][0]
        level = d["level"].rsplit("#", 1)[-1] if d["level"] else None
        roles = _roles_by_order(assignments.get(source, []))
        goal_roles = _roles_by_order(target_roles.get(source, []))
        cls: dict[int, dict] = defaultdict(dict)
        for c in classes.get(source, []):
            cls[c["order"]][c["dimension"]] = c["value"]
        ev: dict[int, list[str]] = defaultdict(list)
        for e in evidence.get(source, []):
            ev[e["order"]].append(e["text"])
        records.append({
            "source": source,
            "document": {
                "title": d["title"],
                "doc_number": d["docNumber"],
                "issuers": [i["issuer"] for i in issuers.get(source, [])],
                "date": d["date"],
                "region": d["region"],
                "province": d["province"],
                "level": LEVEL_NAMES.get(level),
            },
            "citations": [
                {"doc_number": c["docNumber"], "title": c["title"], "relation": c["relation"]}
                for c in citations.get(source, [])
            ],
            "measures": [
                {
                    "number": m["number"],
                    "heading": m["heading"],
                    "category": m["category"],
                    "kind": m["kind"],
                    "lead": roles[m["order"]]["lead"],
                    "support": roles[m["order"]]["support"],
                    **({**{k: cls[m["order"]].get(k) for k in ("stage", "instrument", "tool")},
                        "evidence": ev[m["order"]]} if m["order"] in cls else {}),
                }
                for m in measures.get(source, [])
            ],
            "targets": [
                {
                    "indicator": t["indicator"],
                    "value": t["value"],
                    "unit": t["unit"],
                    "year": t["year"],
                    "comparator": t["comparator"],
                    # only where a goals list assigns the goal: other records stay as they were
                    **(goal_roles[t["order"]] if t["order"] in goal_roles else {}),
                }
                for t in targets.get(source, [])
            ],
        })
    return records
