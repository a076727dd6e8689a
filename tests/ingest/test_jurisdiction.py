"""Jurisdiction: national bodies stay national in a national document, and the metadata stage
gives county-level issuers their county, prefecture and province."""
from policykg.ingest.components.metadata import find_metadata
from policykg.ingest.pipeline import as_record, extract
from policykg.ingest.record import Source
from policykg.ingest.text import normalize


def _source(text: str) -> Source:
    return Source("x.txt", "x.txt", text, "text/plain", "0")


def test_national_bodies_in_a_list_keep_no_city_prefix():
    text = ("各有关单位：\n现将《年度推进计划》印发给你们。\n"
            "国务院知识产权战略实施工作部际联席会议办公室\n（国家知识产权局代章）\n2021年12月27日\n年度推进计划\n一、完善制度\n"
            "1.推进修订专利审查规则。（市场监管总局、农业农村部、知识产权局负责）\n")
    record = as_record(extract(_source(text)))
    assert record["document"]["level"] == "national"
    leads = {a["name"] for a in record["measures"][0]["lead"]}
    assert leads == {"市场监管总局", "农业农村部", "知识产权局"}
    assert "国家知识产权局" in {a["canonical"] for a in record["measures"][0]["lead"]}


def test_seal_note_is_no_issuer_and_the_office_is_national():
    meta = find_metadata(normalize(
        "各成员单位：\n现将《年度推进计划》印发给你们。\n国务院知识产权战略实施工作部际联席会议办公室\n"
        "（国家知识产权局代章）\n2021年12月27日\n"), _source(""))
    assert meta.issuers == ("国务院知识产权战略实施工作部际联席会议办公室",)
    assert meta.level == "national" and meta.date == "2021-12-27"


def test_county_level_city_and_district_of_a_municipality():
    meta = find_metadata(normalize("太仓市人民政府办公室关于印发某工作方案的通知\n各镇：\n正文。\n"), _source(""))
    assert (meta.region, meta.province, meta.level) == ("太仓市", "江苏省", "county")
    meta = find_metadata(normalize("上海市徐汇区市场监督管理局关于印发某实施方案的通知\n各科室：\n正文。\n"), _source(""))
    assert (meta.region, meta.province, meta.level) == ("徐汇区", "上海市", "county")
