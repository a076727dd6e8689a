"""Benchmarks stay runnable: the synthetic corpus is deterministic and the figure lines parse.
No timing is asserted anywhere (benchmarks/README.md)."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import Figure, format_line  # noqa: E402
from benchmarks.synth import make_document, write_corpus  # noqa: E402


def test_benchmarks_synth_is_deterministic(tmp_path):
    write_corpus(tmp_path / "a", 6, seed=3)
    write_corpus(tmp_path / "b", 6, seed=3)
    a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in a)
    # document i does not depend on the corpus size; other seeds give other documents
    assert make_document(4, seed=3) == make_document(4, seed=3)
    assert make_document(4, seed=3)[1] != make_document(4, seed=4)[1]
    assert len({make_document(i, seed=3)[1] for i in range(6)}) == 6


def test_benchmarks_synth_documents_look_real():
    name, text = make_document(0, seed=1)
    assert re.fullmatch(r"000000_[0-9a-f]{16}\.txt", name)
    assert "一、" in text and "人民政府" in text and len(text) > 2000


def test_benchmarks_figure_line_format():
    line = format_line(Figure("ingest throughput", 123456.0, "chars/s", 100000.0, 1.234, ">= 1.0"))
    assert line == "ingest throughput: 123,456 chars/s | baseline: 100,000 | ratio 1.23 (goal >= 1.0) ok"
    missed = format_line(Figure("scale", 12.0, "s", 1.0, 12.0, "<= 11", "note"))
    assert missed.endswith("(goal <= 11) MISSED  -- note")
    assert format_line(Figure("x", None, "", None, None, "")) == "x: n/a  | baseline: n/a | ratio n/a"
