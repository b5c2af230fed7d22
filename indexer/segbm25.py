"""BM25 over a library stored as segments, scored with the statistics of the whole library
(or, `scoped(rows)`, of a subset of its rows: the documents a question is searched in).

The same pinned variant as bm25.BM25Index (Okapi k1, b; Lucene IDF log(1 + (N − n + 0.5)/(n + 0.5)))
and the same scores (tested against rank-bm25), but nothing is built at load: each segment's
postings are memory-mapped arrays, and a query term's document frequency n is counted from its
postings in every segment at query time, leaving out the rows of removed documents. N and the
average length are those of the live rows. Rows are global: segment rows are mapped through
`gmap` (−1 for a removed document's row).
"""
from __future__ import annotations

import math
import threading
from typing import Sequence

import numpy as np

from .bm25 import VARIANT, _coverage, _matched
from .errors import EmptyCorpusError
from .postings import Postings

CACHE = 4096   # terms whose merged postings are kept


def row_locations(gmaps: Sequence[np.ndarray], n_rows: int) -> np.ndarray:
    """(part, local row) of every global row, from each part's local → global map."""
    where = np.zeros((n_rows, 2), dtype=np.int64)
    for i, g in enumerate(gmaps):
        g = np.asarray(g, dtype=np.int64)
        live = g >= 0
        where[g[live], 0] = i
        where[g[live], 1] = np.nonzero(live)[0]
    return where


class _Scoring:
    """BM25 scoring from `postings(term)`, `n`, `k1` and the per-row length norm `_norm`."""

    def __len__(self) -> int:
        return self.n

    def df(self, term: str) -> int:
        return len(self.postings(term)[0])

    def idf(self, term: str) -> float:
        n = self.df(term)
        return math.log(1.0 + (self.n - n + 0.5) / (n + 0.5)) if n else 0.0

    def __contains__(self, term: str) -> bool:
        return self.df(term) > 0

    def weighted_scores(self, query: dict[str, float]) -> np.ndarray:
        """sum_t w_t * bm25(t, row) for every global row."""
        out = np.zeros(len(self._norm))
        for term, w in query.items():
            if not w:
                continue
            rows, tf = self.postings(term)
            if len(rows):
                out[rows] += w * self.idf(term) * tf * (self.k1 + 1) / (tf + self._norm[rows])
        return out

    def scores(self, query: list[str]) -> np.ndarray:
        weights: dict[str, float] = {}
        for t in query:
            weights[t] = weights.get(t, 0.0) + 1.0
        return self.weighted_scores(weights)

    def matched(self, query: list[str], row: int) -> list[str]:
        return _matched(self, query, row)

    def coverage(self, query: list[str], row: int) -> float:
        return _coverage(self, query, row)

    def _cached(self, term: str, compute):
        with self._lock:
            hit = self._cache.get(term)
        if hit is not None:
            return hit
        out = compute(term)
        with self._lock:
            if len(self._cache) >= CACHE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[term] = out
        return out


class SegmentedBM25(_Scoring):
    variant = VARIANT

    def __init__(self, parts: Sequence[tuple[Postings, np.ndarray]], n_rows: int,
                 k1: float = 1.5, b: float = 0.75, where: np.ndarray | None = None):
        """`where`: row_locations of the parts' maps, when the caller has it already."""
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1 (got k1={k1}, b={b})")
        if n_rows == 0:
            raise EmptyCorpusError("cannot build BM25 over an empty corpus; add at least one "
                                   "document with clauses (policyqa docs shows what is loaded)")
        self.parts = [(p, np.asarray(g, dtype=np.int64)) for p, g in parts]
        self.n = n_rows
        self.k1, self.b = k1, b
        self.lengths = np.zeros(n_rows, dtype=np.float64)
        for p, g in self.parts:
            live = g >= 0
            self.lengths[g[live]] = np.asarray(p.lengths)[live]
        self._where = row_locations([g for _, g in self.parts], n_rows) if where is None else where
        if self.lengths.sum() == 0:
            raise EmptyCorpusError("every document is empty after tokenization; nothing to index")
        self.avgdl = float(self.lengths.mean())
        self._norm = k1 * (1 - b + b * self.lengths / self.avgdl)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()          # the web server searches from several threads

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(global rows, term frequencies) of a term over the live rows."""
        return self._cached(term, self._postings)

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows, tfs = [], []
        for p, g in self.parts:
            r, tf = p.term(term)
            if len(r):
                gr = g[r]
                live = gr >= 0
                rows.append(gr[live])
                tfs.append(np.asarray(tf)[live])
        return (np.concatenate(rows), np.concatenate(tfs).astype(np.float64)) if rows else \
            (np.zeros(0, np.int64), np.zeros(0, np.float64))

    def doc_terms(self, row: int) -> set[str]:
        part, local = self._where[row]
        return self.parts[int(part)][0].row_terms(int(local))

    def scoped(self, rows: np.ndarray | None) -> "_Scoring":
        """The same index scored with the statistics (N, document frequencies, average
        length) of the rows in the boolean mask `rows` only — the documents a question is
        searched in; itself for None or every row."""
        if rows is None or bool(rows.all()):
            return self
        return ScopedBM25(self, rows)


class ScopedBM25(_Scoring):
    """A SegmentedBM25 restricted to a set of rows, as if the index held only them: scores
    equal those of an index built from exactly those rows (tested), zero elsewhere."""
    variant = VARIANT

    def __init__(self, base: SegmentedBM25, rows: np.ndarray):
        self.base, self.mask = base, np.asarray(rows, dtype=bool)
        self.n = int(self.mask.sum())
        self.k1, self.b = base.k1, base.b
        self.avgdl = float(base.lengths[self.mask].mean()) if self.n else 0.0
        self.avgdl = self.avgdl or 1.0           # a scope of empty rows scores nothing anyway
        self._norm = self.k1 * (1 - self.b + self.b * base.lengths / self.avgdl)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        return self._cached(term, self._postings)

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows, tf = self.base.postings(term)
        keep = self.mask[rows]
        return rows[keep], tf[keep]

    def doc_terms(self, row: int) -> set[str]:
        return self.base.doc_terms(row)
