import pytest

from policykg.ingest.components.targets import find_targets
from policykg.ingest.record import DocumentMeta, Source
from policykg.ingest.text import normalize


def targets(text, title=None):
    meta = DocumentMeta(title, None, (), None, None, None, None)
    src = Source("x.txt", "x.txt", text, "text/plain", "0")
    return [(t.value, t.unit, t.year, t.comparator) for t in find_targets(normalize(text), (), (), meta, src)]


@pytest.mark.parametrize("text,expected", [
    ("二、主要目标\n到2021年,有效发明专利拥有量达13万件以上。", [(130000, "件", 2021, ">=")]),
    ("二、主要目标\n到2020年,国内有效注册商标总量超过5.5万件。", [(55000, "件", 2020, ">=")]),
    ("二、主要目标\n到2020年,年度知识产权质押融资额达4亿元。", [(400000000, "元", 2020, ">=")]),
    ("二、主要目标\n到2020年,企业比例达到百分之五十。", [(50, "%", 2020, ">=")]),
    ("二、主要目标\n到2020年,PCT国际专利申请量比2016年翻一番。", [(2, "倍", 2020, "=")]),
    ("二、主要目标\n到2020年,建设知识产权联盟1-2个。", [(2, "个", 2020, "<=")]),
    ("二、主要目标\n到2020年,执法办案量不超过300件。", [(300, "件", 2020, "<=")]),
    ("二、主要目标\n到2020年,知识产权优势企业100家。", [(100, "家", 2020, "=")]),
    ("二、主要目标\n到2020年,维权援助服务的企业每年不低于120家。", [(120, "家", 2020, ">=")]),
])
def test_targets_value_forms(text, expected):
    assert targets(text) == expected


@pytest.mark.parametrize("text", [
    "一、发展基础\n2016年,全市专利申请量突破1.8万件。\n二、任务\n推进工作。",
    "二、任务\n对首件发明专利授权给予每件5000元资助。",
    "二、任务\n专利拥有量在30件以上的企业,可申请为重点企业。",
    "二、任务\n实施“5个100”工程,培育一批年发明专利申请量超100件的企业。",
])
def test_targets_not_targets(text):
    assert targets(text) == []


def test_targets_plan_period_gives_the_year():
    text = "——保护环境更加优化。专利商标行政执法办案量年均增幅20%以上。\n二、任务\n到2021年,推进工作。"
    assert targets("二、主要目标\n" + text, title="深圳市工作方案(2019-2021年)")[0][2] == 2021


def test_targets_table_and_prose_are_one():
    text = ("二、主要目标\n到2020年,年发明专利授权量达到400件。\n具体目标表\n\t指标\n\t2020年目标\n\n"
            "\t年发明专利授权量\n\t400件\n\n三、任务\n推进。")
    assert targets(text) == [(400, "件", 2020, ">=")]


def test_a_range_keeps_its_lower_bound_beside_the_record():
    from policykg.ingest.pipeline import as_record, extract
    from policykg.ingest.record import Source

    text = "某市知识产权工作方案\n一、工作目标\n到2025年，培育知识产权密集型产业1至2个，建设服务网点3—5个。\n"
    doc = extract(Source(path="t.txt", name="t.txt", text=text, media_type="text/plain", sha256="0" * 64))
    got = [(t.value, t.lower, t.comparator) for t in doc.targets]
    assert got == [(2, 1, "<="), (5, 3, "<=")]
    assert all(set(t) == {"indicator", "value", "unit", "year", "comparator"} for t in as_record(doc)["targets"])


def test_a_bare_magnitude_after_its_comparator_is_one_of_it():
    """超万亿元 is 1万亿元 (10^12 元): a magnitude with no digit before it counts once."""
    from policykg.ingest.numbers import parse_number
    from policykg.ingest.pipeline import extract
    from policykg.ingest.record import Source

    assert parse_number("万亿") == 1e12
    text = "某省专利产业化方案\n一、主要目标\n到2026年，专利密集型产品产值超万亿元。\n"
    doc = extract(Source(path="t.txt", name="t.txt", text=text, media_type="text/plain", sha256="0"))
    assert [(t.value, t.year, t.comparator) for t in doc.targets] == [(1e12, 2026, ">=")]


def test_how_many_departments_issued_it_is_no_target():
    """某局等10部门关于印发《…》的通知: 10 counts the issuers, it is no goal."""
    from policykg.ingest.pipeline import extract
    from policykg.ingest.record import Source

    text = ("某省市场监督管理局等10部门关于印发《某省数据知识产权登记办法》的通知\n各有关单位：\n"
            "某省市场监督管理局等10部门联合制定了《某省数据知识产权登记办法》，现予印发。\n")
    doc = extract(Source(path="t.txt", name="t.txt", text=text, media_type="text/plain", sha256="0"))
    assert doc.targets == ()



def test_a_past_plan_period_reports_statistics():
    """“十三五”期间…从3200名增至4100名 read in a 2021—2025 plan reports the past; in a 十三五 plan it is its own period."""
    from policykg.ingest.components.targets import sentence_has_past_year
    sentence = "“十三五”期间全县研发人员数从3200名增至4100名，人才总量达到5.3万人"
    assert sentence_has_past_year(sentence, 2025)
    assert not sentence_has_past_year(sentence, 2020)
    assert not sentence_has_past_year("“十四五”期间，全县研发人员达到5000名", 2025)
