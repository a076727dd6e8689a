"""Generate graph/terms.py from ontology/policykg.ttl (run: python -m policykg.graph.gen_terms).

A test regenerates the text and compares it with the committed file, so the Python names
can never drift from the ontology.
"""
from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

PKG_NS = "https://w3id.org/policykg/ontology#"
HEADER = '''"""policykg vocabulary: generated from ontology/policykg.ttl by gen_terms.py; do not edit."""
from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

POLICYKG_ONT = "{ns}"
ID = "https://w3id.org/policykg/id/"
SCHEME = "https://w3id.org/policykg/scheme/"

PREFIXES = {{
    "pkg": POLICYKG_ONT,
    "eli": "http://data.europa.eu/eli/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}}

ELI = Namespace(PREFIXES["eli"])


class PKG(DefinedNamespace):
    _NS = Namespace(POLICYKG_ONT)
    _fail = True
'''


def ontology_text() -> str:
    return resources.files("policykg.ontology").joinpath("policykg.ttl").read_text(encoding="utf-8")


def render() -> str:
    g = Graph().parse(data=ontology_text(), format="turtle")
    names = sorted(
        {str(s)[len(PKG_NS):] for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(PKG_NS)}
    )
    body = "".join(f"    {n}: URIRef\n" for n in names)
    return HEADER.format(ns=PKG_NS) + "\n" + body


def main() -> int:
    target = Path(__file__).with_name("terms.py")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
