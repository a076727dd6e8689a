"""Developer aid (not a test): golden check that classifier / reader / normalize speed-ups keep
behaviour identical.

    .venv/bin/python tests/golden_classify_check.py record  [--out /tmp/policykg_golden.json]
    .venv/bin/python tests/golden_classify_check.py compare [--out /tmp/policykg_golden.json]
    .venv/bin/python tests/golden_classify_check.py bench   [--repeat 20] [--rounds 3]

Records, for every measure that ``extract()`` finds in the corpus docs and the style docs, the
full Classification (stage, instrument, tool, confidences, evidence with spans); the same for
seeded random synthetic measures over those texts (random spans, heading spans also outside the
span, categories, kinds), so that branches the pipeline rarely hits are covered; the normalized
text of each doc (sha256) and of some odd strings; and the reader outcome (decoded text or the
IngestError message) for every tests/badinput case and for the encoding edge cases of
``decode_text``. ``compare`` exits 1 and prints the first differences when anything changed.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import sys
import tempfile
from pathlib import Path

from policykg.ingest.components.classify import classify_measure
from policykg.ingest.errors import IngestError
from policykg.ingest.pipeline import extract
from policykg.ingest.readers import read
from policykg.ingest.readers.common import decode_text
from policykg.ingest.record import Measure, Span
from policykg.ingest.text import normalize

ROOT = Path(__file__).resolve().parents[1]


def _cls(c) -> dict | None:
    if c is None:
        return None
    return {
        "stage": c.stage,
        "instrument": c.instrument,
        "tool": c.tool,
        "confidence": [[d, round(v, 4)] for d, v in c.confidence],
        "confidence_exact": [[d, repr(v)] for d, v in c.confidence],
        "evidence": [[t, s.start, s.end] for t, s in c.evidence],
        "method": c.method,
    }


def _sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()


def _docs() -> list[Path]:
    return sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests" / "styles").glob("*.txt"))


CATEGORIES = [None, "", "一、加强知识产权创造", "保障措施", "（三）强化 金融\n支持", "人才培养与引进", "知识产权保护",
              "公共服务体系", "政府采购", "海外维权援助"]


def _synthetic(text: str, seed: int, n: int = 60) -> list[Measure]:
    rng = random.Random(seed)
    out = []
    L = len(text)
    for _ in range(n):
        a = rng.randrange(0, max(L, 1))
        b = min(L, a + rng.choice([0, 1, 5, 30, 120, 400, 1500]))
        choice = rng.random()
        if choice < 0.6:  # heading inside the span, at its start
            hs, he = a, min(b, a + rng.randrange(0, 40))
        elif choice < 0.8:  # heading somewhere inside
            hs = rng.randrange(a, b + 1)
            he = min(b, hs + rng.randrange(0, 30))
        else:  # heading outside the span (the odd branch)
            hs = rng.randrange(0, max(L, 1))
            he = min(L, hs + rng.randrange(0, 30))
        heading = text[hs:he] if rng.random() < 0.9 else "知识产权质押融资"
        out.append(Measure(str(rng.randrange(9)), heading, rng.choice(CATEGORIES), rng.choice(["task", "safeguard"]),
                           Span(a, b), Span(hs, he)))
    return out


ODD_TEXTS = [
    "", "\n", "— 7 —\n", "正文\n**—** 5 **—**\n续文", "-13 -\n", "第 3 页\n第3页 共 12 页\n", "- 5 -",
    "０１２ＡＢｃ％．\u3000\u00a0\u200b\ufeff市場監管總局負責⼈⺠", "甲\r\n— 12 —\r\n乙", "\u2028x\u2029y\x0bz\x0c",
]

ENCODING_CASES = {
    "gbk_tongzhi": "通知".encode("gbk"),
    "gbk_one": "中".encode("gbk"),
    "gbk_body": "深圳市人民政府关于加快发展知识产权服务业".encode("gbk"),
    "big5_short": "臺北".encode("big5"),
    "big5_long": "臺北市政府關於加強資訊安全管理的實施要點".encode("big5"),
    "utf8_ascii": b"hello world\n",
    "utf8_cn": "知识产权".encode(),
    "utf8_rare": "㐀㐁㐂".encode(),
    "utf8_mixed_symbols": "①②③ — “引号” 《书名》 ★☆ éàü".encode(),
    "utf8_fullwidth": "（一）ＡＢＣ，。".encode(),
    "utf8_combining": "e\u0301a\u0300".encode(),
    "gb18030_rare": "㐀㐁通知".encode("gb18030"),
    "latin1": "café naïve".encode("latin-1"),
    "utf8_emoji": "政策🎉发布".encode(),
    "utf8_long_cn": ("中华人民共和国" * 500).encode(),
    "gbk_long": ("中华人民共和国知识产权局" * 100).encode("gbk"),
    "utf8_then_bad": "知识产权".encode() + b"\xff\xfe\x80",
    "cp1252_quotes": b"\x93quoted\x94 text",
    "utf8_hangul": "한국어 텍스트".encode(),
    "utf8_kana": "日本語のテキスト".encode(),
    "utf8_cjk_ext": "\U00020000\U0002a700".encode(),
}


def _reader_outcome(fn) -> dict:
    try:
        text = fn()
    except IngestError as error:
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001 -- record any escape too
        return {"exception": f"{type(error).__name__}: {error}"}
    return {"text": text}


def build() -> dict:
    golden: dict = {"docs": {}, "synthetic": {}, "normalize": {}, "readers": {}, "decode": {}}
    for path in _docs():
        src = read(path)
        doc = extract(src)
        golden["docs"][path.name] = [
            {"heading": m.heading, "span": [m.span.start, m.span.end], "cls": _cls(m.classification)}
            for m in doc.measures
        ]
        text = normalize(src.text)
        golden["normalize"][path.name] = _sha(text)
        seed = int(hashlib.md5(path.name.encode()).hexdigest()[:8], 16)
        golden["synthetic"][path.name] = [
            {"m": [m.heading, m.category, m.kind, m.span.start, m.span.end, m.heading_span.start, m.heading_span.end],
             "cls": _cls(classify_measure(text, m))}
            for m in _synthetic(text, seed)
        ]
        # also the raw (un-normalized) text: whitespace variety, traditional characters
        golden["synthetic"][path.name + "#raw"] = [
            {"cls": _cls(classify_measure(src.text, m))} for m in _synthetic(src.text, seed + 1, 20)
        ]
    for i, s in enumerate(ODD_TEXTS):
        golden["normalize"][f"odd{i}"] = normalize(s)
    spec = importlib.util.spec_from_file_location("badinput_make_cases", ROOT / "tests" / "badinput" / "make_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory() as tmp:
        files = module.make_cases(Path(tmp) / "badinput")
        for name, path in sorted(files.items()):
            out = _reader_outcome(lambda p=path: read(p).text)
            if "error" in out:
                out["error"] = out["error"].replace(str(path), "<PATH>")
            golden["readers"][name] = out
    for name, raw in ENCODING_CASES.items():
        for declared in (None, "utf-8", "gb18030", "big5hkscs"):
            golden["decode"][f"{name}|{declared}"] = _reader_outcome(lambda: decode_text(raw, "<P>", declared))
    return golden


def _diff(a, b, where="", out=None):
    out = [] if out is None else out
    if len(out) > 20:
        return out
    if type(a) is not type(b):
        out.append(f"{where}: type {type(a).__name__} != {type(b).__name__}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{where}/{k}: missing on one side")
            else:
                _diff(a[k], b[k], f"{where}/{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{where}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{where}[{i}]", out)
    elif a != b:
        out.append(f"{where}: {str(a)[:120]!r} != {str(b)[:120]!r}")
    return out


def _best(rounds: int, fn) -> float:
    import gc
    import time

    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def bench(repeat: int, rounds: int) -> None:
    """CPU-time throughput, side by side: extract() and its stages vs spaCy blank("zh")."""
    import spacy

    from policykg.ingest.components.agencies import assign_agencies
    from policykg.ingest.components.citations import find_citations
    from policykg.ingest.components.classify import classify_measures
    from policykg.ingest.components.metadata import find_metadata
    from policykg.ingest.components.structure import find_structure
    from policykg.ingest.components.tables import apply_task_tables
    from policykg.ingest.components.targets import find_targets

    sources = [read(f) for f in sorted((ROOT / "corpus").glob("*.txt"))]
    texts = [s.text for s in sources]
    chars = sum(map(len, texts)) * repeat
    nlp = spacy.blank("zh")
    list(nlp.pipe(texts))
    for s in sources:
        extract(s)
    t_spacy = _best(rounds, lambda: [None for _ in range(repeat) for _ in nlp.pipe(texts)])
    t_extract = _best(rounds, lambda: [extract(s) for _ in range(repeat) for s in sources])
    # per stage, on the inputs the pipeline gives it
    inputs = []
    for src in sources:
        text = normalize(src.text)
        meta = find_metadata(text, src)
        sections, measures = find_structure(text)
        measures = assign_agencies(text, measures, meta, src)
        measures = apply_task_tables(src, text, measures, meta.region)
        citations, measures = find_citations(text, meta, measures)
        inputs.append((src, text, meta, sections, measures))
    mchars = repeat * sum(
        max(m.span.end, m.heading_span.end) - min(m.span.start, m.heading_span.start)
        for _, _, _, _, ms in inputs for m in ms
    )
    stages = {
        "normalize": lambda: [normalize(s.text) for _ in range(repeat) for s in sources],
        "metadata": lambda: [find_metadata(t, s) for _ in range(repeat) for s, t, *_ in inputs],
        "structure": lambda: [find_structure(t) for _ in range(repeat) for _, t, *_ in inputs],
        "agencies": lambda: [assign_agencies(t, ms, m, s) for _ in range(repeat) for s, t, m, _, ms in inputs],
        "tables": lambda: [apply_task_tables(s, t, ms, m.region) for _ in range(repeat) for s, t, m, _, ms in inputs],
        "citations": lambda: [find_citations(t, m, ms) for _ in range(repeat) for s, t, m, _, ms in inputs],
        "targets": lambda: [find_targets(t, sec, ms, m, s) for _ in range(repeat) for s, t, m, sec, ms in inputs],
        "classify": lambda: [classify_measures(t, ms) for _ in range(repeat) for s, t, m, _, ms in inputs],
    }
    print(f"corpus: {len(sources)} docs, {chars // repeat} chars, x{repeat}; best of {rounds} (CPU time)")
    print(f"  spaCy blank zh : {t_spacy:7.3f} s  {chars / t_spacy / 1e6:6.3f} M chars/s")
    print(f"  extract()      : {t_extract:7.3f} s  {chars / t_extract / 1e6:6.3f} M chars/s"
          f"  = {t_spacy / t_extract:.2f}x spaCy")
    total = 0.0
    for name, fn in stages.items():
        t = _best(rounds, fn)
        total += t
        extra = f"  ({mchars / t / 1e6:.2f} M measure chars/s)" if name == "classify" else ""
        print(f"    {name:10s}: {t:7.3f} s  {100 * t / t_extract:5.1f}% of extract  "
              f"{chars / t / 1e6:7.2f} M chars/s{extra}")
    print(f"    (stages sum {total:.3f} s)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["record", "compare", "bench"])
    ap.add_argument("--out", default="/tmp/policykg_golden.json")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.mode == "bench":
        bench(args.repeat, args.rounds)
        return 0
    golden = build()
    n_measures = sum(len(v) for v in golden["docs"].values())
    n_synth = sum(len(v) for v in golden["synthetic"].values())
    if args.mode == "record":
        Path(args.out).write_text(json.dumps(golden, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"recorded {n_measures} measures, {n_synth} synthetic, {len(golden['readers'])} reader cases, "
              f"{len(golden['decode'])} decode cases -> {args.out}")
        return 0
    expected = json.loads(Path(args.out).read_text(encoding="utf-8"))
    got = json.loads(json.dumps(golden, ensure_ascii=False))
    diffs = _diff(expected, got)
    if diffs:
        print("DIFFERENT:")
        for d in diffs:
            print("  ", d)
        return 1
    print(f"identical: {n_measures} measures, {n_synth} synthetic, {len(golden['readers'])} reader cases, "
          f"{len(golden['decode'])} decode cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
