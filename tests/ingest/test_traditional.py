"""Traditional-character and radical-code-point text extracts exactly like the simplified original."""
from __future__ import annotations

import pytest
from opencc import OpenCC

from policykg.ingest.charmap import RADICALS
from policykg.ingest.pipeline import as_record, ingest_file

# The inverse of the radical table: write ordinary ideographs as the radicals a PDF font would give.
TO_RADICALS = {v: k for k, v in RADICALS.items()}


def _record_without_source(path):
    rec = as_record(ingest_file(path))
    rec.pop("source")
    return rec


@pytest.mark.parametrize("stem", ["002_02588ea22fbee5d9", "004_b226f07776384f2e"])
def test_traditional_text_extracts_the_same(corpus_dir, tmp_path, stem):
    original = corpus_dir / f"{stem}.txt"
    converted = tmp_path / f"{stem}.txt"
    converted.write_text(OpenCC("s2t").convert(original.read_text(encoding="utf-8")), encoding="utf-8")
    assert converted.read_text(encoding="utf-8") != original.read_text(encoding="utf-8")
    assert _record_without_source(converted) == _record_without_source(original)


def test_radical_code_points_extract_the_same(corpus_dir, tmp_path):
    original = corpus_dir / "003_b70a2f308e677d33.txt"
    text = original.read_text(encoding="utf-8")
    radical_text = text.translate(TO_RADICALS)
    assert radical_text != text
    converted = tmp_path / original.name
    converted.write_text(radical_text, encoding="utf-8")
    assert _record_without_source(converted) == _record_without_source(original)
