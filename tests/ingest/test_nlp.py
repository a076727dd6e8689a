"""The spaCy face of the pipeline: span groups on a Doc agree with the PolicyDoc."""
import doctest

from policykg.ingest import nlp as nlp_module
from policykg.ingest.nlp import build_nlp
from policykg.ingest.pipeline import ingest_file


def test_nlp_doctests():
    failures, _ = doctest.testmod(nlp_module)
    assert failures == 0


def test_nlp_analyze_pipes_reports_no_problems():
    analysis = build_nlp().analyze_pipes()
    assert not any(analysis["problems"].values())


def test_nlp_span_groups_match_the_record(corpus_files):
    nlp = build_nlp()
    f = corpus_files[2]
    record = ingest_file(f)
    doc = nlp(record.source.text)
    assert [s.start_char for s in doc.spans["measure"]] == [m.heading_span.start for m in record.measures]
    n_agencies = sum(len(m.lead) + len(m.support) for m in record.measures)
    assert len(doc.spans["agency"]) == n_agencies > 0
    assert all(s.label_ in ("LEAD_AGENCY", "SUPPORT_AGENCY") for s in doc.spans["agency"])
