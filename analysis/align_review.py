"""Analysts' review of measure correspondences (``policykg align review``).

A link is named by a short id computed from its two measures' keys (``graph/ids.measure_key``:
the document's IRI and a hash of the measure's heading and text, in either order), not from
their IRIs, which hold the source file's path: the same link keeps its id across re-alignment
and when the documents are ingested again from other paths. A decision (accept, reject, regrade)
is written to its own named graph ``<…/id/graph/align-review/{id}>`` holding one
``pkg:ReviewDecision`` with both measures (``pkg:reviewedMeasure``) and both keys
(``pkg:reviewedKey``); re-alignment replaces only the run graphs, so decisions survive it, and
re-attaches each decision to the measures that now carry its keys (``reattach``, run by every
alignment). The queries (``export_alignments``, ``alignment_runs``, ``alignment_edges``,
``measure_counterparts``, ``upstream_coverage``, ``implementation_gaps``, ``measure_diffusion``)
prefer decisions to the aligner's grade. A newer decision on the same link replaces the older
one; ``clear`` drops it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from ..graph.build import PKG, iri, lit
from ..graph.ids import measure_key
from ..graph.store import Backend
from ..graph.terms import ID, PREFIXES
from .align import AlignError
from ..queries.run import run_query

DECISIONS = ("accept", "reject", "regrade")
GRADES = ("same", "partial")
REVIEW_GRAPH = f"{ID}graph/align-review/"
RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = "http://www.w3.org/2001/XMLSchema#"
_SENTENCE_END = re.compile(r"[。；;！？!?\n]")


def link_id(key_a: str, key_b: str) -> str:
    """The id of the link between two measures (given by their keys), whichever side each is on."""
    a, b = sorted((key_a, key_b))
    return hashlib.sha256(f"{a} {b}".encode()).hexdigest()[:10]


def review_graph_iri(key_a: str, key_b: str) -> str:
    return REVIEW_GRAPH + link_id(key_a, key_b)


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around [start, end): from after the previous 。；！？ or line
    break to the next one (included)."""
    lo = start
    while lo > 0 and not _SENTENCE_END.match(text[lo - 1]):
        lo -= 1
    m = _SENTENCE_END.search(text, max(end, start))
    hi = m.end() if m else len(text)
    return text[lo:hi].strip()


def pair_links(backend: Backend, left: str, right: str) -> list[dict]:
    """The links of the stored run between two source files (either order), oriented as asked:
    id, measures, headings, the aligner's grade and score, the decision, the grade that stands
    (``grade``), and evidence with the sentence around each phrase on both sides."""
    rows = run_query(backend, "align_review_links", {"left": left, "right": right}).records()
    swapped = False
    if not rows:
        rows = run_query(backend, "align_review_links", {"left": right, "right": left}).records()
        swapped = True
    if not rows and not any({r["left"], r["right"]} == {left, right} for r in run_query(backend, "alignment_runs").records()):
        raise AlignError(f"no stored alignment of {left} and {right} (run: policykg align {left} {right})")
    links: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["left_measure"], r["right_measure"])
        link = links.get(key)
        if link is None:
            link = links[key] = {
                "id": link_id(measure_key(r["left_doc"], r["left_heading"], r["left_text"]),
                              measure_key(r["right_doc"], r["right_heading"], r["right_text"])),
                "left_measure": r["left_measure"], "right_measure": r["right_measure"],
                "left_heading": r["left_heading"], "right_heading": r["right_heading"],
                "aligner_grade": r["grade"], "score": r["score"], "decision": r["decision"],
                "grade": None if r["decision"] == "reject" else (r["review_grade"] or r["grade"]), "evidence": [],
                "_texts": (r["left_text"], r["left_start"], r["right_text"], r["right_start"])}
        if r["evidence_text"] is not None:
            lt, ls, rt, rs = link["_texts"]
            link["evidence"].append({
                "text": r["evidence_text"], "left": [r["left_ev_start"], r["left_ev_end"]],
                "right": [r["right_ev_start"], r["right_ev_end"]],
                "left_sentence": sentence_at(lt, r["left_ev_start"] - ls, r["left_ev_end"] - ls),
                "right_sentence": sentence_at(rt, r["right_ev_start"] - rs, r["right_ev_end"] - rs)})
    out = []
    for link in links.values():
        del link["_texts"]
        if swapped:
            for a, b in (("left_measure", "right_measure"), ("left_heading", "right_heading")):
                link[a], link[b] = link[b], link[a]
            for ev in link["evidence"]:
                ev["left"], ev["right"] = ev["right"], ev["left"]
                ev["left_sentence"], ev["right_sentence"] = ev["right_sentence"], ev["left_sentence"]
        out.append(link)
    return out


def find_link(backend: Backend, wanted: str) -> tuple[str, str, str, str]:
    """(measure, measure, key, key) of the link with id ``wanted`` (a stored correspondence or
    decision). A decision's measures are those it is attached to, its keys those it stores."""
    wanted = wanted.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{4,10}", wanted):
        raise AlignError(f"link id {wanted!r}: expected the hexadecimal id shown by policykg align A B or policykg align review list A B")
    found: dict[str, tuple[str, str, str, str]] = {}
    for r in run_query(backend, "align_review_index").records():
        ka = measure_key(r["doc_a"], r["heading_a"], r["text_a"])
        kb = measure_key(r["doc_b"], r["heading_b"], r["text_b"])
        i = link_id(ka, kb)
        if i.startswith(wanted):
            found.setdefault(i, (r["measure_a"], r["measure_b"], ka, kb))
    for graph, keys in _decision_keys(backend).items():
        i = graph.rsplit("/", 1)[-1]
        if len(keys) == 2 and i.startswith(wanted) and i not in found:
            a, b = _decision_measures(backend, graph)
            found[i] = (a, b, *sorted(keys))
    if not found:
        raise AlignError(f"no stored link has id {wanted!r} (see: policykg align review list SOURCE_A SOURCE_B)")
    if len(found) > 1:
        raise AlignError(f"link id {wanted!r} is ambiguous ({len(found)} links): give more of its characters")
    return next(iter(found.values()))


def _decision_keys(backend: Backend) -> dict[str, set[str]]:
    """Review graph -> the measure keys its decision stores."""
    out: dict[str, set[str]] = {}
    for r in run_query(backend, "align_review_keys").records():
        out.setdefault(r["graph"], set()).add(r["key"])
    return out


def _decision_measures(backend: Backend, graph: str) -> tuple[str, str]:
    for r in run_query(backend, "align_review_decisions").records():
        if r["graph"] == graph:
            return r["measure_a"], r["measure_b"]
    raise AlignError(f"review graph {graph} holds no decision")


def current_grade(backend: Backend, measure_a: str, measure_b: str) -> str | None:
    """The grade that stands for a link: the analyst's, else the aligner's (None: rejected or absent)."""
    rows = [r for r in run_query(backend, "align_review_decisions").records() if {r["measure_a"], r["measure_b"]} == {measure_a, measure_b}]
    if rows:
        return rows[-1]["review_grade"]
    for r in run_query(backend, "measure_counterparts", {"measure": measure_a}).records():
        if r["counterpart"] == measure_b:
            return r["grade"]
    return None


def decide(backend: Backend, wanted: str, decision: str, grade: str | None = None, note: str | None = None,
           now: dt.datetime | None = None) -> dict:
    """Record a decision on the link with id ``wanted``; returns what was stored."""
    if decision not in DECISIONS:
        raise AlignError(f"unknown decision {decision!r} ({', '.join(DECISIONS)})")
    if grade is not None and grade not in GRADES:
        raise AlignError(f"unknown grade {grade!r} (same, partial)")
    a, b, ka, kb = find_link(backend, wanted)
    if decision == "regrade" and grade is None:
        raise AlignError("regrade needs a grade: same or partial")
    if decision == "reject":
        grade = None
    elif grade is None:
        grade = current_grade(backend, a, b) or "partial"
    created = (now or dt.datetime.now(dt.timezone.utc)).isoformat()  # microseconds: two decisions in one second keep their order
    graph = review_graph_iri(ka, kb)
    backend.drop_graph(review_graph_iri(a, b))  # a decision stored before links were keyed by measure keys
    _write_decision(backend, graph, (a, b), (ka, kb), decision, grade, created, note)
    return {"id": link_id(ka, kb), "measure_a": a, "measure_b": b, "decision": decision, "grade": grade, "created": created,
            "note": note, "graph": graph}


def _write_decision(backend: Backend, graph: str, measures: tuple[str, str], keys: tuple[str, str], decision: str,
                    grade: str | None, created: str, note: str | None) -> None:
    node = graph + "/decision"
    lines = [f"<{node}> <{RDF_TYPE}> {iri(PKG.ReviewDecision)} .\n",
             f"<{node}> <{RDF_TYPE}> {iri(PREFIXES['prov'] + 'Entity')} .\n",
             f"<{node}> <{PKG.decision}> {lit(decision)} .\n",
             f"<{node}> <{PREFIXES['dcterms']}created> {lit(created, XSD + 'dateTime')} .\n"]
    lines += [f"<{node}> <{PKG.reviewedMeasure}> {iri(m)} .\n" for m in measures]
    lines += [f"<{node}> <{PKG.reviewedKey}> {lit(k)} .\n" for k in keys]
    if grade:
        lines.append(f"<{node}> <{PKG.reviewGrade}> {lit(grade)} .\n")
    if note:
        lines.append(f"<{node}> <{PREFIXES['rdfs']}comment> {lit(note)} .\n")
    backend.replace_graph(graph, lines)


def reattach(backend: Backend, iri_of_key: dict[str, str]) -> int:
    """Point every decision at the measures that now carry its two keys (the documents were
    ingested again from other paths, so their measures have other IRIs); returns how many moved.
    A decision whose measures are not all in the store is left as it is."""
    keys = _decision_keys(backend)
    if not keys:
        return 0
    moved = 0
    for r in run_query(backend, "align_review_decisions").records():
        ks = keys.get(r["graph"], set())
        now = {iri_of_key.get(k) for k in ks}
        if len(ks) != 2 or None in now or len(now) != 2 or now == {r["measure_a"], r["measure_b"]}:
            continue
        created = r["decided_at"]
        created = created.isoformat() if isinstance(created, (dt.datetime, dt.date)) else str(created)
        _write_decision(backend, r["graph"], tuple(sorted(now)), tuple(sorted(ks)), r["decision"], r["review_grade"],
                        created, r["note"])
        moved += 1
    return moved


def clear(backend: Backend, wanted: str) -> str:
    """Drop the decision on a link (the aligner's grade stands again); returns the link id."""
    a, b, ka, kb = find_link(backend, wanted)
    backend.drop_graph(review_graph_iri(ka, kb))
    backend.drop_graph(review_graph_iri(a, b))  # a decision stored before links were keyed by measure keys
    return link_id(ka, kb)


def decisions(backend: Backend) -> list[dict]:
    """Every stored decision, oldest first, with the link id."""
    keys = _decision_keys(backend)
    return [{"id": r["graph"].rsplit("/", 1)[-1] if len(keys.get(r["graph"], ())) == 2 else link_id(r["measure_a"], r["measure_b"]), **r}
            for r in run_query(backend, "align_review_decisions").records()]
