"""No process of the project outlives its parent or the test session (issue 17, item 10)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CORPUS
from leftovers import descendants, running, wait_gone

SCRIPT = ("import sys\nfrom policykg.graph.store import OxigraphBackend\nfrom policykg.ingest.batch import ingest_paths\n"
          "ingest_paths(OxigraphBackend(sys.argv[1]), [sys.argv[2]], jobs=2, "
          "on_progress=lambda o: print(o.status, flush=True))\n")


def synthetic_batch(folder: Path, n: int) -> list[Path]:
    texts = [f.read_text(encoding="utf-8") for f in sorted(CORPUS.glob("*.txt"))]
    out = []
    for i in range(n):
        p = folder / f"doc_{i:03d}.txt"
        p.write_text(f"第{i}号测试文件\n" + texts[i % len(texts)], encoding="utf-8")  # a distinct document each
        out.append(p)
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_processes_ingest_workers_die_with_their_parent(tmp_path, sig):
    folder = tmp_path / "batch"
    folder.mkdir()
    synthetic_batch(folder, 80)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path / "store"), str(folder)],
                            stdout=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            workers = running(descendants(proc.pid))
        assert len(workers) >= 2, workers
        time.sleep(1.0)  # extracting, the parent writing what they hand it
        workers = running(descendants(proc.pid))  # everything the parent started, as it dies
        assert workers and proc.poll() is None
        os.kill(proc.pid, sig)
        proc.wait(30)
        left = wait_gone(workers, 5)
        assert not left, f"workers still running {5} s after the parent died: {sorted(left)}"
    finally:
        for pid in running(descendants(proc.pid)) | running(workers):
            os.kill(pid, signal.SIGKILL)  # never leave one behind, even when the test fails
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_processes_the_session_check_finds_children_and_orphans(tmp_path):
    """tests/leftovers.py fails a session that leaves a process behind, and kills it."""
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "test_leak.py").write_text(textwrap.dedent('''
        import subprocess, sys

        def test_leaves_a_child_and_an_orphan(tmp_path):
            sleeper = "import time; time.sleep(120)"
            subprocess.Popen([sys.executable, "-c", sleeper, str(tmp_path)])
            subprocess.run([sys.executable, "-c",
                            "import subprocess, sys; subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]])",
                            sleeper, str(tmp_path / "orphan")], check=True)
    '''), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "leftovers", "-p", "no:cacheprovider",
                          "--basetemp", str(tmp_path / "temp"), "--rootdir", str(inner), str(inner / "test_leak.py")],
                         capture_output=True, text=True, env=env, timeout=120, cwd=inner)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "1 passed" in res.stdout
    assert "2 process(es) of the project left running at the end of the session (killed now)" in res.stdout
    marker = str(tmp_path / "temp") + "/"
    table_left = [line for line in res.stdout.splitlines() if line.startswith("  pid ") and marker in line]
    assert len(table_left) == 2
    pids = {int(line.split()[1].rstrip(":")) for line in table_left}
    assert not wait_gone(pids, 5)
