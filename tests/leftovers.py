"""A pytest plugin (loaded by conftest.py): the test session must leave no process of the project
running. At the end of the session every process that descends from pytest, or whose command line
names this session's temporary folder (CLI runs, extraction workers orphaned by a killed parent,
Oxigraph and Virtuoso servers started on stores in it), must be gone: any left is listed, killed,
and the session fails. Linux only (it reads /proc)."""
from __future__ import annotations

import os
import signal
import sys
import time

GRACE_SECONDS = 10.0  # processes just signalled may take a moment to go


def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state letter, command line) of every process, read from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), fields[0], cmdline)
    return table


def descendants(pid: int, table: dict[int, tuple[int, str, str]] | None = None) -> set[int]:
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for child, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(child)
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def running(pids: set[int]) -> set[int]:
    """The pids that are still running (a zombie has ended; it only waits to be reaped)."""
    table = process_table()
    return {p for p in pids if p in table and table[p][1] not in ("Z", "X")}


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    """Wait up to ``seconds`` for the processes to end; those still running."""
    deadline = time.monotonic() + seconds
    left = running(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = running(left)
    return left


def leftovers(temp_root: str) -> dict[int, str]:
    """Running processes of this session: descendants of pytest, or naming its temporary folder."""
    me = os.getpid()
    table = process_table()
    mine = descendants(me, table)
    marker = temp_root.rstrip("/") + "/"
    return {pid: cmd for pid, (_, state, cmd) in table.items()
            if pid != me and state not in ("Z", "X") and (pid in mine or marker in cmd + "/")}


def pytest_sessionfinish(session, exitstatus):
    if not sys.platform.startswith("linux"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    temp_root = str(factory.getbasetemp())
    found = leftovers(temp_root)
    if found:
        still = wait_gone(set(found), GRACE_SECONDS)
        found = {pid: cmd for pid, cmd in found.items() if pid in still}
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(found)} process(es) of the project left running at the end of the session (killed now):"]
    lines += [f"  pid {pid}: {cmd[:300]}" for pid, cmd in sorted(found.items())]
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if reporter is not None:
        reporter.write_sep("=", "processes left running", red=True)
        for line in lines:
            reporter.write_line(line)
    else:
        print("\n".join(lines), file=sys.stderr)
    session.exitstatus = 1
