"""Bad input in a real CLI batch, a SIGKILL in the middle of one, and idempotent re-ingest."""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, run_cli
from leftovers import descendants, running, wait_gone

HERE = Path(__file__).parent / "badinput"


def _cases() -> dict[str, str]:
    with open(HERE / "cases.tsv", encoding="utf-8", newline="") as fh:
        return {row["case"]: row["expected"] for row in csv.DictReader(fh, delimiter="\t")}


def _make_cases(directory: Path) -> dict[str, Path]:
    spec = importlib.util.spec_from_file_location("badinput_make_cases", HERE / "make_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_cases(directory)


def _sources(store: Path) -> set[str]:
    res = run_cli("--store", str(store), "query", "export_documents", "--format", "csv")
    assert res.returncode == 0, res.stderr
    return {line.split(",")[0] for line in res.stdout.splitlines()[1:]}


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    files = _make_cases(folder)
    for f in CORPUS.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    # Cases a folder walk meets: a symlink loop, a dangling link (unreadable), a huge text.
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "loop")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    big = (CORPUS / "001_5a61ba707b6c805c.txt").read_text(encoding="utf-8")
    with open(folder / "huge_50mb.txt", "w", encoding="utf-8") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(big)
    store = tmp_path_factory.mktemp("store") / "store"
    # The same file twice on the command line is one document.
    first = next(iter(sorted(CORPUS.glob("*.txt"))))
    result = run_cli("--store", str(store), "ingest", "--quiet", str(folder), str(folder / first.name), timeout=900)
    return folder, files, store, result


def test_batch_bad_inputs_each_give_one_line_and_the_good_ones_are_stored(bad_batch):
    folder, files, store, result = bad_batch
    cases = _cases()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    walked_bad = {name for name, expected in cases.items() if expected != "ok" and (folder / name).is_file()}
    for name in walked_bad:
        hits = [line for line in errors if name in line]
        assert len(hits) == 1, (name, hits)
        assert cases[name] in hits[0], (name, hits[0])
    assert any("dangling.txt" in line for line in errors)
    assert any("huge_50mb.txt" in line and "too" in line for line in errors)
    assert len(errors) == len(walked_bad) + 2
    good = {name for name, expected in cases.items() if expected == "ok"} | {f.name for f in CORPUS.glob("*.txt")}
    # Several cases are one text in several encodings and formats: byte-identical files and
    # copies of a stored document's measures are reported as duplicates (tests/test_identity.py).
    duplicates = {Path(line.removeprefix("duplicate: ").split(": not stored")[0]).name
                  for line in result.stderr.splitlines() if line.startswith("duplicate:")}
    stored = _sources(store)
    assert not stored & duplicates
    assert stored | duplicates == good


def test_batch_injection_text_is_stored_as_text(bad_batch):
    """Markup and SPARQL-looking text are data: stored verbatim, never executed."""
    _, _, store, _ = bad_batch
    res = run_cli("--store", str(store), "query", "--file", str(HERE.parent / "data" / "titles.rq"), "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["results"]["bindings"]
    titles = {b["source"]["value"]: b["title"]["value"] for b in rows if "title" in b}
    # injection.txt and docx_injection.docx are one document: whichever was stored holds the title verbatim
    assert '关于<script>alert("x")</script>的通知' in {titles.get("injection.txt"), titles.get("docx_injection.docx")}
    # the store survived "} ; DROP ALL ; {": every good document is still there
    assert len({b["source"]["value"] for b in rows}) == len(_sources(store)) > 5


def _synthetic_batch(folder: Path, n: int) -> list[Path]:
    """n distinct documents (benchmarks/synth.py: each its own 发文字号, or title and date)."""
    sys.path.insert(0, str(HERE.parent.parent))
    from benchmarks.synth import make_document

    out = []
    for i in range(n):
        p = folder / f"doc_{i:03d}.txt"
        p.write_text(make_document(i)[1], encoding="utf-8")
        out.append(p)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])  # 2: the writer thread commits while workers extract
def test_batch_sigkill_leaves_only_whole_documents_and_rerun_completes(tmp_path, jobs):
    folder = tmp_path / "batch"
    folder.mkdir()
    files = _synthetic_batch(folder, 150)  # six of the writer's batches
    store = tmp_path / "store"
    # A real batch in its own process, printing each outcome once it is committed; killed as
    # soon as the first documents are in, while later ones are being extracted or written.
    script = ("import sys\nfrom policykg.graph.store import OxigraphBackend\nfrom policykg.ingest.batch import ingest_paths\n"
              f"ingest_paths(OxigraphBackend(sys.argv[1]), [sys.argv[2]], jobs={jobs}, "
              "on_progress=lambda o: print(o.status, flush=True))\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(store), str(folder)], stdout=subprocess.PIPE, text=True)
    workers: set[int] = set()
    try:
        first = proc.stdout.readline()
        assert first.strip() == "stored", first
        workers = running(descendants(proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # its extraction workers die with it (graph/parallel.die_with_parent), never left running
        assert not wait_gone(workers, 5)
    finally:
        for pid in running(workers | descendants(proc.pid)):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.pipeline import ingest_file

    backend = OxigraphBackend(store)
    counts = backend.select(
        "PREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
        "SELECT ?name (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?src pkg:fileName ?name . "
        "OPTIONAL { ?d pkg:sourceFile ?src ; pkg:hasMeasure ?m } } } GROUP BY ?name"
    ).records()
    backend.close()
    del backend
    stored = {r["name"]: r["n"] for r in counts}
    assert 0 < len(stored) < len(files)
    for name, n in stored.items():
        assert n == len(ingest_file(folder / name).measures), name  # whole, never half a document

    rerun = run_cli("--store", str(store), "ingest", "--quiet", str(folder), timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(files) - len(stored)} stored, {len(stored)} unchanged" in rerun.stderr
    assert _sources(store) == {f.name for f in files}


def test_batch_ingesting_twice_leaves_an_isomorphic_store(tmp_path):
    from rdflib import Dataset
    from rdflib.compare import isomorphic

    store = tmp_path / "store"
    assert run_cli("--store", str(store), "ingest", "--quiet", str(CORPUS)).returncode == 0
    first = run_cli("--store", str(store), "export", "--format", "nq").stdout
    assert run_cli("--store", str(store), "ingest", "--quiet", "--force", str(CORPUS)).returncode == 0
    second = run_cli("--store", str(store), "export", "--format", "nq").stdout
    a, b = Dataset(), Dataset()
    a.parse(data=first, format="nquads")
    b.parse(data=second, format="nquads")
    assert len(a) == len(b) > 0
    for ga in a.graphs():
        assert isomorphic(ga, b.graph(ga.identifier)), ga.identifier


@pytest.mark.parametrize("background", [False, True])
def test_writer_retries_a_rejected_batch_one_document_at_a_time(tmp_path, background):
    """One graph the store rejects fails alone: the rest of its batch is committed, and the
    outcomes come back in input order."""
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import BatchReport, _Writer, process_file

    files = sorted(CORPUS.glob("*.txt"))[:3]
    outcomes = [process_file(str(f)) for f in files]
    broken = outcomes[1]
    bad = type(broken)(broken.path, "stored", source=broken.source, graph=broken.graph,
                       ntriples=broken.ntriples + ("<urn:x:a> <urn:x:b> .\n",), summary=broken.summary)
    failed_read = type(broken)("missing.txt", "failed", "missing.txt: no such file")
    backend = OxigraphBackend(tmp_path / "store")
    report = BatchReport()
    seen: list[str] = []
    writer = _Writer(backend, report, lambda o: seen.append(o.path), background=background)
    writer.batch = 2  # two batches: [good, bad] and [failed read, good]
    for o in (outcomes[0], bad, failed_read, outcomes[2]):
        writer.add(o)
    writer.finish()
    writer.close()
    assert seen == [outcomes[0].path, bad.path, "missing.txt", outcomes[2].path]
    assert [o.status for o in report.outcomes] == ["stored", "failed", "failed", "stored"]
    assert "not stored" in report.outcomes[1].message and bad.path in report.outcomes[1].message
    graphs = {g for g in backend.named_graphs()}
    assert {outcomes[0].graph, outcomes[2].graph} <= graphs and bad.graph not in graphs
