"""The gates before the slow metadata patterns (issue 20: ingest speed) never hide a match:
every match of PUBLISHED_BY and JOINT_DRAFTERS in the corpus, the style documents and the
rules' own examples holds a match of its gate, and a text without the gate is not searched."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS

from policykg.ingest.components.metadata import _rx, simplified
from policykg.ingest.text import normalize

STYLES = Path(__file__).resolve().parent.parent / "styles"
EXAMPLES = [
    "市市场监督管理局正式印发实施《某市知识产权保护工作方案》，要求各地抓好落实。",
    "2022年1月7日，省知识产权局、省教育厅联合印发了《关于加强高校知识产权工作的意见》。",
    "某领导小组于2023年4月12日印发《某市营商环境优化提升行动方案》。",
    "省知识产权局、省教育厅、省科技厅等6部门联合制定了《知识产权强省建设纲要》，现印发给你们。",
    "某局根据《专利法》《商标法》等法律法规，制定了《某市专利奖励办法》。",
]


def texts() -> list[str]:
    files = sorted(CORPUS.glob("*.txt")) + sorted(STYLES.glob("*.txt"))
    return EXAMPLES + [simplified(normalize(f.read_text(encoding="utf-8", errors="replace"))) for f in files]


@pytest.mark.parametrize("slow, gate, head", [("published_by", "published_by_gate", 3000),
                                              ("joint_drafters", "joint_drafters_gate", 6000)])
def test_every_match_of_a_slow_pattern_holds_its_gate(slow, gate, head):
    rx = _rx()
    found = 0
    for text in texts():
        for m in rx[slow].finditer(text[:head]):
            found += 1
            assert rx[gate].search(m.group(0)), (slow, m.group(0))
    assert found >= len(EXAMPLES) // 2  # the examples match: the check has something to check


def test_a_text_without_the_gate_skips_the_pattern():
    rx = _rx()
    assert not rx["published_by_gate"].search("某市人民政府关于印发知识产权保护工作方案的通知")
    assert rx["published_by_gate"].search("市政府近日印发了《方案》")
