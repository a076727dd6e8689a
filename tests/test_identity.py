"""One identity rule (issues 17 and 21): a source file is its full path and content hash, never
its bare name; a document is its issuer + 发文字号, else issuer + title + date. Nothing is
merged that is two, nothing counted twice that is one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, run_cli

from policykg.graph import ids
from policykg.graph.store import OxigraphBackend
from policykg.analysis.align import align_all
from policykg.ingest.batch import ingest_paths
from policykg.queries.run import run_query


def notice(city: str, number: str, title: str, lead: str, date: str = "2018年3月1日") -> str:
    """A small city notice of our own, with one measure and one assignment."""
    return (f"{city}人民政府办公室\n{number}\n{title}\n各区人民政府，市政府各部门：\n"
            f"为加强知识产权保护，结合本市实际，制定本方案。\n"
            f"一、主要任务\n（一）加强知识产权行政执法。开展专项整治行动，严厉打击侵权假冒行为。（{lead}牵头，市公安局配合）\n"
            f"（二）完善知识产权维权援助机制。建设维权援助工作站。（{lead}负责）\n"
            f"{city}人民政府办公室\n{date}\n")


@pytest.fixture()
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder


@pytest.fixture()
def backend(tmp_path):
    b = OxigraphBackend(tmp_path / "store")
    yield b
    b.close()


def _documents(backend) -> list[dict]:
    return run_query(backend, "documents").records()


def test_identity_same_file_name_in_two_folders_is_two_sources(backend, tmp_path):
    for city in ("郑州市", "洛阳市"):
        (tmp_path / city).mkdir()
        (tmp_path / city / "notice.txt").write_text(
            notice(city, f"{city[0]}政办〔2018〕{len(city)}号", f"{city}关于加强知识产权保护的实施方案", "市市场监管局"),
            encoding="utf-8")
    report = ingest_paths(backend, [tmp_path / "郑州市", tmp_path / "洛阳市"], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored", "stored"]
    assert len({o.graph for o in report.outcomes}) == 2
    titles = sorted(r["title"] for r in _documents(backend))
    assert titles == ["洛阳市关于加强知识产权保护的实施方案", "郑州市关于加强知识产权保护的实施方案"]
    # re-ingest: both are unchanged, judged each by its own path
    again = ingest_paths(backend, [tmp_path / "郑州市", tmp_path / "洛阳市"], jobs=1)
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]


def test_identity_one_doc_number_in_two_cities_is_two_documents(backend, docs):
    """府办发〔2018〕3号 names a document only within its issuer."""
    for city in ("安阳市", "新乡市"):
        (docs / f"{city}.txt").write_text(
            notice(city, "府办发〔2018〕3号", f"{city}人民政府办公室关于加强知识产权保护的通知", "市知识产权局"),
            encoding="utf-8")
    report = ingest_paths(backend, [docs], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored", "stored"]
    rows = _documents(backend)
    assert len(rows) == 2, rows  # no cross product of titles × regions
    assert {(r["title"][:3], r["region"]) for r in rows} == {("安阳市", "安阳市"), ("新乡市", "新乡市")}
    assert len({o.document for o in report.outcomes}) == 2


def test_identity_one_title_from_two_provinces_is_two_documents():
    title = "关于强化知识产权保护的实施意见"
    assert ids.doc_iri(title=title, issuer="河南省人民政府") != ids.doc_iri(title=title, issuer="湖北省人民政府")
    # the bracket style never splits one document
    assert ids.doc_iri("豫政〔2018〕3号") == ids.doc_iri("豫政[2018]3号") == ids.doc_iri("豫政（2018）3号")


def test_identity_a_copy_under_another_name_is_reported_not_counted_twice(backend, tmp_path):
    src = CORPUS / "004_b226f07776384f2e.txt"
    ingest_paths(backend, [src], jobs=1)
    workload = {r["agency"]: r["lead"] for r in run_query(backend, "agency_workload").records()}
    copy = tmp_path / "重庆-知识产权意见-副本.txt"
    shutil.copy(src, copy)
    # not byte-identical either: the same document saved again as Markdown
    md = tmp_path / "渝府发-2016-25.md"
    md.write_text(src.read_text(encoding="utf-8").replace("\n", "\n\n"), encoding="utf-8")
    report = ingest_paths(backend, [copy, md], jobs=1)
    assert [o.status for o in report.outcomes] == ["duplicate", "duplicate"], report.outcomes
    assert "same content as" in report.outcomes[0].message and "same document as" in report.outcomes[1].message
    assert all(str(src.resolve()) in o.message for o in report.outcomes)
    assert len(_documents(backend)) == 1
    assert {r["agency"]: r["lead"] for r in run_query(backend, "agency_workload").records()} == workload


def test_identity_copies_within_one_batch_keep_the_first(tmp_path):
    src = CORPUS / "000_aac036100b9cab63.txt"
    for name in ("a.txt", "b.txt"):
        shutil.copy(src, tmp_path / name)
    b = OxigraphBackend(tmp_path / "store")
    report = ingest_paths(b, [tmp_path / "a.txt", tmp_path / "b.txt"], jobs=2)
    assert [o.status for o in report.outcomes] == ["stored", "duplicate"]
    assert len(_documents(b)) == 1


def test_identity_reingest_of_a_changed_file_drops_its_alignments(backend, docs):
    for f in ("003_b70a2f308e677d33.txt", "004_b226f07776384f2e.txt"):
        shutil.copy(CORPUS / f, docs / f)
    ingest_paths(backend, [docs], jobs=1)
    align_all(backend)
    assert run_query(backend, "alignment_runs").records()
    changed = docs / "003_b70a2f308e677d33.txt"
    changed.write_text("说明：本文件已修订。\n" + changed.read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest_paths(backend, [docs], jobs=1)
    assert sorted(o.status for o in report.outcomes) == ["stored", "unchanged"]
    # the old evidence pointed into the old text: no run that read it survives
    assert not run_query(backend, "alignment_runs").records()


def test_identity_remove_deletes_a_document_with_its_alignments(tmp_path):
    store = tmp_path / "store"
    folder = tmp_path / "docs"
    folder.mkdir()
    for f in ("003_b70a2f308e677d33.txt", "004_b226f07776384f2e.txt"):
        shutil.copy(CORPUS / f, folder / f)
    assert run_cli("--store", str(store), "ingest", "--quiet", str(folder)).returncode == 0
    assert run_cli("--store", str(store), "align").returncode == 0
    res = run_cli("--store", str(store), "remove", str(folder / "003_b70a2f308e677d33.txt"))
    assert res.returncode == 0, res.stderr
    assert "1 removed, with 1 alignment runs" in res.stderr
    b = OxigraphBackend(store)
    try:
        assert [r["source"] for r in _documents(b)] == ["004_b226f07776384f2e.txt"]
        assert not run_query(b, "alignment_runs").records()
    finally:
        b.close()
    # by bare name when unambiguous; an unknown one is one clear line and exit 1
    res = run_cli("--store", str(store), "remove", "004_b226f07776384f2e.txt", "nothing.txt")
    assert res.returncode == 1
    assert "1 removed" in res.stderr and "nothing.txt: no stored source" in res.stderr


def test_identity_a_citation_and_the_cited_document_are_one_node(backend, docs):
    """A provincial plan ingested beside the city plan implementing it: the implements edge
    reaches the ingested document, however each text writes the number."""
    (docs / "province.txt").write_text(
        "河南省人民政府\n豫政〔2016〕99号\n河南省人民政府关于新形势下加快知识产权强省建设的若干意见\n"
        "各省辖市人民政府：\n一、主要任务\n（一）提升知识产权创造质量。加强专利质量管理。（省知识产权局负责）\n"
        "河南省人民政府\n2016年12月1日\n", encoding="utf-8")
    (docs / "city.txt").write_text(
        "许昌市人民政府\n许政〔2017〕5号\n许昌市人民政府关于加快知识产权强市建设的实施意见\n"
        "为贯彻落实《河南省人民政府关于新形势下加快知识产权强省建设的若干意见》（豫政[2016]99号），制定本意见。\n"
        "一、主要任务\n（一）提升知识产权创造质量。开展专利质量提升行动。（市知识产权局负责）\n"
        "许昌市人民政府\n2017年3月1日\n", encoding="utf-8")
    report = ingest_paths(backend, [docs], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored", "stored"]
    province = next(o.document for o in report.outcomes if o.path.endswith("province.txt"))
    assert province == ids.doc_iri("豫政〔2016〕99号")
    city = next(o.document for o in report.outcomes if o.path.endswith("city.txt"))
    assert backend.ask(f"ASK {{ <{city}> <https://w3id.org/policykg/ontology#implements> <{province}> }}")


def test_identity_catalog_documents_follow_the_rule():
    import rdflib
    from rdflib.namespace import DCTERMS, RDF

    from policykg.graph.terms import PKG

    g = rdflib.Graph().parse(Path(ids.__file__).parents[1] / "ontology" / "catalog" / "documents.ttl")
    docs = set(g.subjects(RDF.type, PKG.PolicyDocument))
    assert docs
    for s in docs:
        number, title = g.value(s, PKG.docNumber), g.value(s, DCTERMS.title)
        creators = sorted(str(o) for o in g.objects(s, DCTERMS.creator))
        assert str(s) == ids.doc_iri(str(number) if number else None, str(title), creators[0] if creators else None)


def test_identity_two_passages_of_one_page_are_two_parts_not_copies(backend, docs):
    """Different passages of one document (as search results and excerpts give them) add
    measures the first lacked: both are stored, each with its own record, and nothing counts
    twice; a third file repeating the first passage is a copy."""
    head = "许昌市人民政府办公室\n许政办〔2019〕8号\n许昌市人民政府办公室关于印发知识产权保护工作方案的通知\n"
    first = head + ("一、主要任务\n（一）加强专利行政执法。开展专项整治。（市市场监管局牵头）\n"
                    "（二）完善维权援助机制。建设维权援助工作站。（市司法局负责）\n")
    second = head + ("二、保障措施\n（三）加强组织领导。建立联席会议制度。（市政府办公室负责）\n"
                     "（四）强化资金保障。设立知识产权专项资金。（市财政局负责）\n")
    (docs / "a.txt").write_text(first, encoding="utf-8")
    (docs / "b.txt").write_text(second, encoding="utf-8")
    (docs / "c.txt").write_text(first.replace("开展专项整治。", "开展专项整治行动。"), encoding="utf-8")
    report = ingest_paths(backend, [docs / "a.txt", docs / "b.txt", docs / "c.txt"], jobs=1)
    assert [o.status for o in report.outcomes] == ["stored", "stored", "duplicate"], report.outcomes
    assert "a copy of the same document as" in report.outcomes[2].message
    assert len({o.document for o in report.outcomes[:2]}) == 1  # one document, two parts
    leads = {r["agency"]: r["lead"] for r in run_query(backend, "agency_workload").records()}
    assert sum(leads.values()) == 4, leads  # four measures, each counted once
    from policykg.queries.export import export_records

    records = {r["source"]: r for r in export_records(backend)}
    assert sorted(records) == ["a.txt", "b.txt"]
    assert [m["heading"] for m in records["b.txt"]["measures"]] == ["加强组织领导", "强化资金保障"]
    # across runs too: a later copy of the second passage is recognised from the store
    (docs / "d.txt").write_text(second + "\n", encoding="utf-8")
    again = ingest_paths(backend, [docs / "d.txt"], jobs=1)
    assert [o.status for o in again.outcomes] == ["duplicate"] and str((docs / "b.txt").resolve()) in again.outcomes[0].message
