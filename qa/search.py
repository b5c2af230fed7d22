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
        self.titles = {p.doc.id: p.doc.title for p in data.documents}
        self.row_of = {c.key: i for i, c in enumerate(data.clauses)}

    def runs(self, question: str, allowed: set[str] | None = None) -> Runs:
        tokens = query_tokens(question)
        qvec = self.encoder.encode_queries([question])[0]
        bm = self.data.bm25.scores(tokens)
        best, best_row = self.data.dense.search(qvec, self.settings.dense_sentences)
        keys = [c.key for c in self.data.clauses]
        # the preamble states the basis, not a measure: it is never a search result
        # (questions about the document reach it through PolicyQA.pinned)
        measures = {c.key for c in self.data.clauses if c.no != 0}
        allowed = measures if allowed is None else (set(allowed) & measures)
        keep = allowed.__contains__
        bm25_run = {k: float(s) for k, s in zip(keys, bm) if s > 0 and keep(k)}
        dense_run = {k: float(s) for k, s in zip(keys, best) if np.isfinite(s) and keep(k)}
        rows = {k: int(r) for k, r in zip(keys, best_row) if r >= 0 and keep(k)}
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
            out.append(Hit(
                clause=c, doc_title=self.titles.get(c.doc_id, c.doc_id), score=score,
                bm25_rank=bm_rank.get(key), dense_rank=dn_rank.get(key),
                bm25_score=runs.bm25.get(key, 0.0), dense_score=runs.dense.get(key, 0.0),
                matched=tuple(self.data.bm25.matched(list(runs.tokens), row)),
                coverage=self.data.bm25.coverage(list(runs.tokens), row)))
        return out

    def search(self, question: str, top_k: int = 5, method: str = "hybrid") -> list[Hit]:
        if not question or not question.strip():
            raise SearchError("the question is empty; type a question in Chinese")
        return self.hits(self.runs(question), method, top_k)
