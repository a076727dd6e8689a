"""Ingesting many files: extraction in worker processes, one writer committing each document.

Workers read, extract and serialize; the parent only writes, so a document's graph is
always written by one transaction of one process (LIBRARY-NOTES §1: one writer).
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..graph import ids
from ..graph.build import document_iri, graph_iri, triples
from ..graph.load import StoredSource, alignment_runs_by_source, load_reference, stored_sources
from ..graph.parallel import Background, bounded_map
from ..graph.store import Backend, Term, internal_query, with_values
from .errors import IngestError, PolicyKGError
from .diagnose import diagnose
from .limits import limits
from .pipeline import EXTRACTOR, ingest_file
from .readers import read_bytes


@dataclass(frozen=True)
class Outcome:
    path: str
    status: str  # "stored" | "unchanged" | "duplicate" | "failed"
    message: str = ""
    source: str = ""
    graph: str = ""
    ntriples: tuple[str, ...] = ()
    summary: dict = field(default_factory=dict)
    sha256: str = ""
    document: str = ""  # the document's IRI (graph/ids.doc_iri)
    headings: frozenset = frozenset()  # its measures' heading keys: how copies of one document are told apart
    original: str = ""  # a duplicate's stored source graph (the one it copies)


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def by_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def failed(self) -> list[Outcome]:
        return self.by_status("failed")


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Outcome]]:
    """Expand folders (sorted, symlinked folders not followed so loops cannot trap us)."""
    files: list[Path] = []
    problems: list[Outcome] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, names in os.walk(p, followlinks=False):
                dirs.sort()
                for n in sorted(names):
                    f = Path(root) / n
                    # Every visible file is tried, so one in an unsupported format is reported
                    # (one error line) rather than silently left out.
                    if not n.startswith("."):
                        files.append(f)
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            problems.append(Outcome(str(p), "failed", f"{p}: no such file or folder"))
    unique = []
    for f in files:
        key = f.resolve() if f.exists() else f
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def sha256_of(path: Path) -> str | None:
    # Read as the readers read (regular files only, within the byte limit): a FIFO or a symlink
    # to /dev/zero under the name of a stored file must not hang the unchanged-file check.
    try:
        return hashlib.sha256(read_bytes(path, limits().max_file_bytes)).hexdigest()
    except IngestError:
        return None


def process_file(path: str) -> Outcome:
    """Worker: read, extract and serialize one file. Never raises for bad input."""
    try:
        doc = ingest_file(path)
    except PolicyKGError as err:
        return Outcome(path, "failed", str(err))
    except RecursionError:
        return Outcome(path, "failed", f"{path}: the document is nested too deeply to read")
    except MemoryError:
        return Outcome(path, "failed", f"{path}: the document is too large to read")
    lines = tuple(triples(doc))
    summary = {
        "source": doc.source.name,
        "title": doc.meta.title,
        "doc_number": doc.meta.doc_number,
        "measures": len(doc.measures),
        "assignments": sum(len(m.lead) + len(m.support) for m in doc.measures),
        "targets": len(doc.targets),
        "citations": len(doc.citations),
        "triples": len(lines),
        "characters": len(doc.source.text),
        "warnings": len(diagnose(doc).warnings),  # what looks extractable but was not (policykg diagnose)
        "notes": list(doc.notes),  # what the ingest did that the analyst must hear of (a title over its limit)
    }
    return Outcome(path, "stored", source=doc.source.name, graph=graph_iri(doc), ntriples=lines, summary=summary,
                   sha256=doc.source.sha256, document=document_iri(doc),
                   headings=frozenset(heading_key(m.heading) for m in doc.measures))


def _outcomes(files: list[Path], jobs: int) -> Iterator[Outcome]:
    if jobs <= 1 or len(files) <= 1:
        for f in files:
            yield process_file(str(f))
        return
    yield from bounded_map(process_file, (str(f) for f in files), jobs, window=jobs * 4)


def ingest_paths(
    backend: Backend,
    paths: Iterable[str | Path],
    jobs: int | None = None,
    force: bool = False,
    on_progress: Callable[[Outcome], None] | None = None,
) -> BatchReport:
    """Ingest files and folders into the backend; one failed file never stops the batch."""
    files, problems = collect_files(paths)
    report = BatchReport(list(problems))
    for o in problems:
        on_progress and on_progress(o)
    load_reference(backend)
    stored = stored_sources(backend)
    remembered = remembered_duplicates(backend)
    todo: list[Path] = []
    for f in files:
        known = None if force else stored.get(ids.source_iri(f))
        if known and (known.sha256, known.extractor) == (sha256_of(f), EXTRACTOR):
            o = Outcome(str(f), "unchanged", source=f.name)
            report.outcomes.append(o)
            on_progress and on_progress(o)
        else:
            todo.append(f)
    if remembered and not force:
        todo = _skip_known_duplicates(todo, remembered, stored, report, on_progress)
    jobs = jobs or os.cpu_count() or 1
    writer = _Writer(backend, report, on_progress, stored, background=jobs > 1 and len(todo) > 1)
    try:
        for o in _outcomes(todo, jobs):
            writer.add(o)
        writer.finish()
    finally:
        writer.close()
    if writer.down is None:
        _remember_duplicates(backend, remembered, report, writer.sources.by_graph)
    # a large batch leaves many bulk-loaded files: merged, the store is a quarter smaller
    compact = getattr(backend, "compact_if_grown", None)
    if compact is not None:
        compact()
    return report


def duplicate_digest(sha256: str, original_sha256: str) -> str:
    """What made a file a duplicate: its content, the extractor and its original's content."""
    return hashlib.sha256(f"{sha256}\n{EXTRACTOR}\n{original_sha256}".encode()).hexdigest()


def remembered_duplicates(backend: Backend) -> dict[str, tuple[str, str]]:
    """Duplicate source graph -> (the stored source graph it copies, its duplicate_digest)."""
    graph = ids.duplicates_graph_iri()  # not bound in the query: Virtuoso 7.2 answered that with HTTP 500
    try:
        rows = backend.select(internal_query("remembered_duplicates")).records()
    except PolicyKGError:
        return {}  # only a cache: without it, duplicates are extracted and found again
    return {r["src"]: (r["original"], r["digest"]) for r in rows if r["g"] == graph}


def _skip_known_duplicates(todo: list[Path], remembered: dict[str, tuple[str, str]], stored: dict[str, StoredSource],
                           report: BatchReport, on_progress: Callable[[Outcome], None] | None) -> list[Path]:
    """Files an earlier ingest found to be duplicates are reported again without extracting them,
    while the file, the extractor and the original are unchanged and the original is not being
    ingested again in this batch (then the file is extracted and screened as usual)."""
    again = {ids.source_iri(f) for f in todo}
    out = []
    for f in todo:
        original, digest = remembered.get(ids.source_iri(f), ("", ""))
        first = stored.get(original)
        sha = sha256_of(f) if first is not None and original not in again else None
        if sha is not None and duplicate_digest(sha, first.sha256) == digest:
            why = "the same content as" if sha == first.sha256 else "a copy of the same document as"
            o = Outcome(str(f), "duplicate", f"{f}: not stored: {why} {first.path}, already stored "
                        f"(policykg remove {first.path} first to replace it)", source=f.name, sha256=sha,
                        original=original)
            report.outcomes.append(o)
            on_progress and on_progress(o)
        else:
            out.append(f)
    return out


def _remember_duplicates(backend: Backend, remembered: dict[str, tuple[str, str]], report: BatchReport,
                         stored: dict[str, StoredSource]) -> None:
    """Keep the duplicates graph current: this batch's duplicates in, files since stored or whose
    original is gone out. One replace of a small graph, written only when it changes."""
    from ..graph.terms import PKG

    records = {src: r for src, r in remembered.items() if src not in stored and r[0] in stored}
    for o in report.outcomes:
        src = ids.source_iri(o.path)
        if o.status == "duplicate" and o.original in stored and o.sha256:
            records[src] = (o.original, duplicate_digest(o.sha256, stored[o.original].sha256))
        elif o.status == "stored":
            records.pop(src, None)
    if records == remembered:
        return
    graph = ids.duplicates_graph_iri()
    try:
        if not records:
            backend.drop_graph(graph)
            return
        lines = []
        for src, (original, digest) in sorted(records.items()):
            lines.append(f"<{src}> <{PKG.duplicateOf}> <{original}> .")
            lines.append(f'<{src}> <{PKG.duplicateDigest}> "{digest}" .')
        backend.replace_graph(graph, lines)
    except PolicyKGError:
        pass  # only a cache: the next ingest extracts these files again and finds them duplicates


class _Writer:
    """The single writer. Documents are committed in batches of the backend's ``write_batch``
    (the embedded store bulk-loads new graphs together: half the per-document write cost,
    benchmarks/README.md; servers take one document at a time); each document stays
    all-or-nothing. A batch that fails is retried one document at a time, so one bad graph fails
    alone. Outcomes are reported in order, once their batch is committed.

    With ``background``, batches are committed by one writer thread while the caller goes on
    collecting the workers' documents: the store's write releases the GIL, so extraction and
    writing overlap instead of taking turns (``--jobs 1`` stays in one thread). At most
    ``IN_FLIGHT`` batches wait for the thread, which bounds memory."""

    IN_FLIGHT = 2

    def __init__(self, backend: Backend, report: BatchReport, on_progress: Callable[[Outcome], None] | None,
                 stored: dict[str, StoredSource] | None = None, background: bool = False):
        self.backend, self.report, self.on_progress = backend, report, on_progress
        self.sources = _SourceIndex(stored or {}, backend)
        self.runs: dict[str, set[str]] | None = None  # source graph -> alignment runs that read it
        self.dropped_runs: set[str] = set()
        self.batch = getattr(backend, "write_batch", 1)
        self.pending: list[Outcome] = []
        self.down: str | None = None  # set when the store became unreachable: later documents are not tried
        self.commits = Background(self._commit, self.IN_FLIGHT, background)

    def add(self, o: Outcome) -> None:
        self.pending.append(o)  # failures wait too, so that outcomes are reported in order
        self._done(self._submit() if len(self.pending) >= self.batch else self.commits.ready())

    def finish(self) -> None:
        """Commit what is pending and report every outcome."""
        if self.pending:
            self._done(self._submit())
        self._done(self.commits.drain())

    def close(self) -> None:
        """Stop the thread; after an interruption, batches not started are dropped (nothing is
        half-written: each committed batch is one transaction)."""
        self.commits.close()

    def _submit(self) -> list[list[Outcome]]:
        batch, self.pending = self.pending, []
        return self.commits.submit(batch)

    def _commit(self, batch: list[Outcome]) -> list[Outcome]:
        batch = self.sources.screen(batch)
        todo = [o for o in batch if o.status == "stored"]
        if self.down is None and todo:
            self._invalidate_alignments(todo)
        if self.down is None and len(todo) > 1:
            try:
                self.backend.replace_graphs([(o.graph, o.ntriples) for o in todo])
            except PolicyKGError:
                pass  # find the culprit below, one document at a time
            else:
                return [self._committed(o) if o.status == "stored" else o for o in batch]
        return [self._store_one(o) if o.status == "stored" else o for o in batch]

    def _invalidate_alignments(self, todo: list[Outcome]) -> None:
        """Alignment runs that read a source about to be replaced point into its old text:
        they are dropped first, so a crash between the two never leaves stale evidence."""
        replaced = {o.graph for o in todo if o.graph in self.sources.by_graph}
        if not replaced:
            return
        try:
            if self.runs is None:  # read once per batch of files: ingest writes no alignment runs
                self.runs = alignment_runs_by_source(self.backend)
            # a run reads two sources: once dropped for one, it is not dropped again for the other
            stale = set().union(*(self.runs.pop(g, set()) for g in replaced)) - self.dropped_runs
            for graph in sorted(stale):
                self.backend.drop_graph(graph)
                self.dropped_runs.add(graph)
        except PolicyKGError as err:
            if getattr(err, "store_unavailable", False):
                self.down = str(err)

    def _store_one(self, o: Outcome) -> Outcome:
        if self.down is not None:
            return Outcome(o.path, "failed", f"{o.path}: not stored: skipped, the store is unavailable ({self.down})")
        try:
            self.backend.replace_graph(o.graph, o.ntriples)
        except PolicyKGError as err:
            if getattr(err, "store_unavailable", False):
                self.down = str(err)
            return Outcome(o.path, "failed", f"{o.path}: not stored: {err}")
        return self._committed(o)

    def _committed(self, o: Outcome) -> Outcome:
        self.sources.add(o)
        return Outcome(o.path, "stored", source=o.source, graph=o.graph, summary=o.summary,
                       sha256=o.sha256, document=o.document)  # triples dropped

    def _done(self, batches: list[list[Outcome]]) -> None:
        for outcomes in batches:
            for o in outcomes:
                self.report.outcomes.append(o)
                self.on_progress and self.on_progress(o)


def heading_key(heading: str) -> str:
    """A measure heading as copies of one document compare it (no spaces or punctuation)."""
    return _NOT_WORD.sub("", heading)


_NOT_WORD = re.compile(r"[\W_]+")

# A second source of a stored document is a copy when at least this share of its measures is
# already stored; below it, it is another part (a different passage of the same page) and is
# stored beside the first, adding the measures the first lacked.
COPY_SHARE = 0.5


class _SourceIndex:
    """What the store holds, by graph, content hash and document, kept current as the writer
    commits: byte-identical files are one source, and a copy of a stored document (another name,
    another format) is reported instead of doubling its measures and every workload."""

    def __init__(self, stored: dict[str, StoredSource], backend: Backend | None = None):
        self.backend = backend
        self.by_graph = dict(stored)
        self.by_sha = {s.sha256: s for s in stored.values()}
        self.by_doc: dict[str, list[StoredSource]] = {}
        for s in stored.values():
            if s.document:
                self.by_doc.setdefault(s.document, []).append(s)
        self.headings: dict[str, set[str]] = {}  # source graph -> its measures' heading keys

    def screen(self, batch: list[Outcome]) -> list[Outcome]:
        out, seen_sha = [], {}
        pending: dict[str, list[tuple[str, str, frozenset]]] = {}  # document -> this batch's parts
        for o in batch:
            if o.status == "stored":
                other, why = None, ""
                if o.sha256 and o.sha256 in seen_sha and seen_sha[o.sha256][0] != o.graph:
                    (original, other), why = seen_sha[o.sha256], "the same content as"
                elif o.sha256 in self.by_sha and self.by_sha[o.sha256].graph != o.graph:
                    first = self.by_sha[o.sha256]
                    original, other, why = first.graph, first.path, "the same content as"
                else:
                    original, other = self._copy_of(o, pending.get(o.document, [])) or ("", None)
                    why = "a copy of the same document as"
                if other is not None:
                    o = Outcome(o.path, "duplicate", f"{o.path}: not stored: {why} {other}, already stored "
                                f"(policykg remove {other} first to replace it)", source=o.source,
                                sha256=o.sha256, original=original)
                else:
                    seen_sha[o.sha256] = (o.graph, o.path)
                    pending.setdefault(o.document, []).append((o.graph, o.path, o.headings))
            out.append(o)
        return out

    def _copy_of(self, o: Outcome, pending: list[tuple[str, str, frozenset]]) -> tuple[str, str] | None:
        """The graph and path of a stored (or earlier) source of the same document that already
        holds most of this one's measures, if any."""
        if not o.document or not o.headings:
            return None  # no measures: nothing could be counted twice
        parts = [(s.graph, s.path, self._headings_of(s)) for s in self.by_doc.get(o.document, ()) if s.graph != o.graph]
        parts += [p for p in pending if p[0] != o.graph]
        for graph, path, headings in parts:
            if len(o.headings & headings) >= COPY_SHARE * len(o.headings):
                return graph, path
        return None

    def _headings_of(self, s: StoredSource) -> set[str]:
        if s.graph not in self.headings:
            self.headings[s.graph] = set()
            if self.backend is not None:
                query = with_values(internal_query("document_headings"), {"doc": Term("uri", s.document)})
                for r in self.backend.select(query).records():
                    self.headings.setdefault(r["g"], set()).add(heading_key(r["heading"]))
        return self.headings[s.graph]

    def add(self, o: Outcome) -> None:
        old = self.by_graph.get(o.graph)
        if old is not None:  # a replaced source no longer holds its old content or document
            self.by_sha.pop(old.sha256, None)
            if old.document in self.by_doc:
                self.by_doc[old.document] = [s for s in self.by_doc[old.document] if s.graph != o.graph]
        new = StoredSource(o.graph, o.source, ids.display_path(o.path), o.sha256, None, o.document)
        self.by_graph[o.graph] = self.by_sha[o.sha256] = new
        self.by_doc.setdefault(o.document, []).append(new)
        self.headings[o.graph] = set(o.headings)


__all__ = ["ingest_paths", "collect_files", "process_file", "BatchReport", "Outcome", "IngestError"]
