"""A style document the .docx reader must carry: a Word plan whose task table (工作重点 / 责任单位,
cells wrapped with line breaks) names the agencies of measures written in the body without them.
The .docx is built here with python-docx (no binary kept in the repository) and its record scored
against tests/styles/style_assign_docx_table.json by the shared scorer, held to the floors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from docx import Document

from test_extraction_score import FLOOR_ARGS
from policykg.ingest.pipeline import as_record, ingest_file

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "styles" / "style_assign_docx_table.json"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"

BODY = [
    "朝阳市商标品牌建设工作方案",
    "为发挥商标品牌对产业发展的带动作用，制定本方案。附表所列责任单位中，排在第一位的为牵头单位。",
    "一、重点任务",
    "1.培育农产品区域品牌。围绕小米、杂粮等特色产品，申请注册地理标志证明商标。",
    "2.推动老字号传承发展。梳理本地老字号企业名录，支持其开展商标国际注册。",
    "3.开展商标品牌宣传。利用展会和网络平台集中推介本地品牌，全年组织推介活动5场以上。",
    "二、保障措施",
    "（一）强化资金保障。统筹安排品牌建设专项资金，优先支持区域品牌项目。",
]
TABLE = [
    ("序号", "工作重点", "责任单位"),
    ("1", "农产品区域品牌", "市市场监管局、市农业\n农村局"),
    ("2", "老字号传承", "市商务局、市市场监\n管局"),
    ("3", "商标品牌宣传", "市市场监管局、市委宣传部"),
]


def build(path: Path) -> None:
    doc = Document()
    for line in BODY:
        doc.add_paragraph(line)
    doc.add_paragraph("附表：重点任务分工表")
    table = doc.add_table(rows=len(TABLE), cols=3)
    for r, row in enumerate(TABLE):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    doc.save(path)


def test_docx_task_table_style_scores(tmp_path):
    docx = tmp_path / "style_assign_docx_table.docx"
    build(docx)
    record = as_record(ingest_file(docx))
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / EXPECTED.name).write_text(EXPECTED.read_text(encoding="utf-8"), encoding="utf-8")
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCORER), str(pred), str(gold), *FLOOR_ARGS, "--min-f1", "assignments=1.0"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
