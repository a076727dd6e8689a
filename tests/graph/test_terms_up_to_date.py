from pathlib import Path

from policykg.graph import gen_terms


def test_terms_match_the_ontology():
    committed = (Path(gen_terms.__file__).with_name("terms.py")).read_text(encoding="utf-8")
    assert committed == gen_terms.render(), "run: python -m policykg.graph.gen_terms"
