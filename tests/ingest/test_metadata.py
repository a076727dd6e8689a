import pytest

from policykg.ingest.components.metadata import find_metadata, parse_date
from policykg.ingest.record import Source
from policykg.ingest.text import normalize


def meta(text: str, fields=()):
    return find_metadata(normalize(text), Source("x.txt", "x.txt", text, "text/plain", "0", fields=tuple(fields)))


@pytest.mark.parametrize("text,field,expected", [
    ("# 珠海市人民政府\n\n珠府函[2017]127号\n\n## 珠海市人民政府关于建设知识产权强市的意见\n\n各区政府:\n正文。", "doc_number", "珠府函〔2017〕127号"),
    ("关于加快知识产权\n\n强市建设的实施意见\n\n 渝府发（２０１６）２５号\n\n各区县：\n正文。", "title", "关于加快知识产权强市建设的实施意见"),
    ("关于加快知识产权强市建设的实施意见\n渝府发【2016】25号\n各区县：\n正文。", "issuers", ("重庆市人民政府",)),
    ("关于加快知识产权强市建设的实施意见\n渝府发【2016】25号\n各区县：\n正文。", "level", "provincial"),
    ("关于加快知识产权强市建设的实施意见\n渝府发【2016】25号\n各区县：\n正文。", "province", "重庆市"),
    ("当前位置: 首页 > 新闻\n为发挥作用,根据有关规定,制定《深圳市知识产权工作方案(2019-2021年)》。\n(一)指导思想。", "title", "深圳市知识产权工作方案(2019-2021年)"),
    ("鹤壁市人民政府关于加快知识产权强市建设的实施意见\n各县区人民政府:\n正文。\n2017年9月30日", "date", "2017-09-30"),
    ("鹤壁市人民政府关于加快知识产权强市建设的实施意见\n各县区人民政府:\n正文。\n2017年9月30日", "province", "河南省"),
    ("索引号：001/2021-1\n发布机构：平阳县人民政府\n文号：平政发[2021]18号\n成文日期：2021-06-15\n\n温州市平阳县知识产权实施意见\n正文。", "level", "county"),
    ("索引号：001/2021-1\n发布机构：平阳县人民政府\n文号：平政发[2021]18号\n成文日期：2021-06-15\n\n温州市平阳县知识产权实施意见\n正文。", "date", "2021-06-15"),
    ("广东省人民政府关于印发广东省知识产权规划的通知\n粤府〔2016〕56号\n各市：\n现将《广东省知识产权规划》印发给你们。\n广东省人民政府\n二〇一六年五月九日\n", "title", "广东省知识产权规划"),
    ("广东省人民政府关于印发广东省知识产权规划的通知\n粤府〔2016〕56号\n各市：\n现将《广东省知识产权规划》印发给你们。\n广东省人民政府\n二〇一六年五月九日\n", "date", "2016-05-09"),
    ("市場監管總局關於知識產權工作的通知\n各省：\n正文。", "title", "市场监管总局关于知识产权工作的通知"),
])
def test_metadata_field(text, field, expected):
    assert getattr(meta(text), field) == expected


def test_metadata_reader_fields_win():
    m = meta("某页面\n正文。", fields=[("发文字号", "国发(2015)71号"), ("发布机构", "国务院")])
    assert m.doc_number == "国发〔2015〕71号" and m.issuers == ("国务院",) and m.level == "national"


def test_metadata_seal_note_and_copy_list_are_not_issuers():
    m = meta("珠海市人民政府关于建设知识产权强市的意见\n各区:\n正文。\n（珠海市知识产权局代章）\n2017年1月1日\n抄送：市委办公室，市人大办公室。")
    assert m.issuers == ("珠海市人民政府",)


@pytest.mark.parametrize("s,iso", [("二〇一七年九月三十日", "2017-09-30"), ("2017年9月30日", "2017-09-30"), ("2021-06-15", "2021-06-15")])
def test_metadata_parse_date(s, iso):
    assert parse_date(s) == iso


@pytest.mark.parametrize("s", ["2017年6月31日", "二〇一九年二月二十九日", "2021-13-01", "2021年4月0日"])
def test_metadata_parse_date_rejects_days_the_calendar_lacks(s):
    assert parse_date(s) is None  # would be an invalid xsd:date in the store


def test_a_headline_ending_with_the_verb_bushu_is_no_issuer():
    """…迎来新部署 ends with 署 like 海关总署, but 部署 is a verb: the headline names no issuer."""
    from policykg.ingest.components.metadata import is_issuer_name

    assert not is_issuer_name("商标品牌指导站建设迎来新部署")
    assert not is_issuer_name("知识产权保护工作作出新部署")
    assert is_issuer_name("海关总署")


def test_portal_issuer_with_bracketed_aliases_is_one_body():
    """A portal's 发布机构 listing the office's other names in brackets (研究室、机关事务局) names one
    body: the 、 inside the brackets separates no issuers."""
    m = meta("关于做好专利资助工作的通知\n各县区：\n正文。", fields=[("发布机构", "绍兴市政府办公室(研究室、机关事务局)")])
    assert m.issuers == ("绍兴市人民政府办公室",)
