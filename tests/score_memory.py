"""Developer aid (not a test): extract the corpus in memory and score it with the shared scorer.

    .venv/bin/python tests/score_memory.py [--only 002] [--show]

The product's real export goes through the store (policykg export); this shortcut is only for
working on extraction rules quickly.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from policykg.ingest.pipeline import as_record, ingest_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main(argv: list[str]) -> int:
    only = [a for a in argv if not a.startswith("--")]
    files = sorted((ROOT / "corpus").glob("*.txt"))
    if only:
        files = [f for f in files if any(f.name.startswith(o) for o in only)]
    records = [as_record(ingest_file(f)) for f in files]
    if "--show" in argv:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as out:
        json.dump(records, out, ensure_ascii=False)
    args = [sys.executable, str(SHARED / "eval" / "score.py"), out.name, str(SHARED / "gold")]
    for f in files if only else []:
        args += ["--only", f.name]
    return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
