"""Running named queries with typed, validated parameters."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from ..graph.store import Backend, Results, Term, with_values
from ..ingest.errors import PolicyKGError
from .catalog import NamedQuery, get_query

XSD = "http://www.w3.org/2001/XMLSchema#"
# Characters that may never appear inside an IRI written as <...> (RFC 3987 / SPARQL IRIREF).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


# A query whose parameters feed a FILTER marks where the VALUES block goes with this comment
# line inside its WHERE clause: a trailing VALUES block is joined only after FILTERs ran.
_VALUES_HERE = re.compile(r"^([ \t]*)# VALUES params[ \t]*$", re.M)
# A query's final ORDER BY when it lists plain variables only (ascending).
_TRAILING_ORDER = re.compile(r"^[ \t]*ORDER BY((?:[ \t]+\?\w+)+)[ \t]*\s*\Z", re.M)


class ParameterError(PolicyKGError):
    pass


def to_term(value: str, type_: str, name: str) -> Term:
    """Validate a user-given value and make it an RDF term of the declared type."""
    if type_ == "iri":
        if _BAD_IRI.search(value) or ":" not in value:
            raise ParameterError(f"parameter {name}: {value!r} is not a valid absolute IRI")
        return Term("uri", value)
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
            raise ParameterError(f"parameter {name}: {value!r} is not an integer")
        return Term("literal", str(int(value)), XSD + "integer")
    if type_ == "date":
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ParameterError(f"parameter {name}: {value!r} is not a date (YYYY-MM-DD)") from None
        return Term("literal", value.strip(), XSD + "date")
    if type_ == "zh":
        return Term("literal", value, lang="zh")
    return Term("literal", value)


def bind(query: NamedQuery, params: dict[str, str]) -> str:
    unknown = [k for k in params if query.param(k) is None]
    if unknown:
        declared = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"query {query.name} has no parameter {unknown[0]!r} (declared: {declared})")
    missing = [p.name for p in query.params if not p.optional and p.name not in params]
    if missing:
        raise ParameterError(f"query {query.name} needs --param {missing[0]}=VALUE")
    terms = {k: to_term(v, query.param(k).type, k) for k, v in params.items()}
    if terms and _VALUES_HERE.search(query.sparql):
        # Built from typed terms exactly as with_values() does; one line (n3() escapes newlines).
        # Every marked line gets the block: a MINUS side sees no outer bindings, so a query
        # binds its parameters there too.
        head = " ".join(f"?{k}" for k in terms)
        row = " ".join(t.n3() for t in terms.values())
        block = f"VALUES ({head}) {{ ({row}) }}"
        return _VALUES_HERE.sub(lambda m: m.group(1) + block, query.sparql)
    return with_values(query.sparql, terms)


_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([\w.-]*):", re.I | re.M)


def with_prefixes(sparql: str) -> str:
    """The query with a PREFIX line for each of the project's namespaces (graph.terms.PREFIXES)
    it uses without declaring: a missing prefix is the commonest first error in one's own SPARQL."""
    from ..graph.terms import PREFIXES

    declared = set(_PREFIX_DECL.findall(sparql))
    # prefixed names outside IRIs, strings and comments
    code = re.sub(r'<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*', " ", sparql)
    missing = [p for p in sorted(PREFIXES) if p not in declared and re.search(rf"(?<![\w.-]){re.escape(p)}:", code)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + sparql


def run_query(backend: Backend, name: str, params: dict[str, str] | None = None) -> Results:
    """Run a named query from queries/ with its declared parameters."""
    return backend.select(bind(get_query(name), params or {}))


def sorted_records(backend: Backend, name: str, params: dict[str, str] | None = None) -> list[dict[str, object]]:
    """``run_query(...).records()``, with the query's final ``ORDER BY ?a ?b …`` done in Python
    on backends that ask for it (``order_in_python``): the embedded store compares RDF terms one
    pair at a time, half the time of the largest export queries (benchmarks/README.md). Sorting
    the rows' Python values gives the same order (unbound first, numbers by value, strings by
    code point)."""
    query = get_query(name)
    order = _TRAILING_ORDER.search(query.sparql) if getattr(backend, "order_in_python", False) else None
    if order is None:
        return run_query(backend, name, params).records()
    keys = [v.lstrip("?") for v in order.group(1).split()]
    unordered = dataclasses.replace(query, sparql=query.sparql[: order.start()])
    results = backend.select(bind(unordered, params or {}))
    if not set(keys) <= set(results.variables):  # ordered by a variable it does not return
        return run_query(backend, name, params).records()
    rows = results.records()
    rows.sort(key=lambda row: tuple(_order_key(row[k]) for k in keys))
    return rows


def _order_key(value: object) -> tuple:
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value))
