"""Unit cases of the agency-role stage and the jurisdiction-scoped registry."""
from __future__ import annotations

import pytest

from policykg.ingest.components.agencies import assign_agencies, find_roles, load_rules
from policykg.ingest.errors import PatternFileError
from policykg.ingest.record import DocumentMeta, Measure, Span
from policykg.ingest.registry import Jurisdiction, load_registry

SHENZHEN = Jurisdiction("深圳市", "广东省", "municipal")
ZHUHAI = Jurisdiction("珠海市", "广东省", "municipal")
NATIONAL = Jurisdiction(None, None, "national")


def roles(text: str, first_leads: bool = False):
    lead, support = find_roles(text, 0, len(text), first_leads=first_leads)
    return [n for n, _ in lead], [n for n, _ in support]


CASES = {
    "parenthetical_lead_support": (
        "完善激励政策。（市市场监管局牵头，市发展改革委、科技创新委、财政局配合）",
        (["市市场监管局"], ["市发展改革委", "市科技创新委", "市财政局"]),
    ),
    "note_and_deng_stripped": (
        "〔市市场监管局牵头，市科技创新委、各区政府(含新区管委会、深汕特别合作区管委会,下同)、深圳国际仲裁院等配合〕",
        (["市市场监管局"], ["市科技创新委", "各区政府", "深圳国际仲裁院"]),
    ),
    "division_of_duties_all_lead": (
        "（中央宣传部、最高人民法院、公安部按职责分工负责）",
        (["中央宣传部", "最高人民法院", "公安部"], []),
    ),
    "bare_fuze": ("（海关总署负责）", (["海关总署"], [])),
    "labelled_lines": (
        "建设平台。\n牵头单位：市市场监管局；配合单位：市科技局、经信局",
        (["市市场监管局"], ["市科技局", "市经信局"]),
    ),
    "responsibility_list_all_lead": (
        "责任单位：市市场监管局、市科技局", (["市市场监管局", "市科技局"], []),
    ),
    "instruction_alone_assigns_nobody": ("各区、各有关部门要加强组织领导，市财政要保障经费。", ([], [])),
    "beneficiary_not_agency": ("鼓励行业组织牵头研究行业内企业的知识产权纠纷。", ([], [])),
    "joint_conference_not_agency": ("充分发挥市知识产权联席会议作用，有关部门密切配合。", ([], [])),
    "subject_leads_when_others_support": (
        "市知识产权主管部门要充分发挥联席会议的作用。市知识产权联席会议各成员单位积极配合。",
        (["市知识产权主管部门"], ["市知识产权联席会议各成员单位"]),
    ),
    "support_names_lead": ("市公安局配合市市场监管局开展执法。", (["市市场监管局"], ["市公安局"])),
    "huitong": ("市财政局会同市市场监管局审核申请。", (["市财政局"], ["市市场监管局"])),
    "qualifier_brackets_kept": (
        "（市市场监管局牵头，各县（市、区）人民政府配合）", (["市市场监管局"], ["各县（市、区）人民政府"]),
    ),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=CASES.keys())
def test_agencies_roles(text, expected):
    assert roles(text) == expected


def test_agencies_first_unit_leads_when_document_says_so():
    assert roles("责任单位：市市场监管局、市科技局、市经信局", first_leads=True) == (
        ["市市场监管局"], ["市科技局", "市经信局"])


RESOLVE = {
    "shenzhen_short_form": ("市市场监管局", SHENZHEN, "深圳市市场监督管理局", "深圳市/市场监督管理局"),
    "zhuhai_same_name_other_agency": ("市市场监管局", ZHUHAI, "珠海市市场监督管理局", "珠海市/市场监督管理局"),
    "long_form_same_key": ("深圳市市场监督管理局", SHENZHEN, "深圳市市场监督管理局", "深圳市/市场监督管理局"),
    "court": ("市中级法院", SHENZHEN, "深圳市中级人民法院", "深圳市/中级人民法院"),
    "procuratorate": ("市检察院", SHENZHEN, "深圳市人民检察院", "深圳市/人民检察院"),
    "ndrc_local": ("市发展改革委", SHENZHEN, "深圳市发展和改革委员会", "深圳市/发展和改革委员会"),
    "miit_short": ("市工信局", SHENZHEN, "深圳市工业和信息化局", "深圳市/工业和信息化局"),
    "national_body": ("国家知识产权局", SHENZHEN, "国家知识产权局", "national/国家知识产权局"),
    "national_short": ("市场监管总局", SHENZHEN, "国家市场监督管理总局", "national/国家市场监督管理总局"),
    "bare_name_in_national_document": ("知识产权局", NATIONAL, "国家知识产权局", "national/国家知识产权局"),
    "vertical_branch": ("深圳银保监局", SHENZHEN, "中国银行保险监督管理委员会深圳监管局", "深圳市/银保监局"),
    "municipality_office": ("市政府督查室", Jurisdiction("重庆市", "重庆市", "provincial"), "重庆市人民政府督查室", "重庆市/人民政府督查室"),
    "unknown_name": ("各区政府", SHENZHEN, None, "unresolved/深圳市/各区政府"),
}


@pytest.mark.parametrize("name,where,canonical,key", RESOLVE.values(), ids=RESOLVE.keys())
def test_agencies_registry_resolves(name, where, canonical, key):
    a = load_registry().resolve(name, where)
    assert (a.canonical, a.key) == (canonical, key)
    assert a.jurisdiction == ("national" if key.startswith("national/") else where.region)


def test_agencies_jurisdiction_from_text_when_metadata_has_none():
    text = "一、重点任务\n1. 完善政策。珠海市将加强保护。（市市场监管局牵头，市财政局配合）\n珠海市人民政府\n"
    from policykg.ingest.components.structure import find_structure

    _, measures = find_structure(text)
    out = assign_agencies(text, measures, DocumentMeta(None, None, (), None, None, None, None), None)
    assert out[0].lead[0].canonical == "珠海市市场监督管理局"
    assert text[out[0].lead[0].span.start:out[0].lead[0].span.end] == "市市场监管局"


def test_agencies_span_of_distributed_name():
    text = "（市市场监管局牵头，市发展改革委、科技创新委配合）"
    m = Measure("1", "x", None, "task", Span(0, len(text)), Span(0, 1))
    meta = DocumentMeta(None, None, (), None, "深圳市", "广东省", "municipal")
    (out,) = assign_agencies(text, (m,), meta, None)
    sci = out.support[1]
    assert sci.name == "市科技创新委" and text[sci.span.start:sci.span.end] == "科技创新委"


def test_agencies_rules_file_is_validated(tmp_path):
    bad = tmp_path / "roles.jsonl"
    bad.write_text('{"label": "CUE", "pattern": "牵头", "role": "boss"}\n', encoding="utf-8")
    with pytest.raises(PatternFileError):
        load_rules(str(bad))
