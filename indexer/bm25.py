"""BM25 over clause tokens, wrapping rank-bm25 with its traps closed.

Pinned variant: Okapi term weighting (k1, b) with the Lucene IDF
`log(1 + (N - n + 0.5) / (n + 0.5))`, which is positive and decreasing in n for every n.
rank-bm25's own Okapi IDF is negative for a term in more than half the documents and patches
that with a floor (epsilon × mean IDF) that can rank a term in every clause above one in half of
them — on a 21-clause corpus that happens to words like 高新区. An empty corpus raises
EmptyCorpusError instead of dividing by zero.
"""
from __future__ import annotations

import math

import numpy as np
from rank_bm25 import BM25Okapi

from .errors import EmptyCorpusError

VARIANT = "okapi-lucene-idf"


class _PinnedOkapi(BM25Okapi):
    def _calc_idf(self, nd):
        n_docs = self.corpus_size
        for word, df in nd.items():
            self.idf[word] = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        self.average_idf = (sum(self.idf.values()) / len(self.idf)) if self.idf else 0.0


class BM25Index:
    """Scores a tokenized query against tokenized documents."""

    variant = VARIANT

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75):
        if not docs:
            raise EmptyCorpusError("cannot build BM25 over an empty corpus; add at least one "
                                   "document with clauses (policyqa docs shows what is loaded)")
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1 (got k1={k1}, b={b})")
        self.docs = [list(d) for d in docs]
        if sum(len(d) for d in self.docs) == 0:
            raise EmptyCorpusError("every document is empty after tokenization; nothing to index")
        self._bm25 = _PinnedOkapi(self.docs, k1=k1, b=b)
        self.k1, self.b = k1, b

    def __len__(self) -> int:
        return len(self.docs)

    def idf(self, term: str) -> float:
        return float(self._bm25.idf.get(term, 0.0))

    def scores(self, query: list[str]) -> np.ndarray:
        """One score per document; unknown terms add nothing."""
        known = [t for t in query if t in self._bm25.idf]
        if not known:
            return np.zeros(len(self.docs))
        return np.asarray(self._bm25.get_scores(known), dtype=np.float64)

    def weighted_scores(self, query: dict[str, float]) -> np.ndarray:
        """Scores of a query whose terms carry weights: sum_t w_t * bm25(t, doc)."""
        out = np.zeros(len(self.docs))
        for term, w in query.items():
            if w and term in self._bm25.idf:
                out += w * np.asarray(self._bm25.get_scores([term]), dtype=np.float64)
        return out

    def doc_terms(self, doc: int) -> set[str] | dict:
        return self._bm25.doc_freqs[doc]

    def matched(self, query: list[str], doc: int) -> list[str]:
        """Query terms present in document `doc`, in query order."""
        return _matched(self, query, doc)

    def coverage(self, query: list[str], doc: int) -> float:
        return _coverage(self, query, doc)


def _matched(index, query: list[str], doc: int) -> list[str]:
    terms = index.doc_terms(doc)
    return [t for t in dict.fromkeys(query) if t in terms]


def _coverage(index, query: list[str], doc: int) -> float:
    """IDF-weighted share of the (distinct) query terms the document contains; 0..1.

    Terms the corpus never uses count with the IDF of a term seen once, so a question
    about something absent from the corpus gets a low coverage.
    """
    terms = list(dict.fromkeys(query))
    if not terms:
        return 0.0
    unseen = math.log(1.0 + (len(index) - 0.5) / 1.5)
    present = index.doc_terms(doc)
    weights = {t: (index.idf(t) or unseen) for t in terms}
    total = sum(weights.values())
    hit = sum(w for t, w in weights.items() if t in present)
    return hit / total if total else 0.0


class SparseBM25:
    """The same pinned variant as BM25Index, scored with a scipy sparse matrix.

    Each (document, term) weight idf·tf(k1+1)/(tf + k1(1-b+b·dl/avgdl)) is precomputed, so a
    query is one sparse matrix-vector product. Used by the benchmark to show where rank-bm25's
    per-document Python loop stops scaling; scores equal BM25Index's (tested).
    """

    variant = VARIANT

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75):
        from scipy import sparse
        if not docs:
            raise EmptyCorpusError("cannot build BM25 over an empty corpus")
        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.fromiter((len(d) for d in docs), dtype=np.float64, count=len(docs))
        for i, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in doc:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts.keys())
            tfs.extend(counts.values())
        if lengths.sum() == 0:
            raise EmptyCorpusError("every document is empty after tokenization; nothing to index")
        rows_a, cols_a = np.asarray(rows), np.asarray(cols)
        tf = np.asarray(tfs, dtype=np.float64)
        n = len(docs)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avgdl = lengths.mean()
        norm = k1 * (1 - b + b * lengths[rows_a] / avgdl)
        w = idf[cols_a] * tf * (k1 + 1) / (tf + norm)
        self.vocab = vocab
        self._terms = list(vocab)
        self._idf = idf
        self.matrix = sparse.csr_matrix((w, (rows_a, cols_a)), shape=(n, len(vocab)))
        self.matrix_csc = self.matrix.tocsc()
        self.docs = docs

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def idf(self, term: str) -> float:
        j = self.vocab.get(term)
        return float(self._idf[j]) if j is not None else 0.0

    def doc_terms(self, doc: int) -> set[str]:
        start, end = self.matrix.indptr[doc], self.matrix.indptr[doc + 1]
        return {self._terms[j] for j in self.matrix.indices[start:end]}

    def matched(self, query: list[str], doc: int) -> list[str]:
        return _matched(self, query, doc)

    def coverage(self, query: list[str], doc: int) -> float:
        return _coverage(self, query, doc)

    def scores(self, query: list[str]) -> np.ndarray:
        weights: dict[str, float] = {}
        for t in query:
            weights[t] = weights.get(t, 0.0) + 1.0
        return self.weighted_scores(weights)

    def weighted_scores(self, query: dict[str, float]) -> np.ndarray:
        """sum_t w_t * bm25(t, doc) as one sparse matrix-vector product."""
        cols = [(self.vocab[t], w) for t, w in query.items() if w and t in self.vocab]
        if not cols:
            return np.zeros(self.matrix.shape[0])
        idx = np.array([c for c, _ in cols])
        return np.asarray(self.matrix_csc[:, idx] @ np.array([w for _, w in cols])).ravel()


SPARSE_ABOVE = 5_000   # clauses; "auto" switches from rank-bm25 to SparseBM25 above this


def make_bm25(docs: list[list[str]], k1: float = 1.5, b: float = 0.75, impl: str = "auto"):
    """rank-bm25 (the reference) for small corpora, the identical sparse scorer for large."""
    if impl == "auto":
        impl = "rank-bm25" if len(docs) <= SPARSE_ABOVE else "sparse"
    if impl == "rank-bm25":
        return BM25Index(docs, k1=k1, b=b)
    if impl == "sparse":
        return SparseBM25(docs, k1=k1, b=b)
    raise ValueError(f"unknown BM25 implementation {impl!r}; use auto, rank-bm25 or sparse")
