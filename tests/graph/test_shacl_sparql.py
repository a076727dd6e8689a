"""The SPARQL engine for SHACL (graph/shacl.py) against pySHACL: the same violations on the
corpus, and on broken copies of a corpus document, one per constraint kind in shapes.ttl."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from policykg.graph.load import load_reference, reference_graph_iris
from policykg.graph.shacl import COMPONENTS, UnsupportedShape, compile_checks, find_violations
from policykg.graph.store import OxigraphBackend
from policykg.graph.validate import find_backend_violations, shapes_text, validate_backend

PKG = Namespace("https://w3id.org/policykg/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DOC_GRAPH = "https://w3id.org/policykg/id/src/broken.txt"


def test_shacl_sparql_corpus_conforms_under_both_engines(corpus_store):
    for engine in ("sparql", "pyshacl"):
        conforms, violations = validate_backend(corpus_store, engine=engine)
        assert conforms, (engine, violations[:10])


def test_shacl_sparql_is_the_default_for_the_embedded_store(corpus_store):
    from policykg.graph.validate import default_engine

    assert default_engine(corpus_store) == "sparql"


@pytest.fixture(scope="module")
def document(corpus_store) -> Graph:
    """One corpus document graph with assignments, targets and citations, to break."""
    for g in corpus_store.named_graphs():
        if g in reference_graph_iris():
            continue
        graph = Graph().parse(data=corpus_store.graph_ntriples(g), format="nt")
        if all(next(graph.subjects(RDF.type, PKG[c]), None) for c in ("Assignment", "QuantifiedTarget", "Citation", "Task")):
            return graph
    pytest.fail("no corpus document has assignments, targets, citations and tasks")


def first(g: Graph, cls: str, *having: URIRef) -> URIRef:
    return next(s for s in sorted(g.subjects(RDF.type, PKG[cls])) if all((s, p, None) in g for p in having))


def the_document(g: Graph) -> URIRef:
    return next(g.subjects(PKG.sourceFile, None))


# Each case breaks the graph in place and returns the (focus, path) of the violation it must cause.
def min_count(g):
    m = first(g, "Measure", PKG.heading)
    g.remove((m, PKG.heading, None))
    return m, PKG.heading


def max_count(g):
    d = the_document(g)
    g.add((d, DCTERMS.title, Literal("另一个标题")))
    return d, DCTERMS.title


def class_of_value(g):
    a = first(g, "Assignment", PKG.agency)
    g.set((a, PKG.agency, URIRef("https://w3id.org/policykg/id/agency/nowhere")))
    return a, PKG.agency


def class_of_literal(g):
    m = first(g, "Measure", PKG.measureOf)
    g.set((m, PKG.measureOf, Literal("not a node")))
    return m, PKG.measureOf


def class_by_subclass(g):
    """A measure typed only pkg:Task: a document graph holds no rdfs:subClassOf, so it is no
    pkg:Measure there (no target of the measure shapes, and a wrong value for pkg:hasMeasure)."""
    m = first(g, "Task")
    g.remove((m, RDF.type, PKG.Measure))
    return next(g.subjects(PKG.hasMeasure, m)), PKG.hasMeasure


def class_of_focus(g):
    d = the_document(g)
    g.remove((d, RDF.type, PKG.PolicyDocument))
    return d, None


def datatype_other(g):
    m = first(g, "Measure", PKG.order)
    g.set((m, PKG.order, Literal("3")))
    return m, PKG.order


def datatype_ill_typed(g):
    s = next(g.subjects(RDF.type, PKG.SourceFile))
    g.set((s, PKG.characters, Literal("many", datatype=XSD.integer)))
    return s, PKG.characters


def datatype_bad_date(g):
    d = the_document(g)
    g.set((d, ELI.date_document, Literal("2020-13-45", datatype=XSD.date)))
    return d, ELI.date_document


def node_kind(g):
    d = the_document(g)
    src = g.value(d, PKG.sourceFile)
    g.set((d, PKG.sourceFile, Literal(str(src))))  # the file's IRI as a literal
    return d, PKG.sourceFile


def pattern(g):
    s = next(g.subjects(RDF.type, PKG.SourceFile))
    g.set((s, PKG.sha256, Literal("ABC123")))
    return s, PKG.sha256


def pattern_unicode(g):
    d = the_document(g)
    g.set((d, PKG.docNumber, Literal("国发〔2020〕 7号")))  # a space before the number
    return d, PKG.docNumber


def min_length(g):
    m = first(g, "Measure", PKG.heading)
    g.set((m, PKG.heading, Literal("")))
    return m, PKG.heading


def min_inclusive(g):
    m, edge = sorted(g.subjects(PKG.stageConfidence, None))[:2]
    g.set((m, PKG.stageConfidence, Literal("-0.5", datatype=XSD.decimal)))
    g.set((edge, PKG.stageConfidence, Literal("0", datatype=XSD.decimal)))  # on the bound: conforms
    return m, PKG.stageConfidence


def max_inclusive(g):
    c, edge = URIRef("https://w3id.org/policykg/id/align/broken/c/1"), URIRef("https://w3id.org/policykg/id/align/broken/c/2")
    for node, score in ((c, "1.5"), (edge, "1.0")):  # 1.0 is on the bound: conforms
        g.add((node, RDF.type, PKG.Correspondence))
        g.add((node, PKG.score, Literal(score, datatype=XSD.decimal)))
    return c, PKG.score


def in_iri(g):
    d = the_document(g)
    g.set((d, PKG.level, PKG.Galactic))
    return d, PKG.level


def in_literal(g):
    t = first(g, "QuantifiedTarget", PKG.comparator)
    g.set((t, PKG.comparator, Literal("≥")))
    return t, PKG.comparator


def less_than(g):
    # an alignment's shared phrase that ends before it starts (a document's spans are one literal each)
    e = URIRef("https://w3id.org/policykg/id/align/broken/c/1/e/1")
    g.add((e, RDF.type, PKG.SharedPhrase))
    for p, o in ((PKG.spanText, Literal("专利")), (PKG.order, Literal(1)), (PKG.leftStart, Literal(10**6)),
                 (PKG.leftEnd, Literal(12)), (PKG.rightStart, Literal(3)), (PKG.rightEnd, Literal(5))):
        g.add((e, p, o))
    return e, PKG.leftStart


def or_none(g):
    c = first(g, "Citation")
    g.remove((c, PKG.citedTitle, None))
    g.remove((c, PKG.citedDocNumber, None))
    return c, None


def xone_both(g):
    m = first(g, "Task")
    g.add((m, RDF.type, PKG.Safeguard))
    return m, None


def xone_neither(g):
    m = first(g, "Task")
    g.remove((m, RDF.type, PKG.Task))
    return m, None


# name -> (the sh: parameter it breaks, the case)
CASES: dict[str, tuple[str, Callable[[Graph], tuple]]] = {f.__name__: (kind, f) for kind, f in (
    ("minCount", min_count), ("maxCount", max_count), ("class", class_of_value), ("class", class_of_literal),
    ("class", class_by_subclass), ("class", class_of_focus), ("datatype", datatype_other), ("datatype", datatype_ill_typed),
    ("datatype", datatype_bad_date), ("nodeKind", node_kind), ("pattern", pattern), ("pattern", pattern_unicode),
    ("minLength", min_length), ("minInclusive", min_inclusive), ("maxInclusive", max_inclusive), ("in", in_iri),
    ("in", in_literal), ("lessThan", less_than), ("or", or_none), ("xone", xone_both), ("xone", xone_neither))}


def broken_store(document: Graph, case: Callable[[Graph], tuple | None]) -> tuple[OxigraphBackend, tuple | None]:
    g = Graph()
    for t in document:
        g.add(t)
    expected = case(g)
    backend = OxigraphBackend(None)
    load_reference(backend)
    backend.replace_graph(DOC_GRAPH, [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in g])
    return backend, expected


def keys(violations) -> set[tuple]:
    return {(v.focus, v.path, v.component) for v in violations}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shacl_sparql_flags_what_pyshacl_flags(document, name):
    kind, case = CASES[name]
    backend, (focus, path) = broken_store(document, case)
    by_sparql = find_backend_violations(backend, engine="sparql")
    by_pyshacl = find_backend_violations(backend, engine="pyshacl")
    expected = (str(focus), str(path) if path is not None else None, COMPONENTS[kind])
    assert expected in keys(by_pyshacl), sorted(keys(by_pyshacl))  # the case really breaks the shape
    assert keys(by_sparql) == keys(by_pyshacl)
    assert {v.line() for v in by_sparql} == {v.line() for v in by_pyshacl}


def test_shacl_sparql_reference_graphs_use_their_subclass_statements(document):
    """In the reference graphs (which hold the ontology) a pkg:Task is a pkg:Measure: a bare one
    there breaks the measure shapes, for both engines alike."""
    backend, _ = broken_store(document, lambda g: None)
    catalog = next(g for g in reference_graph_iris() if g.endswith("/documents"))
    task = "https://w3id.org/policykg/id/catalog/m/1"
    lines = backend.graph_ntriples(catalog) + f"<{task}> <{RDF.type}> <{PKG.Task}> .\n"
    backend.replace_graph(catalog, lines.splitlines(keepends=True))
    by_sparql = find_backend_violations(backend, engine="sparql")
    assert (task, str(PKG.heading), "MinCountConstraintComponent") in keys(by_sparql)
    assert {v.line() for v in by_sparql} == {v.line() for v in find_backend_violations(backend, engine="pyshacl")}


def test_shacl_sparql_every_constraint_kind_in_the_shapes_has_a_case():
    shapes = Graph().parse(data=shapes_text(), format="turtle")
    used = {local for local in COMPONENTS if (None, SH[local], None) in shapes}
    assert used - {kind for kind, _ in CASES.values()} == set()


def test_shacl_sparql_values_are_read_per_graph(document):
    """The same document in two graphs, with another title in the second: each graph conforms,
    their union would not (two titles)."""
    backend = OxigraphBackend(None)
    load_reference(backend)
    doc = the_document(document)
    other = Graph()
    for t in document:
        other.add(t)
    other.set((doc, DCTERMS.title, Literal("另一个标题")))
    for name, g in ((DOC_GRAPH, document), (DOC_GRAPH + "-copy", other)):
        backend.replace_graph(name, [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in g])
    for engine in ("sparql", "pyshacl"):
        assert validate_backend(backend, engine=engine) == (True, []), engine


def test_shacl_sparql_validates_only_the_graphs_asked_for(document):
    backend, (focus, path) = broken_store(document, min_count)
    good = DOC_GRAPH + "-good"
    backend.replace_graph(good, [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in document])
    for engine in ("sparql", "pyshacl"):
        assert validate_backend(backend, engine=engine, graphs=[good]) == (True, []), engine
        conforms, lines = validate_backend(backend, engine=engine, graphs=[DOC_GRAPH])
        assert not conforms and any(f"<{focus}> <{path}>: sh:MinCountConstraintComponent" in v for v in lines), engine


UNSUPPORTED = {
    "inverse path": "sh:property [ sh:path [ sh:inversePath pkg:measureOf ] ; sh:minCount 1 ]",
    "sequence path": "sh:property [ sh:path ( pkg:sourceFile pkg:fileName ) ; sh:minCount 1 ]",
    "another component": "sh:property [ sh:path pkg:heading ; sh:maxLength 200 ]",
    "a count above 1 inside sh:xone": "sh:xone ( [ sh:path pkg:x ; sh:minCount 2 ] [ sh:path pkg:y ; sh:minCount 1 ] )",
    "a datatype without a cast": "sh:property [ sh:path pkg:heading ; sh:datatype rdf:langString ]",
    "sh:node": "sh:node pkgsh:Other",
    "a nested property shape": "sh:property [ sh:path pkg:hasMeasure ; sh:property [ sh:path pkg:heading ; sh:minCount 1 ] ]",
}


@pytest.mark.parametrize("what", sorted(UNSUPPORTED))
def test_shacl_sparql_refuses_what_it_does_not_compile(what):
    text = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix pkg: <{PKG}> .
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix pkgsh: <https://w3id.org/policykg/shapes#> .
    pkgsh:Test a sh:NodeShape ; sh:targetClass pkg:Measure ; {UNSUPPORTED[what]} ."""
    shapes = Graph().parse(data=text, format="turtle")
    with pytest.raises(UnsupportedShape):
        compile_checks(shapes)


def test_shacl_sparql_refuses_other_targets_before_running_a_query():
    shapes = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:shape> a sh:NodeShape ; sh:targetNode <urn:x:node> ; sh:class <urn:x:Class> .""", format="turtle")
    with pytest.raises(UnsupportedShape, match="targetNode"):
        find_violations(OxigraphBackend(None), shapes)


def test_shacl_sparql_refuses_a_regex_the_store_cannot_run():
    shapes = Graph().parse(data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:shape> a sh:NodeShape ; sh:targetClass <{PKG}Measure> ;
            sh:property [ sh:path <{PKG}heading> ; sh:pattern "^(?!x)" ] .""", format="turtle")
    backend = OxigraphBackend(None)
    assert compile_checks(shapes)  # a pattern compiles; only the store can tell it cannot run it
    with pytest.raises(UnsupportedShape, match="regex"):
        find_violations(backend, shapes)


def test_shacl_sparql_terms_from_the_shapes_are_escaped():
    """A literal from the shapes with quotes, a backslash and a newline reaches the query intact."""
    shapes = Graph().parse(data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:shape> a sh:NodeShape ; sh:targetClass <{PKG}Measure> ;
            sh:property [ sh:path <{PKG}heading> ; sh:in ( "a\\"b\\\\c\\nd" ) ] .""", format="turtle")
    backend = OxigraphBackend(None)
    m = "https://w3id.org/policykg/id/src/x.txt/m/1"
    backend.replace_graph(DOC_GRAPH, [f"<{m}> <{RDF.type}> <{PKG}Measure> .\n", f'<{m}> <{PKG}heading> "a\\"b\\\\c\\nd" .\n',
                                      f"<{m}-2> <{RDF.type}> <{PKG}Measure> .\n", f'<{m}-2> <{PKG}heading> "ab" .\n'])
    assert keys(find_violations(backend, shapes)) == {(m + "-2", str(PKG.heading), "InConstraintComponent")}


def test_shacl_sparql_counts_above_one_match_pyshacl():
    """shapes.ttl only counts to 1; the compiler also counts further (GROUP BY per batch)."""
    from policykg.graph.validate import _pyshacl_violations

    shapes = Graph().parse(data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:shape> a sh:NodeShape ; sh:targetClass <{PKG}Measure> ;
            sh:property [ sh:path <{PKG}heading> ; sh:minCount 2 ; sh:maxCount 2 ] .""", format="turtle")
    lines = []
    for i in range(4):  # measure i has i headings
        m = f"https://w3id.org/policykg/id/src/x.txt/m/{i}"
        lines += [f"<{m}> <{RDF.type}> <{PKG}Measure> .\n"] + [f'<{m}> <{PKG}heading> "h{j}" .\n' for j in range(i)]
    backend = OxigraphBackend(None)
    backend.replace_graph(DOC_GRAPH, lines)
    found = keys(find_violations(backend, shapes))
    assert found == keys(_pyshacl_violations("".join(lines), shapes))
    m = "https://w3id.org/policykg/id/src/x.txt/m/"
    heading = str(PKG.heading)
    assert found == {(m + "0", heading, "MinCountConstraintComponent"), (m + "1", heading, "MinCountConstraintComponent"),
                     (m + "3", heading, "MaxCountConstraintComponent")}


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus_dir):
    """An `oxigraph serve` of our own (no union default graph) holding the corpus."""
    from servers import start_oxigraph

    from policykg.ingest.batch import ingest_paths

    srv = start_oxigraph(tmp_path_factory.mktemp("shacl-oxigraph") / "db")
    report = ingest_paths(srv.backend(), [corpus_dir], jobs=1)
    assert not report.failed, [o.message for o in report.failed]
    yield srv
    srv.stop()


@pytest.mark.server
def test_shacl_sparql_runs_on_an_oxigraph_server(server, document):
    from policykg.graph.validate import default_engine

    remote = server.backend()
    assert default_engine(remote) == "sparql"
    assert validate_backend(remote) == (True, [])
    broken = Graph()
    for t in document:
        broken.add(t)
    for case in (min_count, class_of_value, less_than, or_none, xone_both, pattern_unicode):
        case(broken)
    lines = [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in broken]
    remote.replace_graph(DOC_GRAPH, lines)
    embedded = OxigraphBackend(None)
    load_reference(embedded)
    embedded.replace_graph(DOC_GRAPH, lines)
    found = find_backend_violations(remote)
    assert len(keys(found)) >= 6
    assert found == find_backend_violations(embedded, engine="sparql")
    assert keys(found) == keys(find_backend_violations(embedded, engine="pyshacl"))


def test_shacl_sparql_member_shapes_match_pyshacl():
    """Members of sh:or / sh:xone with property constraints (not in shapes.ttl yet): checked node
    by node, in the focus node's graph."""
    from policykg.graph.validate import _pyshacl_violations

    shapes = Graph().parse(data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix pkg: <{PKG}> .
        <urn:x:shape> a sh:NodeShape ; sh:targetClass pkg:Measure ;
            sh:or ( [ sh:path pkg:heading ; sh:minLength 3 ; sh:maxCount 1 ]
                    [ sh:path pkg:leftStart ; sh:lessThan pkg:leftEnd ; sh:minCount 1 ] ) ;
            sh:xone ( [ sh:path pkg:number ; sh:maxCount 0 ] [ sh:path pkg:number ; sh:datatype <{XSD.integer}> ] ) .""",
                           format="turtle")
    m = "https://w3id.org/policykg/id/src/x.txt/m/"
    integer = f"^^<{XSD.integer}>"
    rows = {  # measure -> its triples (besides the type)
        "ok-heading": [(PKG.heading, '"abcd"'), (PKG.number, '"1"')],
        "two-headings": [(PKG.heading, '"abcd"'), (PKG.heading, '"efgh"')],
        "short-heading-good-span": [(PKG.heading, '"a"'), (PKG.leftStart, '"1"' + integer), (PKG.leftEnd, '"2"' + integer)],
        "short-heading-bad-span": [(PKG.heading, '"a"'), (PKG.leftStart, '"5"' + integer), (PKG.leftEnd, '"2"' + integer)],
        "nothing": [],
        "integer-number": [(PKG.heading, '"abcd"'), (PKG.number, '"7"' + integer)],
    }
    lines = []
    for name, triples in rows.items():
        lines.append(f"<{m}{name}> <{RDF.type}> <{PKG.Measure}> .\n")
        lines += [f"<{m}{name}> <{p}> {o} .\n" for p, o in triples]
    backend = OxigraphBackend(None)
    backend.replace_graph(DOC_GRAPH, lines)
    backend.replace_graph(DOC_GRAPH + "-other", [f'<{m}ok-heading> <{PKG.heading}> "x" .\n'])  # not in its graph
    found = find_violations(backend, shapes)
    assert {v.line() for v in found} == {v.line() for v in _pyshacl_violations("".join(lines), shapes)}
    xone = {(m + name, None, "XoneConstraintComponent") for name in rows if name != "integer-number"}
    assert keys(found) == xone | {(m + "two-headings", None, "OrConstraintComponent"),
                                  (m + "short-heading-bad-span", None, "OrConstraintComponent")}
