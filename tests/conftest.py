"""Shared fixtures: the bundled corpus ingested once per session into a real on-disk store,
and real SPARQL servers on free 127.0.0.1 ports (tests/servers.py), started once per session
and only when a test asks for them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from servers import start_oxigraph, start_virtuoso

# The session fails if it leaves a process of the project running (tests/leftovers.py).
from leftovers import pytest_sessionfinish  # noqa: E402,F401

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory):
    """An embedded Oxigraph store holding the bundled corpus (read it, don't write it)."""
    from policykg.graph.store import OxigraphBackend
    from policykg.ingest.batch import ingest_paths

    backend = OxigraphBackend(tmp_path_factory.mktemp("corpus-store") / "store")
    report = ingest_paths(backend, [CORPUS], jobs=1)
    assert not report.failed, [o.message for o in report.failed]
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "eval" / "score.py").exists():
        pytest.skip(f"{SHARED} is not beside this checkout: the shared scorer and gold are needed")
    return SHARED


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `policykg` entry point in a subprocess."""
    exe = Path(sys.executable).with_name("policykg")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
