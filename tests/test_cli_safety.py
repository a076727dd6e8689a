"""The command line on hostile data and mistakes (issue 17, items 7, 9 and 14): Rich markup in
paths, titles and parameters printed as written; --out onto folders; a .rq in GBK; a mistyped
--store; a store in a read-only folder. Real CLI in subprocesses; every input made here."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, run_cli

ONE = sorted(CORPUS.glob("*.txt"))[0]
WIDE = dict(os.environ, COLUMNS="1000")  # tables on one line per row, so cells can be read back


@pytest.fixture(scope="module")
def bracket_store(tmp_path_factory):
    """Files whose paths and titles look like Rich markup, ingested with a bad file among them."""
    root = tmp_path_factory.mktemp("markup")
    folder = root / "a[" / "b]c"
    folder.mkdir(parents=True)
    shutil.copy(ONE, folder / "x[bold]y.txt")
    (folder / "t[red].txt").write_text("关于[/]加强[red]知识产权:smile:保护的通知\n一、重点任务\n"
                                     "1. 加强管理[/b]。由市科技局负责。\n", encoding="utf-8")
    (folder / "bad[b]c.rtf").write_text("{\\rtf1 not supported}", encoding="utf-8")
    for i in range(3):
        shutil.copy(sorted(CORPUS.glob("*.txt"))[i + 1], folder / f"z{i}.txt")
    store = root / "st[/b]"
    res = run_cli("--store", str(store), "ingest", str(root / "a["), env=WIDE)
    return store, res


def test_cli_safety_markup_in_paths_and_titles_never_interpreted(bracket_store):
    store, res = bracket_store
    assert "Traceback" not in res.stderr and "MarkupError" not in res.stderr, res.stderr
    assert res.returncode == 1  # the .rtf
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "a[/b]c/bad[b]c.rtf: unsupported file type '.rtf'" in errors[0]
    assert "5 stored, 0 unchanged, 1 failed" in res.stderr
    assert "│ x[bold]y.txt " in res.stdout and "│ 关于[/]加强[red]知识产权:smile:保护的通知 " in res.stdout
    assert f"Ingested into {store}" in res.stdout


def test_cli_safety_query_documents_still_works_on_that_store(bracket_store):
    store, _ = bracket_store
    res = run_cli("--store", str(store), "query", "documents", env=WIDE)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "│ x[bold]y.txt " in res.stdout and "│ 关于[/]加强[red]知识产权:smile:保护的通知 " in res.stdout
    stats = run_cli("--store", str(store), "stats")
    assert stats.returncode == 0 and f"policykg store: {store}" in stats.stdout, stats.stderr


@pytest.mark.parametrize("value", ["[/]", "[bold]2020[/bold]", "[/b]", os.fsdecode(b"20\xff\xfe")])
def test_cli_safety_hostile_param_values_are_one_line_errors(bracket_store, value):
    store, _ = bracket_store
    res = run_cli("--store", str(store), "query", "targets_by_year", "--param", f"year={value}")
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    if value.isprintable() and value.encode("utf-8", "surrogateescape").isascii():
        assert value in lines[0]
    else:
        assert "not valid UTF-8" in lines[0] and "\\xff\\xfe" in lines[0]


# ----------------------------------------------------------------------------- item 9


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("small") / "store"
    res = run_cli("--store", str(store), "ingest", "--quiet", str(ONE))
    assert res.returncode == 0, res.stderr
    return store


@pytest.mark.parametrize("command", [["export", "--format", "json"], ["viz", "agencies"], ["viz", "network"]])
def test_cli_safety_out_onto_a_folder_is_refused_and_leaves_nothing(small_store, tmp_path, command):
    target = tmp_path / "outdir"
    target.mkdir()
    res = run_cli("--store", str(small_store), *command, "--out", str(target))
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.strip() == f"error: --out {target}: is a folder; give a file name inside it"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outdir"] and not any(target.iterdir())


@pytest.mark.parametrize("command,name", [(["export", "--format", "json"], "r.json"), (["viz", "agencies"], "a.html"),
                                          (["export", "--format", "nq"], "g.nq")])
def test_cli_safety_out_into_a_missing_folder_creates_it(small_store, tmp_path, command, name):
    target = tmp_path / "new" / "deeper" / name
    res = run_cli("--store", str(small_store), *command, "--out", str(target))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert target.stat().st_size > 100
    assert [p.name for p in target.parent.iterdir()] == [name]  # no .part left


def test_cli_safety_out_under_a_file_is_one_line(small_store, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    res = run_cli("--store", str(small_store), "export", "--out", str(blocker / "r.json"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: --out {blocker / 'r.json'}: cannot create the folder {blocker}")
    assert len(res.stderr.strip().splitlines()) == 1


def test_cli_safety_gbk_query_file_is_one_line(small_store, tmp_path):
    rq = tmp_path / "gbk.rq"
    rq.write_bytes("# 按机构统计措施\nSELECT ?s WHERE { ?s ?p \"知识产权\" } LIMIT 1\n".encode("gbk"))
    res = run_cli("--store", str(small_store), "query", "--file", str(rq))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip() == f"error: {rq}: not UTF-8 text (byte 2); save the query as UTF-8"


# ----------------------------------------------------------------------------- item 14


@pytest.mark.parametrize("command", [["stats"], ["query", "documents"], ["export"], ["validate"],
                                     ["viz", "network", "--out", "OUT/n.html"], ["analyze", "agencies"]])
def test_cli_safety_read_commands_on_a_mistyped_store_say_no_store(tmp_path, command):
    missing = tmp_path / "stor"  # a typo
    command = [c.replace("OUT", str(tmp_path / "out")) for c in command]
    res = run_cli("--store", str(missing), *command)
    assert res.returncode == 1
    assert res.stderr.strip() == f"error: no store at {missing}"
    assert not missing.exists()


def _without_write_permission() -> list[str]:
    """Root ignores file modes: run the command without the capabilities that let it."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made read-only")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def test_cli_safety_a_store_in_a_read_only_folder_can_be_queried(small_store, tmp_path):
    store = tmp_path / "ro"
    shutil.copytree(small_store, store)
    paths = [store, *store.rglob("*")]
    for p in paths:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        exe = Path(sys.executable).with_name("policykg")
        base = [*_without_write_permission(), str(exe), "--store", str(store)]
        probe = subprocess.run([*_without_write_permission(), "touch", str(store / "probe")], capture_output=True)
        assert probe.returncode != 0  # really read-only for the commands below
        for command in (["stats", "--format", "json"], ["query", "documents", "--format", "json"], ["validate"]):
            res = subprocess.run([*base, *command], capture_output=True, text=True, timeout=300)
            assert res.returncode == 0 and "Traceback" not in res.stderr, (command, res.stderr)
        docs = json.loads(subprocess.run([*base, "stats", "--format", "json"], capture_output=True, text=True).stdout)
        assert docs["documents"] == 1
        ingest = subprocess.run([*base, "ingest", "--quiet", str(ONE)], capture_output=True, text=True, timeout=300)
        assert ingest.returncode == 1 and "Traceback" not in ingest.stderr
        assert ingest.stderr.startswith(f"error: cannot open the store at {store}")
    finally:
        for p in paths:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


def test_cli_safety_reading_beside_a_writer_is_refused(small_store, tmp_path):
    """Reading a store another process is writing is undefined behaviour in Oxigraph: refused."""
    store = tmp_path / "busy"
    shutil.copytree(small_store, store)
    writer = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph\ns = pyoxigraph.Store(sys.argv[1])\n"
                               "print('open', flush=True)\nsys.stdin.read()\n", str(store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        res = run_cli("--store", str(store), "stats")
        assert res.returncode == 1
        assert res.stderr.strip() == (f"error: cannot open the store at {store}: another policykg process is writing it; "
                                      "try again when it has finished")
    finally:
        writer.stdin.close()
        writer.wait(30)
    assert run_cli("--store", str(store), "stats").returncode == 0
