"""Metadata on pages as they come: the document's own title, number, date and issuers, whatever
frame the page puts around them."""
import pytest

from policykg.ingest.pipeline import as_record, extract
from policykg.ingest.record import Source


def document(text: str) -> dict:
    return as_record(extract(Source("x.txt", "x.txt", text, "text/plain", "0")))["document"]


@pytest.mark.parametrize("text,field,expected", [
    # a number glued to the title line is metadata, and not part of the title
    ("某省人民政府办公厅关于建立知识产权联席会议制度的通知粤办函〔2019〕267号\n各地级以上市人民政府：\n正文。",
     "doc_number", "粤办函〔2019〕267号"),
    ("某省人民政府办公厅关于建立知识产权联席会议制度的通知粤办函〔2019〕267号\n各地级以上市人民政府：\n正文。",
     "title", "某省人民政府办公厅关于建立知识产权联席会议制度的通知"),
    # a headline is never the title; the document named in it is
    ("当前位置：首页 > 要闻\n河源出台《河源市知识产权强市建设规划（2021—2025年）》\n来源：河源日报　发布时间：2021-12-20\n正文。",
     "title", "河源市知识产权强市建设规划（2021—2025年）"),
    # the plan the notice prints, under its own title line (the notice quotes it slightly otherwise)
    ("郑州市市场监督管理局（知识产权局）关于印发《郑州市服务业发展三年行动计划（2023年-2025年）》的通知\n各有关单位：\n"
     "现将《郑州市服务业发展三年行动计划（2023年-2025年）》印发你们。\n2023年10月16日\n郑州市服务业发展三年行动计划（2023-2025年）\n正文。",
     "title", "郑州市服务业发展三年行动计划（2023-2025年）"),
    ("郑州市市场监督管理局（知识产权局）关于印发《郑州市服务业发展三年行动计划》的通知\n各有关单位：\n现将《郑州市服务业发展三年行动计划》印发你们。\n正文。",
     "issuers", ["郑州市市场监督管理局"]),
    # 批转 wraps a plan drafted by an office
    ("南京市人民政府关于批转市商务局南京市打击侵权假冒专项行动实施方案的通知\n各区县人民政府：\n正文。",
     "title", "南京市打击侵权假冒专项行动实施方案"),
    # dates a scan or a typist left: a letter O for 〇, 年月日 lost
    ("上海市宝山区人民政府办公室关于转发某推进计划的通知\n各镇人民政府：\n正文。\n二OO九年九月二十一日\n", "date", "2009-09-21"),
    ("濮阳市人民政府\n关于印发某工作方案的通知\n各县人民政府：\n正文。\n20141229\n", "date", "2014-12-29"),
    ("苏政发〔2009〕1号 2009年1月5日\n各市、县人民政府：\n正文。", "date", "2009-01-05"),
    # portal tables flattened into lines
    ("[ 发文字号 ] | 大足府发〔2025〕12号 |\n[ 成文日期 ] | 2025-06-23 |\n重庆市大足区知识产权强区行动计划\n正文。", "doc_number", "大足府发〔2025〕12号"),
    ("发文字号:\n融政规〔2021〕1号\n融安县某地理标志使用管理办法\n正文。", "doc_number", "融政规〔2021〕1号"),
    # one full name per body: doubled, province-prefixed, place-less, seal notes
    ("发布机构：市政府办公室市政府办公室\n濮阳市人民政府\n关于印发某工作方案的通知\n各县人民政府：\n正文。", "issuers", ["濮阳市人民政府"]),
    ("颁布部门：广东省惠州市人民政府\n惠州市人民政府关于实施知识产权战略的若干意见\n各县、区人民政府：\n正文。", "issuers", ["惠州市人民政府"]),
    ("发布机构：通州区人民政府\n区政府关于印发某工作方案的通知\n各镇人民政府：\n正文。\n南通市通州区人民政府\n2023年2月17日\n",
     "issuers", ["南通市通州区人民政府"]),
    # a local number names its government when nothing else does
    ("东莞市知识产权专项资金管理办法\n东府办〔2020〕52号\n第一条　为推动建设，制定本办法。", "issuers", ["东莞市人民政府办公室"]),
    # no issuer: who the text is sent to, or whom it gives its tasks, tells the level
    ("某年度推进计划\n各省、自治区、直辖市知识产权局：\n正文。", "level", "national"),
    ("某工作方案\n各区人民政府，市政府各部门：\n正文。", "level", "municipal"),
    ("2025年推进计划\n为落实纲要，制定本计划。\n1.修改商标法。（国家知识产权局、司法部负责）\n2.加强执法。（市场监管总局负责）",
     "level", "national"),
    # several plans printed by one notice: the first is the document
    ("各县、区人民政府：\n《开封市推动制造业发展实施方案》《开封市若干财政支持措施》已经市政府常务会议研究通过，现印发给你们。\n"
     "2020年11月17日\n开封市推动制造业发展实施方案\n正文。", "title", "开封市推动制造业发展实施方案"),
    # portal labels of other sites
    ("发布机构 | 国家知识产权局 | ||\n文件号 | 国知发运字〔2025〕16号 | 制发日期 | 2025-05-21 |\n各省知识产权局：\n正文。",
     "doc_number", "国知发运字〔2025〕16号"),
    ("发文标题: 金华市人民政府关于补齐科技创新短板的若干意见\n发文文号: 金政发[2016]54号\n发文时间: 2016-10-18\n正文。", "date", "2016-10-18"),
    # a news item: 某市政府出台《…》 is 某市人民政府's document
    ("【连网】日前，连云港市政府出台《关于进一步加强知识产权工作的实施意见》。\n正文。", "issuers", ["连云港市人民政府"]),
    # a page run into one line: the number and the signed date inside it
    ("“十四五”某规划国务院关于印发“十四五”某规划的通知 国发〔2021〕20号 各省、自治区、直辖市人民政府,国务院各部委、各直属机构:"
     " 现将《“十四五”某规划》印发给你们,请认真贯彻执行。 国务院 2021年10月9日 (此件公开发布) “十四五”某规划 为贯彻落实党中央、国务院关于"
     "知识产权工作的决策部署,全面加强知识产权保护,高效促进知识产权运用,激发全社会创新活力,推动构建新发展格局,制定本规划。", "date", "2021-10-09"),
    # a site's name and navigation bar above a national notice: its number says whose it is
    ("唐山市知识产权信息中心\n 首页  中心概况  数据分析  服务内容  政策文件 \n当前位置: 首页 > 政策文件 > 正文\n"
     "关于开展全国知识产权宣传周活动的通知\n国知发办字〔2023〕11号\n各省、自治区、直辖市知识产权局：\n正文。",
     "title", "关于开展全国知识产权宣传周活动的通知"),
    ("唐山市知识产权信息中心\n 首页  中心概况  数据分析  服务内容  政策文件 \n"
     "关于开展全国知识产权宣传周活动的通知\n国知发办字〔2023〕11号\n各省、自治区、直辖市知识产权局：\n正文。",
     "level", "national"),
    # two documents printed by one notice; the issuer's place given in the body
    ("市知识产权局关于印发2022年工作总结和2023年工作要点的通知\n各区知识产权局：\n"
     "现将《市知识产权局2022年工作总结》和《市知识产权局2023年工作要点》印发给你们。\n2023年2月28日\n"
     "市知识产权局2022年工作总结\n2022年，天津市知识产权局扎实推进各项工作。", "issuers", ["天津市知识产权局"]),
    ("市知识产权局关于印发2022年工作总结和2023年工作要点的通知\n各区知识产权局：\n"
     "现将《市知识产权局2022年工作总结》和《市知识产权局2023年工作要点》印发给你们。\n2023年2月28日\n"
     "市知识产权局2022年工作总结\n2022年，天津市知识产权局扎实推进各项工作。", "title", "市知识产权局2022年工作总结"),
    ("某工作方案\n各区人民政府，市政府各部门：\n为推动上海市知识产权工作，结合上海市实际，制定本方案。", "level", "provincial"),
])
def test_page_metadata(text, field, expected):
    assert document(text)[field] == expected


def test_what_a_notice_prints_is_no_citation():
    record = as_record(extract(Source("x.txt", "x.txt",
        "市知识产权局关于印发2022年工作总结和2023年工作要点的通知\n各区知识产权局：\n"
        "现将《市知识产权局2022年工作总结》和《市知识产权局2023年工作要点》印发给你们。\n2023年2月28日\n"
        "市知识产权局2022年工作总结\n正文。", "text/plain", "0")))
    assert record["citations"] == []
