"""Text cut into segments for the templates: plain runs and marked spans, never HTML."""
from __future__ import annotations

KIND_ORDER = {"agency": 0, "target": 1, "citation": 2, "evidence": 3}


def highlight(text: str, offset: int, spans: list[dict]) -> list[dict]:
    """``text`` starts at ``offset`` in its source; ``spans`` carry source offsets (start, end,
    kind, label, link). Overlaps are split at every boundary; the innermost span gives the link."""
    cuts = {0, len(text)}
    inside = []
    for s in spans:
        a, b = s["start"] - offset, s["end"] - offset
        if 0 <= a < b <= len(text):
            inside.append((a, b, s))
            cuts.update((a, b))
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:]):
        covering = [s for (x, y, s) in inside if x <= a and b <= y]
        if not covering:
            out.append({"text": text[a:b]})
            continue
        inner = min(covering, key=lambda s: (s["end"] - s["start"], KIND_ORDER.get(s["kind"], 9)))
        out.append({"text": text[a:b], "kinds": " ".join(sorted({"span-" + s["kind"] for s in covering})),
                    "title": "；".join(dict.fromkeys(f"{s['kind']}: {s['label']}" for s in covering)),
                    "href": link_of(inner.get("link"))})
    return out


def link_of(link: str | None) -> str | None:
    from urllib.parse import quote

    if not link:
        return None
    kind, _, ident = link.partition(":")
    if kind in ("agency", "measure"):
        return f"/{kind}?id={quote(ident, safe='')}"
    if kind == "target":
        return "#target-" + ident.rsplit("/", 1)[-1]
    if kind == "citation":
        return "#citation-" + ident.rsplit("/", 1)[-1]
    return None


def mark_phrases(text: str, phrases: list[str]) -> list[dict]:
    """Every occurrence of each shared phrase marked (longest first, no overlaps)."""
    taken = [False] * len(text)
    for p in sorted(set(phrases), key=len, reverse=True):
        if not p:
            continue
        start = text.find(p)
        while start >= 0:
            if not any(taken[start:start + len(p)]):
                for i in range(start, start + len(p)):
                    taken[i] = True
            start = text.find(p, start + 1)
    out: list[dict] = []
    for ch, t in zip(text, taken):
        if out and out[-1].get("hit", False) == t:
            out[-1]["text"] += ch
        else:
            out.append({"text": ch, "hit": t})
    return out
