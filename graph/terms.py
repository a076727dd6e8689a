"""policykg vocabulary: generated from ontology/policykg.ttl by gen_terms.py; do not edit."""
from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

POLICYKG_ONT = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
SCHEME = "https://w3id.org/policykg/scheme/"

PREFIXES = {
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
}

ELI = Namespace(PREFIXES["eli"])


class PKG(DefinedNamespace):
    _NS = Namespace(POLICYKG_ONT)
    _fail = True

    AdministrativeLevel: URIRef
    Agency: URIRef
    AlignmentRun: URIRef
    Assignment: URIRef
    CatalogDocument: URIRef
    Citation: URIRef
    Correspondence: URIRef
    County: URIRef
    Jurisdiction: URIRef
    LeadRole: URIRef
    Measure: URIRef
    Municipal: URIRef
    National: URIRef
    PolicyDocument: URIRef
    Provincial: URIRef
    QuantifiedTarget: URIRef
    ReviewDecision: URIRef
    Role: URIRef
    Safeguard: URIRef
    Section: URIRef
    SharedPhrase: URIRef
    SourceFile: URIRef
    SupportRole: URIRef
    Task: URIRef
    agency: URIRef
    baselineYear: URIRef
    category: URIRef
    characters: URIRef
    citedDocNumber: URIRef
    citedDocument: URIRef
    citedTitle: URIRef
    classifiedBy: URIRef
    comparator: URIRef
    confidence: URIRef
    decision: URIRef
    docNumber: URIRef
    duplicateDigest: URIRef
    duplicateOf: URIRef
    evidence: URIRef
    fileName: URIRef
    filePath: URIRef
    grade: URIRef
    hasAssignment: URIRef
    hasCitation: URIRef
    hasEvidence: URIRef
    hasMeasure: URIRef
    hasSection: URIRef
    hasTarget: URIRef
    heading: URIRef
    implements: URIRef
    inSection: URIRef
    indicator: URIRef
    inputDigest: URIRef
    instrument: URIRef
    instrumentConfidence: URIRef
    issuedBy: URIRef
    jurisdiction: URIRef
    leadAgency: URIRef
    leftEnd: URIRef
    leftMeasure: URIRef
    leftSource: URIRef
    leftStart: URIRef
    level: URIRef
    levels: URIRef
    lowerValue: URIRef
    measureOf: URIRef
    method: URIRef
    nameAsWritten: URIRef
    number: URIRef
    order: URIRef
    parameters: URIRef
    province: URIRef
    region: URIRef
    relation: URIRef
    resolved: URIRef
    reviewGrade: URIRef
    reviewedKey: URIRef
    reviewedMeasure: URIRef
    rightEnd: URIRef
    rightMeasure: URIRef
    rightSource: URIRef
    rightStart: URIRef
    role: URIRef
    roles: URIRef
    score: URIRef
    sectionLevel: URIRef
    sha256: URIRef
    sourceFile: URIRef
    span: URIRef
    spanText: URIRef
    stage: URIRef
    stageConfidence: URIRef
    supportingAgency: URIRef
    targetAssignment: URIRef
    targetYear: URIRef
    text: URIRef
    tool: URIRef
    toolConfidence: URIRef
    unit: URIRef
    value: URIRef
    withinProvince: URIRef
