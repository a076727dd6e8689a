"""PolicyDoc -> the N-Triples of its named graph.

Triples are written as N-Triples text directly (no rdflib Graph in the hot path): every
backend loads N-Triples, and building strings is several times faster than building
rdflib term objects for each of the thousands of triples a document yields.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from ..ingest.catalog import find_known
from ..ingest.components.metadata import title_issuers
from ..ingest.record import Agency, Classification, PolicyDoc, Span
from . import ids
from .terms import ELI as _ELI
from .terms import PKG as _PKG
from .terms import PREFIXES


class _Plain:
    """A generated namespace whose terms are plain strings, each looked up once: a
    ``DefinedNamespace`` attribute goes through a Python ``__getattr__`` on every access, which
    was the largest single cost of ``triples`` (benchmarks/README.md)."""

    def __init__(self, ns) -> None:
        self._ns = ns

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self._ns, name))
        setattr(self, name, value)
        return value


PKG = _Plain(_PKG)
ELI = _Plain(_ELI)

RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
ORG = PREFIXES["org"]
LEVELS = {"national": PKG.National, "provincial": PKG.Provincial, "municipal": PKG.Municipal, "county": PKG.County}
ROLES = {"lead": PKG.LeadRole, "support": PKG.SupportRole}

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: object, datatype: str | None = None, lang: str | None = None) -> str:
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD}boolean>'
    if isinstance(value, int) and datatype is None:
        return f'"{value}"^^<{XSD}integer>'
    text = str(value).translate(_ESCAPES)
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def span_literal(span: Span) -> str:
    """``pkg:span``'s value: "START-END", half-open code-point offsets (ontology/policykg.ttl)."""
    return f'"{span.start}-{span.end}"'


def evidence_literal(rank: int, text: str, span: Span) -> str:
    """``pkg:evidence``'s value: "RANK START-END TEXT" (the text last, so it may hold spaces)."""
    return lit(f"{rank} {span.start}-{span.end} {text}")


def decimal(value: float) -> str:
    text = format(value, "f").rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return lit(text, XSD + "decimal")


@lru_cache(maxsize=1)
def concept_iris() -> dict[tuple[str, str], str]:
    """(scheme name, Chinese prefLabel) -> concept IRI, read from ontology/schemes.ttl."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS as S

    res = resources.files("policykg.ontology").joinpath("schemes.ttl")
    if not res.is_file():
        return {}
    g = Graph().parse(data=res.read_text(encoding="utf-8"), format="turtle")
    out: dict[tuple[str, str], str] = {}
    for concept, scheme in g.subject_objects(S.inScheme):
        if not isinstance(concept, URIRef):
            continue
        for label in g.objects(concept, S.prefLabel):
            if getattr(label, "language", None) == "zh":
                out[(str(scheme).rstrip("/").rsplit("/", 1)[-1], str(label))] = str(concept)
    return out


class _Writer:
    def __init__(self) -> None:
        # A dict keeps first-seen order and drops repeats: shared nodes (agencies, places,
        # cited documents) are described once per document however often they occur.
        self.lines: dict[str, None] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.lines[f"<{s}> <{p}> {o} .\n"] = None

    def span(self, node: str, span: Span | None) -> None:
        # One literal "START-END" per span (pkg:span), not a startChar and an endChar triple:
        # a span is read whole, and every quad costs six index entries in the store. No
        # prov:wasDerivedFrom either: the named graph a fact sits in is its source file's.
        if span is None:
            return
        self.add(node, PKG.span, span_literal(span))


def document_iri(doc: PolicyDoc) -> str:
    m = doc.meta
    if m.doc_number or m.title:
        # the first issuer is the one whose 发文字号 it carries; the region stands in when the
        # text names no issuer
        issuer = m.issuers[0] if m.issuers else m.region
        return ids.doc_iri(m.doc_number, m.title, issuer, None if m.doc_number else m.date)
    # Neither number nor title: the file itself names the document.
    return ids.doc_iri(title=f"sha256:{doc.source.sha256}")


def cited_iri(doc_number: str | None, title: str | None) -> str:
    """A cited document, named by the same rule: the catalog's document when the catalog knows
    it (by number, or by title when the citation gives no number of its own); a title-only
    citation knows its issuer only when the title opens with it (国务院关于…)."""
    known = find_known(doc_number, title)
    if known and (not doc_number or known.doc_number == doc_number):
        return known.iri
    issuers = title_issuers(title) if title and not doc_number else []
    return ids.doc_iri(doc_number, title, issuers[0] if issuers else None)


def graph_iri(doc: PolicyDoc) -> str:
    return ids.source_iri(doc.source.path)


def triples(doc: PolicyDoc) -> Iterator[str]:
    """All triples of one document's named graph, as N-Triples lines."""
    w = _Writer()
    src_name = doc.source.name
    src = graph_iri(doc)
    d = document_iri(doc)
    m = doc.meta

    w.add(src, RDF_TYPE, iri(PKG.SourceFile))
    w.add(src, PKG.fileName, lit(src_name))
    w.add(src, PKG.filePath, lit(ids.display_path(doc.source.path)))
    w.add(src, PKG.sha256, lit(doc.source.sha256))
    w.add(src, DCT + "format", lit(doc.source.media_type))
    w.add(src, PKG.characters, lit(len(doc.source.text)))
    activity = f"{src}/ingest"
    w.add(src, PROV + "wasGeneratedBy", iri(activity))
    w.add(activity, RDF_TYPE, iri(PROV + "Activity"))
    w.add(activity, PROV + "used", iri(src))
    w.add(activity, PREFIXES["rdfs"] + "label", lit(doc.extractor))

    w.add(d, RDF_TYPE, iri(PKG.PolicyDocument))
    w.add(d, PKG.sourceFile, iri(src))
    if m.title:
        w.add(d, DCT + "title", lit(m.title, lang="zh"))
    if m.doc_number:
        w.add(d, PKG.docNumber, lit(m.doc_number))
    if m.date:
        w.add(d, ELI.date_document, lit(m.date, XSD + "date"))
    if m.level in LEVELS:
        w.add(d, PKG.level, iri(LEVELS[m.level]))
    if m.province:
        _place(w, m.province, None)
        w.add(d, PKG.province, iri(ids.place_iri(m.province)))
    if m.region:
        _place(w, m.region, m.province)
        w.add(d, PKG.region, iri(ids.place_iri(m.region)))
    for i, issuer in enumerate(m.issuers):
        a = ids.agency_iri(issuer)
        w.add(a, RDF_TYPE, iri(PKG.Agency))
        w.add(a, RDF_TYPE, iri(ORG + "Organization"))
        w.add(a, SKOS + "prefLabel", lit(issuer, lang="zh"))
        w.add(d, PKG.issuedBy, iri(a))

    for i, s in enumerate(doc.sections, 1):
        node = f"{src}/s/{i}"
        w.add(d, PKG.hasSection, iri(node))
        w.add(node, RDF_TYPE, iri(PKG.Section))
        w.add(node, PKG.heading, lit(s.heading))
        if s.number:
            w.add(node, PKG.number, lit(s.number))
        w.add(node, PKG.sectionLevel, lit(s.level))
        # no pkg:order: sections follow one another or nest, so their spans' starts order them
        w.span(node, s.span)

    citation_docs: list[str] = []
    for i, c in enumerate(doc.citations, 1):
        node = f"{src}/c/{i}"
        cited = cited_iri(c.doc_number, c.title)
        citation_docs.append(cited)
        w.add(d, PKG.hasCitation, iri(node))
        w.add(node, RDF_TYPE, iri(PKG.Citation))
        w.add(node, PKG.citedDocument, iri(cited))
        w.add(node, PKG.relation, lit(c.relation))
        w.add(node, PKG.order, lit(i))
        if c.title:
            w.add(node, PKG.citedTitle, lit(c.title))
        if c.doc_number:
            w.add(node, PKG.citedDocNumber, lit(c.doc_number))
        w.span(node, c.span)
        w.add(d, PKG.implements if c.relation == "implements" else ELI.cites, iri(cited))
        w.add(cited, RDF_TYPE, iri(PKG.PolicyDocument))
        if c.doc_number:
            w.add(cited, PKG.docNumber, lit(c.doc_number))
        if c.title:
            w.add(cited, DCT + "title", lit(c.title, lang="zh"))

    section_of = _innermost_sections(doc)
    measure_nodes: list[str] = []
    for i, x in enumerate(doc.measures, 1):
        node = f"{src}/m/{i}"
        measure_nodes.append(node)
        w.add(d, PKG.hasMeasure, iri(node))
        w.add(node, PKG.measureOf, iri(d))
        w.add(node, RDF_TYPE, iri(PKG.Measure))
        w.add(node, RDF_TYPE, iri(PKG.Safeguard if x.kind == "safeguard" else PKG.Task))
        w.add(node, PKG.heading, lit(x.heading))
        w.add(node, PKG.order, lit(i))
        w.add(node, PKG.text, lit(doc.source.text[x.span.start : x.span.end]))
        if x.number is not None:
            w.add(node, PKG.number, lit(x.number))
        if x.category is not None:
            w.add(node, PKG.category, lit(x.category))
        if section_of[i - 1] is not None:
            w.add(node, PKG.inSection, iri(f"{src}/s/{section_of[i - 1]}"))
        w.span(node, x.span)
        for role, agencies in (("lead", x.lead), ("support", x.support)):
            for j, a in enumerate(agencies, 1):
                _assignment(w, node, f"{role[0]}{j}", role, j, a)
        for ci in x.cites:
            if 0 <= ci < len(citation_docs):
                w.add(node, ELI.cites, iri(citation_docs[ci]))
        if x.classification:
            _classification(w, d, node, x.classification)

    for i, t in enumerate(doc.targets, 1):
        node = f"{src}/t/{i}"
        w.add(d, PKG.hasTarget, iri(node))
        if t.measure is not None and 0 <= t.measure < len(measure_nodes):
            w.add(measure_nodes[t.measure], PKG.hasTarget, iri(node))
        w.add(node, RDF_TYPE, iri(PKG.QuantifiedTarget))
        w.add(node, PKG.indicator, lit(t.indicator))
        w.add(node, PKG.value, decimal(t.value))
        if t.lower is not None:  # a range keeps both bounds
            w.add(node, PKG.lowerValue, decimal(t.lower))
        w.add(node, PKG.comparator, lit(t.comparator))
        w.add(node, PKG.order, lit(i))
        if t.unit is not None:
            w.add(node, PKG.unit, lit(t.unit))
        if t.year is not None:
            w.add(node, PKG.targetYear, lit(t.year))
        if t.baseline_year is not None:
            w.add(node, PKG.baselineYear, lit(t.baseline_year))
        w.span(node, t.span)
        for role, agencies in (("lead", t.lead), ("support", t.support)):
            for j, a in enumerate(agencies, 1):
                _assignment(w, node, f"{role[0]}{j}", role, j, a, target=True)
    return iter(w.lines)


def _place(w: _Writer, name: str, province: str | None) -> None:
    node = ids.place_iri(name)
    w.add(node, RDF_TYPE, iri(PKG.Jurisdiction))
    w.add(node, SKOS + "prefLabel", lit(name, lang="zh"))
    if province and province != name:
        w.add(node, PKG.withinProvince, iri(ids.place_iri(province)))


def _assignment(w: _Writer, measure: str, slot: str, role: str, order: int, a: Agency, target: bool = False) -> None:
    """One role of an agency on a measure (or, ``target``, on a goal a goals list assigns)."""
    agency = ids.agency_iri(a.key)
    node = f"{measure}/a/{slot}"
    if target:
        w.add(measure, PKG.targetAssignment, iri(node))
    else:
        w.add(measure, PKG.leadAgency if role == "lead" else PKG.supportingAgency, iri(agency))
        w.add(measure, PKG.hasAssignment, iri(node))
    w.add(node, RDF_TYPE, iri(PKG.Assignment))
    w.add(node, PKG.agency, iri(agency))
    w.add(node, PKG.role, iri(ROLES[role]))
    w.add(node, PKG.nameAsWritten, lit(a.name))
    w.add(node, PKG.order, lit(order))
    w.span(node, a.span)
    w.add(agency, RDF_TYPE, iri(PKG.Agency))
    w.add(agency, RDF_TYPE, iri(ORG + "Organization"))
    w.add(agency, SKOS + "prefLabel", lit(a.canonical or a.name, lang="zh"))
    w.add(agency, PKG.resolved, lit(a.canonical is not None))
    if a.jurisdiction:
        place = "中华人民共和国" if a.jurisdiction == "national" else a.jurisdiction
        w.add(agency, PKG.jurisdiction, iri(ids.place_iri(place)))
        _place(w, place, None)


# A measure's classification is stated on the measure itself: one concept and one confidence
# per dimension, and one literal per piece of evidence; the classifier that decided is stated
# once, on the document (one run classifies all its measures). It was a node per dimension with
# its own type, dimension, notation and activity, and a node per piece of evidence: 41 % of a
# document's quads for the same facts.
CONFIDENCE = {"stage": PKG.stageConfidence, "instrument": PKG.instrumentConfidence, "tool": PKG.toolConfidence}


def _classification(w: _Writer, document: str, measure: str, c: Classification) -> None:
    concepts = concept_iris()
    confidence = dict(c.confidence)
    activity = _activity_iri(c.method or "classifier")
    w.add(activity, RDF_TYPE, iri(PROV + "Activity"))
    w.add(activity, PREFIXES["rdfs"] + "label", lit(c.method or "classifier"))
    w.add(document, PKG.classifiedBy, iri(activity))
    for dim, value, prop in (("stage", c.stage, PKG.stage), ("instrument", c.instrument, PKG.instrument), ("tool", c.tool, PKG.tool)):
        concept = concepts.get((dim, value))
        if concept is None:  # the schemes name every value the classifier gives (tests/ingest/test_classify.py)
            raise ValueError(f"classification {dim}={value!r} is not a concept of ontology/schemes.ttl")
        w.add(measure, prop, iri(concept))
        if dim in confidence:
            w.add(measure, CONFIDENCE[dim], decimal(round(confidence[dim], 4)))
    for k, (text, span) in enumerate(c.evidence, 1):
        w.add(measure, PKG.evidence, evidence_literal(k, text, span))


@lru_cache(maxsize=64)
def _activity_iri(method: str) -> str:
    return ids.ID + "activity/" + ids._q(method)


def _innermost_sections(doc: PolicyDoc) -> list[int | None]:
    """For each measure, the 1-based index of the deepest section whose span holds its start."""
    out: list[int | None] = []
    for x in doc.measures:
        best, best_level = None, -1
        for i, s in enumerate(doc.sections, 1):
            if s.span.start <= x.span.start < s.span.end and s.level > best_level:
                best, best_level = i, s.level
        out.append(best)
    return out
