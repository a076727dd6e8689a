"""`policykg serve`: the embedded store as a read-only SPARQL endpoint, queried with SPARQLWrapper."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import free_port

pytestmark = pytest.mark.server
POLICYKG = str(Path(sys.executable).parent / "policykg")


def test_serve_answers_sparqlwrapper_and_refuses_writes(tmp_path, corpus_dir):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    store = tmp_path / "store"
    subprocess.run([POLICYKG, "--store", str(store), "ingest", "-q", "-j", "1", str(corpus_dir)], check=True)
    port = free_port()
    proc = subprocess.Popen([POLICYKG, "--store", str(store), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/query" in line
        url = line.split()[-1]
        w = SPARQLWrapper(url)
        w.setReturnFormat(JSON)
        w.setQuery("PREFIX pkg: <https://w3id.org/policykg/ontology#> "
                   "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d pkg:sourceFile ?f }")
        for _ in range(50):
            try:
                res = w.queryAndConvert()
                break
            except Exception:
                time.sleep(0.1)
        assert int(res["results"]["bindings"][0]["n"]["value"]) == len(list(corpus_dir.glob("*.txt")))
        import requests

        r = requests.post(f"http://127.0.0.1:{port}/update", data={"update": "DROP ALL"}, timeout=10)
        assert r.status_code >= 400
        res = w.queryAndConvert()
        assert int(res["results"]["bindings"][0]["n"]["value"]) > 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
    assert proc.returncode in (0, 130, -signal.SIGINT)


def test_serve_without_store_is_a_clear_error(tmp_path):
    r = subprocess.run([POLICYKG, "--store", str(tmp_path / "none"), "serve", "--port", str(free_port())],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "no store" in r.stderr
