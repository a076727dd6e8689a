"""A deterministic synthetic corpus: realistic policy documents made by recombining the bundled ones.

Every document takes the preamble of one bundled document and the numbered top-level sections
of several others, then moves them to another prefecture-level city (and its province), another
year, other agencies and other figures, and cites upstream documents in varied styles (several
bracket styles for the 发文字号, title-only citations). Extraction therefore does real work on
every file: no two files are equal, and none is a bundled one.

Documents are generated one at a time from ``random.Random(f"{seed}:{i}")`` and written as they
are made, so memory stays flat at any size and document ``i`` is the same whatever ``n`` is::

    python -m benchmarks.synth OUT_DIR -n 10000 --seed 7

or ``write_corpus(out_dir, n, seed)`` from Python.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# Real prefecture-level cities (and the four municipalities) with their provinces.
CITIES: tuple[tuple[str, str], ...] = (
    ("石家庄市", "河北省"), ("唐山市", "河北省"), ("保定市", "河北省"), ("邯郸市", "河北省"),
    ("太原市", "山西省"), ("大同市", "山西省"), ("呼和浩特市", "内蒙古自治区"), ("包头市", "内蒙古自治区"),
    ("沈阳市", "辽宁省"), ("大连市", "辽宁省"), ("鞍山市", "辽宁省"), ("长春市", "吉林省"), ("吉林市", "吉林省"),
    ("哈尔滨市", "黑龙江省"), ("齐齐哈尔市", "黑龙江省"), ("南京市", "江苏省"), ("无锡市", "江苏省"),
    ("徐州市", "江苏省"), ("苏州市", "江苏省"), ("南通市", "江苏省"), ("杭州市", "浙江省"), ("宁波市", "浙江省"),
    ("温州市", "浙江省"), ("嘉兴市", "浙江省"), ("合肥市", "安徽省"), ("芜湖市", "安徽省"), ("福州市", "福建省"),
    ("厦门市", "福建省"), ("泉州市", "福建省"), ("南昌市", "江西省"), ("赣州市", "江西省"), ("济南市", "山东省"),
    ("青岛市", "山东省"), ("烟台市", "山东省"), ("潍坊市", "山东省"), ("郑州市", "河南省"), ("洛阳市", "河南省"),
    ("鹤壁市", "河南省"), ("新乡市", "河南省"), ("武汉市", "湖北省"), ("宜昌市", "湖北省"), ("襄阳市", "湖北省"),
    ("长沙市", "湖南省"), ("株洲市", "湖南省"), ("广州市", "广东省"), ("深圳市", "广东省"), ("珠海市", "广东省"),
    ("汕头市", "广东省"), ("佛山市", "广东省"), ("东莞市", "广东省"), ("南宁市", "广西壮族自治区"),
    ("柳州市", "广西壮族自治区"), ("海口市", "海南省"), ("成都市", "四川省"), ("绵阳市", "四川省"),
    ("贵阳市", "贵州省"), ("遵义市", "贵州省"), ("昆明市", "云南省"), ("西安市", "陕西省"), ("宝鸡市", "陕西省"),
    ("兰州市", "甘肃省"), ("西宁市", "青海省"), ("银川市", "宁夏回族自治区"), ("乌鲁木齐市", "新疆维吾尔自治区"),
    ("北京市", "北京市"), ("天津市", "天津市"), ("上海市", "上海市"), ("重庆市", "重庆市"),
)
# Short province names used in 发文字号 organ codes (粤府, 豫政 ...).
PROVINCE_CODE = {
    "河北省": "冀", "山西省": "晋", "内蒙古自治区": "内", "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑",
    "江苏省": "苏", "浙江省": "浙", "安徽省": "皖", "福建省": "闽", "江西省": "赣", "山东省": "鲁", "河南省": "豫",
    "湖北省": "鄂", "湖南省": "湘", "广东省": "粤", "广西壮族自治区": "桂", "海南省": "琼", "四川省": "川",
    "贵州省": "黔", "云南省": "云", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "宁夏回族自治区": "宁",
    "新疆维吾尔自治区": "新", "北京市": "京", "天津市": "津", "上海市": "沪", "重庆市": "渝",
}
# The bundled documents' own places, replaced by the synthetic document's city and province.
BUNDLED_PLACES = (("珠海", "广东"), ("汕头", "广东"), ("深圳", "广东"), ("鹤壁", "河南"), ("重庆", "重庆"))

AGENCIES = (
    "市知识产权局", "市市场监督管理局", "市科技局", "市发展改革委", "市财政局", "市工业和信息化局", "市商务局",
    "市教育局", "市人力资源社会保障局", "市公安局", "市司法局", "市中级人民法院", "市人民检察院", "市文化广电旅游局",
    "市农业农村局", "市林业局", "市金融工作局", "市税务局", "海关", "市版权局", "市住房城乡建设局", "市统计局",
)
ROLE_STYLES = (
    "（责任单位：{lead}，{support}）", "（牵头单位：{lead}；配合单位：{support}）", "由{lead}牵头，{support}配合。",
    "（{lead}负责，{support}参与）", "责任单位：{lead}、{support}。",
)
UPSTREAM = (  # real upstream documents: (title, organ code, year, serial)
    ("国务院关于新形势下加快知识产权强国建设的若干意见", "国发", 2015, 71),
    ("国务院关于印发“十三五”国家知识产权保护和运用规划的通知", "国发", 2016, 86),
    ("国务院关于强化实施创新驱动发展战略进一步推进大众创业万众创新深入发展的意见", "国发", 2017, 37),
    ("国务院办公厅关于印发知识产权综合管理改革试点总体方案的通知", "国办发", 2016, 106),
    ("中共中央国务院关于深化体制机制改革加快实施创新驱动发展战略的若干意见", "中发", 2015, 8),
    ("国务院关于印发《中国制造2025》的通知", "国发", 2015, 28),
)
BRACKETS = (("〔", "〕"), ("[", "]"), ("（", "）"), ("【", "】"), ("［", "］"), ("(", ")"))
DOC_TYPES = ("实施意见", "若干措施", "工作方案", "行动计划", "实施方案")
TOP_HEADING = re.compile(r"^[\s#　*>]*[一二三四五六七八九十]{1,3}、", re.M)
CN_NUM = "一二三四五六七八九十"
# a bare figure outside 《titles》 and outside 发文字号 brackets
NUMBER = re.compile(r"《[^》\n]{0,80}》|(?<![\d.〔\[（(【［])(\d{1,6})(?![\d〕\]）)】］号月日])")  # months and days stay: a scaled 9月30日 could be 6月31日


def cn(n: int) -> str:
    if n <= 10:
        return CN_NUM[n - 1]
    return ("" if n < 20 else CN_NUM[n // 10 - 1]) + "十" + (CN_NUM[n % 10 - 1] if n % 10 else "")


@dataclass(frozen=True)
class Parts:
    preambles: tuple[str, ...]
    sections: tuple[str, ...]  # bodies after the "N、" of a top-level heading


@lru_cache(maxsize=1)
def corpus_parts(corpus: Path = CORPUS) -> Parts:
    """Split every bundled document into its preamble and its top-level sections."""
    preambles, sections = [], []
    for f in sorted(corpus.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        heads = list(TOP_HEADING.finditer(text))
        if not heads:
            continue
        pre = text[: heads[0].start()]
        # keep the preamble's last paragraph (the 为贯彻落实… sentence) but not the header lines
        paras = [p for p in pre.split("\n") if len(p.strip()) > 40]
        if paras:
            preambles.append(paras[-1].strip())
        for a, b in zip(heads, heads[1:] + [None]):
            body = text[a.end() : b.start() if b else len(text)]
            if len(body.strip()) > 60:
                sections.append(body.rstrip() + "\n")
    return Parts(tuple(preambles), tuple(sections))


def _relocate(text: str, city: str, province: str) -> str:
    short, pshort = city.removesuffix("市"), province.removesuffix("省")
    for place, prov in BUNDLED_PLACES:
        text = text.replace(place + "市", city).replace(place, short)
        if prov != place:
            text = text.replace(prov + "省", province).replace(prov, pshort)
    return text


def _citation(rng: random.Random) -> str:
    title, code, year, serial = rng.choice(UPSTREAM)
    style = rng.random()
    if style < 0.3:
        return f"《{title}》"  # title only
    left, right = rng.choice(BRACKETS)
    number = f"{code}{left}{year}{right}{serial}号"
    if style < 0.85:
        return f"《{title}》（{number}）"
    return f"{number}文件"


def _agency_sentence(rng: random.Random) -> str:
    lead, *support = rng.sample(AGENCIES, rng.randint(2, 4))
    return rng.choice(ROLE_STYLES).format(lead=lead, support="、".join(support))


def make_document(i: int, seed: int = 0, parts: Parts | None = None) -> tuple[str, str]:
    """Document ``i`` of the corpus for ``seed``: (file name, text)."""
    parts = parts or corpus_parts()
    rng = random.Random(f"{seed}:{i}")
    city, province = rng.choice(CITIES)
    year = rng.randint(2012, 2024)
    shift = year - 2017
    left, right = rng.choice(BRACKETS)
    code = PROVINCE_CODE[province] if city == province else city[0] + rng.choice(("府", "府办", "府发", "府函"))
    number = f"{code}{left}{year}{right}{i + 1}号"  # unique: a 发文字号 names one document of its issuer
    doc_type = rng.choice(DOC_TYPES)
    topic = rng.choice(("加快知识产权强市建设", "推进知识产权高质量发展", "加强知识产权保护和运用", "建设知识产权示范城市"))
    title = f"{city}人民政府关于{topic}的{doc_type}"

    def numbers(m: re.Match) -> str:
        if m.group(1) is None:
            return m.group(0)
        v = int(m.group(1))
        if 1990 <= v <= 2035:
            return str(v + shift)
        return str(max(1, round(v * rng.uniform(0.5, 2.0))))

    header = []
    if rng.random() < 0.5:
        header.append(f"{city}人民政府")
    if rng.random() < 0.8:
        header.append(number)
    header.append(title)
    lines = ["\n".join(header), "各区（县）人民政府，市政府各部门："]
    pre = _relocate(rng.choice(parts.preambles), city, province)
    cites = "和".join(_citation(rng) for _ in range(rng.randint(1, 3)))
    lines.append(f"根据{cites}，结合我市实际，制定本{doc_type}。{pre}")
    picked = rng.sample(parts.sections, min(len(parts.sections), rng.randint(4, 7)))
    for k, body in enumerate(picked, 1):
        body = _relocate(body, city, province)
        body = NUMBER.sub(numbers, body)
        paras = body.split("\n")
        # put responsibility lines under a few measures
        for j in rng.sample(range(len(paras)), min(len(paras), rng.randint(1, 4))):
            if len(paras[j].strip()) > 30:
                paras[j] = paras[j].rstrip() + _agency_sentence(rng)
        lines.append(f"{cn(k)}、" + "\n".join(paras))
    lines.append(f"{city}人民政府\n{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    text = "\n\n".join(lines) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{i:06d}_{digest}.txt", text


def iter_documents(n: int, seed: int = 0, start: int = 0) -> Iterator[tuple[str, str]]:
    parts = corpus_parts()
    for i in range(start, start + n):
        yield make_document(i, seed, parts)


def write_corpus(out_dir: str | Path, n: int, seed: int = 0, start: int = 0) -> int:
    """Write documents ``start .. start+n-1`` into ``out_dir``; return the characters written.

    Idempotent: a file already there with the expected name is left alone (names carry the
    content hash), so a 10k corpus can extend a 1k one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, text in iter_documents(n, seed, start):
        path = out / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        total += len(text)
    return total


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    chars = write_corpus(args.out_dir, args.n, args.seed)
    print(f"{args.n} documents, {chars} characters -> {args.out_dir}")


if __name__ == "__main__":
    main()
