"""Real SPARQL servers for tests: Oxigraph (pip package ``oxigraph``) and Virtuoso 7 (Debian
``virtuoso-opensource``), each started on free 127.0.0.1 ports from a temporary directory."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

VIRTUOSO_USER = "policykg"
VIRTUOSO_PASSWORD = "pkg-test-pw"
VIRTUOSO_DBA_PASSWORD = "dba-test-pw"
# Small on purpose: the corpus exports exceed it, so result paging is exercised.
VIRTUOSO_MAX_ROWS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def isql_binary() -> str | None:
    return shutil.which("isql-vt") or shutil.which("isql")


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 60.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {tail}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Server:
    kind: str
    base: str
    query_url: str
    update_url: str
    graph_store: str | None
    proc: subprocess.Popen
    user: str | None = None
    password: str | None = None
    extra: dict = field(default_factory=dict)

    def backend(self, **kw):
        from policykg.graph.remote import EndpointBackend

        return EndpointBackend(self.query_url, self.update_url, graph_store=kw.pop("graph_store", self.graph_store),
                               user=kw.pop("user", self.user), password=kw.pop("password", self.password), **kw)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        stop(self.proc)


def start_oxigraph(location: Path, read_only: bool = False, union: bool = False) -> Server:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server CLI is not installed (pip install 'oxigraph>=0.5.13,<0.6')")
    port = free_port()
    log = location.parent / f"oxigraph-{port}.log"
    cmd = [binary, "serve-read-only" if read_only else "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union:
        cmd.append("--union-default-graph")
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/query?query=ASK%7B%7D", proc, log=log)
    return Server("oxigraph", base, base + "/query", base + "/update", base + "/store", proc)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {d}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 512M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 4
AsyncQueueMaxThreads = 10
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/vsp
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
DeferInferenceRulesInit = 0
"""


def isql(sql_port: int, password: str, script: str) -> str:
    binary = isql_binary()
    r = subprocess.run([binary, f"127.0.0.1:{sql_port}", "dba", password, "VERBOSE=OFF", "PROMPT=OFF", "BANNER=OFF"],
                       input=script, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or "*** Error" in r.stdout or "*** Error" in r.stderr:
        raise RuntimeError(f"isql failed: {r.stdout[-1500:]} {r.stderr[-1500:]}")
    return r.stdout


def start_virtuoso(directory: Path) -> Server:
    binary = virtuoso_binary()
    if binary is None or isql_binary() is None:
        raise RuntimeError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql_port=sql_port, http_port=http_port, max_rows=VIRTUOSO_MAX_ROWS))
    log = directory / "virtuoso.log"
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)],
                            cwd=directory, stdout=open(directory / "stdout.log", "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_http(base + "/sparql?query=ASK%7B%7D", proc, seconds=120, log=log)
        # A fresh database has the password dba/dba: change it first.
        isql(sql_port, "dba", f"USER_SET_PASSWORD('dba', '{VIRTUOSO_DBA_PASSWORD}');\n")
        isql(sql_port, VIRTUOSO_DBA_PASSWORD, (
            f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}');\n"
            f"GRANT SPARQL_UPDATE TO \"{VIRTUOSO_USER}\";\n"
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{VIRTUOSO_USER}', 7);\n"
        ))
    except BaseException:
        stop(proc)
        raise
    return Server("virtuoso", base, base + "/sparql", base + "/sparql-auth", base + "/sparql-graph-crud-auth", proc,
                  user=VIRTUOSO_USER, password=VIRTUOSO_PASSWORD, extra={"sql_port": sql_port})
