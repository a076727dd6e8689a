"""The whole corpus graph conforms to the SHACL shapes, and the shapes really bite."""
from rdflib import Graph, Literal, URIRef

from policykg.graph.validate import shapes_text, validate_backend
from policykg.graph.store import OxigraphBackend
from policykg.graph.terms import PKG


def test_shapes_corpus_graph_has_zero_violations(corpus_store):
    conforms, violations = validate_backend(corpus_store)
    assert conforms, violations[:10]


def test_shapes_report_a_broken_measure(corpus_store, tmp_path):
    # Copy one document's graph, break a measure (no heading, span not START-END), validate.
    lines = corpus_store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    g = Graph().parse(data="".join(lines), format="nt")
    measure = next(g.subjects(URIRef(PKG.heading), None))
    g.remove((measure, URIRef(PKG.heading), None))
    g.set((measure, URIRef(PKG.span), Literal("12-x")))
    broken = OxigraphBackend(None)
    broken.replace_graph("urn:x:broken", [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in g])
    conforms, violations = validate_backend(broken)
    assert not conforms
    assert any(str(measure) in v for v in violations)


def test_shapes_file_parses():
    assert len(Graph().parse(data=shapes_text(), format="turtle")) > 50


def test_rdfs_entailment_never_puts_a_shared_phrase_under_a_one_span_shape():
    """What RDFS infers for an alignment's evidence node (its class's superclasses, and those of
    pkg:hasEvidence's range) must not be a class whose shape demands a pkg:span: a
    SharedPhrase has a span on each side instead."""
    from rdflib.namespace import RDFS, SH

    from policykg.graph.gen_terms import ontology_text

    onto = Graph().parse(data=ontology_text(), format="turtle")
    shapes = Graph().parse(data=shapes_text(), format="turtle")

    def supers(c):
        return set(onto.transitive_objects(c, RDFS.subClassOf))

    inferred = supers(URIRef(PKG.SharedPhrase))
    for rng in onto.objects(URIRef(PKG.hasEvidence), RDFS.range):
        inferred |= supers(rng)
    one_span = {t for shape in shapes.subjects(SH.property, None)
                for prop in shapes.objects(shape, SH.property)
                if (prop, SH.path, URIRef(PKG.span)) in shapes and (prop, SH.minCount, None) in shapes
                for t in shapes.objects(shape, SH.targetClass)}
    assert one_span and not inferred & one_span, inferred & one_span
