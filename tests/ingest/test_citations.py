import pytest

from policykg.ingest.components.citations import find_citations
from policykg.ingest.record import DocumentMeta, Measure, Span
from policykg.ingest.text import normalize


def cites(text, title=None, number=None, measures=()):
    meta = DocumentMeta(title, number, (), None, None, None, None)
    return find_citations(normalize(text), meta, tuple(measures))


@pytest.mark.parametrize("text,expected", [
    ("为贯彻落实《广东省建设引领型知识产权强省试点省实施方案》(粤府[2016]56号),现提出如下意见。\n一、总体",
     [("粤府〔2016〕56号", "implements")]),
    ("为贯彻落实《国务院关于新形势下加快知识产权强国建设的若干意见》,结合实际提出如下意见。\n一、总体",
     [("国发〔2015〕71号", "implements")]),
    ("一、背景\n《中共中央国务院关于深化 体制机制改革 加快实施创新驱动发展战略的若干意见》(中发 [2015]8号)把知识产权作为保障。",
     [("中发〔2015〕8号", "cites")]),
    ("一、任务\n推广《企业知识产权管理规范》。贯彻《企业知识产权管理规范》。", [(None, "cites")]),
    ("一、任务\n依据国发〔2008〕18号文件精神开展工作。", [("国发〔2008〕18号", "cites")]),
    ("一、任务\n落实《人民日报》报道。", []),
])
def test_citations_found(text, expected):
    found, _ = cites(text)
    assert [(c.doc_number, c.relation) for c in found] == expected


def test_citations_own_title_is_not_cited():
    text = "根据《国务院关于新形势下加快知识产权强国建设的若干意见》(国发〔2015〕71号),制定《深圳市工作方案(2019-2021年)》。\n(一)指导思想。"
    found, _ = cites(text, title="深圳市工作方案(2019-2021年)")
    assert [c.doc_number for c in found] == ["国发〔2015〕71号"]


def test_citations_notice_and_plan_title_are_one():
    text = ("一、任务\n落实《广东省人民政府关于印发广东省建设引领型知识产权强省试点省实施方案的通知》"
            "和《广东省建设引领型知识产权强省试点省实施方案》。")
    found, _ = cites(text)
    assert len(found) == 1 and found[0].doc_number == "粤府〔2016〕56号"


def test_citations_region_prefixed_title_is_the_same_document():
    found, _ = cites("一、任务\n出台《专利申请资助专项资金管理办法》。修订《汕头市专利申请资助专项资金管理办法》。")
    assert len(found) == 1


def test_citations_measure_level():
    text = "一、任务\n1.落实条例。贯彻《深圳经济特区知识产权保护条例》。"
    m = Measure("1", "落实条例", None, "task", Span(5, len(text)), Span(7, 11))
    found, measures = cites(text, measures=[m])
    assert measures[0].cites == (0,)
