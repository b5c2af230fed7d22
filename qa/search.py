"""Hybrid retrieval over a loaded index: BM25 and dense runs, fused by RRF into Hits."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.encoders import Encoder
from indexer.fusion import ranks, rrf
from indexer.store import IndexData
from indexer.tokenize import query_tokens

from .types import Hit

METHODS = ("hybrid", "bm25", "dense")


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (unordered beyond that); all when k >= len."""
    if k >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]


class SearchError(ValueError):
    """A search call with arguments that cannot work; the message says how to fix it."""


@dataclass(frozen=True)
class Runs:
    """Everything one query produced; runs are {clause_key: score}."""
    question: str
    tokens: tuple[str, ...]
    qvec: np.ndarray
    bm25: dict[str, float]
    dense: dict[str, float]
    dense_rows: dict[str, int]         # best sentence row per clause


class Searcher:
    def __init__(self, data: IndexData, encoder: Encoder):
        self.data = data
        self.encoder = encoder
        self.settings = data.settings
        self.doc_of = {p.doc.id: p.doc for p in data.documents}
        self.row_of = {c.key: i for i, c in enumerate(data.clauses)}
        self._keys = np.array([c.key for c in data.clauses], dtype=object)
        # the preamble states the basis, not a measure: it is never a search result
        # (questions about the document reach it through PolicyQA.pinned)
        self._mask = np.array([c.no != 0 for c in data.clauses], dtype=bool)

    def runs(self, question: str, allowed: set[str] | None = None) -> Runs:
        tokens = query_tokens(question)
        qvec = self.encoder.encode_queries([question])[0]
        return self.runs_for(question, tokens, qvec, allowed)

    def runs_for(self, question: str, tokens: list[str], qvec: np.ndarray,
                 allowed: set[str] | None = None) -> Runs:
        """Both runs for an already tokenized and encoded query, each cut to the
        `fusion_depth` best clauses (all of them on a small corpus)."""
        depth = self.settings.fusion_depth
        bm = self.data.bm25.scores(tokens)
        best, best_row = self.data.dense.search(qvec, self.settings.dense_sentences)
        ok = self._mask if allowed is None else self._mask & np.isin(self._keys, list(allowed))
        bm = np.where(ok & (bm > 0), bm, 0.0)
        best = np.where(ok, best, -np.inf)
        bm25_run = {self._keys[i]: float(bm[i]) for i in _top(bm, depth) if bm[i] > 0}
        dense_run = {self._keys[i]: float(best[i]) for i in _top(best, depth) if np.isfinite(best[i])}
        rows = {k: int(best_row[self.row_of[k]]) for k in dense_run}
        return Runs(question, tuple(tokens), qvec, bm25_run, dense_run, rows)

    def fuse(self, runs: Runs, method: str = "hybrid") -> list[tuple[str, float]]:
        if method not in METHODS:
            raise SearchError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        if method == "bm25":
            scored = runs.bm25
        elif method == "dense":
            scored = runs.dense
        else:
            s = self.settings
            scored, _ = rrf({"bm25": runs.bm25, "dense": runs.dense}, k=s.rrf_k,
                            weights={"bm25": s.w_bm25, "dense": s.w_dense})
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))

    def hits(self, runs: Runs, method: str = "hybrid", top_k: int = 5) -> list[Hit]:
        if top_k < 1:
            raise SearchError(f"top-k must be at least 1 (got {top_k})")
        bm_rank, dn_rank = ranks(runs.bm25), ranks(runs.dense)
        out = []
        for key, score in self.fuse(runs, method)[:top_k]:
            row = self.row_of[key]
            c = self.data.clauses[row]
            out.append(Hit.of(
                c, self.doc_of.get(c.doc_id), score,
                bm25_rank=bm_rank.get(key), dense_rank=dn_rank.get(key),
                bm25_score=runs.bm25.get(key, 0.0), dense_score=runs.dense.get(key, 0.0),
                matched=tuple(self.data.bm25.matched(list(runs.tokens), row)),
                coverage=self.data.bm25.coverage(list(runs.tokens), row)))
        return out
