"""Bad input corpus: every case in tests/badinput/cases.tsv through ingest_file.

Only IngestError may escape, its message is one line, and it holds the expected
substring; ``ok`` cases must ingest.
"""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from policykg.ingest.errors import IngestError
from policykg.ingest.pipeline import ingest_file
from policykg.ingest.readers import read

HERE = Path(__file__).parent / "badinput"


def _load_generator():
    spec = importlib.util.spec_from_file_location("badinput_make_cases", HERE / "make_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


with open(HERE / "cases.tsv", encoding="utf-8", newline="") as fh:
    CASES = [(row["case"], row["expected"]) for row in csv.DictReader(fh, delimiter="\t")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _load_generator().make_cases(tmp_path_factory.mktemp("badinput"))


def test_badinput_table_covers_generator(files):
    assert len(CASES) >= 30
    assert {name for name, _ in CASES} == set(files)


@pytest.mark.parametrize("case, expected", CASES, ids=[c for c, _ in CASES])
def test_badinput_outcome(files, case, expected):
    path = files[case]
    if expected == "ok":
        ingest_file(path)
        return
    with pytest.raises(IngestError) as info:
        ingest_file(path)
    message = str(info.value)
    assert expected in info.value.problem
    assert "\n" not in message and message.startswith(str(path))


@pytest.mark.parametrize("case", ["injection.txt", "injection.md", "docx_injection.docx"])
def test_badinput_injection_kept_verbatim(files, case):
    text = read(files[case]).text
    assert '"} ; DROP ALL ; {"' in text
    assert '<script>alert("x")</script>' in text


def test_badinput_html_escaped_markup_stays_text(files):
    text = read(files["html_injection.html"]).text
    assert "<script>alert(1)</script>" in text and '"} ; DROP ALL ; {"' in text
