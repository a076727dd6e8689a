"""Analysts' review of measure correspondences (``policykg align review``).

A link is named by a short id computed from its two measure IRIs (in either order), so the same
link keeps its id across re-alignment. A decision (accept, reject, regrade) is written to its own
named graph ``<…/id/graph/align-review/{id}>`` holding one ``pkg:ReviewDecision``; re-alignment
replaces only the run graphs, so decisions survive it, and the alignment queries
(``export_alignments``, ``alignment_runs``, ``alignment_edges``) prefer them to the aligner's
grade. A newer decision on the same link replaces the older one; ``clear`` drops it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from ..graph.build import PKG, iri, lit
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


def link_id(measure_a: str, measure_b: str) -> str:
    """The id of the link between two measures, the same whichever side each is on."""
    a, b = sorted((measure_a, measure_b))
    return hashlib.sha256(f"{a} {b}".encode()).hexdigest()[:10]


def review_graph_iri(measure_a: str, measure_b: str) -> str:
    return REVIEW_GRAPH + link_id(measure_a, measure_b)


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
                "id": link_id(*key), "left_measure": r["left_measure"], "right_measure": r["right_measure"],
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


def find_link(backend: Backend, wanted: str) -> tuple[str, str]:
    """The two measure IRIs of the link with id ``wanted`` (a stored correspondence or decision)."""
    wanted = wanted.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{4,10}", wanted):
        raise AlignError(f"link id {wanted!r}: expected the hexadecimal id shown by policykg align A B or policykg align review list A B")
    found = {(r["measure_a"], r["measure_b"]) for r in run_query(backend, "align_review_index").records()
             if link_id(r["measure_a"], r["measure_b"]).startswith(wanted)}
    found = {tuple(sorted(p)) for p in found}
    if not found:
        raise AlignError(f"no stored link has id {wanted!r} (see: policykg align review list SOURCE_A SOURCE_B)")
    if len(found) > 1:
        raise AlignError(f"link id {wanted!r} is ambiguous ({len(found)} links): give more of its characters")
    return next(iter(found))


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
    a, b = find_link(backend, wanted)
    if decision == "regrade" and grade is None:
        raise AlignError("regrade needs a grade: same or partial")
    if decision == "reject":
        grade = None
    elif grade is None:
        grade = current_grade(backend, a, b) or "partial"
    created = (now or dt.datetime.now(dt.timezone.utc)).isoformat()  # microseconds: two decisions in one second keep their order
    graph = review_graph_iri(a, b)
    node = graph + "/decision"
    lines = [f"<{node}> <{RDF_TYPE}> {iri(PKG.ReviewDecision)} .\n",
             f"<{node}> <{RDF_TYPE}> {iri(PREFIXES['prov'] + 'Entity')} .\n",
             f"<{node}> <{PKG.reviewedMeasure}> {iri(a)} .\n",
             f"<{node}> <{PKG.reviewedMeasure}> {iri(b)} .\n",
             f"<{node}> <{PKG.decision}> {lit(decision)} .\n",
             f"<{node}> <{PREFIXES['dcterms']}created> {lit(created, XSD + 'dateTime')} .\n"]
    if grade:
        lines.append(f"<{node}> <{PKG.reviewGrade}> {lit(grade)} .\n")
    if note:
        lines.append(f"<{node}> <{PREFIXES['rdfs']}comment> {lit(note)} .\n")
    backend.replace_graph(graph, lines)
    return {"id": link_id(a, b), "measure_a": a, "measure_b": b, "decision": decision, "grade": grade, "created": created,
            "note": note, "graph": graph}


def clear(backend: Backend, wanted: str) -> str:
    """Drop the decision on a link (the aligner's grade stands again); returns the link id."""
    a, b = find_link(backend, wanted)
    backend.drop_graph(review_graph_iri(a, b))
    return link_id(a, b)


def decisions(backend: Backend) -> list[dict]:
    """Every stored decision, oldest first, with the link id."""
    return [{"id": link_id(r["measure_a"], r["measure_b"]), **r} for r in run_query(backend, "align_review_decisions").records()]
