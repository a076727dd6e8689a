"""The named-query library: ``queries/*.rq`` files and their header blocks.

A header is a run of ``# key: value`` comment lines at the top of the file::

    # name: measures_by_agency
    # summary: Measures an agency leads or supports
    # summary_zh: 某机构牵头或配合的措施
    # param: agency zh  the agency's canonical name
    # param: role string optional  lead | support
    # returns: agency role measure heading source
    # example: policykg query measures_by_agency --param agency=深圳市市场监督管理局
    # audience: internal     (optional: the query feeds export, align or the workbench; listed by --all)

Parameter types: ``iri``, ``string``, ``zh`` (a literal tagged @zh), ``integer``, ``date``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..ingest.errors import PolicyKGError

PARAM_TYPES = ("iri", "string", "zh", "integer", "date")
_HEADER = re.compile(r"^#\s*(\w+)\s*:\s*(.*?)\s*$")


class QueryNotFound(PolicyKGError):
    pass


class QueryFileError(PolicyKGError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    doc: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    summary_zh: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    examples: tuple[str, ...]
    sparql: str
    path: str
    audience: str = "analyst"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query(text: str, path: str) -> NamedQuery:
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            fields.setdefault(m.group(1), []).append(m.group(2))
    params = []
    for raw in fields.get("param", []):
        parts = raw.split(None, 2)
        if len(parts) < 2 or parts[1] not in PARAM_TYPES:
            raise QueryFileError(f"{path}: bad param line {raw!r} (want: NAME TYPE [optional] DOC, TYPE one of {', '.join(PARAM_TYPES)})")
        rest = parts[2] if len(parts) > 2 else ""
        optional = rest.startswith("optional")
        params.append(Param(parts[0], parts[1], optional, rest.removeprefix("optional").strip()))
    name = (fields.get("name") or [path.rsplit("/", 1)[-1].removesuffix(".rq")])[0]
    return NamedQuery(
        name=name,
        summary=" ".join(fields.get("summary", [])),
        summary_zh=" ".join(fields.get("summary_zh", [])),
        params=tuple(params),
        returns=tuple((fields.get("returns") or [""])[0].split()),
        examples=tuple(fields.get("example", [])),
        sparql=text,
        path=path,
        audience=(fields.get("audience") or ["analyst"])[0],
    )


# Query families that only feed other commands (export records, alignment input, graph views);
# a query may also say so itself with ``# audience: internal``.
INTERNAL_PREFIXES = ("export_", "align_", "edges_", "workbench_")


def is_internal(q: NamedQuery) -> bool:
    """Hidden from ``query --list`` and the workbench's forms unless asked for (``--all``)."""
    return q.audience == "internal" or q.name.startswith(INTERNAL_PREFIXES)


@lru_cache(maxsize=1)
def all_queries() -> dict[str, NamedQuery]:
    out = {}
    for res in sorted(resources.files("policykg.queries").iterdir(), key=lambda r: r.name):
        if res.name.endswith(".rq"):
            q = parse_query(res.read_text(encoding="utf-8"), f"queries/{res.name}")
            out[q.name] = q
    return out


def get_query(name: str) -> NamedQuery:
    queries = all_queries()
    if name not in queries:
        close = [n for n in queries if name in n or n in name]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see: policykg query --list)"
        raise QueryNotFound(f"no named query {name!r}{hint}")
    return queries[name]


def render_readme(queries: dict[str, NamedQuery] | None = None) -> str:
    """queries/README.md, generated from the .rq headers (tests check that it is current)."""
    queries = all_queries() if queries is None else queries
    out = [
        "# Named queries",
        "",
        "Generated from the header blocks of `queries/*.rq` by `policykg.queries.catalog.render_readme()`;",
        "do not edit by hand (`tests/test_queries.py` checks that this file is current).",
        "Run one with `policykg query NAME --param key=value`; list them with `policykg query --list`.",
        "",
        "| query | summary | parameters |",
        "| --- | --- | --- |",
    ]
    for q in queries.values():
        params = ", ".join(f"`{p.name}`" + (" (optional)" if p.optional else "") for p in q.params) or "—"
        out.append(f"| [`{q.name}`](#{q.name}) | {q.summary} | {params} |")
    for q in queries.values():
        out += ["", f"## {q.name}", "", q.summary + ("  " if q.summary_zh else ""), *( [q.summary_zh] if q.summary_zh else []), ""]
        if q.params:
            out.append("Parameters:")
            out.append("")
            for p in q.params:
                out.append(f"- `{p.name}` ({p.type}{', optional' if p.optional else ''}): {p.doc}")
            out.append("")
        out.append(f"Returns: {' '.join(f'`{r}`' for r in q.returns) or '—'}")
        for ex in q.examples:
            out += ["", "```sh", ex, "```"]
        out.append(f"\nSource: [`{q.path.removeprefix('queries/')}`]({q.path.removeprefix('queries/')})")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # python -m policykg.queries.catalog > queries/README.md
    import sys

    sys.stdout.write(render_readme())
