"""Hybrid retrieval over a loaded index: the backend's BM25, bigram and dense runs and the
answered-example run, fused (settings.fusion) into Hits."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from indexer import abbrev
from indexer.backends import make_backend
from indexer.backends.embedded import top as _top
from indexer.encoders import Encoder
from indexer.fusion import combsum, ranks, rrf
from indexer.scopestats import lexical
from indexer.store import IndexData
from indexer.tokenize import query_tokens

from .types import Hit

METHODS = ("hybrid", "bm25", "bigram", "dense", "memory")


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
    bigram: dict[str, float]
    memory: dict[str, float]
    allowed: frozenset[str] | None = None   # the clause keys searched (None = all)

    def named(self) -> dict[str, dict[str, float]]:
        return {"bm25": self.bm25, "bigram": self.bigram, "dense": self.dense,
                "memory": self.memory}


class Searcher:
    def __init__(self, data: IndexData, encoder: Encoder, settings=None, backend=None):
        """`settings` rule query time (fusion, weights, depths); the index was built with
        `data.settings` (its index fields are checked by the index fingerprint). `backend`
        computes the lexical and dense runs; default the configured one (POLICYQA_BACKEND)."""
        self.data = data
        self.backend = backend or make_backend(data, encoder)
        self.encoder = encoder
        self.settings = settings or data.settings
        self._qvecs: dict[str, np.ndarray] = {}
        self._qlock = threading.Lock()
        self.doc_of = {p.doc.id: p.doc for p in data.documents}
        self.row_of = data.rows.row_of
        self._keys = data.rows.keys

    def runs(self, question: str, allowed: set[str] | None = None) -> Runs:
        return self.runs_for(question, self.query_terms(question, allowed),
                             self.query_vector(question), allowed)

    def query_terms(self, question: str, allowed: set[str] | None = None) -> list[str]:
        """The question's BM25 terms: its tokens, curated synonyms, and the terms its
        abbreviations stand for in the documents searched (settings.abbreviations)."""
        tokens = query_tokens(question)
        if self.settings.abbreviations:
            bm25 = self.bm25_for(allowed)
            extra = abbrev.of(bm25).expand(question, lambda t: bm25.df(t) > 0)
            tokens += [t for t in extra if t not in tokens]
        return tokens

    def query_vector(self, question: str) -> np.ndarray:
        """The encoded question; the last few are kept, so a second retrieval of the same
        question (ask widening its scope, a follow-up) does not encode it again."""
        with self._qlock:
            qvec = self._qvecs.get(question)
        if qvec is None:
            qvec = self.encoder.encode_queries([question])[0]
            with self._qlock:
                self._qvecs[question] = qvec
                while len(self._qvecs) > 64:
                    del self._qvecs[next(iter(self._qvecs))]
        return qvec

    def runs_for(self, question: str, tokens: list[str], qvec: np.ndarray,
                 allowed: set[str] | None = None) -> Runs:
        """The runs for an already tokenized and encoded query, each cut to the
        `fusion_depth` best clauses (all of them on a small corpus):
          bm25    jieba terms (+ curated synonyms at 1, 同义词词林 synonyms at `thesaurus`)
          bigram  character bigrams of the question
          dense   best passage cosine + `clause_vec` × whole-clause cosine
          memory  best cosine to an answered example question about the clause
        The first three come from the backend (indexer.backends: embedded or Milvus); the
        memory run is computed here, whichever backend runs."""
        lex = self.backend.runs(question, tokens, qvec, allowed, self.settings)
        return Runs(question, tuple(tokens), qvec, lex.bm25, lex.dense, lex.dense_rows,
                    lex.bigram, self._memory_run(question, qvec, allowed), allowed)

    def bm25_for(self, allowed) -> object:
        """The BM25 scorer whose statistics the backend's runs over `allowed` used — the
        scope's (indexer.scopestats) or the whole collection's (a backend with
        `scope_stats = False`, e.g. Milvus) — so term weights, coverage and the evidence
        agree with the run."""
        if not getattr(self.backend, "scope_stats", True):
            allowed = None
        return lexical(self.data, allowed, self.settings)[0]

    def _memory_run(self, question: str, qvec: np.ndarray, allowed: set[str] | None) -> dict[str, float]:
        s, data = self.settings, self.data
        mem = data.fields.memory(question, qvec, len(self._keys)) if s.w_memory else \
            np.full(len(self._keys), -np.inf)
        ok = data.rows.ok(allowed) & (mem >= s.memory_floor)     # settings.memory_floor
        mem = np.where(ok, mem, -np.inf)
        return {self._keys[i]: float(mem[i]) for i in _top(mem, s.fusion_depth) if np.isfinite(mem[i])}

    def fuse(self, runs: Runs, method: str = "hybrid") -> list[tuple[str, float]]:
        if method not in METHODS:
            raise SearchError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        if method != "hybrid":
            scored = runs.named()[method]
        else:
            s = self.settings
            weights = {"bm25": s.w_bm25, "bigram": s.w_bigram, "dense": s.w_dense,
                       "memory": s.w_memory}
            named = {m: r for m, r in runs.named().items() if weights[m] > 0}
            w = {m: weights[m] for m in named}
            if s.fusion == "rrf":
                scored, _ = rrf(named, k=s.rrf_k, weights=w)
            elif s.fusion in ("minmax", "z"):
                scored = combsum(named, w, s.fusion)
            else:
                raise SearchError(f"unknown fusion {s.fusion!r}; use rrf, minmax or z")
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))

    def hits(self, runs: Runs, method: str = "hybrid", top_k: int = 5) -> list[Hit]:
        if top_k < 1:
            raise SearchError(f"top-k must be at least 1 (got {top_k})")
        bm_rank, dn_rank, bg_rank = ranks(runs.bm25), ranks(runs.dense), ranks(runs.bigram)
        mm_rank = ranks(runs.memory)
        bm25 = self.bm25_for(runs.allowed)
        out = []
        for key, score in self.fuse(runs, method)[:top_k]:
            row = self.row_of[key]
            c = self.data.clauses[row]
            out.append(Hit.of(
                c, self.doc_of.get(c.doc_id), score,
                bm25_rank=bm_rank.get(key), dense_rank=dn_rank.get(key),
                bigram_rank=bg_rank.get(key), memory_rank=mm_rank.get(key),
                bm25_score=runs.bm25.get(key, 0.0), dense_score=runs.dense.get(key, 0.0),
                matched=tuple(bm25.matched(list(runs.tokens), row)),
                coverage=bm25.coverage(list(runs.tokens), row)))
        return out
