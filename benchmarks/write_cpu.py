"""Store write CPU per document, alone: extract N documents (the ingest worker pool, nothing
stored), then bulk-load their graphs into a fresh on-disk store in batches of 25 (as the ingest
writer does), three times; prints CPU and wall ms per document (process CPU: RocksDB's threads
included).

    python benchmarks/write_cpu.py FOLDER [N]

To compare with an older model, run it with that version's code first on the import path
(e.g. ``git archive COMMIT | tar -x -C /tmp/old/policykg`` then ``PYTHONPATH=/tmp/old``).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    import policykg.graph.store as store_module
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import _outcomes, collect_files

    files, _ = collect_files([argv[0]])
    files = files[: int(argv[1]) if len(argv) > 1 else 200]
    docs = [(o.graph, o.ntriples) for o in _outcomes(files, 2) if o.status == "stored"]
    quads = sum(len(lines) for _, lines in docs)
    print(f"code: {store_module.__file__}; {len(docs)} documents, {quads / len(docs):.0f} quads each", flush=True)
    for rep in range(3):
        tmp = Path(tempfile.mkdtemp(prefix="policykg-write-cpu-"))
        try:
            backend = OxigraphBackend(tmp / "store")
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(0, len(docs), 25):
                backend.replace_graphs(docs[i : i + 25])
            backend.flush()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            backend.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"run {rep + 1}: CPU {cpu / len(docs) * 1000:.2f} ms/document, wall {wall / len(docs) * 1000:.2f} ms/document",
              flush=True)


if __name__ == "__main__":
    main()
