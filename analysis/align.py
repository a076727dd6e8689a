"""Measure-level tracing: which measure of one document corresponds to which of another.

Reads measures from the store by SPARQL (``measure_texts.rq``), scores measure pairs, and
writes each aligned document pair back as RDF in its own named graph
``<…/id/graph/align/{left}--{right}>`` (replaced whole on re-run). The records of
ALIGNMENT.md are read back by SPARQL (``export_alignments.rq``).

Method (``METHOD``), no pretrained model:

1. **Features**, with statistics from the whole store (IDF across all ingested measures):
   ``body`` = cosine of character 2–3-gram TF-IDF (sublinear tf) over the measure body;
   ``heading`` = cosine of character 1–2-gram TF-IDF over headings; ``terms`` = cosine of word
   TF-IDF over the body, words cut by rjieba (jieba's dictionary; the lexicon's terms added as
   whole words) without the generic words of ``align_stopterms.tsv``; ``lexicon`` =
   IDF-weighted Jaccard overlap of the policy-term groups of ``align_terms.tsv`` (data, not
   code) that both measures name. ``sim = body + 0.375·heading + 0.25·terms + 0.125·lexicon``
   (optional, off by default: ``class_weight``/``agency_weight``, the cosine of the measures'
   classification and of their agencies' functions, read by ``align_measure_facets.rq``).
2. **Hubness correction (CSLS)**, per document pair: ``csls(a, b) = 2·sim(a, b) − r(a) − r(b)``
   where ``r(a)`` is the mean ``sim`` of ``a`` to its ``k = 5`` nearest measures of the other
   document: the two measures are more alike than each is to its typical close neighbours. This
   removes the shared boilerplate of two documents (知识产权强市建设 in every measure) without a
   document-specific threshold.
3. **Link and grade** (``align_block``): a fitted model (``align_model.json``, data written by
   ``benchmarks/align_lopo.py --write-model`` through ``align_fit.py``) gives each measure pair a
   probability of being linked from ``pair_features``: every component above (body, heading,
   words, classification, lead-in sentence, heading coverage, ``sim``) raw and as CSLS, the
   pair's ranks in both documents and its gap to each measure's best, so one measure may link to
   several (many-to-many partial links). A pair links when the probability clears the model's
   ``link_probability``; it is ``same`` when it is the mutual best on ``sim``'s CSLS and that CSLS
   clears ``same_csls``; score = the probability. ``model=""`` keeps the older rule: link when
   ``csls ≥ link_threshold``, ``same`` when mutual best and ``csls ≥ link_threshold +
   same_threshold``, score = ``logistic((csls − threshold) / 0.05)``.
4. **Evidence** (``evidence_phrases``): maximal shared phrases (≥ 4 Chinese characters; shorter
   only when none survives), cut back to whole words on both sides (a fragment such as 知识产权执,
   inside 知识产权执行保险 and 知识产权执法, becomes 知识产权), weighted by the IDF of their
   words over the store's measures, generic words (the stop list, words in over 20% of the
   measures) weighing nothing; a phrase needs two weighed words or one specific word (a lexicon
   term, or a word rare in general Chinese by jieba's dictionary frequencies: Zipf < 4), so
   行政, 纠纷 or 布局 shared alone is no evidence. ``policykg align A B``
   and ``policykg align review list`` show the sentence around each phrase on both sides.

Calibration (``benchmarks/align_lopo.py``): five annotated pairs (the shared 003 ~ 004 and four
annotated in ``tests/data/align_gold``). Each pair is scored by a model fitted (trees and both
thresholds) on the other four only; the shipped model is fitted on all five. The trees' settings
(``align_fit.TREES``) were chosen by comparing those leave-one-pair-out totals; the trees are
monotone in every feature and fitted on the measure pairs sharing a key phrase (the only ones
they judge). Held out, links F1 is 0.70–0.85 per pair (0.80 in total) and same F1 0.73–0.91
(0.81): nearly every mutual best is found, most missed links are partial links below both
measures' best (``align_lopo.py --errors``), which these text features do not tell apart.

Scale: two blocking signals decide which documents are compared (``select_pairs``). Shared
upstream: documents implementing the same upstream document (``pkg:implements``, transitively,
catalog documents included) form a block (``related_groups``), and each document is aligned with
the ingested documents up its chain. Topic: every document also names its ``topic_partners``
most similar documents of the whole store by the same first pass, so documents that cite nothing
in common (汕头's plan) still meet those that treat the same measures. A cheap first pass scores
a block's document pairs (``partner_scores``): an inverted index over key phrases whose postings
are capped (rare body trigrams and lexicon groups held by at most ``key_df_cap`` measures) gives
each measure its top ``candidate_k`` measures of other documents by sparse dot product, computed
in row blocks of bounded size; their scores are summed per document pair. Each document names
its ``max_partners`` best siblings over all its blocks, and a pair is aligned when either of its
documents names the other (``top_partners``); each document is also aligned with the ingested
documents up its chain (``chain_pairs``). No step enumerates all document pairs of a block, and
the pairs aligned grow linearly with the store. A candidate pair of documents is scored only
when at least one measure pair shares a key phrase, and only measure pairs sharing a key phrase
may link.

Incremental: each run stores the digest of its inputs (``input_digest``: method, parameters,
model, both source files' hashes and extractor versions). ``align_all`` selects the pairs again
from the whole store (seconds), keeps every selected pair whose stored digest is unchanged, aligns
the others, and drops the runs of pairs no longer selected; so the pairs stored are those a run
from scratch would select, and adding documents aligns the pairs that involve them (plus the few
older pairs the first pass now selects). Kept pairs keep the statistics (IDF, key phrases) of
the run that aligned them; ``full=True`` (``policykg align --full``) aligns every pair again.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import quote

import numpy as np

from ..graph.build import PKG, decimal, iri, lit
from ..graph.ids import measure_key
from ..graph.load import StoredSource, alignment_runs_by_source, find_source, stored_sources
from ..graph.parallel import Background
from ..graph.store import Backend, internal_query
from ..graph.terms import ID, PREFIXES
from ..ingest.errors import PolicyKGError
from ..queries.run import run_query, sorted_records

METHOD = "policykg-align char-tfidf+words+lexicon+classes csls, fitted link model/3"
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
PROV = PREFIXES["prov"]
_NON_HAN = re.compile(r"[^\u3400-\u9fff]+")
_SENTINEL = "\x00"
_SENTENCE = re.compile(r"[。；;！？!?\n]+")


class AlignError(PolicyKGError):
    """Alignment cannot run (unknown source, nothing ingested)."""


@dataclass(frozen=True)
class AlignParams:
    heading_weight: float = 0.375
    lexicon_weight: float = 0.125
    csls_k: int = 5
    link_threshold: float = 0.02
    # a mutual best link is graded "same" when its CSLS clears the link threshold by this much
    same_threshold: float = 0.05
    score_scale: float = 0.05
    body_ngrams: tuple[int, int] = (2, 3)
    heading_ngrams: tuple[int, int] = (1, 2)
    # a body trigram is a key phrase for blocking when at most this many measures hold it
    key_df_cap: int = 0  # 0: max(10, min(200, sqrt(number of measures)))
    # first pass over each block of related documents: each measure keeps its top-k most similar
    # measures of other documents (sparse dot product over key phrases), and each document names
    # its ``max_partners`` best sibling documents over all blocks by the summed scores of those
    # candidates; a pair is aligned when either of its documents names the other (``top_partners``)
    candidate_k: int = 16
    max_partners: int = 6
    # topical blocking, the second signal: every document also names its ``topic_partners`` most
    # similar documents of the whole store (same first pass, one block of every document), so
    # documents without a shared upstream that treat the same topic are aligned too
    topic_partners: int = 3
    min_phrase: int = 4
    max_evidence: int = 3
    # weight of the cosine of word TF-IDF (rjieba words, generic words of align_stopterms.tsv left out)
    term_weight: float = 0.25
    # evidence is whole words on both sides; a phrase counts when one of its words is not generic
    # (not in align_stopterms.tsv) and is held by at most this share of the store's measures
    evidence_max_df: float = 0.2
    # ... and when it holds two such words, or one that is specific: a lexicon term or a word
    # rarer than this in general Chinese (Zipf scale, jieba's dictionary; 4 = 10 per million words)
    evidence_max_zipf: float = 4.0
    # link only measure pairs with such evidence
    require_evidence: bool = False
    # what the graph knows beside the text (align_measure_facets.rq): cosine of the measures'
    # classification (stage, instrument, tool) and of their agencies' functions (the agency name
    # without its jurisdiction, so 深圳's 市场监督管理局 meets 珠海's)
    class_weight: float = 0.0
    agency_weight: float = 0.0
    # weight of the lead-in-sentence feature: how closely one measure's main commitment (its
    # heading and first sentence) is stated by some sentence of the other, either way round
    # (word TF-IDF over sentences, generic words left out)
    lead_weight: float = 0.0
    # weight of the closest sentence pair: the best cosine of any sentence of one measure with
    # any sentence of the other (word TF-IDF, generic words left out); a partial link often rests
    # on one sentence each side
    sentence_weight: float = 0.0
    # the link decision: a logistic model over the pair's features (``pair_features``), fitted on
    # the annotated pairs by ``analysis/align_fit.py`` and stored as data in this file of the
    # package; "" falls back to the CSLS threshold rule (``link_threshold``, ``same_threshold``)
    model: str = "align_model.json"

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class MeasureRow:
    src: str  # the source graph IRI: what alignment keys on (two notice.txt are two documents)
    source: str  # its file name, for people
    iri: str
    order: int
    heading: str
    text: str
    start: int
    doc: str = ""  # the document's IRI

    @property
    def key(self) -> str:
        """The path-independent key of the measure (graph/ids.measure_key)."""
        return measure_key(self.doc, self.heading, self.text)

    @property
    def body_offset(self) -> int:
        """Where the body starts in ``text``: after the heading when the text opens with it."""
        i = self.text.find(self.heading) if self.heading else -1
        return i + len(self.heading) if 0 <= i < 15 else 0

    @property
    def body(self) -> str:
        return self.text[self.body_offset :]


def _clean(text: str) -> str:
    return _NON_HAN.sub("|", text)


# ----------------------------------------------------------------------------- reading


def read_measures(backend: Backend) -> list[MeasureRow]:
    """Every measure of the store in (source, order) order (``measure_texts.rq``)."""
    rows = [MeasureRow(src=r["src"], source=r["source"], iri=r["measure"], order=int(r["order"]), heading=r["heading"] or "",
                       text=r["text"] or "", start=int(r["start"]), doc=r["doc"] or "")
            for r in run_query(backend, "measure_texts").records()]
    rows.sort(key=lambda m: (m.src, m.order))
    # files of one document (same title, no 文号) share its measure nodes: the first source keeps them
    first: dict[str, MeasureRow] = {}
    for m in rows:
        first.setdefault(m.iri, m)
    return list(first.values())


def read_chains(backend: Backend) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(source -> document IRI, source -> IRIs of every document up its implements chain).
    Reads the direct edges (``align_implements.rq``) and closes them here; ``align_documents.rq``
    gives the same chain by a SPARQL property path, for analysts."""
    doc_of: dict[str, str] = {}
    direct: dict[str, set[str]] = defaultdict(set)
    for r in run_query(backend, "align_implements").records():
        if r["src"]:
            doc_of[r["src"]] = r["doc"]
        if r["upstream"] and r["upstream"] != r["doc"]:
            direct[r["doc"]].add(r["upstream"])
    closure: dict[str, set[str]] = {}

    def ups(d: str, seen: frozenset = frozenset()) -> set[str]:
        if d in closure:
            return closure[d]
        out: set[str] = set()
        for u in direct.get(d, ()):
            if u not in seen:
                out.add(u)
                out |= ups(u, seen | {d})
        out.discard(d)
        closure[d] = out
        return out

    return doc_of, {s: ups(d) for s, d in doc_of.items()}


def allowed(a: str, b: str, doc_of: dict[str, str], up: dict[str, set[str]]) -> bool:
    ua, ub = up.get(a, set()), up.get(b, set())
    return bool(ua & ub) or doc_of.get(a) in ub or doc_of.get(b) in ua


@lru_cache(maxsize=1)
def read_lexicon() -> tuple[tuple[str, str], ...]:
    """(term, group) rows of align_terms.tsv, longest terms first."""
    text = resources.files("policykg.analysis").joinpath("align_terms.tsv").read_text(encoding="utf-8")
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "term":
            continue
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise AlignError(f"align_terms.tsv line {n}: expected term<TAB>group<TAB>note")
        rows.append((parts[0], parts[1]))
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1)
def read_stopterms() -> frozenset[str]:
    """The generic words of align_stopterms.tsv (data, not code)."""
    text = resources.files("policykg.analysis").joinpath("align_stopterms.tsv").read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        word = line.split("\t")[0].strip()
        if word and not word.startswith("#") and word != "term":
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=1)
def _segmenter():
    """rjieba (jieba's dictionary, in Rust), with the lexicon's policy terms as whole words, so
    that 质押融资 or 快速维权中心 are never cut inside."""
    import rjieba

    for term, _ in read_lexicon():
        rjieba.add_word(term, None, None)
    return rjieba


# The sum of the word frequencies of jieba's dictionary (dict.txt, which rjieba embeds): the
# size of the general-language corpus its frequencies were counted on.
JIEBA_TOTAL = 60_101_967


@lru_cache(maxsize=65536)
def general_zipf(word: str) -> float:
    """How common ``word`` is in general Chinese, on the Zipf scale (log10 of occurrences per
    billion words; below 4, fewer than 10 per million, is a low-frequency word), from jieba's
    dictionary frequencies (``suggest_freq`` of a dictionary word is its frequency + 1)."""
    return math.log10(max(1, _segmenter().suggest_freq(word)) / JIEBA_TOTAL * 1e9)


@lru_cache(maxsize=1)
def _lexicon_terms() -> frozenset[str]:
    return frozenset(t for t, _ in read_lexicon())


@lru_cache(maxsize=16384)
def segment(text: str) -> tuple[tuple[str, int, int], ...]:
    """The Chinese words of ``text`` with their offsets (word, start, end); other tokens dropped."""
    return tuple((w, a, b) for w, a, b in _segmenter().tokenize(text) if _NON_HAN.search(w) is None)


# ----------------------------------------------------------------------------- features


class Index:
    """TF-IDF and lexicon matrices over every measure of the store (IDF across all of them)."""

    def __init__(self, measures: list[MeasureRow], params: AlignParams, facets: dict[str, list[tuple[str, str]]] | None = None):
        from scipy import sparse

        self.measures = measures
        facets = facets or {}
        self.classes = _binary_rows([[f"{k}:{v}" for k, v in facets.get(m.iri, ()) if k != "agency"] for m in measures])
        self.agencies = _binary_rows([[v for k, v in facets.get(m.iri, ()) if k == "agency"] for m in measures])
        self.params = params
        n = len(measures)
        self.body, names, idf = tfidf([_clean(m.body) for m in measures], params.body_ngrams)
        self.head, _, _ = tfidf([_clean(m.heading) for m in measures], params.heading_ngrams)
        self.idf = dict(zip(names, idf.tolist()))
        # words (rjieba, the lexicon's terms as whole words): document frequency over measures for
        # evidence, and a word TF-IDF matrix without the generic words
        stop = read_stopterms()
        words = [[w for w, _, _ in segment(m.body) if w not in stop] for m in measures]
        self.term, term_names, term_idf = tfidf_tokens(words)
        self._cover = None  # heading_coverage's matrices, built on first use
        self._sentences = None  # built on first use (lead_weight > 0): see sentences()
        df = np.bincount(self.term.indices, minlength=len(term_names))
        self.word_df = {w: int(d) for w, d in zip(term_names.tolist(), df.tolist())}
        self.n_measures = n
        self._word_weight: dict[str, float] = {}
        self.max_idf = float(idf.max()) if len(idf) else 1.0
        self._mass: dict[str, float] = {}  # phrase_mass cache: a phrase recurs across many pairs
        self._lookup: dict[int, np.ndarray] = {}  # dot(): column relabelling scratch, per matrix
        # lexicon groups, weighted by their IDF across measures
        lexicon = read_lexicon()
        groups = sorted({g for _, g in lexicon})
        gcol = {g: i for i, g in enumerate(groups)}
        rows, cols = [], []
        for i, m in enumerate(measures):
            found = {gcol[g] for t, g in lexicon if t in m.text}
            rows.extend([i] * len(found))
            cols.extend(found)
        lex = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(groups)))
        df = np.asarray((lex > 0).sum(0)).ravel()
        gidf = np.log((n + 1) / (df + 1)) + 1
        self.lex = (lex @ sparse.diags(gidf.astype(np.float32))).tocsr()
        self.lex_mass = np.asarray(self.lex.sum(1)).ravel()
        # key phrases for blocking: rare body trigrams and lexicon groups held by few measures
        cap = params.key_df_cap or max(10, min(200, int(math.sqrt(n))))
        binary = (self.body > 0).astype(np.int8).tocsc()
        bdf = np.diff(binary.indptr)
        tri = np.array([len(x) == 3 for x in names], dtype=bool)
        keep = np.flatnonzero(tri & (bdf >= 2) & (bdf <= cap))
        lex_keep = np.flatnonzero((df >= 2) & (df <= max(cap, n // 5)))
        self.keys = sparse.hstack([binary[:, keep], (lex > 0).astype(np.int8).tocsc()[:, lex_keep]]).tocsr()
        self.key_cap = cap
        # the first-pass vectors: TF-IDF weights of the rare trigrams, and the lexicon groups whose
        # postings are as short (every posting ≤ cap, so a block product costs ≤ cap per entry)
        lex_first = np.flatnonzero((df >= 2) & (df <= cap))
        self.first = sparse.hstack([self.body.tocsc()[:, keep],
                                    (params.lexicon_weight * self.lex.tocsc()[:, lex_first] / max(1.0, float(gidf.max())))]
                                   ).tocsr().astype(np.float32)

    def sim(self, a: np.ndarray, b: np.ndarray, parts: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """sim for every (a[i], b[j]): a dense len(a) × len(b) matrix. ``parts``: components
        already computed for these rows (body, head, term, classes, lead), not computed again."""
        p = self.params
        parts = parts or {}

        def part(name, compute):
            return parts[name] if name in parts else compute()

        s = part("body", lambda: self.dot(self.body, a, b).toarray()).copy()
        s += p.heading_weight * part("head", lambda: self.dot(self.head, a, b).toarray())
        s += p.lexicon_weight * self.lexicon_overlap(a, b)
        if p.term_weight:
            s += p.term_weight * part("term", lambda: self.dot(self.term, a, b).toarray())
        if p.class_weight:
            s += p.class_weight * part("classes", lambda: self.dot(self.classes, a, b).toarray())
        if p.agency_weight:
            s += p.agency_weight * self.dot(self.agencies, a, b).toarray()
        if p.lead_weight:
            s += p.lead_weight * part("lead", lambda: np.maximum(self.lead_in_sentences(a, b), self.lead_in_sentences(b, a).T))
        if p.sentence_weight:
            s += p.sentence_weight * self.closest_sentences(a, b)
        return s

    def heading_coverage(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For every (a[i], b[j]): the IDF share of a[i]'s heading words (generic words left out)
        that b[j]'s body uses, and the same the other way round, whichever is larger: one
        measure's whole commitment named inside the other (a partial link's typical shape)."""
        from scipy import sparse

        if self._cover is None:
            stop = read_stopterms()
            vocab = {w: j for j, w in enumerate(self.word_df)}
            n = len(self.measures)
            rows, cols, vals, brow, bcol = [], [], [], [], []
            for i, m in enumerate(self.measures):
                words = {w for w, _, _ in segment(m.heading) if w not in stop and len(w) >= 2}
                weights = {w: math.log((1 + n) / (1 + self.word_df.get(w, 0))) + 1 for w in words}
                total = sum(weights.values())
                for w, x in weights.items():
                    if w in vocab and total:
                        rows.append(i)
                        cols.append(vocab[w])
                        vals.append(x / total)
            body = (self.term > 0).astype(np.float32).tocsr()
            head = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, body.shape[1]))
            self._cover = (head, body)
        head, body = self._cover
        ab = self.dot_pair(head, body, a, b)
        ba = self.dot_pair(head, body, b, a)
        return np.maximum(ab, ba.T)

    def dot_pair(self, m1, m2, a, b) -> np.ndarray:
        return (_rows(m1, a) @ _rows(m2, b).T).toarray()

    def lexicon_overlap(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """IDF-weighted Jaccard of the lexicon groups (align_terms.tsv) each pair of measures names."""
        inter = (self.lex[a] @ (self.lex[b] > 0).T.astype(np.float32)).toarray()
        union = self.lex_mass[a][:, None] + self.lex_mass[b][None, :] - inter
        return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)

    def sentences(self):
        """(sentence rows, first sentence row of each measure, lead rows): every measure's
        sentences (at least one row each, in measure order) and its lead (heading + first
        sentence), in one word TF-IDF space without the generic words."""
        if self._sentences is None:
            stop = read_stopterms()
            rows: list[list[str]] = []
            start = np.zeros(len(self.measures) + 1, dtype=np.int64)
            for i, m in enumerate(self.measures):
                parts = [q for q in _SENTENCE.split(m.body) if len(q) >= 6] or [""]
                rows.extend([w for w, _, _ in segment(q) if w not in stop] for q in parts)
                start[i + 1] = len(rows)
            leads = [[w for w, _, _ in segment(m.heading) if w not in stop] + rows[start[i]] for i, m in enumerate(self.measures)]
            both, _, _ = tfidf_tokens(rows + leads)
            self._sentences = (both[: len(rows)], start, both[len(rows) :])
        return self._sentences

    def lead_in_sentences(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For every (a[i], b[j]): the cosine of a[i]'s lead with the closest sentence of b[j]."""
        sent, start, lead = self.sentences()
        spans = [np.arange(start[j], start[j + 1]) for j in np.asarray(b)]
        offsets = np.r_[0, np.cumsum([len(x) for x in spans])[:-1]]
        m = (lead[np.asarray(a)] @ sent[np.concatenate(spans)].T).toarray()
        return np.maximum.reduceat(m, offsets, axis=1)

    def closest_sentences(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For every (a[i], b[j]): the best cosine of a sentence of a[i] with a sentence of b[j]."""
        sent, start, _ = self.sentences()
        sa = [np.arange(start[i], start[i + 1]) for i in np.asarray(a)]
        sb = [np.arange(start[j], start[j + 1]) for j in np.asarray(b)]
        oa = np.r_[0, np.cumsum([len(x) for x in sa])[:-1]]
        ob = np.r_[0, np.cumsum([len(x) for x in sb])[:-1]]
        m = (sent[np.concatenate(sa)] @ sent[np.concatenate(sb)].T).toarray()
        return np.maximum.reduceat(np.maximum.reduceat(m, oa, axis=0), ob, axis=1)

    def word_weight(self, word: str) -> float:
        """IDF of a word over the store's measures; 0 for generic words (the stop list, words of
        one character, words held by more than ``evidence_max_df`` of the measures)."""
        weight = self._word_weight.get(word)
        if weight is None:
            weight = self._word_weight[word] = self._weigh(word)
        return weight

    def _weigh(self, word: str) -> float:
        df = self.word_df.get(word, 0)
        if len(word) < 2 or word in read_stopterms() or df > self.params.evidence_max_df * self.n_measures:
            return 0.0
        return math.log((1 + self.n_measures) / (1 + df)) + 1

    def specific(self, word: str) -> bool:
        """A word that is evidence on its own: weighed (``word_weight`` > 0) and either a policy
        term of the lexicon (align_terms.tsv: 联盟 is not, 专利联盟 and 人才 are) or rare in
        general Chinese (``general_zipf`` below ``evidence_max_zipf``: 自律, 证券化). 行政, 纠纷,
        布局 are neither: shared alone they say little about what two measures have in common."""
        return self.word_weight(word) > 0 and (word in _lexicon_terms() or general_zipf(word) < self.params.evidence_max_zipf)

    # Vocabulary size above which dot() relabels columns: a product of two documents' rows cost
    # 0.33 / 1.4 / 4.1 ms at 0.1 / 1 / 4 M columns through scipy and 0.45–0.66 ms relabelled; the
    # synthetic 10k-document store has 27k body n-grams, real collections many more.
    COMPACT_ABOVE = 250_000

    def dot(self, m, a, b):
        """``m[a] @ m[b].T``. scipy's product converts ``m[b].T`` to CSR with one pointer per
        column of ``m``, a per-pair cost that grows with the store's vocabulary; above
        ``COMPACT_ABOVE`` columns the rows are first relabelled to the columns they use."""
        from scipy import sparse

        ra, rb = _rows(m, a), _rows(m, b)
        if m.shape[1] <= self.COMPACT_ABOVE:
            return ra @ rb.T
        cols = np.concatenate([ra.indices, rb.indices])
        lookup = self._lookup.get(id(m))
        if lookup is None:
            lookup = self._lookup[id(m)] = np.zeros(m.shape[1], dtype=np.int64)
        # any position of a column is a consistent new id for it: no sort needed
        lookup[cols] = np.arange(len(cols))
        width = max(1, len(cols))
        ca = sparse.csr_matrix((ra.data, lookup[ra.indices], ra.indptr), shape=(ra.shape[0], width))
        cb = sparse.csr_matrix((rb.data, lookup[rb.indices], rb.indptr), shape=(rb.shape[0], width))
        return ca @ cb.T

    def phrase_mass(self, phrase: str) -> float:
        mass = self._mass.get(phrase)
        if mass is None:
            size = 3 if len(phrase) >= 3 else 2
            grams = [phrase[k : k + size] for k in range(len(phrase) - size + 1)]
            mass = self._mass[phrase] = sum(self.idf.get(t, self.max_idf) - 1.0 for t in grams)
        return mass


def _rows(m, idx):
    """Rows ``idx`` of CSR ``m``; a slice when they are consecutive (a document's measures are)."""
    idx = np.asarray(idx)
    if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and (len(idx) < 2 or bool(np.all(np.diff(idx) == 1))):
        return m[int(idx[0]) : int(idx[-1]) + 1]
    return m[idx]


def tfidf(texts: list[str], ngrams: tuple[int, int]):
    """Character n-gram TF-IDF rows (sublinear tf, smooth idf, L2-normalised), as scikit-learn's
    TfidfVectorizer(analyzer="char", sublinear_tf=True) computes it ("|" marks a non-Chinese run,
    so n-grams at a phrase boundary are features too). Returns (CSR matrix, feature names, idf)."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    lo, hi = ngrams
    for text in texts:
        row: dict[int, int] = defaultdict(int)
        for size in range(lo, hi + 1):
            for k in range(len(text) - size + 1):
                g = text[k : k + size]
                j = vocab.setdefault(g, len(vocab))
                row[j] += 1
        indices.extend(row.keys())
        counts.extend(row.values())
        indptr.append(len(indices))
    return _weighted(vocab, indptr, indices, counts)


def _binary_rows(value_lists: list[list[str]]):
    """L2-normalised binary rows (a dot product of two is the cosine of their value sets)."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, values in enumerate(value_lists):
        for j in {vocab.setdefault(v, len(vocab)) for v in values}:
            rows.append(i)
            cols.append(j)
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(value_lists), max(1, len(vocab))))
    norms = np.sqrt(np.asarray(m.sum(1)).ravel())
    norms[norms == 0] = 1
    return (sparse.diags((1 / norms).astype(np.float32)) @ m).tocsr()


def read_facets(backend: Backend) -> dict[str, list[tuple[str, str]]]:
    """measure IRI -> [(facet, value)]: its stage, instrument and tool notations, and the
    function of each of its agencies (the last part of the agency IRI: its name without the
    jurisdiction)."""
    from urllib.parse import unquote

    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in run_query(backend, "align_measure_facets").records():
        value = str(r["value"])
        if r["facet"] == "agency":
            value = unquote(value.rstrip("/").rsplit("/", 1)[-1])
        out[r["measure"]].append((str(r["facet"]), value))
    return out


def tfidf_tokens(token_lists: list[list[str]]):
    """Word TF-IDF rows, weighted as ``tfidf`` weighs character n-grams."""
    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for tokens in token_lists:
        row: dict[int, int] = defaultdict(int)
        for w in tokens:
            row[vocab.setdefault(w, len(vocab))] += 1
        indices.extend(row.keys())
        counts.extend(row.values())
        indptr.append(len(indices))
    return _weighted(vocab, indptr, indices, counts)


def _weighted(vocab: dict[str, int], indptr: list[int], indices: list[int], counts: list[int]):
    from scipy import sparse

    n = len(indptr) - 1
    m = sparse.csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                          shape=(n, len(vocab)))
    df = np.bincount(m.indices, minlength=len(vocab))
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    m.data = (np.log(m.data) + 1) * idf[m.indices]
    norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
    norms[norms == 0] = 1
    m = sparse.diags((1 / norms).astype(np.float32)) @ m
    names = np.empty(len(vocab), dtype=object)
    for g, j in vocab.items():
        names[j] = g
    return m.tocsr(), names, idf


_NON_HAN_CHAR = re.compile(r"[^\u3400-\u9fff]")


@lru_cache(maxsize=8192)
def _han_only(text: str) -> str:
    """``text`` with every non-Chinese character replaced by the sentinel (offsets kept)."""
    return _NON_HAN_CHAR.sub(_SENTINEL, text)


@lru_cache(maxsize=8192)
def _seeds(masked: str, size: int) -> dict[str, list[int]]:
    """Where each run of ``size`` Chinese characters starts in ``masked`` (a measure meets many
    partners, so this is cached)."""
    seeds: dict[str, list[int]] = defaultdict(list)
    for j in range(len(masked) - size + 1):
        g = masked[j : j + size]
        if _SENTINEL not in g:
            seeds[g].append(j)
    return seeds


def shared_phrases(a: str, b: str, min_len: int = 4) -> list[tuple[str, int, int]]:
    """Maximal common substrings of Chinese characters (phrase, offset in a, offset in b), each at
    its first occurrence. Walks only the ``min_len``-grams both texts hold (set intersection in C),
    not every position of ``a``."""
    ma, mb = _han_only(a), _han_only(b)
    seeds_a, seeds_b = _seeds(ma, min_len), _seeds(mb, min_len)
    out: dict[str, tuple[int, int]] = {}
    for g in seeds_a.keys() & seeds_b.keys():
        for i in seeds_a[g]:
            for j in seeds_b[g]:
                if i and j and ma[i - 1] == mb[j - 1] and ma[i - 1] != _SENTINEL:
                    continue  # not left-maximal: found from an earlier start
                n = min_len
                while i + n < len(ma) and j + n < len(mb) and ma[i + n] == mb[j + n] and ma[i + n] != _SENTINEL:
                    n += 1
                phrase = ma[i : i + n]
                if phrase not in out or (i, j) < out[phrase]:
                    out[phrase] = (i, j)
    # longest first, then by first occurrence; drop phrases contained in a longer one
    kept: list[tuple[str, int, int]] = []
    for phrase, (i, j) in sorted(out.items(), key=lambda item: (-len(item[0]), item[1])):
        if not any(phrase in q[0] for q in kept):
            kept.append((phrase, i, j))
    return kept


@lru_cache(maxsize=16384)
def _word_index(text: str) -> tuple[tuple[tuple[str, int, int], ...], dict[int, int], frozenset[int]]:
    """(words of ``text``, word start -> position in the words, word ends): a measure meets many
    partners, so this is cached."""
    words = segment(text)
    return words, {x: k for k, (_, x, _) in enumerate(words)}, frozenset(y for _, _, y in words)


def evidence_phrases(index: Index, a: str, b: str) -> list[tuple[str, int, int, float]]:
    """The phrases two measure bodies share, as whole words on both sides, heaviest first:
    (phrase, offset in a, offset in b, weight). A maximal common substring is trimmed to the
    longest part that starts and ends on a word boundary of both texts (知识产权执 inside
    知识产权执行保险 and 知识产权执法 becomes 知识产权); its weight is the sum of its words'
    ``Index.word_weight``. A phrase counts when it holds two weighed words or one specific word
    (``Index.specific``: a lexicon term or a word rare in general Chinese), so generic words
    (weight 0) and a lone common word (行政, 纠纷, 布局) are no evidence. Shorter phrases are
    looked for only when no longer one survives."""
    sa, at_a, ends_a = _word_index(a)
    _, starts_b, ends_b = _word_index(b)
    starts_a = at_a
    stop = read_stopterms()
    out: dict[str, tuple[int, int, float]] = {}
    for size in range(index.params.min_phrase, 1, -1):
        for phrase, i, j in shared_phrases(a, b, size):
            n = len(phrase)
            d = next((d for d in range(n) if i + d in starts_a and j + d in starts_b), None)
            e = next((e for e in range(n, 0, -1) if i + e in ends_a and j + e in ends_b), None)
            if d is None or e is None or e - d < 2:
                continue
            # no function or generic word at either edge (围绕…和, 云计算等, 开展…)
            inside = []
            k = at_a[i + d]
            while k < len(sa) and sa[k][2] <= i + e:
                w, x, y = sa[k]
                inside.append((w, x - i, y - i))
                k += 1
            while inside and inside[0][0] in stop:
                inside.pop(0)
                while inside and not (j + inside[0][1] in starts_b):
                    inside.pop(0)
            while inside and inside[-1][0] in stop:
                inside.pop()
                while inside and not (j + inside[-1][2] in ends_b):
                    inside.pop()
            if not inside:
                continue
            d, e = inside[0][1], inside[-1][2]
            weighed = [w for w, _, _ in inside if index.word_weight(w) > 0]
            # one common word (行政, 纠纷, 大力发展's 大力) is no evidence; two words or a specific one are
            if len(weighed) < 2 and not any(index.specific(w) for w in weighed):
                continue
            weight = sum(index.word_weight(w) for w in weighed)
            text = a[i + d : i + e]
            if text not in out or out[text][2] < weight:
                out[text] = (i + d, j + d, weight)
        if out:
            break
    # drop a phrase inside a heavier kept one
    kept: list[tuple[str, int, int, float]] = []
    for text, (i, j, w) in sorted(out.items(), key=lambda item: (-item[1][2], -len(item[0]), item[1][0])):
        if not any(text in k[0] for k in kept):
            kept.append((text, i, j, w))
    return kept


# ----------------------------------------------------------------------------- aligning


@dataclass(frozen=True)
class Link:
    left: MeasureRow
    right: MeasureRow
    grade: str
    score: float
    csls: float
    sim: float
    evidence: tuple[tuple[str, int, int], ...]  # (phrase, absolute start left, absolute start right)


@lru_cache(maxsize=4)
def read_model(name: str) -> dict | None:
    """The fitted link model (``analysis/align_fit.py`` writes it), None when ``name`` is ""."""
    if not name:
        return None
    try:
        model = json.loads(resources.files("policykg.analysis").joinpath(name).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as e:
        raise AlignError(f"{name}: cannot read the alignment model ({e})") from e
    needed = {"logistic": ("mean", "scale", "coef", "intercept"), "trees": ("baseline", "trees")}.get(model.get("kind"))
    if needed is None:
        raise AlignError(f"{name}: unknown model kind {model.get('kind')!r} (logistic, trees)")
    for key in ("features", "link_probability", "same_csls", *needed):
        if key not in model:
            raise AlignError(f"{name}: the alignment model has no {key!r}")
    return model


def needs_facets(params: AlignParams) -> bool:
    model = read_model(params.model)
    return bool(params.class_weight or params.agency_weight or (model and any(f.startswith("classes") for f in model["features"])))


# The components of a pair's features: each is used raw and hubness-corrected (``_csls``).
COMPONENTS = ("body", "head", "term", "classes", "lead", "cover", "sim")


def pair_features(index: Index, a: list[int], b: list[int]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Every feature of every measure pair (a[i], b[j]) as len(a) × len(b) matrices, and (csls of
    ``sim``, mutual best on it). Components: the cosines of body n-grams, heading n-grams, words,
    classification (stage/instrument/tool), the lead-in-sentence feature, and ``sim`` (their
    weighted sum, as ``Index.sim``); each raw and as CSLS (similarity minus the mean of the two
    measures' ``csls_k`` nearest neighbours in the other document). Ranks: how many measures of
    the other document score higher on ``sim``'s CSLS, the better and the worse of the two ways
    (1 / (1 + rank)), mutual best, and the gap to the best of the row and of the column (the
    smaller and the larger), so that the features do not depend on which document is left."""
    p = index.params
    ai, bi = np.asarray(a), np.asarray(b)
    raw = {"body": index.dot(index.body, ai, bi).toarray(), "head": index.dot(index.head, ai, bi).toarray(),
           "term": index.dot(index.term, ai, bi).toarray(), "classes": index.dot(index.classes, ai, bi).toarray(),
           "lead": np.maximum(index.lead_in_sentences(ai, bi), index.lead_in_sentences(bi, ai).T),
           "cover": index.heading_coverage(ai, bi)}
    raw["sim"] = index.sim(ai, bi, raw)
    k = max(1, min(p.csls_k, len(a), len(b)))
    out: dict[str, np.ndarray] = {}
    for name in COMPONENTS:
        m = raw[name].astype(np.float64)
        out[name] = m
        out[name + "_csls"] = _csls(m, k)
    c = out["sim_csls"]
    rank_row = (c[:, None, :] > c[:, :, None]).sum(2)
    rank_col = (c[:, None, :] > c[None, :, :]).sum(0)
    mutual = (rank_row == 0) & (rank_col == 0)
    gap_row, gap_col = c - c.max(1, keepdims=True), c - c.max(0, keepdims=True)
    # orientation-free: aligning B with A gives the links of A with B
    out.update(rank_best=1 / (1 + np.minimum(rank_row, rank_col)), rank_worst=1 / (1 + np.maximum(rank_row, rank_col)),
               mutual=mutual.astype(np.float64), gap_best=np.maximum(gap_row, gap_col), gap_worst=np.minimum(gap_row, gap_col))
    return out, c, mutual


def _csls(m: np.ndarray, k: int) -> np.ndarray:
    """Hubness-corrected similarity: 2·m − the mean of each row's and each column's k best."""
    return 2 * m - np.sort(m, 1)[:, -k:].mean(1)[:, None] - np.sort(m, 0)[-k:, :].mean(0)[None, :]


def link_probability(model: dict, features: dict[str, np.ndarray]) -> np.ndarray:
    """The model's probability that each measure pair is linked (any grade): a logistic
    regression, or gradient-boosted trees (their leaves' values summed, as scikit-learn's
    HistGradientBoostingClassifier predicts) - ``align_fit.py`` fits both."""
    shape = next(iter(features.values())).shape
    if model["kind"] == "logistic":
        z = np.full(shape, float(model["intercept"]))
        for name, mean, scale, coef in zip(model["features"], model["mean"], model["scale"], model["coef"]):
            z += coef * (features[name] - mean) / scale
        return _logistic(z)
    x = np.stack([features[name].ravel() for name in model["features"]], 1)
    feature, threshold, left, right, leaf, value = _tree_arrays(model)
    n_trees, width = feature.shape
    base = np.arange(n_trees) * width  # flat index of each tree's root
    node = np.broadcast_to(base, (len(x), n_trees)).copy()  # every sample walks every tree at once
    cell = (np.arange(len(x)) * x.shape[1])[:, None]
    flat_x = x.ravel()
    for _ in range(width):
        inner = ~np.take(leaf, node)
        if not inner.any():
            break
        go_left = np.take(flat_x, cell + np.take(feature.ravel(), node)) <= np.take(threshold, node)
        node = np.where(inner, base + np.where(go_left, np.take(left, node), np.take(right, node)), node)
    z = float(model["baseline"]) + np.take(value, node).sum(1)
    return _logistic(z).reshape(shape)


def _logistic(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) written with tanh, which never overflows on far-off scores."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _tree_arrays(model: dict) -> tuple[np.ndarray, ...]:
    """The model's trees as (trees × nodes) arrays, padded with leaves worth 0; built once per model."""
    cached = model.get("_arrays")
    if cached is None:
        trees = model["trees"]
        width = max(len(t["feature"]) for t in trees)

        def pad(key, fill, dtype):
            return np.array([list(t[key]) + [fill] * (width - len(t[key])) for t in trees], dtype=dtype)

        # flat (np.take) except feature: link_probability reads its shape
        cached = model["_arrays"] = (pad("feature", 0, np.int64), pad("threshold", 0.0, np.float64).ravel(),
                                     pad("left", 0, np.int64).ravel(), pad("right", 0, np.int64).ravel(),
                                     pad("leaf", True, bool).ravel(), pad("value", 0.0, np.float64).ravel())
    return cached


def align_block(index: Index, a: list[int], b: list[int], key_pairs: set[tuple[int, int]] | None = None,
                model: dict | None = None) -> list[Link]:
    """Align the measures ``a`` of one document with the measures ``b`` of another.

    With the model (the default): a pair links when the model's probability clears its
    ``link_probability`` and is graded ``same`` when it is the mutual best of both measures on
    ``sim``'s CSLS and that CSLS clears ``same_csls`` (both fitted with the model); score = the
    probability. Without (``model=""``): the CSLS threshold rule of the module's doc. ``model``
    (a fitted model's dict) replaces the stored one: leave-one-pair-out evaluation."""
    p = index.params
    if not a or not b:
        return []
    model = model or read_model(p.model)
    if model is not None:
        features, c, mutual = pair_features(index, a, b)
        if key_pairs is None:
            prob = link_probability(model, features)
        else:  # the model runs only on the pairs allowed to link
            allowed = np.array([[(i, j) in key_pairs for j in b] for i in a], dtype=bool).reshape(len(a), len(b))
            prob = np.zeros(allowed.shape)
            if allowed.any():
                prob[allowed] = link_probability(model, {k: v[allowed] for k, v in features.items()})
        s = features["sim"]
        chosen = prob >= model["link_probability"]
        same = mutual & (c >= model["same_csls"])
        scores = prob
    else:
        ai, bi = np.array(a), np.array(b)
        s = index.sim(ai, bi)
        k = max(1, min(p.csls_k, len(a), len(b)))
        c = _csls(s, k)
        best_row, best_col = c.argmax(1), c.argmax(0)
        chosen = c >= p.link_threshold
        same = (best_row[:, None] == np.arange(len(b))[None, :]) & (best_col[None, :] == np.arange(len(a))[:, None])
        same &= c >= p.link_threshold + p.same_threshold
        scores = _logistic((c - p.link_threshold) / p.score_scale)
    ms = index.measures
    links = []
    for x, y in zip(*np.nonzero(chosen)):
        if key_pairs is not None and (a[x], b[y]) not in key_pairs:
            continue
        left, right = ms[a[x]], ms[b[y]]
        phrases = evidence_phrases(index, left.body, right.body)
        at_l, at_r = left.start + left.body_offset, right.start + right.body_offset
        if not phrases:  # what two headings share (督查考核 in 加强督查考核 and 强化督查考核)
            phrases = evidence_phrases(index, left.text, right.text)
            at_l, at_r = left.start, right.start
        if p.require_evidence and not phrases:
            continue
        ev = tuple((q, at_l + i, at_r + j) for q, i, j, _ in phrases[: p.max_evidence])
        links.append(Link(left, right, "same" if same[x, y] else "partial", round(float(scores[x, y]), 4),
                          float(c[x, y]), float(s[x, y]), ev))
    return links


def candidate_pairs(index: Index, doc_ok) -> dict[tuple[str, str], set[tuple[int, int]]]:
    """Every measure pair sharing a key phrase, grouped by sorted source pair and kept only when
    ``doc_ok(source_a, source_b)``. Quadratic in the worst case: for small stores and analysis;
    ``align_all`` goes through ``related_groups`` and ``partner_scores`` instead."""
    keys = index.keys
    co = (keys @ keys.T).tocoo()
    ms = index.measures
    out: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    ok_cache: dict[tuple[str, str], bool] = {}
    for i, j in zip(co.row.tolist(), co.col.tolist()):
        if i >= j:
            continue
        sa, sb = ms[i].src, ms[j].src
        if sa == sb:
            continue
        pair = (sa, sb) if sa < sb else (sb, sa)
        ok = ok_cache.get(pair)
        if ok is None:
            ok = ok_cache[pair] = doc_ok(*pair)
        if ok:
            out[pair].add((i, j) if sa < sb else (j, i))
    return out


def related_groups(sources: Iterable[str], doc_of: dict[str, str], up: dict[str, set[str]]) -> list[list[str]]:
    """Blocks of related documents: for each upstream document, the sources implementing it
    (transitively) plus its own source when ingested. Two sources are ``allowed`` exactly when
    some block holds both. Blocks with the same members are given once."""
    members: dict[str, set[str]] = defaultdict(set)
    src_of_doc: dict[str, list[str]] = defaultdict(list)
    for s in sources:
        src_of_doc[doc_of.get(s, "")].append(s)
        for u in up.get(s, ()):
            members[u].add(s)
    seen: set[frozenset] = set()
    out = []
    for u in sorted(members):
        group = frozenset(members[u] | set(src_of_doc.get(u, ())))
        if len(group) >= 2 and group not in seen:
            seen.add(group)
            out.append(sorted(group))
    return out


def partner_scores(index: Index, by_source: dict[str, list[int]], group: list[str], stats: dict | None = None,
                   budget: int = 4_000_000) -> dict[tuple[str, str], float]:
    """How much the documents of one block have in common, without enumerating its pairs.

    Each measure keeps its ``candidate_k`` most similar measures of other documents of the block
    (sparse dot product of the first-pass vectors, whose postings are capped, computed in row
    blocks of at most ``budget`` products); the candidates' scores are summed per document pair.
    Returns {(source, source) sorted: summed score} for the pairs with any candidate."""
    p = index.params
    rows = np.fromiter((i for s in group for i in by_source[s]), dtype=np.int64)
    doc = np.fromiter((d for d, s in enumerate(group) for _ in by_source[s]), dtype=np.int64)
    if len(rows) == 0:
        return {}
    f = index.first[rows]
    ft = f.T.tocsr()
    post = np.diff(ft.indptr).astype(np.int64)  # posting length of each key within the block
    cost = np.asarray((f > 0).astype(np.int64) @ post).ravel()
    k = max(1, p.candidate_k)
    da_parts, db_parts, v_parts = [], [], []
    products = 0
    start = 0
    cum = np.cumsum(cost)
    while start < len(rows):
        base = cum[start - 1] if start else 0
        end = max(start + 1, int(np.searchsorted(cum, base + budget, side="right")))
        s = (f[start:end] @ ft).tocoo()
        products += int(s.nnz)
        r = s.row.astype(np.int64) + start
        c = s.col.astype(np.int64)
        keep = doc[r] != doc[c]
        r, c, v = r[keep], c[keep], s.data[keep]
        order = np.lexsort((c, -v, r))
        r, c, v = r[order], c[order], v[order]
        top = _top_ranks(r, k)
        da_parts.append(doc[r[top]])
        db_parts.append(doc[c[top]])
        v_parts.append(v[top].astype(np.float64))
        start = end
    if stats is not None:
        stats["first_pass_products"] = stats.get("first_pass_products", 0) + products
    da, db, v = np.concatenate(da_parts), np.concatenate(db_parts), np.concatenate(v_parts)
    if len(da) == 0:
        return {}
    n = len(group)
    lo, hi = np.minimum(da, db), np.maximum(da, db)
    key, inv = np.unique(lo * n + hi, return_inverse=True)
    score = np.bincount(inv, weights=v)
    return {(group[int(x // n)], group[int(x % n)]): float(w) for x, w in zip(key.tolist(), score.tolist())}


def _top_ranks(groups: np.ndarray, k: int) -> np.ndarray:
    """Mask of the first ``k`` entries of each run of equal values in sorted ``groups``."""
    first = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    rank = np.arange(len(groups)) - np.repeat(first, np.diff(np.r_[first, len(groups)]))
    return rank < k


def top_partners(scores: dict[tuple[str, str], float], k: int) -> set[tuple[str, str]]:
    """The pairs among the ``k`` best partners of either of their documents (by score, ties by
    source name). Each document names its own ``k``, whatever the other documents chose, so
    the pairs grow linearly with the documents, every document keeps partners as the store
    grows, and a document added to the store changes only the lists it enters."""
    ranked: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (a, b), w in scores.items():
        ranked[a].append((-w, b))
        ranked[b].append((-w, a))
    out = set()
    for a, partners in ranked.items():
        for _, b in sorted(partners)[:k]:
            out.add((a, b) if a < b else (b, a))
    return out


def select_pairs(index: Index, by_source: dict[str, list[int]], doc_of: dict[str, str], up: dict[str, set[str]],
                 params: AlignParams, stats: dict | None = None) -> set[tuple[str, str]]:
    """The document pairs ``align_all`` aligns, from the first pass only (seconds at 10k
    documents): a pair of siblings under a shared upstream when it is among the
    ``max_partners`` best of either document over all its blocks (``related_groups``,
    ``partner_scores``), each document with the ingested documents up its chain
    (``chain_pairs``), and a pair among the ``topic_partners`` most similar documents of
    either document over the whole store. Recomputed in full on every run, so that an
    incremental run selects exactly what a run from scratch would."""
    stats = stats if stats is not None else {}
    scores: dict[tuple[str, str], float] = {}
    for group in related_groups(sorted(by_source), doc_of, up):
        stats["blocks"] = stats.get("blocks", 0) + 1
        for pair, w in partner_scores(index, by_source, group, stats).items():
            scores[pair] = max(w, scores.get(pair, 0.0))
    pairs = top_partners(scores, params.max_partners) | chain_pairs(by_source, doc_of, up)
    if params.topic_partners and len(by_source) >= 2:
        stats["blocks"] = stats.get("blocks", 0) + 1
        topical = top_partners(partner_scores(index, by_source, sorted(by_source), stats), params.topic_partners)
        stats["topical_pairs"] = len(topical - pairs)
        pairs |= topical
    return pairs


def chain_pairs(sources: Iterable[str], doc_of: dict[str, str], up: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Each source with every ingested source up its implements chain (a few per document)."""
    src_of_doc: dict[str, list[str]] = defaultdict(list)
    for s in sources:
        src_of_doc[doc_of.get(s, "")].append(s)
    out = set()
    for members in src_of_doc.values():
        for a in members:
            for u in up.get(a, ()):
                for b in src_of_doc.get(u, ()):
                    if a != b:
                        out.add((a, b) if a < b else (b, a))
    return out


def graph_iri(left: str, right: str) -> str:
    """The run's graph, named by the two source graphs' keys (graph/ids.source_key)."""
    a, b = sorted(s.rsplit("/", 1)[-1] for s in (left, right))
    return f"{ID}graph/align/{quote(a, safe='')}--{quote(b, safe='')}"


def run_triples(left: str, right: str, links: Iterable[Link], params: AlignParams, digest: str | None = None) -> list[str]:
    g = graph_iri(left, right)
    lines: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"<{s}> <{p}> {o} .\n")

    run = g + "/run"
    src_l, src_r = left, right  # source graph IRIs
    add(run, RDF_TYPE, iri(PKG.AlignmentRun))
    add(run, RDF_TYPE, iri(PROV + "Activity"))
    add(run, RDFS_LABEL, lit(f"align {left} ~ {right}"))
    add(run, PKG.method, lit(METHOD))
    add(run, PKG.parameters, lit(params.as_json()))
    if digest:
        add(run, PKG.inputDigest, lit(digest))
    add(run, PKG.leftSource, iri(src_l))
    add(run, PKG.rightSource, iri(src_r))
    add(run, PROV + "used", iri(src_l))
    add(run, PROV + "used", iri(src_r))
    for link in links:
        c = f"{g}/c/{link.left.order}-{link.right.order}"
        add(c, RDF_TYPE, iri(PKG.Correspondence))
        add(c, PKG.leftMeasure, iri(link.left.iri))
        add(c, PKG.rightMeasure, iri(link.right.iri))
        add(c, PKG.grade, lit(link.grade))
        add(c, PKG.score, decimal(link.score))
        add(c, PROV + "wasGeneratedBy", iri(run))
        # one node per shared phrase with its span on both sides: evidence is most of what an
        # alignment writes, and the store's cost is per triple (benchmarks/README.md)
        for k, (phrase, ls, rs) in enumerate(link.evidence, 1):
            e = f"{c}/e/{k}"
            add(c, PKG.hasEvidence, iri(e))
            add(e, RDF_TYPE, iri(PKG.SharedPhrase))
            add(e, PKG.spanText, lit(phrase))
            add(e, PKG.order, lit(k))
            add(e, PKG.leftStart, lit(ls))
            add(e, PKG.leftEnd, lit(ls + len(phrase)))
            add(e, PKG.rightStart, lit(rs))
            add(e, PKG.rightEnd, lit(rs + len(phrase)))
    return lines


def _write(backend: Backend, left: str, right: str, links: list[Link], params: AlignParams) -> None:
    sources = stored_sources(backend)
    digest = input_digest(params, sources.get(left), sources.get(right))
    backend.replace_graph(graph_iri(left, right), run_triples(left, right, links, params, digest))


@lru_cache(maxsize=8)
def _model_digest(name: str) -> str:
    if not name:
        return ""
    try:
        return hashlib.sha256(resources.files("policykg.analysis").joinpath(name).read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def input_digest(params: AlignParams, left: StoredSource | None, right: StoredSource | None) -> str:
    """What a pair's run depends on besides the store's statistics (IDF, key phrases): the
    method, the parameters, the link model's file, and each source file's content hash and
    extractor version, left then right. Stored with the run (``pkg:inputDigest``)."""
    h = hashlib.sha256()
    parts = [METHOD, params.as_json(), _model_digest(params.model)]
    parts += [f"{s.graph} {s.sha256} {s.extractor or ''}" if s else "" for s in (left, right)]
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def stored_digests(backend: Backend) -> dict[str, str]:
    """Alignment-run graph -> the input digest stored with it ("" when the run has none)."""
    return {r["g"]: r["digest"] or "" for r in backend.select(internal_query("alignment_inputs")).records()}


def align_pair(backend: Backend, source_a: str, source_b: str, params: AlignParams | None = None) -> list[Link]:
    """Align any two ingested documents (each a path, a unique file name or a source IRI) and
    store the run."""
    params = params or AlignParams()
    source_a, source_b = (_source_graph(backend, s) for s in (source_a, source_b))
    measures = read_measures(backend)
    by_source = rows_by_source(measures)
    for s in (source_a, source_b):
        if s not in by_source:
            raise AlignError(f"no ingested document with measures has source {s!r} (see: policykg query documents)")
    if source_a == source_b:
        raise AlignError("give two different documents")
    index = Index(measures, params, read_facets(backend) if needs_facets(params) else None)
    keys = candidate_pairs_for(index, by_source[source_a], by_source[source_b])
    links = align_block(index, by_source[source_a], by_source[source_b], keys)
    _write(backend, source_a, source_b, links, params)
    _reattach_reviews(backend, measures)
    return links


def rows_by_source(measures: list[MeasureRow]) -> dict[str, list[int]]:
    """Each source graph's measures, as row numbers into ``measures`` (in their order)."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(measures):
        by_source[m.src].append(i)
    return by_source


def _reattach_reviews(backend: Backend, measures: list[MeasureRow]) -> None:
    from .align_review import reattach

    reattach(backend, {m.key: m.iri for m in reversed(measures)})  # reversed: the first source's measure wins


def _source_graph(backend: Backend, given: str) -> str:
    found = find_source(given, stored_sources(backend))
    if isinstance(found, str):
        raise AlignError(found)
    return found.graph


def candidate_pairs_for(index: Index, a: list[int], b: list[int]) -> set[tuple[int, int]]:
    co = index.dot(index.keys, a, b).tocoo()
    return {(a[x], b[y]) for x, y in zip(co.row.tolist(), co.col.tolist())}


# Triples of alignment graphs written together (``Backend.replace_graphs``): about 40 MB of
# N-Quads; new graphs are bulk-loaded, a third of the per-triple cost of one load per graph.
WRITE_BATCH = 300_000


def align_all(backend: Backend, params: AlignParams | None = None,
              on_progress: Callable[[str, int, int], None] | None = None, full: bool = False) -> dict:
    """Align every comparable pair of ingested documents (``select_pairs``: siblings under a
    shared upstream document, each document with the ingested documents up its chain, and
    each document with its ``topic_partners`` most similar documents of the store). Drops the
    alignment graphs of pairs no longer selected. Returns counts for benchmarks.

    Incremental: a selected pair whose stored run has the same input digest (``input_digest``:
    both documents unchanged, same method, parameters and model) is kept as stored; only
    the other pairs are aligned, so after adding documents a run aligns the pairs that involve
    them (and the few older pairs the new first pass selects anew). ``full``: align every
    selected pair again. The store's statistics (IDF, key phrases) are not part of the digest:
    kept pairs carry the statistics of the run that aligned them (benchmarks/README.md measures
    how far that drifts from aligning from scratch).

    Blocking, so that time grows linearly with the store: a cheap first pass scores the
    document pairs of each block (``partner_scores``: top candidate measures per measure). A
    candidate pair is aligned when at least one of its measure pairs shares a key phrase, and
    only such measure pairs may link. Graphs are written in batches of about ``WRITE_BATCH``
    triples by a writer thread while the next pairs are aligned (``seconds_write``: time the
    thread spent writing).

    ``on_progress(phase, done, total)`` is told of each phase ("reading", "indexing", "pairing")
    as it starts (``total`` 0: unknown) and of every 100 pairs aligned ("aligning")."""
    import time

    params = params or AlignParams()
    progress = on_progress or (lambda phase, done, total: None)
    t0 = time.perf_counter()
    progress("reading", 0, 0)
    measures = read_measures(backend)
    doc_of, up = read_chains(backend)
    sources = stored_sources(backend)
    stored = stored_digests(backend)
    # sources some stored run read: a pair aligned for the first time is "new" when one of its
    # documents had no run yet (added documents), "newly selected" otherwise
    seen = {s for s, runs in alignment_runs_by_source(backend).items() if runs}
    t1 = time.perf_counter()
    by_source = rows_by_source(measures)
    stats = {"documents": len(doc_of), "measures": len(measures), "document_pairs": 0, "candidate_measure_pairs": 0,
             "scored_measure_pairs": 0, "links": 0, "same": 0, "blocks": 0, "first_pass_products": 0, "topical_pairs": 0,
             "selected_pairs": 0, "kept_pairs": 0, "dropped_pairs": 0, "pairs_with_new_document": 0,
             "pairs_newly_selected": 0, "pairs_changed": 0}
    if not measures:
        stats["dropped_pairs"] = _drop_stale(backend, set())
        return {**stats, "seconds": round(time.perf_counter() - t0, 3)}
    progress("indexing", 0, 0)
    index = Index(measures, params, read_facets(backend) if needs_facets(params) else None)
    t2 = time.perf_counter()
    progress("pairing", 0, 0)
    pairs = select_pairs(index, by_source, doc_of, up, params, stats)
    stats["selected_pairs"] = len(pairs)
    t3 = time.perf_counter()
    keep = set()
    pending: list[tuple[str, list[str]]] = []
    pending_lines, write_s = 0, 0.0

    def write(graphs: list[tuple[str, list[str]]]) -> float:
        tw = time.perf_counter()
        backend.replace_graphs(graphs)
        return time.perf_counter() - tw

    # One writer thread: the store's bulk load releases the GIL, so the next pairs are aligned
    # while a batch is written. One batch in flight at most, so memory stays bounded.
    with Background(write, in_flight=1, name="policykg-align-writer") as writer:
        for done, (sa, sb) in enumerate(sorted(pairs)):
            if done % 100 == 0:
                progress("aligning", done, len(pairs))
            a, b = by_source[sa], by_source[sb]
            keys = candidate_pairs_for(index, a, b)
            if not keys:
                continue
            graph = graph_iri(sa, sb)
            keep.add(graph)
            digest = input_digest(params, sources.get(sa), sources.get(sb))
            if not full and stored.get(graph) == digest:
                stats["kept_pairs"] += 1
                continue
            stats["pairs_changed" if graph in stored else
                  "pairs_newly_selected" if sa in seen and sb in seen else "pairs_with_new_document"] += 1
            links = align_block(index, a, b, keys)
            lines = run_triples(sa, sb, links, params, digest)
            pending.append((graph, lines))
            pending_lines += len(lines)
            if pending_lines >= WRITE_BATCH:
                write_s += sum(writer.submit(pending))
                pending, pending_lines = [], 0
            stats["document_pairs"] += 1
            stats["candidate_measure_pairs"] += len(keys)
            stats["scored_measure_pairs"] += len(a) * len(b)
            stats["links"] += len(links)
            stats["same"] += sum(1 for x in links if x.grade == "same")
        progress("aligning", len(pairs), len(pairs))
        if pending:
            write_s += sum(writer.submit(pending))
        write_s += sum(writer.drain())
    stats["dropped_pairs"] = _drop_stale(backend, keep)
    _reattach_reviews(backend, measures)
    t4 = time.perf_counter()
    stats.update(key_df_cap=index.key_cap, seconds_read=round(t1 - t0, 3), seconds_index=round(t2 - t1, 3),
                 seconds_block=round(t3 - t2, 3), seconds_align_write=round(t4 - t3, 3),
                 seconds_write=round(write_s, 3), seconds=round(t4 - t0, 3))
    return stats


def _drop_stale(backend: Backend, keep: set[str]) -> int:
    """Drop every alignment graph not in ``keep``; return how many."""
    stale = [g for g in stored_digests(backend) if g not in keep]
    for g in stale:
        backend.drop_graph(g)
    return len(stale)


# ----------------------------------------------------------------------------- reading back


def alignment_records(backend: Backend) -> list[dict]:
    """The ALIGNMENT.md records of every stored alignment run, read by SPARQL."""
    records: dict[str, dict] = {}
    links: dict[tuple[str, str], dict] = {}
    for r in sorted_records(backend, "export_alignments"):
        rec = records.setdefault(r["graph"], {"left": r["left"], "right": r["right"], "links": []})
        if not r["correspondence"]:
            continue
        link = links.get((r["graph"], r["correspondence"]))
        if link is None:
            link = links[(r["graph"], r["correspondence"])] = {
                "left_heading": r["left_heading"], "right_heading": r["right_heading"], "grade": r["grade"],
                "score": r["score"], "evidence": []}
            rec["links"].append(link)
        if r["evidence_text"] is not None and r["left_start"] is not None:
            link["evidence"].append({"text": r["evidence_text"], "left": [r["left_start"], r["left_end"]],
                                     "right": [r["right_start"], r["right_end"]]})
    # links an analyst accepted or regraded that the current run does not propose
    for r in sorted_records(backend, "align_review_kept"):
        if r["graph"] in records:
            records[r["graph"]]["links"].append({"left_heading": r["left_heading"], "right_heading": r["right_heading"],
                                                 "grade": r["grade"], "score": 1.0, "evidence": []})
    return [records[g] for g in sorted(records)]


def alignment_edges(backend: Backend) -> list[dict]:
    """Measure-level edges for views: left_measure, right_measure (IRIs), grade, score, evidence_text."""
    out = []
    for r in run_query(backend, "alignment_edges").records():
        out.append({"left_measure": r["left_measure"], "right_measure": r["right_measure"], "grade": r["grade"],
                    "score": r["score"], "evidence_text": r["evidence_text"] or ""})
    return out


def diffusion_table(backend: Backend) -> list[dict]:
    """Measures adopted by the most other documents: source, measure, heading, documents, same, sources."""
    return [{**r, "documents": int(r["documents"]), "same": int(r["same"])}
            for r in run_query(backend, "measure_diffusion").records()]


DIFFUSION_COLUMNS = ("source", "heading", "documents", "same", "sources", "measure")
