"""The repair stage: degraded text is repaired before structure, and every span still points into
the text as read."""
from policykg.ingest.pipeline import extract
from policykg.ingest.readers import read
from policykg.ingest.repair import repair


def test_pinyin_after_characters_is_removed_and_spans_map_back():
    text = "國務(wù)院關(guān)于印發(fā)某規劃的通知"
    fixed = repair(text)
    assert fixed.text == "國務院關于印發某規劃的通知"
    start = fixed.text.index("關于")
    s, e = fixed.span(start, start + 2)
    assert text[s:e].replace("(guān)", "") == "關于"


def test_noise_lines_and_page_markers_go():
    text = "首页 > 政务公开 > 文件\n分享到：微信 微博\n某市知识产权工作方案\n第1页/共5页\n一、总体要求\n2/7\n"
    assert repair(text).text == "某市知识产权工作方案\n一、总体要求\n"


def test_browser_print_header_and_footer_between_wrapped_lines():
    text = ("1.加强行政保护。严厉打击各类侵权假冒行为，由市市场监管局牵\n2023/3/2 14:05 某市知识产权工作方案\n"
            "https://www.example.gov.cn/art/2023/3/2/art_1.html 2/7\n头，市公安局配合。")
    assert repair(text).text == "1.加强行政保护。严厉打击各类侵权假冒行为，由市市场监管局牵头，市公安局配合。"


def test_spaced_digits_and_numbers():
    assert repair("到 2 0 2 5 年，发明专利达到 19 件。").text == "到2025年，发明专利达到19件。"


def test_lost_line_breaks_are_restored_in_run_on_text():
    para = "一、主要任务（一）提升创造质量。1.培育高价值专利。（市科技局负责）2.加强布局。（市工信局负责）"
    fixed = repair(para * 8)
    lines = fixed.text.split("\n")
    assert "（一）提升创造质量。" in lines and "2.加强布局。（市工信局负责）" in lines


def test_unchanged_text_has_no_map():
    assert not repair("某市人民政府关于加强知识产权保护的意见\n一、总体要求").changed


def test_extracted_spans_point_into_the_text_as_read(tmp_path):
    raw = ("当前位置：首页 > 政策文件\n某市知识产(chǎn)权(quán)工作方案\n"
           "一、主要任务\n1.提升创造质量。加强专利培育。（市知识产(chǎn)权(quán)局负责）\n")
    path = tmp_path / "page.txt"
    path.write_text(raw, encoding="utf-8")
    doc = extract(read(path))
    assert doc.meta.title == "某市知识产权工作方案"
    span = doc.meta.title_span
    assert raw[span.start:span.end].startswith("某市知识产(chǎn)权")
    for m in doc.measures:
        assert raw[m.heading_span.start:m.heading_span.end].startswith("提升创造")


def test_chrome_rules_leave_real_lines_that_open_with_the_same_words():
    text = "登录 | 注册\n注册商标专用权保护行动\n技术支持服务体系建设\n技术支持：某网络公司\n"
    assert repair(text).text == "注册商标专用权保护行动\n技术支持服务体系建设\n"


def test_scraper_word_marks_are_removed_and_offsets_kept():
    text = "根据@@《专利转化运用专项行动方案@@@@（2023—2025年@@）》，现就@@有关事项通知如下@@："
    fixed = repair(text)
    assert fixed.text == "根据《专利转化运用专项行动方案（2023—2025年）》，现就有关事项通知如下："
    start = fixed.text.index("专利")
    s, e = fixed.span(start, start + 2)
    assert text[s:e] == "专利"


def test_a_title_run_into_its_addressees_and_preamble_gets_its_breaks_back():
    body = "一、主要目标到2025年，全市有效注册商标总数突破60000件。" * 8
    text = "某市关于推进商标品牌建设的意见各县、区人民政府，市各有关部门：为贯彻落实上级部署，制定本意见。" + body
    lines = repair(text).text.split("\n")
    assert lines[0] == "某市关于推进商标品牌建设的意见"
    assert lines[1] == "各县、区人民政府，市各有关部门："
    assert lines[2].startswith("为贯彻落实上级部署")


def test_characters_set_apart_close_up_and_a_tag_cloud_goes():
    text = "政策政策政策强国强国强国专利专利专利\n为 深 入 贯 彻 落 实 《 安 徽 省 规 划 》,制定本方案。便民 利民\n"
    fixed = repair(text)
    assert fixed.text == "为深入贯彻落实《安徽省规划》,制定本方案。便民 利民\n"  # two-character words stay as they are
    start = fixed.text.index("贯彻")
    s, e = fixed.span(start, start + 2)
    assert text[s:e] == "贯 彻"


def test_gbk_read_out_of_step_is_read_again_with_offsets_kept():
    """（一）推進… in GBK read one byte late after a lost byte comes out as ?。ㄒ唬┩七M…; read again in
    step from the characters as read, the numbering mark is back and spans still point into the text."""
    from policykg.ingest.text import normalize
    raw = "一、主要任務\n ?。ㄒ唬┙ㄔO高價值專利培育中心。支持企業開展專利布局。\n"
    fixed = repair(normalize(raw), raw)
    assert "（一）建设高价值专利培育中心。" in fixed.text
    start = fixed.text.index("（一）")
    assert fixed.span(start, start + 3)[0] == raw.index("?")


def test_a_real_question_mark_before_chinese_text_stays():
    from policykg.ingest.text import normalize
    raw = "是否需要申报?请咨询市市场监管局。\n"
    assert repair(normalize(raw), raw).text == normalize(raw)


def test_markup_quoted_in_a_plain_text_stays_but_a_dumped_page_loses_its_tags():
    quoted = '关于<script>alert("x")</script>的通知\n各单位：\n正文。\n'
    assert repair(quoted).text == quoted
    dumped = "<p>某市知识产权工作要点</p><p>一、总体要求</p><p>&ldquo;十五五&rdquo;期间…</p><br/><p>二、重点任务</p>"
    fixed = repair(dumped)
    assert "<p>" not in fixed.text and "“十五五”" in fixed.text
    start = fixed.text.index("一、总体要求")
    assert dumped[slice(*fixed.span(start, start + 6))] == "一、总体要求"
