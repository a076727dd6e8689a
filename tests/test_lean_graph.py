"""Issue 20, a leaner graph with the same answers: on the corpus store, every span, every
classification's concepts, confidence, classifier and evidence, and every export record is
recovered from the compact model exactly as the extraction produced it (recomputed here from
the in-memory PolicyDoc, not from stored expectations); each fact costs the quads the model says."""
from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph, URIRef

from policykg.graph import build
from policykg.graph.load import reference_graph_iris
from policykg.graph.terms import PKG
from policykg.ingest.pipeline import as_record, ingest_file
from policykg.queries.export import export_records
from policykg.queries.run import run_query, sorted_records


@pytest.fixture(scope="module")
def docs(corpus_files):
    return {p.name: ingest_file(p) for p in corpus_files}


@pytest.fixture(scope="module")
def graphs(corpus_store):
    """Each corpus document's named graph, parsed back from the store."""
    out = {}
    for g in corpus_store.named_graphs():
        if g in reference_graph_iris() or "/src/" not in g:
            continue
        out[g] = Graph().parse(data=corpus_store.graph_ntriples(g), format="nt")
    return out


def offsets(literal) -> tuple[int, int]:
    start, end = str(literal).split("-")
    return int(start), int(end)


def test_lean_graph_export_records_are_the_extraction_records(corpus_store, docs):
    assert export_records(corpus_store) == [as_record(docs[name]) for name in sorted(docs)]


def test_lean_graph_every_span_slices_its_source(docs, graphs):
    """Every pkg:span is "START-END" inside the text of the graph's source file; a measure's span
    slices that text to the measure's pkg:text."""
    by_graph = {build.graph_iri(d): d for d in docs.values()}
    spans = 0
    for g, graph in graphs.items():
        text = by_graph[g].source.text
        for node, literal in graph.subject_objects(URIRef(PKG.span)):
            start, end = offsets(literal)
            assert 0 <= start < end <= len(text), (node, literal)
            measure_text = graph.value(node, URIRef(PKG.text))
            if measure_text is not None:
                assert text[start:end] == str(measure_text), node
            spans += 1
    assert spans > 100


def test_lean_graph_spans_are_the_extracted_ones(corpus_store, docs):
    """Measures, targets and assignments: the offsets the queries read are the extraction's."""
    measures = sorted_records(corpus_store, "export_measures")
    assert [(r["source"], r["order"], r["start"], r["end"]) for r in measures] == [
        (name, i, x.span.start, x.span.end) for name in sorted(docs) for i, x in enumerate(docs[name].measures, 1)]
    targets = sorted_records(corpus_store, "export_targets")
    assert [(r["source"], r["order"], r["start"], r["end"]) for r in targets] == [
        (name, i, t.span.start, t.span.end) for name in sorted(docs) for i, t in enumerate(docs[name].targets, 1)]
    assigned = Counter((r["measure"].rsplit("/src/", 1)[1].split("/", 1)[1], r["role"], r["slot"], r["name"], r["start"], r["end"])
                       for r in run_query(corpus_store, "workbench_assignments").records())
    expected = Counter((f"m/{i}", role, j, a.name, a.span.start if a.span else None, a.span.end if a.span else None)
                       for d in docs.values() for i, x in enumerate(d.measures, 1)
                       for role, agencies in (("lead", x.lead), ("support", x.support)) for j, a in enumerate(agencies, 1))
    assert assigned == expected


def test_lean_graph_sections_keep_their_spans_in_document_order(docs, graphs):
    """Sections carry no pkg:order: their spans' starts give the document order back."""
    by_graph = {build.graph_iri(d): d for d in docs.values()}
    checked = 0
    for g, graph in graphs.items():
        sections = by_graph[g].sections
        stored = sorted((offsets(graph.value(URIRef(f"{g}/s/{i}"), URIRef(PKG.span))), i) for i in range(1, len(sections) + 1))
        assert [i for _, i in stored] == list(range(1, len(sections) + 1))
        assert [span for span, _ in stored] == [(s.span.start, s.span.end) for s in sections]
        checked += len(sections)
    assert checked > 20


def test_lean_graph_classification_evidence_confidence_and_classifier(corpus_store, docs):
    """Per measure: each dimension's value and confidence, the classifier's name, and each piece
    of evidence with its rank, words and span, as the classifier gave them."""
    classes = {(r["source"], r["order"], r["dimension"]): (r["value"], r["confidence"])
               for r in sorted_records(corpus_store, "export_classes")}
    evidence = [(r["source"], r["order"], r["rank"], r["text"], r["start"], r["end"])
                for r in sorted_records(corpus_store, "export_evidence")]
    methods = {(r["measure"], r["dimension"]): r["method"] for r in run_query(corpus_store, "workbench_classes").records()}
    expected_classes, expected_evidence, expected_methods = {}, [], {}
    for name in sorted(docs):
        d = docs[name]
        for i, x in enumerate(d.measures, 1):
            c = x.classification
            if c is None:
                continue
            confidence = dict(c.confidence)
            for dim in ("stage", "instrument", "tool"):
                expected_classes[(name, i, dim)] = (getattr(c, dim), round(confidence[dim], 4))
                expected_methods[(f"{build.graph_iri(d)}/m/{i}", dim)] = c.method
            expected_evidence += [(name, i, k, text, span.start, span.end) for k, (text, span) in enumerate(c.evidence, 1)]
    assert {k: (v, float(c)) for k, (v, c) in classes.items()} == expected_classes
    assert evidence == expected_evidence and len(evidence) > 100
    assert methods == expected_methods


def test_lean_graph_workbench_spans_name_evidence_as_before(corpus_store, docs):
    """The read model's evidence rows keep their ids (…/m/N/evidence/RANK) and offsets."""
    rows = [r for r in run_query(corpus_store, "workbench_spans").records() if r["kind"] == "evidence"]
    expected = sorted((f"{build.graph_iri(d)}/m/{i}/evidence/{k}", f"{build.graph_iri(d)}/m/{i}", span.start, span.end, text)
                      for d in docs.values() for i, x in enumerate(d.measures, 1) if x.classification
                      for k, (text, span) in enumerate(x.classification.evidence, 1))
    assert sorted((r["node"], r["measure"], r["start"], r["end"], r["label"]) for r in rows) == expected


def test_lean_graph_one_quad_per_span_and_per_piece_of_evidence(docs, graphs):
    """What the model costs: a spanned fact one pkg:span quad, a piece of evidence one quad, a
    classified measure six quads (three concepts, three confidences), its document's classifier
    one; no node per classification dimension or per piece of evidence."""
    by_graph = {build.graph_iri(d): d for d in docs.values()}
    for g, graph in graphs.items():
        d = by_graph[g]
        spanned = (len(d.sections) + len(d.measures) + len(d.targets) + len(d.citations)
                   + sum(1 for x in d.measures for a in (*x.lead, *x.support) if a.span is not None))
        assert len(list(graph.triples((None, URIRef(PKG.span), None)))) == spanned
        pieces = sum(len(x.classification.evidence) for x in d.measures if x.classification)
        assert len(list(graph.triples((None, URIRef(PKG.evidence), None)))) == pieces
        classified = sum(1 for x in d.measures if x.classification)
        per_measure = Counter(s for s, p, _ in graph if str(p) in {str(t) for t in (
            PKG.stage, PKG.instrument, PKG.tool, PKG.stageConfidence, PKG.instrumentConfidence, PKG.toolConfidence)})
        assert len(per_measure) == classified and set(per_measure.values()) == {6}
        assert len(list(graph.triples((None, URIRef(PKG.classifiedBy), None)))) == (1 if classified else 0)
        assert not any("/class/" in str(s) or "/evidence/" in str(s) for s in graph.subjects())
