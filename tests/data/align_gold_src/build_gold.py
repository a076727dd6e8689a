"""Build tests/data/align_gold/*.json (the ALIGNMENT.md gold shape) from the annotation sheets
beside this file (*.tsv: left order, right order, grade, why; # lines: header and notes).
Headings are read from the corpus extraction so the gold names measures as the extractor does.

    .venv/bin/python tests/data/align_gold_src/build_gold.py
"""
from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = HERE.parent / "align_gold"


def headings() -> dict[str, dict[int, str]]:
    from policykg.graph.store import OxigraphBackend
    from policykg.analysis.align import read_measures
    from policykg.ingest.batch import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        backend = OxigraphBackend(Path(tmp) / "store")
        ingest_paths(backend, [ROOT / "corpus"], jobs=1)
        out: dict[str, dict[int, str]] = defaultdict(dict)
        for m in read_measures(backend):
            out[m.source][m.order] = m.heading
        backend.close()
        return out


def build(sheet: Path, heads: dict[str, dict[int, str]]) -> dict:
    meta, notes, links = {}, [], []
    for line in sheet.read_text(encoding="utf-8").splitlines():
        if line.startswith("#!"):
            key, _, value = line[2:].partition("=")
            meta[key.strip()] = value.strip()
        elif line.startswith("# "):
            notes.append(line[2:].strip())
        elif line.strip():
            lo, ro, grade, why = line.split("\t")
            links.append((int(lo), int(ro), grade, why))
    left, right = meta["left"], meta["right"]
    hl, hr = heads[left], heads[right]
    used_l, used_r = {l for l, _, _, _ in links}, {r for _, r, _, _ in links}
    return {"left": left, "right": right,
            "links": [{"left_heading": hl[lo], "right_heading": hr[ro], "grade": g, "why": why} for lo, ro, g, why in links],
            "unmatched_left": [h for o, h in sorted(hl.items()) if o not in used_l],
            "unmatched_right": [h for o, h in sorted(hr.items()) if o not in used_r],
            "notes": notes}


def main() -> None:
    heads = headings()
    OUT.mkdir(exist_ok=True)
    for sheet in sorted(HERE.glob("*.tsv")):
        record = build(sheet, heads)
        (OUT / (sheet.stem + ".json")).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(sheet.stem, len(record["links"]), "links", sum(l["grade"] == "same" for l in record["links"]), "same", file=sys.stderr)


if __name__ == "__main__":
    main()
