"""Two constructed city documents (our own prose) for the workbench and analyst-CLI tests."""
from __future__ import annotations

from pathlib import Path

# Two cities with the same unresolved agency (各区政府) and a measure that is the same in both:
# the workbench must keep the agencies apart and show the pair as counterparts.
CITY_DOC = """{city}人民政府关于加强知识产权质押融资工作的通知
{number}
各区人民政府，市政府直属各单位：
为贯彻落实《国务院关于新形势下加快知识产权强国建设的若干意见》（国发〔2015〕71号），现通知如下。
一、重点任务
1.推进知识产权质押融资。鼓励银行开展知识产权质押融资业务，建立风险补偿机制，扩大质押融资规模。(市市场监管局牵头,市财政局、各区政府配合)
2.加强知识产权保护。完善行政执法与司法衔接机制，严厉打击侵权假冒行为<script>alert(1)</script>。(市市场监管局牵头,市公安局配合)
3.到2025年，每万人口发明专利拥有量达到20件。(市科技局牵头,各区政府配合)
二、保障措施
加强组织领导。
{city}人民政府
2021年3月1日
"""


def write_city_docs(folder: Path) -> list[Path]:
    out = []
    for name, city, number in (("sz.txt", "深圳市", "深府函〔2021〕11号"), ("zh.txt", "珠海市", "珠府函〔2021〕12号")):
        p = folder / name
        p.write_text(CITY_DOC.format(city=city, number=number), encoding="utf-8")
        out.append(p)
    return out


def short_id(path: Path, *parts: object) -> str:
    """The id the CLI and the workbench show for a part of the source at ``path``."""
    from policykg.graph.ids import source_key

    return "/".join(["src", source_key(path), *map(str, parts)])
