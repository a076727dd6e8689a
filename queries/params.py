"""Parameter values as analysts write them, mapped to the values the store holds.

``policykg query`` and the workbench's query forms both go through ``resolve_params``:
any bracket style of 发文字号, roles and classes in Chinese or English, agencies as written
(``市场监管局``) resolved in the jurisdictions the store knows, places with or without 市/省, ids as
the CLI prints them. A value that matches nothing is an error that names the nearest known
values, never a silent empty table. The aliases are data: ``queries/param_aliases.tsv``.
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import quote

from ..graph.ids import doc_iri, normalize_doc_number
from ..graph.store import Backend
from ..graph.terms import ID
from .catalog import NamedQuery
from .run import ParameterError, run_query

# Parameters whose value must be one of the store's known values, and which known_values.rq
# column answers for them. Parameters not listed (keyword, year) are free.
CHECKED = {"agency": "agency", "region": "region", "province": "province", "upstream_number": "upstream_number",
           "source": "source", "level": "level", "stage": "stage", "instrument": "instrument", "tool": "tool",
           "role": "role"}
FIXED = {"role": ["lead", "support"], "level": ["national", "provincial", "municipal", "county"]}
_PLACE_SUFFIX = re.compile(r"(省|市|自治区|特别行政区|地区|自治州|县|区)$")


@dataclass
class KnownValues:
    values: dict[str, list[str]]        # param -> values as stored
    english: dict[str, dict[str, str]]  # param -> English label (lower case) -> value
    jurisdiction: dict[str, set[str]]   # agency label -> jurisdictions


def load_known_values(backend: Backend) -> KnownValues:
    values: dict[str, list[str]] = defaultdict(list)
    english: dict[str, dict[str, str]] = defaultdict(dict)
    for r in run_query(backend, "known_values").records():
        if r["value"] not in values[r["param"]]:
            values[r["param"]].append(r["value"])
        if r["label_en"]:
            english[r["param"]][r["label_en"].lower()] = r["value"]
            english[r["param"]][r["label_en"].split()[0].lower().rstrip("-")] = r["value"]
    for p, vs in FIXED.items():
        values[p] = vs
    jurisdiction: dict[str, set[str]] = defaultdict(set)
    for r in run_query(backend, "workbench_agencies").records():
        if r["jurisdiction"]:
            jurisdiction[r["label"]].add(r["jurisdiction"])
    for vs in values.values():
        vs.sort()
    return KnownValues(dict(values), dict(english), dict(jurisdiction))


@lru_cache(maxsize=1)
def aliases() -> dict[str, dict[str, str]]:
    """param -> {as written (lower case): value} from queries/param_aliases.tsv."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    text = resources.files("policykg.queries").joinpath("param_aliases.tsv").read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ParameterError(f"queries/param_aliases.tsv:{n}: expected param<TAB>as written<TAB>value")
        out[parts[0]][parts[1].strip().lower()] = parts[2].strip()
    return dict(out)


_DOC_NUMBER = re.compile(r"[〔\[(（【［]\s*\d{4}\s*[〕\])）】］]\s*\d+\s*号")


def expand_id(value: str) -> str:
    """An id as the CLI prints it (``src/5f3a…/m/7``, ``doc/国务院/国发〔2015〕71号``) -> its IRI.
    ``doc/{发文字号}`` alone, in any bracket style, names the document by the identity rule."""
    value = value.strip()
    if re.match(r"^[a-zA-Z][\w+.-]*:", value):  # already an absolute IRI
        return value
    parts = value.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "doc" and _DOC_NUMBER.search(parts[1]):
        return doc_iri(parts[1])
    return ID + "/".join(quote(part, safe="") for part in parts)


def nearest(value: str, known: list[str], n: int = 5) -> list[str]:
    """Known values closest to what was written: containment first, then edit similarity."""
    v = value.strip()
    contains = [k for k in known if v and (v in k or k in v)]
    close = difflib.get_close_matches(v, known, n=n, cutoff=0.3)
    return list(dict.fromkeys(contains + close))[:n]


def resolve_value(name: str, value: str, known: KnownValues, region_hint: str | None = None) -> str:
    """The stored value for what an analyst wrote for parameter ``name``, or a ParameterError."""
    values = known.values.get(CHECKED.get(name, name), [])
    v = value.strip()
    if v in values:
        return v
    low = v.lower()
    alias = aliases().get(name, {}).get(low) or known.english.get(name, {}).get(low)
    if alias and alias in values:
        return alias
    if alias and name in ("stage", "instrument", "tool"):  # a real class no measure has here yet
        return alias
    if name == "upstream_number":
        target = normalize_doc_number(v)
        for stored in values:
            if normalize_doc_number(stored) == target:
                return stored
    if name in ("region", "province"):
        bare = _PLACE_SUFFIX.sub("", v)
        hits = [s for s in values if _PLACE_SUFFIX.sub("", s) == bare]
        if len(hits) == 1:
            return hits[0]
    if name == "agency":
        hits = _resolve_agency(v, known, region_hint)
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            where = "; ".join(f"{h} ({'、'.join(sorted(known.jurisdiction.get(h, ())) or ['?'])})" for h in hits)
            raise ParameterError(f"agency {v!r} names more than one agency here: {where}. "
                                 f"Give the full name, or the place first ({sorted(known.jurisdiction.get(hits[0], {''}))[0]}{v})")
    hint = nearest(v, values)
    shown = ", ".join(hint) if hint else ", ".join(values[:8]) + (" …" if len(values) > 8 else "")
    what = "nearest known values" if hint else "known values"
    raise ParameterError(f"no {name} {v!r} in this store; {what}: {shown or 'none (is anything ingested?)'}")


def _resolve_agency(name: str, known: KnownValues, region_hint: str | None) -> list[str]:
    """Agencies as written (市场监管局, 市市场监管局) resolved in each jurisdiction the store knows."""
    from ..ingest.registry import Jurisdiction, load_registry

    registry = load_registry()
    labels = set(known.values.get("agency", []))
    places = sorted({j for js in known.jurisdiction.values() for j in js if j != "中华人民共和国"})
    if region_hint:
        places = [p for p in places if _PLACE_SUFFIX.sub("", p) == _PLACE_SUFFIX.sub("", region_hint)] or places
    hits = []
    for place in places:
        a = registry.resolve(name, Jurisdiction(place, None, "municipal"))
        if a.canonical in labels and a.canonical not in hits:
            hits.append(a.canonical)
    if not hits:  # unresolved agencies keep the name as written: match it within a jurisdiction
        hits = [label for label in labels if label == name and (not region_hint or region_hint in "".join(known.jurisdiction.get(label, ())))]
    return hits


def resolve_params(backend: Backend, query: NamedQuery, params: dict[str, str],
                   known: KnownValues | None = None) -> dict[str, str]:
    """Map every given parameter to what the store holds (see the module docstring)."""
    out = dict(params)
    for k, v in params.items():
        p = query.param(k)
        if p is None:
            continue  # bind() names the unknown parameter
        if p.type == "iri":
            out[k] = expand_id(v)
        elif k in CHECKED:
            if known is None:
                known = load_known_values(backend)
            out[k] = resolve_value(k, v, known, region_hint=params.get("region"))
    return out
