"""Diagnostics: cue words that assign nobody a measure are dismissed, not warned about
(patterns/roles.jsonl DIAG_NOT_CUE), while a real assignment beside them is still found."""
from __future__ import annotations

from policykg.ingest.diagnose import diagnose
from policykg.ingest.pipeline import extract
from policykg.ingest.record import Source


def _cues(text: str):
    doc = extract(Source(path="d.txt", name="d.txt", text=text, media_type="text/plain", sha256="0" * 64))
    return [(f.text, f.status) for f in diagnose(doc).findings if f.kind == "assignment"]


def test_site_notice_drafter_and_generic_cooperation_are_dismissed():
    cues = _cues("温馨提示：本文档由用户上传，文库网负责整理代发布。\n"
                 "某市品牌建设规划\n《某市品牌建设规划》是市市场监管局牵头编制的专项规划。\n"
                 "一、重点任务\n1.加强品牌培育。建立培育库，加强与法院、海关的协作配合。（市市场监管局负责）\n")
    assert ("负责", "found") in cues
    assert [c for c in cues if c[1] == "skipped"] == []
    assert sum(status == "dismissed" for _, status in cues) == 3
