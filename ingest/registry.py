"""The jurisdiction-scoped agency registry (``ontology/catalog/agencies.tsv``).

The same short name is a different agency in each jurisdiction: ``市市场监管局`` in a 深圳市
document is 深圳市市场监督管理局 (key ``深圳市/市场监督管理局``), in a 珠海市 document
珠海市市场监督管理局. National bodies (国家知识产权局, 海关总署, …) have jurisdiction
``"national"``. A name the registry does not know still becomes an ``Agency``, with
``canonical=None`` and a key ``unresolved/<jurisdiction>/<name>``.

>>> reg = load_registry()
>>> a = reg.resolve("市市场监管局", Jurisdiction("深圳市", "广东省", "municipal"))
>>> a.canonical, a.key, a.jurisdiction
('深圳市市场监督管理局', '深圳市/市场监督管理局', '深圳市')
>>> reg.resolve("公安部", Jurisdiction("深圳市", "广东省", "municipal")).key
'national/公安部'
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import PatternFileError
from .record import Agency, Span
from .text import squash

_ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "catalog"
SCOPES_FIXED = {"local", "national"}
ADMIN_PREFIXES = ("自治区", "自治州", "市", "省", "区", "县", "州", "盟", "旗")


def _catalog_file(name: str) -> Path:
    try:
        from importlib.resources import files

        p = files("policykg.ontology.catalog") / name
        if p.is_file():
            return Path(str(p))
    except (ModuleNotFoundError, TypeError):
        pass
    return _ONTOLOGY / name


@dataclass(frozen=True)
class Jurisdiction:
    region: str | None  # 深圳市, 广东省, 重庆市; None when unknown
    province: str | None
    level: str | None  # national | provincial | municipal | county

    @property
    def national(self) -> bool:
        return self.level == "national"


@dataclass(frozen=True)
class Entry:
    scope: str
    name: str
    template: str


@dataclass(frozen=True)
class Region:
    name: str
    kind: str
    province: str
    short: str


class Registry:
    def __init__(self, entries: list[tuple[Entry, list[str], list[str]]], regions: list[Region]):
        self.local: dict[str, Entry] = {}  # core alias -> generic type
        self.scoped: dict[tuple[str, str], Entry] = {}  # (region, alias) -> body of that region
        self.national: dict[str, Entry] = {}  # alias -> national body
        self.national_bare: dict[str, Entry] = {}  # bare alias valid in national documents
        for entry, aliases, bare in entries:
            names = [entry.name, *aliases]
            if entry.scope == "local":
                self.local.update((n, entry) for n in names)
            elif entry.scope == "national":
                self.national.update((n, entry) for n in names)
                self.national_bare.update((n, entry) for n in bare)
            else:
                self.scoped.update(((entry.scope, n), entry) for n in names)
        self.scoped_names = {n for _, n in self.scoped}
        self.regions = {r.name: r for r in regions}
        places = {r.name: r for r in regions}
        places.update((r.short, r) for r in regions if len(r.short) >= 2 and r.short not in places)
        self.places = places
        self._place_rx = re.compile("|".join(sorted(map(re.escape, places), key=len, reverse=True))) if places else None

    # -- names --------------------------------------------------------------------------
    def split_place(self, name: str) -> tuple[Region | None, str, str]:
        """(region named at the start, the prefix as written, the rest)."""
        if self._place_rx:
            m = self._place_rx.match(name)
            if m and len(name) > m.end():
                rest = name[m.end():]
                region = self.places[m.group()]
                if m.group() == region.short and rest[:1] in ("市", "省") and region.name.endswith(rest[:1]):
                    return region, name[: m.end() + 1], rest[1:]
                return region, m.group(), rest
        return None, "", name

    def admin_prefix(self, name: str) -> tuple[str, str]:
        """('市', '市场监管局') for '市市场监管局'; ('', '市场监管局') for '市场监管局'."""
        for p in ADMIN_PREFIXES:
            if name.startswith(p) and len(name) > len(p) + 1:
                rest = name[len(p):]
                if self._known_core(rest) or not self._known_core(name):  # 市场监管局 keeps its 市
                    return p, rest
        return "", name

    def _known_core(self, core: str) -> bool:
        return core in self.local or core in self.scoped_names

    def has_prefix(self, name: str) -> bool:
        """Whether a listed name carries its own jurisdiction (市…, 深圳…, 国家…, 各…)."""
        if re.match(r"(?:各|本|全|有关|相关|国家|国务院|中央|中共|中国|中华|全国|最高)", name):
            return True
        if name in self.national or name in self.scoped_names:
            return True
        if self._place_rx and self._place_rx.search(name):  # 人民银行温州市中心支行
            return True
        return bool(self.admin_prefix(name)[0])

    # -- resolution ---------------------------------------------------------------------
    def resolve(self, name: str, where: Jurisdiction, span: Span | None = None) -> Agency:
        name = squash(name)
        entry = self.national.get(name) or (self.national_bare.get(name) if where.national else None)
        if entry:
            return Agency(name, entry.name, f"national/{entry.name}", "national", span)
        region, _, rest = self.split_place(name)
        prefix = ""
        if region is None:
            prefix, rest = self.admin_prefix(name)
            region = self._region_for(prefix, where)
        region_name = region.name if region else (where.region if not prefix and not where.national else None)
        if where.national and not prefix and region is None:
            region_name = None
        if region_name:
            entry = self.scoped.get((region_name, rest)) or self.scoped.get((region_name, name))
            if entry:
                return Agency(name, entry.name, f"{region_name}/{entry.name}", region_name, span)
        entry = self.local.get(rest)
        if entry and region_name:
            reg = self.regions.get(region_name)
            place = reg.short if reg else re.sub(r"(市|省|自治区|特别行政区)$", "", region_name)
            canonical = (entry.template or "{region}{name}").format(region=region_name, place=place, name=entry.name)
            return Agency(name, canonical, f"{region_name}/{entry.name}", region_name, span)
        return Agency(name, None, f"unresolved/{region_name or '-'}/{rest}", region_name, span)

    def _region_for(self, prefix: str, where: Jurisdiction) -> Region | None:
        if where.region is None:
            return None
        own = self.regions.get(where.region) or Region(where.region, "", where.province or "", where.region[:-1])
        if prefix == "省":
            prov = where.province or where.region
            return self.regions.get(prov) or Region(prov, "province", prov, prov[:-1])
        return own

    # -- jurisdiction of a text -----------------------------------------------------------
    def dominant_region(self, text: str) -> Jurisdiction:
        """The city or province a text is mostly about (used when metadata found no region)."""
        full = [r.name for r in self.regions.values()]
        if not full:
            return Jurisdiction(None, None, None)
        rx = _names_rx(tuple(sorted(full, key=len, reverse=True)))
        counts = Counter(m.group() for m in rx.finditer(text))
        head = text[:400]
        for name in list(counts):
            counts[name] += 3 * head.count(name)
        if not counts:
            if re.search(r"国务院|各省、自治区、直辖市", head):
                return Jurisdiction(None, None, "national")
            return Jurisdiction(None, None, None)
        cities = [n for n in counts if self.regions[n].kind != "province" and counts[n] >= 2]
        name = max(cities or counts, key=lambda n: counts[n])
        r = self.regions[name]
        level = {"municipality": "provincial", "province": "provincial", "prefecture": "municipal", "county": "county"}.get(r.kind)
        return Jurisdiction(r.name, r.province or r.name, level)


@lru_cache(maxsize=8)
def _names_rx(names: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, names)))


def _read_registry(path: Path) -> list[tuple[Entry, list[str], list[str]]]:
    rows = []
    header = True
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header:
            header = False
            if cells[0] == "scope":
                continue
        if len(cells) != 5:
            raise PatternFileError(str(path), n, f"expected 5 tab-separated fields, found {len(cells)}")
        scope, name, aliases, bare, template = (c.strip() for c in cells)
        if not name:
            raise PatternFileError(str(path), n, "empty name")
        if scope not in SCOPES_FIXED and not re.fullmatch(r"\w+?(市|省|自治区|区|县|州|盟|旗)", scope):
            raise PatternFileError(str(path), n, f"unknown scope {scope!r} (local, national or a region name)")
        split = lambda s: [a for a in s.split("|") if a]
        rows.append((Entry(scope, name, template), split(aliases), split(bare)))
    return rows


def _read_regions(path: Path) -> list[Region]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t") + [""] * 5
        if cells[0] == "name":
            continue
        name, kind, province, _parent, short = (c.strip() for c in cells[:5])
        out.append(Region(name, kind, province, short or re.sub(r"(市|省|自治区|区|县)$", "", name)))
    return out


@lru_cache(maxsize=None)
def load_registry(path: str | None = None) -> Registry:
    p = Path(path) if path else _catalog_file("agencies.tsv")
    return Registry(_read_registry(p), _read_regions(_catalog_file("regions.tsv")))
