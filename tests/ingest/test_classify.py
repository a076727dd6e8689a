"""The classify stage: stage / instrument / tool of each measure, with evidence (CLASSIFICATION.md).

The worked examples (ingest/patterns/classification_cues.examples.tsv) are written for policykg in the
genre's usual wording; none is taken from the five evaluation documents.
"""
from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from policykg.ingest.components import classify
from policykg.ingest.components.classify import (
    CUES_PATH,
    INSTRUMENTS,
    METHOD,
    STAGES,
    TOOL_INSTRUMENT,
    TOOLS,
    classify_measures,
    load_cues,
)
from policykg.ingest.errors import PatternFileError
from policykg.ingest.record import Measure, Span

ROOT = Path(__file__).resolve().parents[2]


def make(heading: str, body: str, kind: str = "task", category: str | None = None, prefix: str = ""):
    """A text holding one measure (after an optional prefix) and that measure."""
    text = f"{prefix}{heading}。{body}"
    start = len(prefix)
    m = Measure(None, heading, category, kind, Span(start, len(text)), Span(start, start + len(heading)))
    return text, m


EXAMPLES = CUES_PATH.with_name("classification_cues.examples.tsv")


def read_examples(path: Path = EXAMPLES) -> list[tuple[str, str, str, str, str]]:
    """(heading, body, kind, stage, tool) rows of the lexicon's worked examples."""
    rows = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines[0].split("\t") == ["heading", "body", "kind", "stage", "tool"]
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == 5, line
        rows.append(tuple(cells))
    return rows


CASES = read_examples()


def test_classify_examples_file_is_valid():
    assert len(CASES) >= 40
    for heading, body, kind, stage, tool in CASES:
        assert kind in ("task", "safeguard") and stage in STAGES and tool in TOOLS, heading
    # every stage and instrument has worked examples
    assert {c[3] for c in CASES} == set(STAGES)
    assert {TOOL_INSTRUMENT[c[4]] for c in CASES} == set(INSTRUMENTS)



@pytest.mark.parametrize("heading,body,kind,stage,tool", CASES, ids=[c[0] for c in CASES])
def test_classify_cases(heading, body, kind, stage, tool):
    text, m = make(heading, body, kind)
    c = classify_measures(text, (m,))[0].classification
    assert (c.stage, c.tool) == (stage, tool), [e for e, _ in c.evidence]
    assert c.instrument == TOOL_INSTRUMENT[tool]


@pytest.mark.parametrize("heading,body,kind,stage,tool", CASES, ids=[c[0] for c in CASES])
def test_classify_evidence_spans_cover_cue_text(heading, body, kind, stage, tool):
    text, m = make(heading, body, kind, prefix="一、前言部分。\n（一）某类任务\n")
    c = classify_measures(text, (m,))[0].classification
    assert c.evidence, "a decided measure shows its evidence"
    for cue, span in c.evidence:
        assert m.span.start <= span.start < span.end <= m.span.end
        assert re.sub(r"\s", "", text[span.start : span.end]) == cue


def test_classify_evidence_across_line_break():
    text, m = make("推进专利质\n押融资", "扩大贷款规模。")
    c = classify_measures(text, (m,))[0].classification
    assert c.tool == "金融支持"
    cue, span = next((e, s) for e, s in c.evidence if e == "质押融资" or e == "质押")
    assert text[span.start : span.end].replace("\n", "") == cue


def test_classify_every_measure_gets_one_of_each():
    measures = []
    text = ""
    for heading, body, kind, *_ in CASES:
        start = len(text)
        text += f"{heading}。{body}\n"
        measures.append(Measure(None, heading, None, kind, Span(start, len(text)), Span(start, start + len(heading))))
    coded = classify_measures(text, tuple(measures))
    assert len(coded) == len(measures)
    for before, after in zip(measures, coded):
        c = after.classification
        assert after.heading == before.heading and after.span == before.span
        assert c.stage in STAGES and c.instrument in INSTRUMENTS and c.tool in TOOLS
        assert c.instrument == TOOL_INSTRUMENT[c.tool]
        assert [d for d, _ in c.confidence] == ["stage", "instrument", "tool"]
        assert all(0.0 <= v <= 1.0 for _, v in c.confidence)
        assert c.method == METHOD and METHOD.startswith("policykg-classify/")


def test_classify_weak_evidence_means_low_confidence():
    text, m = make("做好相关工作", "各单位要按照要求认真落实。")
    c = classify_measures(text, (m,))[0].classification
    assert c.stage in STAGES and c.tool in TOOLS  # still exactly one value each
    assert max(v for _, v in c.confidence) < 0.3
    strong_text, strong = make("推进专利质押融资", "设立质押融资风险补偿基金，发展专利保险。")
    s = classify_measures(strong_text, (strong,))[0].classification
    assert dict(s.confidence)["tool"] > dict(c.confidence)["tool"]


def test_classify_heading_outweighs_body():
    # the body mentions enforcement in passing; the heading says what the measure is about
    text, m = make("加强知识产权人才培养", "开展执法人员和企业管理人员培训，培养一批懂执法、会维权的专业人才。")
    c = classify_measures(text, (m,))[0].classification
    assert (c.stage, c.tool) == ("综合保障", "人才培养")


def test_classify_safeguard_kind_leans_to_support():
    text, m = make("加强统筹", "各部门要密切配合，形成工作合力。", kind="safeguard")
    assert classify_measures(text, (m,))[0].classification.stage == "综合保障"


def test_classify_empty_input():
    assert classify_measures("", ()) == ()


def test_classify_doctest():
    assert doctest.testmod(classify).failed == 0


# ---------------------------------------------------------------- the lexicon file


def test_classify_lexicon_is_valid_and_covers_every_value():
    cues = load_cues(CUES_PATH)
    for value in STAGES:
        assert sum(c.dimension == "stage" and c.value == value for c in cues) >= 10, value
    for value in TOOLS:
        assert sum(c.dimension == "tool" and c.value == value for c in cues) >= 3, value


HEADER = "dimension\tvalue\tcue\tweight\tnote\n"


@pytest.mark.parametrize(
    "body,line,problem",
    [
        ("stage\t创造\t专利申请\t2\tok\nstage\t研发\t研发\t2\t\n", 3, "unknown stage value"),
        ("flavour\t创造\t专利\t2\t\n", 2, "unknown dimension"),
        ("tool\t人才培养\t人才\theavy\t\n", 2, "not a number"),
        ("tool\t人才培养\t人才\t0\t\n", 2, "outside"),
        ("tool\t人才培养\t\t2\t\n", 2, "empty cue"),
        ("tool\t人才培养\t人才\n", 2, "columns"),
        ("tool\t人才培养\tre:(\t2\t\n", 2, "bad regex"),
        ("tool\t人才培养\tre:x*\t2\t\n", 2, "empty string"),
        ("tool\t人才培养\t@sometimes\t2\t\n", 2, "special cue"),
        ("tool\t人才培养\t人才\t2\t\ntool\t人才培养\t人才\t3\t\n", 3, "duplicate"),
        ("tool\t人才培养\t人 才\t2\t\n", 2, "whitespace"),
    ],
)
def test_classify_lexicon_errors_name_the_line(tmp_path, body, line, problem):
    path = tmp_path / "cues.tsv"
    path.write_text("# comment\n" + HEADER + body, encoding="utf-8")
    with pytest.raises(PatternFileError) as error:
        load_cues(path)
    # comment lines count: the header is on line 2 of the file
    assert error.value.line == line + 1
    assert problem in error.value.problem


def test_classify_lexicon_needs_header(tmp_path):
    path = tmp_path / "cues.tsv"
    path.write_text("stage\t创造\t专利申请\t2\t\n", encoding="utf-8")
    with pytest.raises(PatternFileError):
        load_cues(path)


def test_classify_lexicon_extensible(tmp_path):
    """A newcomer adds a line and the decision follows it."""
    path = tmp_path / "cues.tsv"
    path.write_text(CUES_PATH.read_text(encoding="utf-8") + "tool\t政府采购\t定向采购清单\t4\ttest\n", encoding="utf-8")
    text, m = make("编制定向采购清单", "将创新产品列入清单。")
    c = classify.classify_measure(text, m, cues_path=path)
    assert c.tool == "政府采购" and c.instrument == "需求型"
    assert ("定向采购清单", Span(2, 8)) in c.evidence


# ---------------------------------------------------------------- the SKOS schemes


def test_classify_schemes_ttl_matches_the_classifier():
    rdflib = pytest.importorskip("rdflib")
    from rdflib.namespace import SKOS

    g = rdflib.Graph().parse(ROOT / "ontology" / "schemes.ttl")
    base = "https://w3id.org/policykg/scheme/"

    def zh_labels(scheme):
        out = {}
        for concept in g.subjects(SKOS.inScheme, rdflib.URIRef(base + scheme)):
            zh = [str(o) for o in g.objects(concept, SKOS.prefLabel) if o.language == "zh"]
            en = [str(o) for o in g.objects(concept, SKOS.prefLabel) if o.language == "en"]
            assert len(zh) == 1 and len(en) == 1, concept
            assert g.value(concept, SKOS.definition) is not None, concept
            out[zh[0]] = concept
        return out

    stages, instruments, tools = zh_labels("stage"), zh_labels("instrument"), zh_labels("tool")
    assert set(stages) == set(STAGES) and set(instruments) == set(INSTRUMENTS) and set(tools) == set(TOOLS)
    for tool, concept in tools.items():
        assert list(g.objects(concept, SKOS.broader)) == [instruments[TOOL_INSTRUMENT[tool]]], tool
    assert str(stages["创造"]) == base + "stage/creation"
    assert str(tools["资金投入"]) == base + "tool/funding"
