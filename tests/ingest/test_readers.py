"""Readers: every real format and encoding -> one Source (fixtures generated in tmp_path)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from policykg.ingest.charmap import RADICALS
from policykg.ingest.errors import IngestError, UnsupportedFormat
from policykg.ingest.readers import read

CHROMIUM = "/usr/bin/chromium"
BODY = "深圳市人民政府关于加快发展知识产权服务业的若干措施\n一、总体要求\n（一）加强知识产权保护。由市市场监管局牵头。\n"


def print_pdf(html_path: Path, out: Path, tmp: Path) -> Path:
    """Headless Chromium prints an HTML file to PDF (what many portals publish)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian chromium")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp / 'chromium-profile'}", f"--print-to-pdf={out}",
                    "--no-pdf-header-footer", str(html_path)],
                   check=True, capture_output=True, timeout=120)
    return out


PORTAL = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于加快发展知识产权服务业的若干措施_深圳市人民政府门户网站</title>
<style>.nav{{color:red}} p{{text-indent:2em}}</style>
<script>var _hmt = _hmt || []; document.write("<p>广告</p>");</script>
</head><body>
<div class="header"><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/hd">互动交流</a></li></ul></div></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 政策文件</div>
<div class="xxgk_table"><table>
<tr><td>索引号：</td><td>11440300007542760L/2024-00123</td><td>分类：</td><td>知识产权</td></tr>
<tr><td>发布机构：</td><td>深圳市人民政府办公厅</td><td>成文日期：</td><td>2024-03-01</td></tr>
<tr><td>名　　称：</td><td>关于加快发展知识产权服务业的若干措施</td></tr>
<tr><td>文号：</td><td>深府办〔2024〕3号</td><td>发布日期：</td><td>2024-03-05</td></tr>
<tr><td>主题分类：</td><td>科技、教育</td></tr>
</table></div>
<div class="article">
<h1>深圳市人民政府关于加快发展知识产权服务业的若干措施</h1>
<div id="zoom" class="TRS_Editor">
<p>　　一、总体要求</p>
<p>　　（一）加强知识产权
保护。由<b>市市场监管局</b>牵头。<br>各区政府配合。</p>
<p>附件：重点任务分工表</p>
<table border="1"><tr><th>序号</th><th>重点任务</th><th>牵头单位</th><th>配合单位</th><th>完成时限</th></tr>
<tr><td>1</td><td>加强知识产权保护</td><td>市市场监管局</td><td>市公安局、
各区政府</td><td rowspan="2">2025年底</td></tr>
<tr><td>2</td><td>发展知识产权服务业</td><td>市发展改革委、科技创新委</td><td></td></tr>
</table>
</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div>
<div class="xglj"><h3>相关链接</h3><ul><li><a href="/a">关于印发某某办法的通知</a></li><li><a href="/b">关于某某的通知</a></li></ul></div>
<div class="footer"><p>版权所有：深圳市人民政府办公厅　粤ICP备05004815号</p><p>网站标识码：4403000001</p></div>
<noscript>请开启脚本</noscript>
</body></html>
"""


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return p


# --- text encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_readers_txt_encodings(tmp_path, encoding):
    src = read(write(tmp_path, "doc.txt", BODY, encoding))
    assert src.text == BODY
    assert src.media_type == "text/plain"


def test_readers_txt_big5(tmp_path):
    body = "臺北市政府關於加強資訊安全管理的實施要點\n一、總體要求\n"
    assert read(write(tmp_path, "doc.txt", body, "big5")).text == body


@pytest.mark.parametrize("short", ["中文", "人民政府", "通知", "意见", "第一条", "附件：", "国务院"])
def test_readers_short_chinese_gbk(tmp_path, short):
    assert read(write(tmp_path, "s.txt", short, "gbk")).text == short


@pytest.mark.parametrize("short", ["中文", "政府", "臺灣", "總統府", "說明"])
def test_readers_short_chinese_big5(tmp_path, short):
    assert read(write(tmp_path, "s.txt", short, "big5")).text == short


def test_readers_markdown(tmp_path):
    src = read(write(tmp_path, "doc.md", "# 标题\n\n正文。\n", "gbk"))
    assert src.media_type == "text/markdown" and src.text.startswith("# 标题")


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\t\r\n", "no text"),
    (bytes(range(256)) * 8, "binary"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary"),
])
def test_readers_txt_bad(tmp_path, data, message):
    with pytest.raises(IngestError, match=message):
        read(write(tmp_path, "bad.txt", data))


def test_readers_unsupported_suffix(tmp_path):
    with pytest.raises(UnsupportedFormat, match="unsupported file type '.rtf'"):
        read(write(tmp_path, "a.rtf", "{\\rtf1}"))


def test_readers_missing_file(tmp_path):
    with pytest.raises(IngestError, match="cannot read the file"):
        read(tmp_path / "missing.txt")


# --- HTML ----------------------------------------------------------------------------------

@pytest.fixture
def portal(tmp_path) -> Path:
    return write(tmp_path, "page.html", PORTAL, "gb18030")


def test_readers_html_keeps_main_content(portal):
    text = read(portal).text
    assert text.splitlines()[:4] == [
        "深圳市人民政府关于加快发展知识产权服务业的若干措施",
        "一、总体要求",
        "（一）加强知识产权 保护。由市市场监管局牵头。",
        "各区政府配合。",
    ]
    for junk in ("首页", "当前位置", "分享到", "打印本页", "相关链接", "版权所有", "网站标识码", "_hmt",
                 "广告", "请开启脚本", "text-indent", "索引号"):
        assert junk not in text, junk


def test_readers_html_metadata_fields(portal):
    fields = dict(read(portal).fields)
    assert fields["索引号"] == "11440300007542760L/2024-00123"
    assert fields["发布机构"] == "深圳市人民政府办公厅"
    assert fields["文号"] == "深府办〔2024〕3号"
    assert fields["成文日期"] == "2024-03-01"
    assert fields["发布日期"] == "2024-03-05"
    assert fields["主题分类"] == "科技、教育"


def test_readers_html_task_table(portal):
    src = read(portal)
    assert src.tables == ((
        ("序号", "重点任务", "牵头单位", "配合单位", "完成时限"),
        ("1", "加强知识产权保护", "市市场监管局", "市公安局、各区政府", "2025年底"),
        ("2", "发展知识产权服务业", "市发展改革委、科技创新委", "", "2025年底"),
    ),)
    assert "序号\t重点任务\t牵头单位\t配合单位\t完成时限\n" in src.text
    assert "1\t加强知识产权保护\t市市场监管局\t市公安局、各区政府\t2025年底\n" in src.text


def test_readers_html_meta_charset_and_detection(tmp_path):
    page = "<html><head><meta charset='big5'></head><body><p>臺北市政府公告</p></body></html>"
    assert read(write(tmp_path, "a.htm", page, "big5")).text == "臺北市政府公告\n"
    undeclared = "<html><body><p>关于印发实施意见的通知</p></body></html>"
    assert read(write(tmp_path, "b.html", undeclared, "gbk")).text == "关于印发实施意见的通知\n"
    lying = "<html><head><meta charset='utf-8'></head><body><p>关于印发实施意见的通知</p></body></html>"
    assert read(write(tmp_path, "c.html", lying, "gbk")).text == "关于印发实施意见的通知\n"


def test_readers_html_deep_nesting(tmp_path):
    page = "<html><body>" + "<div>" * 5000 + "<p>深层正文</p>" + "</div>" * 5000 + "</body></html>"
    try:
        text = read(write(tmp_path, "deep.html", page)).text
    except IngestError:
        return  # a clean refusal is fine too
    assert "深层正文" in text or text


# --- docx ----------------------------------------------------------------------------------

def make_docx(path: Path, paragraphs, table=None, after=()) -> Path:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    for p in after:
        document.add_paragraph(p)
    document.sections[0].footer.paragraphs[0].text = "- 1 -"
    document.save(path)
    return path


TASKS = [["序号", "重点任务", "牵头单位", "配合单位"],
         ["1", "加强知识产权保护", "市市场监管局", "市公安局、各区政府"]]


def test_readers_docx(tmp_path):
    p = make_docx(tmp_path / "d.docx", ["关于加快发展知识产权服务业的若干措施", "一、总体要求"], TASKS, ["结尾段落。"])
    src = read(p)
    assert src.text == ("关于加快发展知识产权服务业的若干措施\n一、总体要求\n序号\t重点任务\t牵头单位\t配合单位\n"
                        "1\t加强知识产权保护\t市市场监管局\t市公安局、各区政府\n结尾段落。\n")
    assert src.tables == (tuple(tuple(r) for r in TASKS),)
    assert "- 1 -" not in src.text


def test_readers_docx_truncated(tmp_path):
    p = make_docx(tmp_path / "d.docx", ["正文"] * 50)
    cut = write(tmp_path, "cut.docx", p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(IngestError, match="not a valid .docx"):
        read(cut)


def test_readers_docx_not_zip(tmp_path):
    with pytest.raises(IngestError, match="not a .docx file"):
        read(write(tmp_path, "x.docx", "这不是一个文档"))


# --- PDF -----------------------------------------------------------------------------------

def blank_pdf(path: Path, password: str | None = None) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_readers_pdf_image_only(tmp_path):
    with pytest.raises(IngestError, match="needs OCR"):
        read(blank_pdf(tmp_path / "scan.pdf"))


def test_readers_pdf_encrypted(tmp_path):
    with pytest.raises(IngestError, match="encrypted"):
        read(blank_pdf(tmp_path / "locked.pdf", password="secret"))


def test_readers_pdf_truncated(tmp_path):
    with pytest.raises(IngestError, match="PDF"):
        read(write(tmp_path, "cut.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"))


@pytest.mark.browser
def test_readers_pdf_from_chromium(tmp_path):
    paragraphs = ["深圳市人民政府关于加快发展知识产权服务业的若干措施", "一、总体要求",
                  "（一）加强知识产权保护。" + "由市市场监管局牵头，各区政府配合，全面提升知识产权保护水平。" * 6]
    html = tmp_path / "p.html"
    html.write_text(
        "<html><head><meta charset='utf-8'><style>@page { size: A4; margin: 20mm;"
        " @bottom-center { content: '- ' counter(page) ' -'; } }"
        " body { font-family: 'Noto Sans CJK SC'; font-size: 15pt; text-align: justify }"
        " .pb { break-before: page }</style></head><body>"
        + "".join(f"<p>{p}</p>" for p in paragraphs) + "<p class='pb'>第二页正文。</p></body></html>",
        encoding="utf-8")
    src = read(print_pdf(html, tmp_path / "p.pdf", tmp_path))
    assert src.text == "\n".join([*paragraphs, "第二页正文。"]) + "\n"
    assert not any(ord(ch) in RADICALS for ch in src.text)


# --- radicals ------------------------------------------------------------------------------

def test_charmap_radicals():
    assert "⼈⺠".translate(RADICALS) == "人民"
    assert "⽂".translate(RADICALS) == "文"
    assert "⻓⻔⻅⼾".translate(RADICALS) == "长门见户"
    assert all(0x2E80 <= k <= 0x2FD5 for k in RADICALS)
    assert all(len(chr(v)) == 1 for v in RADICALS.values())
    assert len(RADICALS) >= 214
