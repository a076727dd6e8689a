"""Catalogs kept as data in ``ontology/catalog``: administrative regions, issuer prefixes of
发文字号, and well-known upstream documents (Turtle, read once with rdflib)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .rules import CATALOG, catalog_table

KIND_LEVEL = {"municipality": "provincial", "province": "provincial", "prefecture": "municipal", "county": "county"}


@dataclass(frozen=True)
class Region:
    name: str
    kind: str  # municipality | province | prefecture | county
    province: str
    parent: str | None
    short: str | None

    @property
    def level(self) -> str:
        return KIND_LEVEL[self.kind]


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """Every region by its full name and (when unambiguous, provinces first) its short name."""
    rows = catalog_table("regions.tsv", ("name", "kind", "province", "parent", "short"))
    by_name: dict[str, Region] = {}
    for row in rows:
        by_name[row["name"]] = Region(row["name"], row["kind"], row["province"], row["parent"] or None, row["short"] or None)
    shorts: dict[str, Region] = {}
    for region in by_name.values():
        if region.short and region.short not in by_name:
            previous = shorts.get(region.short)
            if previous is None or (previous.kind == "prefecture" and region.kind != "prefecture"):
                shorts[region.short] = region
    return {**shorts, **by_name}


@lru_cache(maxsize=1)
def region_regex() -> re.Pattern:
    names = sorted(regions(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def region_for(name: str) -> Region | None:
    return regions().get(name)


@lru_cache(maxsize=1)
def counties() -> dict[str, tuple[Region, ...]]:
    """Every county-level unit (县, 县级市, 市辖区, 旗, …) by name; a name can repeat across provinces
    (通州区 in 北京市 and in 南通市), so each name maps to all its units."""
    by_name: dict[str, list[Region]] = {}
    for row in catalog_table("counties.tsv", ("name", "province", "parent", "adcode")):
        by_name.setdefault(row["name"], []).append(Region(row["name"], "county", row["province"], row["parent"], None))
    return {name: tuple(units) for name, units in by_name.items()}


@lru_cache(maxsize=1)
def county_regex() -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(counties(), key=len, reverse=True))))


def find_county(name: str, within: Region | None = None, hint: Region | None = None) -> Region | None:
    """The county-level unit called ``name``: inside ``within`` (its prefecture or province) when
    given, else the only one of that name, else the one in the region ``hint`` (what the text is about)."""
    units = counties().get(name, ())
    if within is not None:
        units = tuple(u for u in units if within.name in (u.parent, u.province))
    if len(units) > 1 and hint is not None:
        near = tuple(u for u in units if hint.name in (u.parent, u.province) or u.province == hint.province)
        units = near or units
    return units[0] if len(units) == 1 else None


def county_region(name: str, province: str) -> Region:
    """The county ``name`` in ``province`` (from the division data; a unit the data lacks is kept
    with the province alone)."""
    within = regions().get(province)
    unit = find_county(name, within) if within is not None else None
    return unit or Region(name, "county", province, None, None)


@dataclass(frozen=True)
class IssuerPrefix:
    prefix: str
    issuer: str
    region: str | None  # a region name, or None for national bodies
    level: str


@lru_cache(maxsize=1)
def issuer_prefixes() -> tuple[IssuerPrefix, ...]:
    """Catalog prefixes plus the rule every province follows: <abbr>府/<abbr>政 is its 人民政府,
    <abbr>府办/<abbr>政办 its 人民政府办公厅."""
    rows = catalog_table("issuers.tsv", ("prefix", "issuer", "region", "level"))
    out = [IssuerPrefix(r["prefix"], r["issuer"], None if r["region"] == "national" else r["region"], r["level"]) for r in rows]
    provinces = [r for r in regions().values() if r.kind in ("province", "municipality") and r.name == r.province]
    abbreviations = catalog_table("province_abbreviations.tsv", ("province", "abbr"))
    known = {p.name for p in provinces}
    for row in abbreviations:
        if row["province"] not in known:
            continue
        for code in ("府", "政"):
            out.append(IssuerPrefix(row["abbr"] + code + "办", row["province"] + "人民政府办公厅", row["province"], "provincial"))
            out.append(IssuerPrefix(row["abbr"] + code, row["province"] + "人民政府", row["province"], "provincial"))
    return tuple(sorted(out, key=lambda p: len(p.prefix), reverse=True))


def issuer_for_doc_number(doc_number: str | None) -> IssuerPrefix | None:
    """The body a doc number's organ code names (粤府函〔2017〕1号 -> 广东省人民政府)."""
    if not doc_number:
        return None
    code = re.split(r"[〔\[(（【［]", doc_number, 1)[0]
    for entry in issuer_prefixes():
        if code.startswith(entry.prefix) and not _office_code(code, entry):
            return entry
    return None


def _office_code(code: str, entry: IssuerPrefix) -> bool:
    """渝府办发 must not fall back to 渝府 (the government) when the office is meant."""
    rest = code[len(entry.prefix):]  # 国知发办字 is 国知发's series 办字, not an office: a 发 code ends the organ
    return rest.startswith("办") and not entry.prefix.endswith(("办", "发"))


@lru_cache(maxsize=4096)
def normalize_title(title: str | None) -> str:
    """Letters and digits only (NFKC): how titles are compared (cached: deduplication compares
    the same titles many times)."""
    out = []
    for ch in unicodedata.normalize("NFKC", title or ""):
        cat = unicodedata.category(ch)
        if cat[0] in "PSZ" or cat in ("Cc", "Cf"):
            continue
        out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class KnownDocument:
    iri: str
    doc_number: str | None
    title: str
    names: tuple[str, ...]  # normalized title and other names
    issuers: tuple[str, ...]
    level: str | None
    implements: tuple[str, ...]  # IRIs


def _level_name(level) -> str | None:
    """pkg:National -> "national" (the catalog uses the ontology's level individuals)."""
    return str(level).rsplit("#", 1)[-1].lower() if level is not None else None


@lru_cache(maxsize=1)
def known_documents() -> tuple[KnownDocument, ...]:
    import rdflib
    from rdflib.namespace import DCTERMS, RDF, SKOS

    pkg = rdflib.Namespace("https://w3id.org/policykg/ontology#")
    graph = rdflib.Graph().parse(CATALOG / "documents.ttl", format="turtle")
    out = []
    for subject in sorted(set(graph.subjects(RDF.type, pkg.PolicyDocument))):
        number = graph.value(subject, pkg.docNumber)
        title = str(graph.value(subject, DCTERMS.title))
        names = [title] + [str(o) for o in graph.objects(subject, SKOS.altLabel)]
        out.append(KnownDocument(
            iri=str(subject),
            doc_number=str(number) if number else None,
            title=title,
            names=tuple(normalize_title(n) for n in names),
            issuers=tuple(sorted(str(o) for o in graph.objects(subject, DCTERMS.creator))),
            level=_level_name(graph.value(subject, pkg.level)),
            implements=tuple(sorted(str(o) for o in graph.objects(subject, pkg.implements))),
        ))
    return tuple(out)


def find_known(doc_number: str | None = None, title: str | None = None) -> KnownDocument | None:
    """The catalog document with this number, or whose title or other name is this title."""
    key = normalize_title(title) if title else None
    for doc in known_documents():
        if doc_number and doc.doc_number == doc_number:
            return doc
        if key and key in doc.names:
            return doc
    return None
