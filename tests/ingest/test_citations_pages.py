"""Citations on real pages: the document's own name and number are no citations, short names stand
for the document named before them, forms are no documents, and the basis is what this text says
it acts on."""
from policykg.ingest.pipeline import as_record, extract
from policykg.ingest.record import Source


def citations(text: str) -> dict[str, str]:
    record = as_record(extract(Source("x.txt", "x.txt", text, "text/plain", "0")))
    return {c["title"] or c["doc_number"]: c["relation"] for c in record["citations"]}


def test_own_title_and_number_and_short_names():
    found = citations(
        "梅州市人民政府关于印发梅州市专利导航工程实施方案的通知\n梅市府〔2022〕31号\n各县（市、区）人民政府：\n"
        "现将《梅州市专利导航工程实施方案》印发给你们。\n梅州市人民政府\n2022年7月18日\n梅州市专利导航工程实施方案\n"
        "根据《广东省专利导航工程实施方案（2021—2025年）》（粤市监知〔2021〕236号，以下简称《省方案》），结合我市实际，制定本方案。\n"
        "一、主要任务\n1.开展产业专利导航。落实《省方案》确定的任务，结果填入《重大项目评议登记表》。（市市场监管局负责）\n")
    assert found == {"广东省专利导航工程实施方案（2021—2025年）": "implements"}


def test_a_bare_document_type_is_the_document_named_before_it():
    found = citations("为贯彻落实《国家知识产权保护示范区建设方案》，结合实际，制定本方案。对照《方案》的要求推进。\n一、任务\n")
    assert found == {"国家知识产权保护示范区建设方案": "implements"}


def test_the_basis_verb_must_be_this_texts():
    # 确定 inside the quoted title is no verb of this text; the plan's basis is the 按照 sentence
    found = citations(
        "太仓市工作方案\n根据《国家知识产权局关于确定强县建设示范县的通知》，国家知识产权局确认太仓市为示范县。"
        "按照《知识产权强国建设纲要（2021—2035年）》任务部署，现结合太仓实际，制定本工作方案。\n一、总体思路\n")
    assert found == {"国家知识产权局关于确定强县建设示范县的通知": "cites", "知识产权强国建设纲要（2021—2035年）": "implements"}


def test_a_notice_acts_on_its_basis():
    found = citations(
        "某办公室关于编制工作要点的通知\n各省知识产权局：\n根据《国务院关于新形势下加快知识产权强国建设的若干意见》任务部署，"
        "联席会议办公室现组织开展工作要点编制工作。\n结合《2023年全国打击侵权假冒工作要点》和本市实际，推进工作。\n")
    assert set(found.values()) == {"implements"} and len(found) == 2
