"""SHACL Core shapes compiled to SPARQL: one SELECT per constraint, evaluated by the store.

``compile_checks`` reads the shapes (ontology/shapes.ttl) with rdflib and turns every constraint
of every targeted shape into one ``Check``: a SELECT whose rows are the violations, one per
(named graph, focus node, value node). The query text comes only from the templates
``graph/sparql/shacl_*.rq``; their ``{{slot}}`` places take other rendered templates, variable
names chosen here, and IRIs and literals from the shapes (plus graph names and the ontology's
rdfs:subClassOf statements, bound in VALUES), each written as a SPARQL term with its characters
checked or escaped. Nothing from a document is ever pasted into a query.

How the queries are shaped (pyoxigraph on disk: a triple read by a scan costs ~1 µs, one looked
up node by node 10-40 µs, more as the store grows): each query covers a batch of named graphs
(``VALUES ?g``), so what it holds in memory is bounded by the batch, not by the store; it reads
the path's triples of the batch once and joins them by hashing (subqueries and MINUS, which
Oxigraph never turns into per-node lookups). Cheap value conditions (datatype, pattern, ranges,
sh:in, …) run on every value and only the few violating ones are then looked up as targets;
sh:minCount and sh:class join with the focus nodes, and sh:class first sets aside values typed
in their own graph or in the reference graphs, so only the rest are looked up anywhere.

Semantics (those of pySHACL validating one document graph at a time, graph/validate.py):

* targets are found per named graph, and the focus node's values are read in that same graph
  (``GRAPH ?g {…}``), so two documents that mention the same node never add up;
* ``sh:class`` finds the value's types in any graph of the store (the reference graphs hold the
  SKOS concepts and the catalog; documents type what they mention);
* no inference: in a document graph only the types stated count. The ontology's rdfs:subClassOf
  statements apply to the reference graphs (validated in a batch of their own), as in pySHACL's
  reference unit; a document's unit holds no subclass statements;
* a constraint the compiler does not know — another component or target, a path that is not one
  IRI, a datatype SPARQL cannot cast to, a count above 1 inside sh:or / sh:xone — raises
  ``UnsupportedShape`` before any query runs: a new shape is never skipped silently. Each
  ``sh:pattern`` is also tried on the store first, since a regex the store cannot compile would
  make its FILTER false and hide every violation.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection

from ..ingest.errors import PolicyKGError
from .store import Backend, Term, internal_query

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"


class UnsupportedShape(PolicyKGError, ValueError):
    """The shapes use SHACL that the SPARQL engine does not compile (use --engine pyshacl, or
    add a template to graph/sparql and a case to tests/graph/test_shacl_sparql.py)."""


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result, the same from both engines. ``value`` is left out when it is the focus
    node itself (node-level constraints) or not reported (counts)."""

    focus: str
    path: str | None
    component: str  # local name: "MinCountConstraintComponent"
    value: str | None = None  # the value node as a SPARQL/N-Triples term
    message: str | None = None

    def line(self) -> str:
        where = f"<{self.focus}> <{self.path}>" if self.path else f"<{self.focus}>"
        value = f" {self.value}" if self.value else ""
        message = f" — {self.message}" if self.message else ""
        return f"{where}: sh:{self.component}{value}{message}"


def make_violation(focus: Term, path: str | None, component: str, value: Term | None,
                   message: str | None) -> Violation:
    shown = None if value is None or value == focus else value.n3() if value.kind != "literal" else to_sparql(value)
    return Violation(focus.value, path, component, shown, message)


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a SELECT ?g ?this ?value over the store."""

    shape: str
    path: str | None
    component: str
    message: str | None
    sparql: str


# ------------------------------------------------------------------------------ templates
@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Sparql:
    """Text rendered from a template file: the only text that is inserted as it is."""

    text: str


EMPTY = Sparql("")
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


@lru_cache(maxsize=None)
def _template(name: str) -> tuple[str, frozenset[str]]:
    text = internal_query(name)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")).strip()
    return body, frozenset(_SLOT.findall(body))


def render(name: str, **slots: Var | Sparql | Term | Sequence[Term]) -> Sparql:
    """Fill the template graph/sparql/<name>.rq. Every slot must be given, and nothing else."""
    body, wanted = _template(name)
    if set(slots) != wanted:
        raise ValueError(f"{name}.rq has slots {sorted(wanted)}, got {sorted(slots)}")
    return Sparql(_SLOT.sub(lambda m: _fill(slots[m.group(1)]), body))


def _fill(value: Var | Sparql | Term | Sequence[Term]) -> str:
    if isinstance(value, Sparql):
        return value.text
    if isinstance(value, Var):
        if not _VAR.fullmatch(value.name):
            raise ValueError(f"bad variable name {value.name!r}")
        return f"?{value.name}"
    if isinstance(value, Term):
        return to_sparql(value)
    if isinstance(value, (list, tuple)) and all(isinstance(t, Term) for t in value):
        return " ".join(to_sparql(t) for t in value)
    raise TypeError(f"a template slot takes a Var, a Sparql fragment or RDF terms, not {type(value).__name__}")


def to_sparql(term: Term) -> str:
    """An IRI or literal as a SPARQL term: IRIs checked, literal text escaped."""
    if term.kind == "uri":
        return _iri(term.value)
    if term.kind == "literal":
        text = "".join(_ESCAPES.get(c, c) for c in term.value)
        if term.lang:
            if not _LANG.fullmatch(term.lang):
                raise ValueError(f"bad language tag {term.lang!r}")
            return f'"{text}"@{term.lang}'
        if term.datatype and term.datatype != XSD + "string":
            return f'"{text}"^^{_iri(term.datatype)}'
        return f'"{text}"'
    raise ValueError(f"a blank node cannot be written into a query: _:{term.value}")


def is_iri(value: str) -> bool:
    """Whether ``value`` can be written as a SPARQL IRI (absolute, no forbidden characters)."""
    return bool(value) and ":" in value and not _IRI_BAD.search(value)


def _iri(value: str) -> str:
    if not value or _IRI_BAD.search(value):
        raise ValueError(f"not an IRI that SPARQL can write: {value!r}")
    return f"<{value}>"


def iri(value: str) -> Term:
    return Term("uri", value)


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    return Term("literal", value, None if lang else (datatype or XSD + "string"), lang)


def integer(n: int) -> Term:
    return literal(str(n), XSD + "integer")


# ------------------------------------------------------------------------------ compiler
COMPONENTS = {
    "minCount": "MinCountConstraintComponent", "maxCount": "MaxCountConstraintComponent",
    "class": "ClassConstraintComponent", "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent", "pattern": "PatternConstraintComponent",
    "minLength": "MinLengthConstraintComponent", "minInclusive": "MinInclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent", "in": "InConstraintComponent",
    "lessThan": "LessThanConstraintComponent", "or": "OrConstraintComponent",
    "xone": "XoneConstraintComponent",
}
# Not constraints: how shapes are found, named and described.
STRUCTURE = {RDF + "type", SH + "targetClass", SH + "targetSubjectsOf", SH + "property", SH + "path",
             SH + "message", SH + "flags", SH + "name", SH + "description", SH + "order", SH + "group",
             RDFS + "label", RDFS + "comment"}
TARGETS_NOT_COMPILED = (SH + "targetNode", SH + "targetObjectsOf")
# XSD types whose lexical forms SPARQL can check by casting (as pySHACL checks them in Python).
CASTABLE = {XSD + t for t in ("string", "boolean", "integer", "decimal", "double", "float", "date", "dateTime", "time")}
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float")}
NODE_KINDS = {  # sh:nodeKind value -> (IRI, blank node, literal) allowed
    SH + "IRI": (True, False, False), SH + "BlankNode": (False, True, False), SH + "Literal": (False, False, True),
    SH + "BlankNodeOrIRI": (True, True, False), SH + "BlankNodeOrLiteral": (False, True, True),
    SH + "IRIOrLiteral": (True, False, True),
}
PATTERN_FLAGS = set("imsx")
THIS, VALUE = Var("this"), Var("value")
# Conditions that look nodes up one by one (the members of sh:or / sh:xone): checked only on the
# values of focus nodes.
COSTLY = {"or", "xone"}


def compile_checks(shapes, subclasses: Mapping[str, Iterable[str]] | None = None,
                   graphs: Sequence[str] | None = None, known: Sequence[str] = ()) -> list[Check]:
    """Every constraint of every targeted shape in ``shapes`` (an rdflib Graph) as one Check.
    ``subclasses``: class -> its direct subclasses (``read_subclasses``), for sh:targetClass and
    sh:class; ``graphs``: only these named graphs (default: all); ``known``: graphs where the
    types of shared nodes are stated (the reference graphs), read in bulk by sh:class checks
    before anything is looked up node by node. Raises UnsupportedShape for anything not compiled."""
    return _Compiler(shapes, subclasses or {}, graphs, known).checks()


def patterns(shapes) -> set[tuple[str, str]]:
    """(sh:pattern, sh:flags) of every shape, for ``check_patterns``."""
    out = set()
    for node, pattern in shapes.subject_objects(URIRef(SH + "pattern")):
        flags = shapes.value(node, URIRef(SH + "flags"))
        out.add((str(pattern), str(flags) if flags is not None else ""))
    return out


class _Compiler:
    def __init__(self, shapes, subclasses: Mapping[str, Iterable[str]], graphs: Sequence[str] | None,
                 known: Sequence[str] = ()):
        self.g = shapes
        self.known = list(known)
        self.children = {k: set(v) for k, v in subclasses.items()}
        self.graphs = EMPTY if graphs is None else render("shacl_in_graphs", graphs=[iri(g) for g in graphs])
        self.is_target = EMPTY  # the current shape's shacl_is_target.rq
        self.fresh_count = 0

    # -- helpers ---------------------------------------------------------------------
    def u(self, local: str) -> URIRef:
        return URIRef(SH + local)

    def fresh(self) -> Var:
        self.fresh_count += 1
        return Var(f"v{self.fresh_count}")

    def name(self, node) -> str:
        """A shape as the error messages show it: its IRI, or [sh:path …] for a blank node."""
        if isinstance(node, URIRef):
            return node.n3(self.g.namespace_manager)
        path = self.g.value(node, self.u("path"))
        return f"[sh:path {path.n3(self.g.namespace_manager)}]" if isinstance(path, URIRef) else "a blank-node shape"

    def closure(self, cls: str) -> list[Term]:
        seen, todo = {cls}, [cls]
        while todo:
            for sub in self.children.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return [iri(c) for c in sorted(seen)]

    def term(self, node) -> Term:
        if isinstance(node, URIRef):
            return iri(str(node))
        if isinstance(node, Literal):
            dt = str(node.datatype) if node.datatype else None
            return literal(str(node), dt, node.language)
        raise UnsupportedShape(f"a blank node {node} where SHACL expects an IRI or a literal")

    def one(self, shape, local: str):
        values = list(self.g.objects(shape, self.u(local)))
        if len(values) > 1:
            raise UnsupportedShape(f"{self.name(shape)} has {len(values)} values for sh:{local}")
        return values[0] if values else None

    def count(self, shape, local: str) -> int:
        node = self.one(shape, local)
        if not isinstance(node, Literal) or not isinstance(node.value, int) or isinstance(node.value, bool) or node.value < 0:
            raise UnsupportedShape(f"{self.name(shape)}: sh:{local} {node} is not a non-negative integer")
        return node.value

    def message(self, shape) -> str | None:
        return shape_message(self.g, shape)

    def items(self, shape, local: str) -> list:
        head = self.one(shape, local)
        if head is None or not isinstance(head, BNode) and head != URIRef(RDF + "nil"):
            raise UnsupportedShape(f"{self.name(shape)}: sh:{local} is not an RDF list")
        return list(Collection(self.g, head))

    # -- shapes ----------------------------------------------------------------------
    def checks(self) -> list[Check]:
        for local in TARGETS_NOT_COMPILED:
            for shape in self.g.subjects(URIRef(local), None):
                raise UnsupportedShape(f"{self.name(shape)}: {self.name(URIRef(local))} is not compiled to SPARQL")
        classes = {URIRef(RDFS + "Class"), URIRef("http://www.w3.org/2002/07/owl#Class")}
        for kind in ("NodeShape", "PropertyShape"):
            for shape in self.g.subjects(URIRef(RDF + "type"), self.u(kind)):
                if classes & set(self.g.objects(shape, URIRef(RDF + "type"))):
                    raise UnsupportedShape(f"{self.name(shape)}: implicit class targets are not compiled to SPARQL")
        top = set(self.g.subjects(self.u("targetClass"), None)) | set(self.g.subjects(self.u("targetSubjectsOf"), None))
        out = []
        for shape in sorted(top, key=str):
            targets = self.targets(shape)
            self.is_target = render("shacl_is_target", targets=targets)
            for path, component, message, (kind, check) in self.top_constraints(shape):
                if kind == "candidates":
                    sparql = render("shacl_select_candidates", check=check)
                else:
                    sparql = render("shacl_select", graphs=self.graphs, targets=targets, check=check)
                out.append(Check(str(shape), path, component, message, sparql.text))
        return out

    def targets(self, shape) -> Sparql:
        """The shape's targets as one pattern binding ?g and ?this: a UNION, one branch per class
        (so that the store looks each class up in each graph of a batch)."""
        classes = {t.value for c in self.g.objects(shape, self.u("targetClass")) for t in self.closure(self.iri_of(shape, c))}
        parts = [render("shacl_target_class", **{"class": iri(c)}) for c in sorted(classes)]
        for p in sorted(self.g.objects(shape, self.u("targetSubjectsOf")), key=str):
            parts.append(render("shacl_target_subjects_of", predicate=iri(self.iri_of(shape, p))))
        return self.fold("shacl_union", parts)

    def iri_of(self, shape, node) -> str:
        if not isinstance(node, URIRef):
            raise UnsupportedShape(f"{self.name(shape)}: {node} should be an IRI")
        return str(node)

    def fold(self, template: str, parts: list[Sparql]) -> Sparql:
        out = parts[0]
        for part in parts[1:]:
            out = render(template, left=out, right=part)
        return out

    def present(self, shape) -> tuple[str | None, list[str]]:
        """The shape's path (None for a node shape) and the constraint parameters it uses;
        anything else that is not structure raises UnsupportedShape."""
        unknown = sorted(str(p) for p in set(self.g.predicates(shape, None))
                         if str(p) not in STRUCTURE and not (str(p).startswith(SH) and str(p)[len(SH):] in COMPONENTS))
        if unknown:
            raise UnsupportedShape(f"{self.name(shape)}: {', '.join(unknown)} not compiled to SPARQL")
        if self.one(shape, "flags") is not None and self.one(shape, "pattern") is None:
            raise UnsupportedShape(f"{self.name(shape)}: sh:flags without sh:pattern")
        path = self.one(shape, "path")
        if path is not None and not isinstance(path, URIRef):
            raise UnsupportedShape(f"{self.name(shape)}: only a single-IRI sh:path is compiled to SPARQL, not {path}")
        used = [local for local in COMPONENTS if (shape, self.u(local), None) in self.g]
        if path is None:
            for local in used:
                if local in ("minCount", "maxCount", "lessThan"):
                    raise UnsupportedShape(f"{self.name(shape)}: sh:{local} needs sh:path")
        elif (shape, self.u("property"), None) in self.g:
            raise UnsupportedShape(f"{self.name(shape)}: sh:property inside a property shape is not compiled to SPARQL")
        return (str(path) if path is not None else None), used

    def properties(self, shape) -> list:
        props = sorted(self.g.objects(shape, self.u("property")), key=str)
        for prop in props:
            if (prop, self.u("path"), None) not in self.g:
                raise UnsupportedShape(f"{self.name(prop)}: a sh:property shape without sh:path")
        return props

    # -- top level: one SELECT per constraint, set at a time -------------------------------
    def top_constraints(self, shape) -> Iterator[tuple[str | None, str, str | None, tuple[str, Sparql]]]:
        """(path, component, message, (kind, check)) of every constraint of a targeted shape. Kind
        "all": the check is joined with every focus node; "candidates": the check finds the few
        violating values first, which are then looked up as targets."""
        path, used = self.present(shape)
        if path is not None:
            yield from self.top_property(shape)
            return
        message = self.message(shape)
        for local in used:
            for condition in self.conditions(shape, local, THIS):
                yield None, COMPONENTS[local], message, ("all", render("shacl_filter", values=EMPTY, violates=condition))
        for prop in self.properties(shape):
            yield from self.top_property(prop)

    def top_property(self, prop) -> Iterator[tuple[str | None, str, str | None, tuple[str, Sparql]]]:
        path, used = self.present(prop)
        message = self.message(prop)
        for local in used:
            if local == "minCount":  # needs every focus node: those without enough values
                n = self.count(prop, local)
                if n == 0:
                    continue
                check = (render("shacl_min_count_one", graphs=self.graphs, path=iri(path)) if n == 1 else
                         render("shacl_min_count", graphs=self.graphs, path=iri(path), min=integer(n)))
                checks = [("all", check)]
            elif local == "maxCount":
                checks = [("candidates", render("shacl_max_count", graphs=self.graphs, path=iri(path),
                                                max=integer(self.count(prop, local)), is_target=self.is_target))]
            elif local == "lessThan":
                other = iri(self.iri_of(prop, self.one(prop, local)))
                checks = [("candidates", render("shacl_less_than", graphs=self.graphs, path=iri(path), other=other,
                                                is_target=self.is_target))]
            elif local == "class":  # set aside the values typed nearby, then look the rest up
                checks = [("all", self.class_join(prop, path, cls)) for cls in self.classes(prop)]
            elif local in COSTLY:  # check only the values of focus nodes
                checks = [("all", render("shacl_value_join", graphs=self.graphs, path=iri(path), violates=condition))
                          for condition in self.conditions(prop, local, VALUE)]
            else:  # cheap: check every value of the path, then look up the few violating ones as targets
                checks = [("candidates", render("shacl_value_check", graphs=self.graphs, path=iri(path), violates=condition,
                                                is_target=self.is_target))
                          for condition in self.conditions(prop, local, VALUE)]
            for check in checks:
                yield path, COMPONENTS[local], message, check

    # -- conditions on one value node -------------------------------------------------------
    def conditions(self, shape, local: str, value: Var) -> list[Sparql]:
        """The constraint ``local`` of the shape as boolean expressions, true when ``value``
        violates it (several for several sh:class values)."""
        if local == "class":
            return [self.class_condition(cls, value) for cls in self.classes(shape)]
        if local == "datatype":
            dt = self.iri_of(shape, self.one(shape, local))
            if dt not in CASTABLE:
                raise UnsupportedShape(f"{self.name(shape)}: sh:datatype <{dt}> (compiled for {', '.join(sorted(CASTABLE))})")
            return [render("shacl_datatype_numeric" if dt in NUMERIC else "shacl_datatype", value=value, datatype=iri(dt))]
        if local == "nodeKind":
            kind = str(self.one(shape, local))
            if kind not in NODE_KINDS:
                raise UnsupportedShape(f"{self.name(shape)}: sh:nodeKind {kind} is not a SHACL node kind")
            flags = [literal("true" if f else "false", XSD + "boolean") for f in NODE_KINDS[kind]]
            return [render("shacl_node_kind", value=value, iri=flags[0], blank=flags[1], literal=flags[2])]
        if local == "pattern":
            flags = self.one(shape, "flags")
            flags = "" if flags is None else str(flags)
            if set(flags) - PATTERN_FLAGS:
                raise UnsupportedShape(f"{self.name(shape)}: sh:flags {flags!r} (compiled: {''.join(sorted(PATTERN_FLAGS))})")
            return [render("shacl_pattern", value=value, pattern=literal(str(self.one(shape, local))), flags=literal(flags))]
        if local == "minLength":
            return [render("shacl_min_length", value=value, min=integer(self.count(shape, local)))]
        if local in ("minInclusive", "maxInclusive"):
            bound = self.one(shape, local)
            if not isinstance(bound, Literal):
                raise UnsupportedShape(f"{self.name(shape)}: sh:{local} {bound} is not a literal")
            if local == "minInclusive":
                return [render("shacl_min_inclusive", value=value, min=self.term(bound))]
            return [render("shacl_max_inclusive", value=value, max=self.term(bound))]
        if local == "in":
            members = [self.term(m) for m in self.items(shape, local)]
            return [render("shacl_in", value=value, members=members, member=self.fresh())]
        if local in ("or", "xone"):
            members = self.items(shape, local)
            if not members:
                raise UnsupportedShape(f"{self.name(shape)}: an empty sh:{local} list")
            violations = [self.fold("shacl_union", self.node_violations(m, value)) for m in members]
            if local == "or":
                return [render("shacl_or", any=self.fold("shacl_or_expr", [render("shacl_conforms", violations=v) for v in violations]))]
            return [render("shacl_xone", count=self.fold("shacl_sum", [render("shacl_count_if", violations=v) for v in violations]))]
        raise UnsupportedShape(f"{self.name(shape)}: sh:{local} is not a condition on one value")  # counts, lessThan

    def classes(self, shape) -> list[str]:
        return [self.iri_of(shape, c) for c in sorted(self.g.objects(shape, self.u("class")), key=str)]

    def instance_of(self, cls: str, value: Var, where: Var) -> Sparql:
        """``value`` is typed, in graph ``where``, with the class or one of its subclasses."""
        return self.fold("shacl_union", [render("shacl_instance_of", value=value, where=where, **{"class": c})
                                         for c in self.closure(cls)])

    def class_condition(self, cls: str, value: Var) -> Sparql:
        return render("shacl_class", instance=self.instance_of(cls, value, self.fresh()))

    def class_join(self, prop, path: str, cls: str) -> Sparql:
        elsewhere = EMPTY if not self.known else render(
            "shacl_class_known", graphs=[iri(g) for g in self.known], instances=self.instance_of(cls, VALUE, Var("known")))
        return render("shacl_class_join", graphs=self.graphs, path=iri(path), here=self.instance_of(cls, VALUE, Var("g")),
                      elsewhere=elsewhere, violates=self.class_condition(cls, VALUE))

    # -- node by node: the members of sh:or / sh:xone ------------------------------------
    def node_violations(self, shape, focus: Var) -> list[Sparql]:
        """Patterns that match when ``focus`` does not conform to the (member) shape."""
        path, used = self.present(shape)
        out = []
        if path is None:
            for local in used:
                out += [render("shacl_filter", values=EMPTY, violates=c) for c in self.conditions(shape, local, focus)]
            for prop in self.properties(shape):
                out += self.node_violations(prop, focus)
        else:
            value = self.fresh()
            values = render("shacl_path_values", focus=focus, path=iri(path), value=value)
            for local in used:
                if local == "minCount":
                    n = self.count(shape, local)
                    if n > 1:
                        raise UnsupportedShape(f"{self.name(shape)}: sh:minCount {n} inside sh:or / sh:xone (0 or 1 are compiled)")
                    if n == 1:
                        out.append(render("shacl_min_count_node", focus=focus, path=iri(path), any=self.fresh()))
                elif local == "maxCount":
                    n = self.count(shape, local)
                    if n > 1:
                        raise UnsupportedShape(f"{self.name(shape)}: sh:maxCount {n} inside sh:or / sh:xone (0 or 1 are compiled)")
                    out.append(values if n == 0 else render("shacl_max_count_node", focus=focus, path=iri(path),
                                                                 first=self.fresh(), second=self.fresh()))
                elif local == "lessThan":
                    out.append(render("shacl_less_than_node", values=values, value=value, focus=focus,
                                      other=iri(self.iri_of(shape, self.one(shape, local))), bound=self.fresh()))
                else:
                    out += [render("shacl_filter", values=values, violates=c) for c in self.conditions(shape, local, value)]
        if not out:
            raise UnsupportedShape(f"{self.name(shape)}: a member shape without constraints")
        return out


def shape_message(shapes, shape) -> str | None:
    """The shape's sh:message (the first, if several), as both engines print it."""
    found = sorted(str(m) for m in shapes.objects(shape, URIRef(SH + "message")))
    return found[0] if found else None


# ------------------------------------------------------------------------------ running
def read_subclasses(backend: Backend, graphs: Sequence[str]) -> dict[str, set[str]]:
    """class -> direct subclasses, from the rdfs:subClassOf statements in ``graphs``."""
    if not graphs:
        return {}
    out: dict[str, set[str]] = {}
    query = render("shacl_subclasses", graphs=render("shacl_in_graphs", graphs=[iri(g) for g in graphs]))
    for sub, sup in backend.select(query.text).rows:
        if sub is not None and sup is not None and sub != sup:
            out.setdefault(sup.value, set()).add(sub.value)
    return out


def check_patterns(backend: Backend, pairs: Iterable[tuple[str, str]]) -> None:
    """Raise UnsupportedShape for a sh:pattern the store's REGEX rejects."""
    for pattern, flags in sorted(pairs):
        res = backend.select(render("shacl_regex_probe", pattern=literal(pattern), flags=literal(flags)).text)
        if not res.rows or res.rows[0][0] is None or res.rows[0][0].value == "invalid":
            raise UnsupportedShape(f"sh:pattern {pattern!r} (flags {flags!r}) is not a regex this store's SPARQL accepts")


def run_check(backend: Backend, check: Check) -> list[Violation]:
    return [make_violation(focus, check.path, check.component, value, check.message)
            for _, focus, value in backend.select(check.sparql).rows]


BATCH_GRAPHS = 100  # graphs per query: bounds what one query holds in memory (measured: 25-300 cost the same)


def find_violations(backend: Backend, shapes, graphs: Sequence[str] | None = None, jobs: int = 1,
                    batch: int = BATCH_GRAPHS, schema_graphs: Sequence[str] = ()) -> set[Violation]:
    """Validate the store (or only the named ``graphs``) against ``shapes`` (an rdflib Graph).
    Every check runs once per batch of graphs, ``jobs`` checks at a time in threads (pyoxigraph
    evaluates queries without holding the GIL). ``schema_graphs`` (the reference graphs) are
    validated apart, with their own rdfs:subClassOf statements: a subclass instance counts for
    sh:targetClass and sh:class there, and only there (documents do not carry the ontology).
    Unsupported shapes raise before any query runs."""
    from concurrent.futures import ThreadPoolExecutor

    compile_checks(shapes)
    check_patterns(backend, patterns(shapes))
    present = list(backend.named_graphs())
    names = present if graphs is None else list(dict.fromkeys(graphs))
    schema = [g for g in present if g in set(schema_graphs)]
    subclasses = read_subclasses(backend, schema)
    work = [(b, subclasses) for b in _batches([g for g in names if g in schema], batch)]
    work += [(b, {}) for b in _batches([g for g in names if g not in schema], batch)]
    found: set[Violation] = set()
    if jobs <= 1:
        for b, sub in work:
            for check in compile_checks(shapes, sub, b, schema):
                found.update(run_check(backend, check))
        return found
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for b, sub in work:
            for part in pool.map(lambda check: run_check(backend, check), compile_checks(shapes, sub, b, schema)):
                found.update(part)
    return found


def _batches(names: list[str], size: int) -> list[list[str]]:
    return [names[i:i + size] for i in range(0, len(names), size)]
